"""The filters every report shares, checked once and turned into SQL fragments and parameters.

A report's range is two calendar dates in the configured time zone; in SQL it is the half-open
interval ``[lo, hi)`` of instants, so that an index on a ``timestamptz`` column serves it. Every
fragment is parameterized: the only text spliced into SQL is chosen here from fixed strings.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from sync_server.db.models import Category, PriorityLevel
from sync_server.errors import Conflict, Invalid
from sync_server.services import clock, settings_store
from ticketing.domain import Status
from ticketing.report_schemas import (
    DEFAULT_RANGE_DAYS,
    MAX_DAY_SERIES,
    MAX_RANGE_DAYS,
    ReportInterval,
    ReportQuery,
)

#: Statuses of a ticket counted as resolved (with its ``resolved_at``, the latest resolution).
RESOLVED_STATUSES = f"('{Status.RESOLVED.value}', '{Status.CLOSED.value}')"
#: The range as instants: from the first day's midnight in the zone to the midnight after the
#: last day.
_LO = "(CAST(:first_day AS date)::timestamp AT TIME ZONE :tz)"
_HI = "((CAST(:last_day AS date) + 1)::timestamp AT TIME ZONE :tz)"
#: Memory for one report's sorts (medians and percentiles sort their values): with the default
#: 4 MB a year of tickets sorts on disk.
REPORT_WORK_MEM = "64MB"
#: Set for each report's transaction: the sorts' memory, and no JIT. The joins of per-period
#: counts are estimated at millions of rows, which makes PostgreSQL compile the query (about
#: 350 ms) to run over a few dozen.
_REPORT_SETTINGS = (f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'", "SET LOCAL jit = off")
_STEPS = {ReportInterval.DAY: "1 day", ReportInterval.WEEK: "1 week", ReportInterval.MONTH: "1 month"}


def _invalid(field: str, message: str) -> Invalid:
    return Invalid(
        f"Invalid request: {field}: {message}",
        code="validation_error",
        fields=[{"field": field, "message": message}],
    )


@dataclass(frozen=True)
class ReportFilter:
    """One report request's range, zone, series interval and ticket filters."""

    first_day: dt.date
    last_day: dt.date
    time_zone: str
    interval: ReportInterval
    category_id: uuid.UUID | None
    priority: str | None
    now: dt.datetime

    def params(self) -> dict[str, Any]:
        """The bind parameters every fragment below uses."""
        return {
            "first_day": self.first_day,
            "last_day": self.last_day,
            "tz": self.time_zone,
            "unit": self.interval.value,
            "step": _STEPS[self.interval],
            "category_id": self.category_id,
            "priority": self.priority,
            "now": self.now,
        }

    def tickets(self, alias: str = "t") -> str:
        """``AND ...`` for the category and priority filters on tickets ``alias``."""
        parts = []
        if self.category_id is not None:
            parts.append(f" AND {alias}.category_id = :category_id")
        if self.priority is not None:
            parts.append(f" AND {alias}.priority = :priority")
        return "".join(parts)

    @property
    def filters_tickets(self) -> bool:
        return self.category_id is not None or self.priority is not None

    @staticmethod
    def within(column: str) -> str:
        """``column`` (a ``timestamptz``) falls on one of the range's days in the zone.

        The bounds are written out rather than read from a CTE so that the planner sees their
        values and estimates how many rows a range holds (a CTE's value it cannot know)."""
        return f"({column} >= {_LO} AND {column} < {_HI})"

    @staticmethod
    def period_of(column: str) -> str:
        """The first day of the period ``column`` falls in, in the zone."""
        return f"date_trunc(:unit, {column} AT TIME ZONE :tz)::date"


#: Every period of the range, empty ones included, by its first day.
PERIODS = """periods AS (
    SELECT generate_series(
        date_trunc(:unit, CAST(:first_day AS date)::timestamp),
        CAST(:last_day AS date)::timestamp,
        CAST(:step AS interval)
    )::date AS period
)"""


def resolve(session: Session, query: ReportQuery) -> ReportFilter:
    """The query's filters with defaults filled in; a bad one is a 422 (a date) or a 409 (a
    category or priority that does not exist), naming the field."""
    time_zone = settings_store.report_time_zone(session)
    now = clock.now()
    today = now.astimezone(zoneinfo.ZoneInfo(time_zone)).date()
    last_day = query.to or max(today, query.from_ or today)
    first_day = query.from_ or last_day - dt.timedelta(days=DEFAULT_RANGE_DAYS - 1)
    if first_day > last_day:
        raise _invalid("from", f"'from' ({first_day}) is after 'to' ({last_day})")
    days = (last_day - first_day).days + 1
    if days > MAX_RANGE_DAYS:
        raise _invalid("from", f"the range covers {days} days; at most {MAX_RANGE_DAYS}")
    if query.interval == ReportInterval.DAY and days > MAX_DAY_SERIES:
        raise _invalid(
            "interval",
            f"the range covers {days} days; a daily series covers at most {MAX_DAY_SERIES} days:"
            " ask by week or month",
        )
    if query.category_id is not None and session.get(Category, query.category_id) is None:
        raise Conflict(
            f"No category {query.category_id}.",
            code="unknown_category",
            fields=[{"field": "category_id", "message": "no such category"}],
        )
    if query.priority is not None and (
        session.scalar(select(PriorityLevel.id).where(PriorityLevel.key == query.priority)) is None
    ):
        raise Conflict(
            f"No priority {query.priority!r}.",
            code="unknown_priority",
            fields=[{"field": "priority", "message": "no such priority"}],
        )
    for setting in _REPORT_SETTINGS:
        session.execute(text(setting))
    return ReportFilter(
        first_day=first_day,
        last_day=last_day,
        time_zone=time_zone,
        interval=query.interval,
        category_id=query.category_id,
        priority=query.priority,
        now=now,
    )


def minutes(later: str, earlier: str) -> str:
    """Minutes from ``earlier`` to ``later`` as a float expression."""
    return f"(extract(epoch FROM ({later} - {earlier})) / 60.0)::float8"
