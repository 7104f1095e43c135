"""Business calendars and the arithmetic of working time: how much of it lies between two
instants, and when a given amount of it, counted from an instant, runs out.

Service-level targets are promises in *business* minutes: "a first response within 4 working
hours" means hours of the calendar's working week in its own time zone, holidays excluded. The
server (which stores due times and escalates) and the offline desktop (which counts them down)
must agree to the minute, so both use this module and nothing else.

**What counts.** An instant is working time when its wall-clock time in the calendar's zone lies
inside one of that weekday's ranges and its local date is not a holiday. That definition decides
the days clocks change: on a spring-forward day a range loses the hour that does not exist; on a
fall-back day the repeated hour counts twice when it is inside a range, as it is lived twice.
Ranges are ``[start, end)`` in minutes after local midnight; ``24:00`` ends a range at midnight.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: The weekday keys of a calendar's ``hours``, Monday first (as ``date.weekday()`` counts).
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Minutes in a day: the end of a range that runs to midnight (``"24:00"``).
DAY_MINUTES = 24 * 60
#: How far :func:`add_business_time` looks for working time before giving up (a calendar
#: with no working hours at all, or holidays on every day).
SEARCH_DAYS = 3 * 366

#: ``[from, to)`` instants in UTC.
Interval = tuple[dt.datetime, dt.datetime]

_TIME = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
_ZERO = dt.timedelta(0)


class CalendarError(ValueError):
    """A calendar that cannot be used; ``field`` names the part that is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True, order=True)
class WorkingRange:
    """Working time on one weekday, ``[start, end)`` in minutes after local midnight."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= DAY_MINUTES:
            raise CalendarError("hours", f"{_clock(self.start)}-{_clock(self.end)} is not a range of one day")

    def as_pair(self) -> list[str]:
        return [_clock(self.start), _clock(self.end)]


@dataclass(frozen=True)
class Calendar:
    """A time zone, the working ranges of each weekday (Monday first), and holidays."""

    timezone: str
    week: tuple[tuple[WorkingRange, ...], ...]
    holidays: frozenset[dt.date] = frozenset()

    def __post_init__(self) -> None:
        if len(self.week) != len(WEEKDAYS):
            raise CalendarError("hours", "a week has seven days, Monday first")
        for name, ranges in zip(WEEKDAYS, self.week, strict=True):
            for before, after in itertools.pairwise(ranges):
                if after.start < before.end:
                    raise CalendarError(
                        f"hours.{name}",
                        f"{'-'.join(before.as_pair())} and {'-'.join(after.as_pair())} overlap on {name}",
                    )
                if after.start < before.start:
                    raise CalendarError(f"hours.{name}", f"the ranges of {name} are not in order")
        _zone(self.timezone)

    @classmethod
    def parse(
        cls,
        timezone: str,
        hours: Mapping[str, Sequence[Sequence[str]]],
        holidays: Iterable[str | dt.date] = (),
    ) -> Calendar:
        """A calendar from its JSON shape (``{"mon": [["09:00", "17:00"]], ...}``, ISO dates);
        raises :class:`CalendarError` saying what is wrong. Missing days have no hours; ranges
        may come in any order."""
        unknown = sorted(set(hours) - set(WEEKDAYS))
        if unknown:
            raise CalendarError("hours", f"unknown day {unknown[0]!r}: use {', '.join(WEEKDAYS)}")
        week = []
        for name in WEEKDAYS:
            ranges = []
            for pair in hours.get(name, ()):
                if len(pair) != 2:
                    raise CalendarError(f"hours.{name}", f"a range is a start and an end, not {list(pair)!r}")
                start, end = (_minutes(f"hours.{name}", text) for text in pair)
                if end <= start:
                    raise CalendarError(f"hours.{name}", f"{pair[0]}-{pair[1]} ends before it starts")
                ranges.append(WorkingRange(start, end))
            week.append(tuple(sorted(ranges)))
        return cls(timezone, tuple(week), frozenset(_date(day) for day in holidays))

    def hours_json(self) -> dict[str, list[list[str]]]:
        return {name: [r.as_pair() for r in ranges] for name, ranges in zip(WEEKDAYS, self.week, strict=True)}

    @cached_property
    def zone(self) -> ZoneInfo:
        return _zone(self.timezone)

    @property
    def has_working_time(self) -> bool:
        return any(self.week)

    def is_working(self, at: dt.datetime) -> bool:
        """Whether the instant ``at`` is working time (the definition the arithmetic follows)."""
        local = at.astimezone(self.zone)
        if local.date() in self.holidays:
            return False
        minute = local.hour * 60 + local.minute
        return any(r.start <= minute < r.end for r in self.week[local.weekday()])

    def intervals(
        self, start: dt.datetime, end: dt.datetime | None = None
    ) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """The working time from ``start`` (to ``end``, or without end), as ``[from, to)``
        instants in UTC, in order."""
        start = _utc(start)
        stop = _utc(end) if end is not None else None
        day = start.astimezone(self.zone).date() - dt.timedelta(days=1)
        last = stop.astimezone(self.zone).date() + dt.timedelta(days=1) if stop is not None else None
        while last is None or day <= last:
            if day not in self.holidays:
                for working in self.week[day.weekday()]:
                    for begin, finish in _wall_preimage(self.zone, day, working):
                        clipped = (max(begin, start), finish if stop is None else min(finish, stop))
                        if clipped[0] < clipped[1]:
                            yield clipped
            if stop is not None and _utc_midnight(self.zone, day) > stop:
                return
            day += dt.timedelta(days=1)
            if stop is None and (day - start.date()).days > SEARCH_DAYS:
                return


def business_time(calendar: Calendar, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """Working time between two instants (zero when ``end`` is not after ``start``)."""
    if end <= start:
        return _ZERO
    return sum((finish - begin for begin, finish in calendar.intervals(start, end)), _ZERO)


def add_business_time(calendar: Calendar, start: dt.datetime, amount: dt.timedelta) -> dt.datetime:
    """The instant at which ``amount`` of working time, counted from ``start``, has passed.

    Zero is ``start`` itself. Raises :class:`CalendarError` when the calendar has no working
    time in the next :data:`SEARCH_DAYS` days."""
    if amount < _ZERO:
        raise ValueError("an amount of working time cannot be negative")
    if amount == _ZERO:
        return _utc(start)
    left = amount
    for begin, finish in calendar.intervals(start):
        if finish - begin >= left:
            return begin + left
        left -= finish - begin
    raise CalendarError(
        "hours", f"the calendar has no working time in the {SEARCH_DAYS} days after {start:%Y-%m-%d}"
    )


# --- wall-clock time to instants --------------------------------------------------------------


def _wall_preimage(
    zone: ZoneInfo, day: dt.date, working: WorkingRange
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The instants whose wall-clock time in ``zone`` is inside ``working`` on ``day``: one
    interval, or two when the clocks go back inside it, or less when they jump forward.

    Under one UTC offset ``o`` the wall clock reads ``t + o``, so the range's instants under
    ``o`` are ``[A - o, B - o)``, kept where the zone really is at ``o`` (split at the one
    transition a day can hold)."""
    wall_start = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=working.start)
    wall_end = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=working.end)
    offsets = {
        _offset(zone, wall.replace(tzinfo=zone, fold=fold))
        for wall in (wall_start, wall_end)
        for fold in (0, 1)
    }
    pieces: list[tuple[dt.datetime, dt.datetime]] = []
    for offset in sorted(offsets):
        begin = (wall_start - offset).replace(tzinfo=dt.UTC)
        finish = (wall_end - offset).replace(tzinfo=dt.UTC)
        first_ok = _offset(zone, begin) == offset
        last_ok = _offset(zone, finish - dt.timedelta(seconds=1)) == offset
        if first_ok and last_ok:
            pieces.append((begin, finish))
        elif first_ok:
            pieces.append((begin, _first_change(zone, begin, finish)))
        elif last_ok:
            pieces.append((_first_change(zone, begin, finish), finish))
    pieces.sort()
    merged: list[Interval] = []
    for begin, finish in pieces:
        if begin >= finish:
            continue
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], finish))
        else:
            merged.append((begin, finish))
    return merged


