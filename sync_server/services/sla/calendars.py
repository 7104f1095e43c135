"""Business calendars: admins write them, staff read them; every desk has a 24/7 one.

A calendar is stored as its JSON shape and checked by building a
:class:`ticketing.business_time.Calendar` from it, so the server never stores a calendar the
arithmetic would refuse (overlapping ranges, an unknown zone); the error names the field.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync_server.db.models import SlaCalendar
from sync_server.errors import Conflict, Invalid, NotFound
from sync_server.services.sync import changelog
from sync_server.services.unique_names import name_taken
from ticketing import visibility
from ticketing.business_time import ALWAYS, Calendar, CalendarError
from ticketing.domain import new_id
from ticketing.sla_schemas import CalendarCreate, CalendarOut, CalendarPatch

#: The name of the calendar every desk starts with (every minute is working time).
DEFAULT_CALENDAR_NAME = "24/7"


def ensure_default_calendar(session: Session) -> SlaCalendar:
    """The 24/7 calendar, added once to a new database."""
    found = session.scalar(select(SlaCalendar).where(SlaCalendar.is_default.is_(True)))
    if found is not None:
        return found
    calendar = SlaCalendar(
        id=new_id(),
        name=DEFAULT_CALENDAR_NAME,
        timezone=ALWAYS.timezone,
        hours=ALWAYS.hours_json(),
        holidays=[],
        is_default=True,
    )
    session.add(calendar)
    session.flush()
    _logged(session, calendar)
    return calendar


def list_calendars(session: Session) -> list[SlaCalendar]:
    return list(
        session.scalars(select(SlaCalendar).order_by(SlaCalendar.is_default.desc(), SlaCalendar.name))
    )


def get_calendar(session: Session, calendar_id: uuid.UUID, *, for_update: bool = False) -> SlaCalendar:
    calendar = session.get(SlaCalendar, calendar_id, with_for_update=for_update)
    if calendar is None:
        raise NotFound("No such calendar.", code="calendar_not_found")
    return calendar


def arithmetic(calendar: SlaCalendar) -> Calendar:
    """The stored calendar as the clocks use it."""
    return Calendar.parse(calendar.timezone, calendar.hours, calendar.holidays)


def create_calendar(session: Session, data: CalendarCreate) -> SlaCalendar:
    hours = data.hours.as_dict()
    _checked(data.timezone, hours, data.holidays)
    _name_free(session, data.name, None)
    calendar = SlaCalendar(
        id=new_id(),
        name=data.name,
        timezone=data.timezone,
        hours=hours,
        holidays=sorted({day.isoformat() for day in data.holidays}),
    )
    session.add(calendar)
    session.flush()
    _logged(session, calendar)
    return calendar


def update_calendar(session: Session, calendar_id: uuid.UUID, patch: CalendarPatch) -> SlaCalendar:
    calendar = get_calendar(session, calendar_id, for_update=True)
    timezone = patch.timezone if patch.timezone is not None else calendar.timezone
    hours = patch.hours.as_dict() if patch.hours is not None else calendar.hours
    holidays = patch.holidays if patch.holidays is not None else calendar.holidays
    _checked(timezone, hours, holidays)
    if patch.name is not None and patch.name != calendar.name:
        _name_free(session, patch.name, calendar.id)
        calendar.name = patch.name
    calendar.timezone, calendar.hours = timezone, hours
    calendar.holidays = sorted({str(day) for day in holidays})
    calendar.updated_at = dt.datetime.now(dt.UTC)
    calendar.version += 1
    session.flush()
    _logged(session, calendar)
    return calendar


def _logged(session: Session, calendar: SlaCalendar) -> None:
    """Send the calendar to support staff's caches (never end users'), in the write's transaction."""
    changelog.record(session, "sla_calendar", calendar.id, visibility.staff_buckets())


def calendar_out(calendar: SlaCalendar) -> CalendarOut:
    return CalendarOut(
        id=calendar.id,
        name=calendar.name,
        timezone=calendar.timezone,
        hours=calendar.hours,
        holidays=[dt.date.fromisoformat(day) for day in calendar.holidays],
        is_default=calendar.is_default,
        version=calendar.version,
    )


def _checked(
    timezone: str, hours: Mapping[str, Sequence[Sequence[str]]], holidays: Iterable[str | dt.date]
) -> Calendar:
    try:
        return Calendar.parse(timezone, hours, holidays)
    except CalendarError as error:
        raise Invalid(
            error.message, code="invalid_calendar", fields=[{"field": error.field, "message": error.message}]
        ) from None


def _name_free(session: Session, name: str, own_id: uuid.UUID | None) -> None:
    if name_taken(session, SlaCalendar, name, own_id):
        raise Conflict(f"A calendar named '{name}' already exists.", code="name_taken")
