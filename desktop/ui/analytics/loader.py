"""Fetch a set of reports for one set of filters, or, offline, read their last snapshots.

Plain work for a pool thread (no widgets): each answer is kept in the cache as it arrives
(:mod:`desktop.store.report_snapshots`); when the server cannot be reached, the last figures
for the same filters come back instead, with the time they were fetched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from desktop.net.api import Unreachable
from desktop.net.reports import Report, ReportFilters, ReportName, ReportsClient, parse
from desktop.store import report_snapshots
from desktop.store.database import Store


@dataclass(frozen=True)
class Loaded:
    """The reports asked for; ``offline_as_of`` is set when they are snapshots, not fresh."""

    reports: dict[ReportName, Report]
    offline_as_of: dt.datetime | None = None


class NothingCached(Exception):
    """Offline, and these figures were never loaded on this computer."""

    def __init__(self, cause: Unreachable) -> None:
        super().__init__(str(cause))
        self.cause = cause


def snapshot_key(report: ReportName, filters: ReportFilters) -> str:
    return f"{report.value}?{filters.query()}"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def load_reports(
    client: ReportsClient,
    store: Store,
    reports: Sequence[ReportName],
    filters: ReportFilters,
    now: Callable[[], dt.datetime] = _now,
) -> Loaded:
    """Fetch ``reports`` (keeping each answer); offline, their snapshots (oldest time wins)."""
    fetched: dict[ReportName, Report] = {}
    try:
        for report in reports:
            body = client.fetch(report, filters)
            fetched[report] = parse(report, body)
            report_snapshots.save(store, snapshot_key(report, filters), body, now())
    except Unreachable as error:
        return _from_snapshots(store, reports, filters, error)
    return Loaded(fetched)


def _from_snapshots(
    store: Store, reports: Sequence[ReportName], filters: ReportFilters, error: Unreachable
) -> Loaded:
    kept: dict[ReportName, Report] = {}
    times: list[dt.datetime] = []
    for report in reports:
        snapshot = report_snapshots.load(store, snapshot_key(report, filters))
        if snapshot is None:
            raise NothingCached(error) from error
        kept[report] = parse(report, snapshot.body)
        times.append(snapshot.fetched_at)
    return Loaded(kept, offline_as_of=min(times))