def _first_change(zone: ZoneInfo, begin: dt.datetime, finish: dt.datetime) -> dt.datetime:
    """The first instant (to the second) in ``(begin, finish)`` whose offset differs from
    ``begin``'s: the zone's transition between them."""
    before = _offset(zone, begin)
    low, high = 0, int((finish - begin).total_seconds())
    while high - low > 1:
        middle = (low + high) // 2
        if _offset(zone, begin + dt.timedelta(seconds=middle)) == before:
            low = middle
        else:
            high = middle
    return begin + dt.timedelta(seconds=high)


def _utc_midnight(zone: ZoneInfo, day: dt.date) -> dt.datetime:
    """The earliest instant of the local day after ``day`` (for ending a walk)."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone).astimezone(dt.UTC)


def _offset(zone: ZoneInfo, at: dt.datetime) -> dt.timedelta:
    offset = at.astimezone(zone).utcoffset() if at.tzinfo is dt.UTC else at.utcoffset()
    assert offset is not None
    return offset


def _utc(at: dt.datetime) -> dt.datetime:
    if at.tzinfo is None:
        raise ValueError("business time needs aware datetimes")
    return at.astimezone(dt.UTC)


# --- parsing ----------------------------------------------------------------------------------


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarError(
            "timezone", f"unknown time zone {name!r} (use a name like Europe/Berlin)"
        ) from None


def _minutes(field: str, text: str) -> int:
    match = _TIME.match(text) if isinstance(text, str) else None
    if match is None:
        raise CalendarError(field, f"{text!r} is not a time of day as HH:MM")
    minutes = int(match.group(1)) * 60 + int(match.group(2))
    if minutes > DAY_MINUTES:
        raise CalendarError(field, f"{text!r} is past 24:00")
    return minutes


def _date(day: str | dt.date) -> dt.date:
    if isinstance(day, dt.date):
        return day
    try:
        return dt.date.fromisoformat(day)
    except (TypeError, ValueError):
        raise CalendarError("holidays", f"{day!r} is not a date as YYYY-MM-DD") from None


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


#: The calendar every desk has: every minute of every day is working time.
ALWAYS = Calendar("UTC", tuple((WorkingRange(0, DAY_MINUTES),) for _ in WEEKDAYS))
