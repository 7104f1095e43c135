"""The report endpoints (``/api/reports/...``) as typed calls: figures for the Analytics tab.

No Qt: the dashboard runs these through the :class:`~desktop.tasks.TaskRunner`. Each report is
fetched as the server's JSON body (:meth:`ReportsClient.fetch`, which the local cache keeps as
is for offline reading) and parsed with the schemas the server answers with
(:mod:`ticketing.report_schemas`), so the wire shape is written once for both sides. The filters
are checked with the server's :class:`ReportQuery` before anything is sent.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlencode

from pydantic import BaseModel, ValidationError

from desktop.net.api import ApiClient, ApiError
from ticketing.report_schemas import (
    AgentRow,
    AgentsReport,
    BacklogReport,
    CategoriesReport,
    CategoryRow,
    DeflectionReport,
    DeflectionRow,
    DurationFigures,
    FirstResponseFigures,
    ReportQuery,
    ResolutionReport,
    ResolutionRow,
    SlaAgentRow,
    SlaPeriodRow,
    SlaPriorityRow,
    SlaReport,
    TermCount,
    VolumeReport,
    VolumeRow,
    met_share,
)
from ticketing.report_schemas import ReportInterval as Interval

__all__ = [
    "AgentRow",
    "AgentsReport",
    "BacklogReport",
    "CategoriesReport",
    "CategoryRow",
    "DeflectionReport",
    "DeflectionRow",
    "DurationFigures",
    "FirstResponseFigures",
    "Interval",
    "Report",
    "ReportFilters",
    "ReportName",
    "ReportsClient",
    "ResolutionReport",
    "ResolutionRow",
    "SlaAgentRow",
    "SlaPeriodRow",
    "SlaPriorityRow",
    "SlaReport",
    "TermCount",
    "VolumeReport",
    "VolumeRow",
    "met_share",
    "parse",
    "report_path",
]


class ReportName(enum.StrEnum):
    """The reports the server answers, by their path under ``/api/reports/``."""

    VOLUME = "volume"
    BACKLOG = "backlog"
    RESOLUTION = "resolution"
    AGENTS = "agents"
    CATEGORIES = "categories"
    DEFLECTION = "deflection"
    SLA = "sla"


@dataclass(frozen=True)
class ReportFilters:
    """The filters every report takes; ``None`` leaves a filter out (the server's default)."""

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

    def checked(self) -> ReportQuery:
        """The filters as the server reads them; a filter it would refuse raises ``ValueError``."""
        return ReportQuery.model_validate(self.params())


Report = (
    VolumeReport
    | BacklogReport
    | ResolutionReport
    | AgentsReport
    | CategoriesReport
    | DeflectionReport
    | SlaReport
)

_MODELS: dict[ReportName, type[BaseModel]] = {
    ReportName.VOLUME: VolumeReport,
    ReportName.BACKLOG: BacklogReport,
    ReportName.RESOLUTION: ResolutionReport,
    ReportName.AGENTS: AgentsReport,
    ReportName.CATEGORIES: CategoriesReport,
    ReportName.DEFLECTION: DeflectionReport,
    ReportName.SLA: SlaReport,
}


def parse(report: ReportName, body: Any) -> Report:
    """The report's JSON body as its schema; a body of the wrong shape is an :class:`ApiError`."""
    try:
        return cast(Report, _MODELS[report].model_validate(body))
    except ValidationError as error:
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
        filters.checked()
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

    def deflection(self, filters: ReportFilters) -> DeflectionReport:
        return cast(DeflectionReport, self.get(ReportName.DEFLECTION, filters))

    def sla(self, filters: ReportFilters) -> SlaReport:
        return cast(SlaReport, self.get(ReportName.SLA, filters))

    def download_csv(self, report: ReportName, filters: ReportFilters, destination: Path) -> None:
        """Stream the report's CSV (every row, no cap) into ``destination``, whole or not at all."""
        filters.checked()
        self.api.download(report_path(report, filters, csv=True), destination)
