"""Service levels: business calendars and SLA policies (admins write, support staff read,
requesters are refused)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session

from sync_server.api.deps import AdminDep, SessionDep, StaffDep, errors
from sync_server.services import audit, clock
from sync_server.services.identity.principal import Principal
from sync_server.services.sla import calendars, policies, ticket_sla
from ticketing.schemas import AuditAction
from ticketing.sla_schemas import (
    CalendarCreate,
    CalendarOut,
    CalendarPatch,
    PolicyCreate,
    PolicyOut,
    PolicyPatch,
)

router = APIRouter(prefix="/api/sla", tags=["service levels"])


def _audited(
    session: Session, admin: Principal, action: AuditAction, row_id: uuid.UUID, **details: Any
) -> None:
    """The admin's change in the audit log (the target is what the action names:
    ``sla_calendar.added`` -> an ``sla_calendar``), and every open ticket's clocks evaluated
    again under the new rules."""
    kind = action.value.partition(".")[0]
    audit.record(session, admin.user.id, action, target_type=kind, target_id=row_id, details=details)
    ticket_sla.recheck_open_tickets(session, clock.now())


@router.get("/calendars", response_model=list[CalendarOut], responses=errors(403))
def list_calendars(session: SessionDep, _staff: StaffDep) -> list[CalendarOut]:
    """Every business calendar, the 24/7 one first."""
    return [calendars.calendar_out(c) for c in calendars.list_calendars(session)]


@router.post("/calendars", response_model=CalendarOut, status_code=201, responses=errors(403, 409))
def create_calendar(body: CalendarCreate, session: SessionDep, admin: AdminDep) -> CalendarOut:
    """A calendar: its time zone, working ranges per weekday, holidays. Overlapping ranges or a
    zone the zone database does not know are refused, naming the field."""
    calendar = calendars.create_calendar(session, body)
    added = AuditAction.SLA_CALENDAR_ADDED
    _audited(session, admin, added, calendar.id, name=calendar.name, timezone=calendar.timezone)
    return calendars.calendar_out(calendar)


@router.patch("/calendars/{calendar_id}", response_model=CalendarOut, responses=errors(403, 404, 409))
def update_calendar(
    calendar_id: uuid.UUID, body: CalendarPatch, session: SessionDep, admin: AdminDep
) -> CalendarOut:
    calendar = calendars.update_calendar(session, calendar_id, body)
    fields = sorted(body.model_fields_set)
    _audited(session, admin, AuditAction.SLA_CALENDAR_CHANGED, calendar.id, name=calendar.name, fields=fields)
    return calendars.calendar_out(calendar)


@router.get("/policies", response_model=list[PolicyOut], responses=errors(403))
def list_policies(session: SessionDep, _staff: StaffDep) -> list[PolicyOut]:
    """Every policy in the order they are tried: the first that matches a ticket applies."""
    return [policies.policy_out(p) for p in policies.list_policies(session)]


@router.post("/policies", response_model=PolicyOut, status_code=201, responses=errors(403, 404, 409))
def create_policy(body: PolicyCreate, session: SessionDep, admin: AdminDep) -> PolicyOut:
    """Targets in business minutes of the calendar (no calendar: 24/7); a null target is none."""
    policy = policies.create_policy(session, body)
    _audited(session, admin, AuditAction.SLA_POLICY_ADDED, policy.id, name=policy.name)
    return policies.policy_out(policy)


@router.patch("/policies/{policy_id}", response_model=PolicyOut, responses=errors(403, 404, 409))
def update_policy(policy_id: uuid.UUID, body: PolicyPatch, session: SessionDep, admin: AdminDep) -> PolicyOut:
    policy = policies.update_policy(session, policy_id, body)
    fields = sorted(body.model_fields_set)
    _audited(session, admin, AuditAction.SLA_POLICY_CHANGED, policy.id, name=policy.name, fields=fields)
    return policies.policy_out(policy)
