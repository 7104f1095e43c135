"""The service-level API's requests and answers: business calendars and SLA policies
(``/api/sla/calendars``, ``/api/sla/policies``).

The schema states what it can (times as ``HH:MM``, targets never negative, a warning at 1 to 100
percent); what needs the calendar arithmetic (overlapping ranges, a time zone the zone database
knows) is checked by :mod:`ticketing.business_time` and :class:`ticketing.sla.Policy`, whose
errors name the field that is wrong.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from ticketing.business_time import WEEKDAYS
from ticketing.domain import Status
from ticketing.schemas import Input, IsoDate, Title

#: ``09:00``; ``24:00`` ends a range at midnight.
TimeOfDay = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")]
#: One working range, ``["09:00", "17:00"]``.
WorkingRangeIn = Annotated[list[TimeOfDay], Field(min_length=2, max_length=2)]
DayHours = Annotated[list[WorkingRangeIn], Field(max_length=12)]
#: A zone name of the zone database (``Europe/Berlin``); checked against it on the server.
TimeZoneName = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,2}$")
]
#: Minutes of the calendar's working time; no upper cap.
TargetMinutes = Annotated[int, Field(ge=0, le=10_000_000)]
#: A status a policy may pause its clocks in (Resolved and Closed stop them anyway).
PausableStatus = Literal[Status.OPEN, Status.IN_PROGRESS, Status.ON_HOLD]
PolicyName = Title
#: Priority keys a policy matches; empty matches any.
PriorityKeys = list[Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=r"^[^\x00]*$")]]


def _on_hold() -> list[PausableStatus]:
    return [Status.ON_HOLD]


CalendarName = Title


class WeekHours(Input):
    """Working ranges per weekday; a day left out has none."""

    mon: DayHours = Field(default_factory=list)
    tue: DayHours = Field(default_factory=list)
    wed: DayHours = Field(default_factory=list)
    thu: DayHours = Field(default_factory=list)
    fri: DayHours = Field(default_factory=list)
    sat: DayHours = Field(default_factory=list)
    sun: DayHours = Field(default_factory=list)

    def as_dict(self) -> dict[str, list[list[str]]]:
        return {day: [list(pair) for pair in getattr(self, day)] for day in WEEKDAYS}


class CalendarCreate(Input):
    name: CalendarName
    timezone: TimeZoneName = Field(examples=["Europe/Berlin"])
    hours: WeekHours = Field(
        description='Working ranges per weekday, e.g. {"mon": [["09:00", "12:00"], ["13:00", "17:00"]]}.'
    )
    holidays: list[IsoDate] = Field(default_factory=list, max_length=2000, description="Days without work.")


class CalendarPatch(Input):
    name: CalendarName | None = None
    timezone: TimeZoneName | None = None
    hours: WeekHours | None = None
    holidays: list[IsoDate] | None = Field(default=None, max_length=2000)


class Holiday(BaseModel):
    date: dt.date
    name: str


class HolidaysOut(BaseModel):
    """A country's public holidays of one year (``GET /api/sla/holidays``), to load into a
    calendar."""

    country: str
    subdivision: str | None = None
    year: int
    holidays: list[Holiday]


class HolidaysQuery(Input):
    """``GET /api/sla/holidays?country=DE&year=2027[&subdivision=BY]``."""

    country: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,3}$")] = Field(
        description="ISO 3166 code, e.g. DE."
    )
    year: int = Field(ge=1950, le=2100)
    subdivision: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9 ]{1,40}$")] | None = Field(
        default=None, description="A state or region, e.g. BY."
    )


class CalendarOut(BaseModel):
    id: uuid.UUID
    name: str
    timezone: str
    hours: dict[str, list[list[str]]]
    holidays: list[dt.date]
    is_default: bool = Field(description="The 24/7 calendar every desk has (policies without one use it).")
    version: int


class BreachActions(Input):
    """What the escalation job does when a target of the policy is breached, besides the
    ticket's event and the notices; all off by default."""

    raise_priority: bool = Field(default=False, description="Raise the ticket one priority.")
    reassign_to: uuid.UUID | None = Field(
        default=None, description="Assign the ticket to this active agent or admin."
    )
    notify_admins: bool = Field(default=False, description="Mail every admin.")


class PolicyCreate(Input):
    name: PolicyName
    position: int = Field(
        default=0, ge=0, le=10_000, description="Lower first; the first that matches applies."
    )
    priorities: PriorityKeys = Field(
        default_factory=list, max_length=50, description="Priority keys; empty matches any."
    )
    category_ids: list[uuid.UUID] = Field(
        default_factory=list, max_length=200, description="Empty matches any."
    )
    calendar_id: uuid.UUID | None = Field(default=None, description="None: the 24/7 calendar.")
    first_response_minutes: TargetMinutes | None = None
    next_response_minutes: TargetMinutes | None = None
    resolution_minutes: TargetMinutes | None = None
    pause_statuses: list[PausableStatus] = Field(default_factory=_on_hold, max_length=3)
    warning_percent: int = Field(default=80, ge=1, le=100)
    breach_actions: BreachActions = Field(default_factory=BreachActions)


class PolicyPatch(Input):
    """Any subset of fields; a target set to ``null`` is no target."""

    name: PolicyName | None = None
    position: int | None = Field(default=None, ge=0, le=10_000)
    priorities: PriorityKeys | None = Field(default=None, max_length=50)
    category_ids: list[uuid.UUID] | None = Field(default=None, max_length=200)
    calendar_id: uuid.UUID | None = None
    first_response_minutes: TargetMinutes | None = None
    next_response_minutes: TargetMinutes | None = None
    resolution_minutes: TargetMinutes | None = None
    pause_statuses: list[PausableStatus] | None = Field(default=None, max_length=3)
    warning_percent: int | None = Field(default=None, ge=1, le=100)
    breach_actions: BreachActions | None = Field(default=None, description="Replaced as a whole.")


class PolicyOut(BaseModel):
    id: uuid.UUID
    name: str
    position: int
    priorities: list[str]
    category_ids: list[uuid.UUID]
    calendar_id: uuid.UUID
    first_response_minutes: int | None
    next_response_minutes: int | None
    resolution_minutes: int | None
    pause_statuses: list[Status]
    warning_percent: int
    breach_actions: BreachActions
    version: int
