"""Reports for admins (agents: their own row of the agents report), as JSON or CSV."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from sync_server.api.deps import AdminDep, SessionDep, StaffDep, errors
from sync_server.services.reports import (
    agents,
    backlog,
    categories,
    csv_export,
    deflection,
    resolution,
    sla,
    volume,
)
from sync_server.services.reports.filters import ReportFilter, resolve
from ticketing.report_schemas import (
    AgentsReport,
    BacklogReport,
    CategoriesReport,
    DeflectionReport,
    ReportQuery,
    ResolutionReport,
    SlaReport,
    VolumeReport,
)

router = APIRouter(prefix="/api/reports", tags=["reports"])

QueryDep = Annotated[ReportQuery, Query()]

#: Every report may answer CSV instead (``format=csv``), and names a category or priority that
#: must exist (409 otherwise).
_RESPONSES: dict[int | str, dict[str, Any]] = {
    **errors(403, 409),
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
}


def _answer(
    name: str, query: ReportQuery, session: Session, build: Callable[[ReportFilter], BaseModel]
) -> Any:
    """The report as JSON, or as a streamed CSV file named after the report and its range."""
    report_filter = resolve(session, query)
    report = build(report_filter)
    if query.format != "csv":
        return report
    first, last = report_filter.first_day, report_filter.last_day
    filename = f"ticketdesk-{name}-{first.isoformat()}-{last.isoformat()}.csv"
    return StreamingResponse(
        csv_export.rows_of(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/volume", response_model=VolumeReport, responses=_RESPONSES)
def volume_report(query: QueryDep, session: SessionDep, _admin: AdminDep) -> Any:
    """Tickets created, resolved (latest resolution in the period, still resolved) and reopened
    per period of the range, empty periods included."""
    return _answer("volume", query, session, lambda f: volume.volume(session, f))


@router.get("/backlog", response_model=BacklogReport, responses=_RESPONSES)
def backlog_report(query: QueryDep, session: SessionDep, _admin: AdminDep) -> Any:
    """Tickets not Closed now, by status and priority, and their age in days (the category and
    priority filters apply, the dates do not)."""
    return _answer("backlog", query, session, lambda f: backlog.backlog(session, f))


@router.get("/resolution", response_model=ResolutionReport, responses=_RESPONSES)
def resolution_report(query: QueryDep, session: SessionDep, _admin: AdminDep) -> Any:
    """Minutes to resolution and to first response: count, mean, median, p90, and a series."""
    return _answer("resolution", query, session, lambda f: resolution.resolution(session, f))


@router.get("/agents", response_model=AgentsReport, responses=_RESPONSES)
def agents_report(query: QueryDep, session: SessionDep, staff: StaffDep) -> Any:
    """Every active agent's and admin's figures; an agent gets only their own row."""
    only = None if staff.is_admin else staff.user.id
    return _answer("agents", query, session, lambda f: agents.agents(session, f, only=only))


@router.get("/categories", response_model=CategoriesReport, responses=_RESPONSES)
def categories_report(query: QueryDep, session: SessionDep, _admin: AdminDep) -> Any:
    """Tickets created per category with their share, and the most frequent title words."""
    return _answer(
        "categories", query, session, lambda f: categories.categories(session, f, limit=query.limit)
    )


@router.get("/deflection", response_model=DeflectionReport, responses=_RESPONSES)
def deflection_report(query: QueryDep, session: SessionDep, _admin: AdminDep) -> Any:
    """Suggestions beside the new-ticket form: distinct suggestions shown and opened, and form
    sessions left without a ticket after opening one (deflected), per period of the range,
    empty periods included; the category and priority filters apply to the form's at its end."""
    return _answer("deflection", query, session, lambda f: deflection.deflection(session, f))


@router.get("/sla", response_model=SlaReport, responses=_RESPONSES)
def sla_report(query: QueryDep, session: SessionDep, _admin: AdminDep) -> Any:
    """Service-level targets (first response, resolution) met and counted over the tickets
    created in the range: per period of creation, per agent assigned now, per priority; a target
    still running and not yet due is not counted. CSV: the series."""
    return _answer("sla", query, session, lambda f: sla.sla(session, f))
