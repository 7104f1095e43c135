"""The report endpoints (``/api/reports/...``) as typed calls: figures for the Analytics tab.

No Qt: the dashboard runs these through the :class:`~desktop.tasks.TaskRunner`. Each report is
fetched as the server's JSON body (:meth:`ReportsClient.fetch`, which the local cache keeps as
is for offline reading) and parsed into small frozen dataclasses here (:func:`parse`), so the
windows never read raw dicts and a change of the wire schema is met in one module.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from desktop.net.api import ApiClient, ApiError


class ReportName(enum.StrEnum):
    """The reports the server answers, by their path under ``/api/reports/``."""

    VOLUME = "volume"
    BACKLOG = "backlog"
    RESOLUTION = "resolution"
    AGENTS = "agents"
    CATEGORIES = "categories"


class Interval(enum.StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True)
class ReportFilters:
    """The filters every report takes; ``None`` leaves a filter out."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    category_id: str | None = None
    priority: str | None = None
    interval: Interval | None = None

    def params(self) -> dict[str, str]:
        """The query parameters, in a fixed order (they also name the cached snapshot)."""
        pairs = {
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "category_id": self.category_id,
            "priority": self.priority,
            "interval": self.interval.value if self.interval else None,
        }
        return {key: value for key, value in pairs.items() if value is not None}

    def query(self) -> str:
        return urlencode(self.params())


# --- the answers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class VolumePoint:
    period: str
    created: int
    resolved: int
    reopened: int


@dataclass(frozen=True)
class VolumeReport:
    series: list[VolumePoint]


@dataclass(frozen=True)
class OpenAge:
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class BacklogReport:
    by_status: dict[str, int]
    by_priority: dict[str, int]
    by_status_priority: dict[str, dict[str, int]]
    open_age_days: OpenAge


@dataclass(frozen=True)
class Durations:
    """Minutes: how many tickets were measured, and their mean, median and 90th percentile."""

    count: int
    mean: float | None
    median: float | None
    p90: float | None
    without_response: int = 0


@dataclass(frozen=True)
class ResolutionPoint:
    period: str
    median_resolution_minutes: float | None
    median_first_response_minutes: float | None
    p90_resolution_minutes: float | None
    p90_first_response_minutes: float | None


@dataclass(frozen=True)
class ResolutionReport:
    resolution_minutes: Durations
    first_response_minutes: Durations
    series: list[ResolutionPoint]


@dataclass(frozen=True)
class AgentRow:
    agent_id: str
    name: str
    assigned: int
    resolved: int
    median_resolution_minutes: float | None
    median_first_response_minutes: float | None
    reopened: int
    public_replies: int
    internal_notes: int


@dataclass(frozen=True)
class AgentsReport:
    agents: list[AgentRow]


@dataclass(frozen=True)
class CategoryRow:
    category_id: str | None
    name: str
    created: int
    share: float
    median_resolution_minutes: float | None


@dataclass(frozen=True)
class TermRow:
    term: str
    count: int


@dataclass(frozen=True)
class CategoriesReport:
    categories: list[CategoryRow]
    terms: list[TermRow] = field(default_factory=list)


Report = VolumeReport | BacklogReport | ResolutionReport | AgentsReport | CategoriesReport


# --- parsing ----------------------------------------------------------------------------------

T = TypeVar("T")


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {value!r}")
    return int(value)


