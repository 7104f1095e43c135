"""The report API's filters and answers, shared by the server (to answer) and the client (to draw).

Every report takes the same :class:`ReportQuery`; dates are calendar days in the server's
configured time zone (``ServerSettings.reports.time_zone``), both ends included. Minutes and
days are floats; a median, mean or p90 over no tickets is ``null``.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from ticketing.schemas import Input, IsoDate, SafeStr

#: Dates the reports accept (wide enough for any help desk, narrow enough that a day after the
#: last one still exists).
EARLIEST_DATE = dt.date(1970, 1, 1)
LATEST_DATE = dt.date(2999, 12, 31)
#: A day-by-day series covers at most this many days (a longer range is asked by week or month).
MAX_DAY_SERIES = 1_000
#: Any report covers at most this many days.
MAX_RANGE_DAYS = 40 * 366
DEFAULT_RANGE_DAYS = 30
DEFAULT_TERMS = 20

ReportDate = Annotated[IsoDate, Field(ge=EARLIEST_DATE, le=LATEST_DATE)]


class ReportInterval(enum.StrEnum):
    """The length of one period of a series; a period is named by its first day (weeks start
    on Monday, as PostgreSQL's ``date_trunc('week', ...)`` has them)."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class ReportQuery(Input):
    """The filters every report takes (``interval`` matters only where a series is drawn,
    ``limit`` only for the categories' terms)."""

    from_: ReportDate | None = Field(
        default=None,
        alias="from",
        description=f"First day, included (default: {DEFAULT_RANGE_DAYS} days ending with `to`).",
    )
    to: ReportDate | None = Field(default=None, description="Last day, included (default: today).")
    category_id: uuid.UUID | None = None
    priority: Annotated[SafeStr, StringConstraints(min_length=1, max_length=60)] | None = Field(
        default=None, description="A priority's key."
    )
    interval: ReportInterval = ReportInterval.WEEK
    format: Literal["json", "csv"] = Field(default="json", description="`csv`: every row as CSV.")
    limit: int = Field(default=DEFAULT_TERMS, ge=1, le=1_000, description="How many terms (categories).")

    model_config = {"extra": "forbid", "populate_by_name": True}


# --- answers --------------------------------------------------------------------------------


class VolumeRow(BaseModel):
    period: dt.date = Field(description="The period's first day.")
    created: int
    resolved: int = Field(description="Resolved or Closed now, their latest resolution in the period.")
    reopened: int = Field(description="Resolved -> Open transitions in the period.")


class VolumeReport(BaseModel):
    series: list[VolumeRow]


class AgeFigures(BaseModel):
    median: float | None
    p90: float | None


class BacklogReport(BaseModel):
    by_status: dict[str, int] = Field(description="Every status but Closed, zeros included.")
    by_priority: dict[str, int] = Field(description="Every priority (by key), zeros included.")
    by_status_priority: dict[str, dict[str, int]] = Field(description="Status -> priority -> count.")
    open_age_days: AgeFigures


class DurationFigures(BaseModel):
    count: int
    mean: float | None
    median: float | None
    p90: float | None


class FirstResponseFigures(DurationFigures):
    without_response: int


class ResolutionRow(BaseModel):
    period: dt.date
    median_resolution_minutes: float | None
    median_first_response_minutes: float | None
    p90_resolution_minutes: float | None
    p90_first_response_minutes: float | None


class ResolutionReport(BaseModel):
    resolution_minutes: DurationFigures
    first_response_minutes: FirstResponseFigures
    series: list[ResolutionRow]


class AgentRow(BaseModel):
    agent_id: uuid.UUID
    name: str
    assigned: int
    resolved: int
    median_resolution_minutes: float | None
    median_first_response_minutes: float | None
    reopened: int
    public_replies: int
    internal_notes: int


class AgentsReport(BaseModel):
    agents: list[AgentRow]


class CategoryRow(BaseModel):
    category_id: uuid.UUID
    name: str
    created: int
    share: float = Field(description="Of the tickets created in the range, 0..1.")
    median_resolution_minutes: float | None


class TermCount(BaseModel):
    term: str
    count: int = Field(description="Tickets whose title has the word.")


class CategoriesReport(BaseModel):
    categories: list[CategoryRow]
    terms: list[TermCount]


class DeflectionRow(BaseModel):
    period: dt.date = Field(description="The period's first day.")
    shown: int = Field(description="Distinct suggestions shown, summed over the form sessions.")
    opened: int = Field(description="Distinct suggestions opened, summed over the form sessions.")
    deflected: int = Field(description="Form sessions left without a ticket after opening a suggestion.")


class DeflectionReport(BaseModel):
    series: list[DeflectionRow]


def met_share(met: int, total: int) -> float | None:
    """The share of counted targets met, 0..1 (``None`` when none was counted)."""
    return met / total if total else None


# How a target is counted in the SLA report: met, and counted (met, missed, or no longer owed;
# a target still running and not yet due is left out, its outcome not known yet).
class SlaPeriodRow(BaseModel):
    period: dt.date = Field(description="The first day of the period the tickets were created in.")
    first_response_met: int
    first_response_total: int
    resolution_met: int
    resolution_total: int


class SlaAgentRow(BaseModel):
    agent_id: uuid.UUID
    agent_name: str
    first_response_met: int
    first_response_total: int
    resolution_met: int
    resolution_total: int


class SlaPriorityRow(BaseModel):
    priority: str = Field(description="A priority's key.")
    first_response_met: int
    first_response_total: int
    resolution_met: int
    resolution_total: int


class SlaReport(BaseModel):
    """Service-level targets of the tickets created in the range: per period of creation, per
    agent assigned now (every active agent and admin), per priority (every one, most urgent first)."""

    series: list[SlaPeriodRow]
    agents: list[SlaAgentRow]
    priorities: list[SlaPriorityRow]