def _num(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number or null, got {value!r}")
    return float(value)


def _counts(value: Any) -> dict[str, int]:
    if not isinstance(value, Mapping):
        raise TypeError(f"expected an object, got {value!r}")
    return {str(key): _int(count) for key, count in value.items()}


def _durations(body: Mapping[str, Any]) -> Durations:
    return Durations(
        count=_int(body.get("count", 0)),
        mean=_num(body.get("mean")),
        median=_num(body.get("median")),
        p90=_num(body.get("p90")),
        without_response=_int(body.get("without_response", 0)),
    )


def _rows(body: Any, key: str, make: Callable[[Mapping[str, Any]], T]) -> list[T]:
    rows = body.get(key, [])
    if not isinstance(rows, list):
        raise TypeError(f"{key}: expected a list")
    return [make(row) for row in rows]


def _volume(body: Mapping[str, Any]) -> VolumeReport:
    return VolumeReport(
        _rows(
            body,
            "series",
            lambda r: VolumePoint(
                str(r["period"]), _int(r["created"]), _int(r["resolved"]), _int(r["reopened"])
            ),
        )
    )


def _backlog(body: Mapping[str, Any]) -> BacklogReport:
    nested = body.get("by_status_priority") or {}
    age = body.get("open_age_days") or {}
    return BacklogReport(
        by_status=_counts(body["by_status"]),
        by_priority=_counts(body["by_priority"]),
        by_status_priority={str(status): _counts(counts) for status, counts in nested.items()},
        open_age_days=OpenAge(_num(age.get("median")), _num(age.get("p90"))),
    )


def _resolution(body: Mapping[str, Any]) -> ResolutionReport:
    return ResolutionReport(
        resolution_minutes=_durations(body["resolution_minutes"]),
        first_response_minutes=_durations(body["first_response_minutes"]),
        series=_rows(
            body,
            "series",
            lambda r: ResolutionPoint(
                str(r["period"]),
                _num(r.get("median_resolution_minutes")),
                _num(r.get("median_first_response_minutes")),
                _num(r.get("p90_resolution_minutes")),
                _num(r.get("p90_first_response_minutes")),
            ),
        ),
    )


def _agents(body: Mapping[str, Any]) -> AgentsReport:
    return AgentsReport(
        _rows(
            body,
            "agents",
            lambda r: AgentRow(
                agent_id=str(r["agent_id"]),
                name=str(r["name"]),
                assigned=_int(r["assigned"]),
                resolved=_int(r["resolved"]),
                median_resolution_minutes=_num(r.get("median_resolution_minutes")),
                median_first_response_minutes=_num(r.get("median_first_response_minutes")),
                reopened=_int(r["reopened"]),
                public_replies=_int(r["public_replies"]),
                internal_notes=_int(r["internal_notes"]),
            ),
        )
    )


def _categories(body: Mapping[str, Any]) -> CategoriesReport:
    return CategoriesReport(
        categories=_rows(
            body,
            "categories",
            lambda r: CategoryRow(
                category_id=None if r.get("category_id") is None else str(r["category_id"]),
                name=str(r["name"]),
                created=_int(r["created"]),
                share=float(_num(r["share"]) or 0.0),
                median_resolution_minutes=_num(r.get("median_resolution_minutes")),
            ),
        ),
        terms=_rows(body, "terms", lambda r: TermRow(str(r["term"]), _int(r["count"]))),
    )


_PARSERS: dict[ReportName, Callable[[Mapping[str, Any]], Report]] = {
    ReportName.VOLUME: _volume,
    ReportName.BACKLOG: _backlog,
    ReportName.RESOLUTION: _resolution,
    ReportName.AGENTS: _agents,
    ReportName.CATEGORIES: _categories,
}


def parse(report: ReportName, body: Any) -> Report:
    """The report's JSON body as its dataclass; a body of the wrong shape is an :class:`ApiError`."""
    try:
        if not isinstance(body, Mapping):
            raise TypeError("expected an object")
        return _PARSERS[report](body)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ApiError(200, "bad_response", f"Unexpected {report} report from the server: {error}") from error


def report_path(report: ReportName, filters: ReportFilters, *, csv: bool = False) -> str:
    params = filters.params()
    if csv:
        params["format"] = "csv"
    query = urlencode(params)
    return f"/api/reports/{report.value}" + (f"?{query}" if query else "")


class ReportsClient:
    """Report calls over one logged-in :class:`ApiClient` (thread-safe like it)."""

    def __init__(self, api: ApiClient) -> None:
        self.api = api

    def fetch(self, report: ReportName, filters: ReportFilters) -> Any:
        """The report's JSON body as the server sent it."""
        return self.api.request("GET", report_path(report, filters))

    def get(self, report: ReportName, filters: ReportFilters) -> Report:
        return parse(report, self.fetch(report, filters))

    def volume(self, filters: ReportFilters) -> VolumeReport:
        return cast(VolumeReport, self.get(ReportName.VOLUME, filters))

    def backlog(self, filters: ReportFilters) -> BacklogReport:
        return cast(BacklogReport, self.get(ReportName.BACKLOG, filters))

    def resolution(self, filters: ReportFilters) -> ResolutionReport:
        return cast(ResolutionReport, self.get(ReportName.RESOLUTION, filters))

    def agents(self, filters: ReportFilters) -> AgentsReport:
        """Every agent's row for admins; an agent's own row only for an agent."""
        return cast(AgentsReport, self.get(ReportName.AGENTS, filters))

    def categories(self, filters: ReportFilters) -> CategoriesReport:
        return cast(CategoriesReport, self.get(ReportName.CATEGORIES, filters))

    def download_csv(self, report: ReportName, filters: ReportFilters, destination: Path) -> None:
        """Stream the report's CSV (every row, no cap) into ``destination``, whole or not at all."""
        self.api.download(report_path(report, filters, csv=True), destination)
