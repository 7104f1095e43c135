"""Random business calendars for property tests, and the definition of a working minute spelled
out independently of :mod:`ticketing.business_time`, for brute-force counts to compare with."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from ticketing.business_time import WEEKDAYS, Calendar, WorkingRange

ZONES = (
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",  # clocks move by 30 minutes
    "America/Santiago",  # clocks change at midnight
    "Asia/Kolkata",
    "America/Sao_Paulo",
)
MINUTE = dt.timedelta(minutes=1)


def working_minute(calendar: Calendar, at: dt.datetime) -> bool:
    """The definition, spelled out independently of the module: the wall clock's minute is in
    a range of its weekday and its date is no holiday."""
    local = at.astimezone(ZoneInfo(calendar.timezone))
    if local.date() in calendar.holidays:
        return False
    minute = local.hour * 60 + local.minute
    return any(r.start <= minute < r.end for r in calendar.week[local.weekday()])


@st.composite
def days(draw: st.DrawFn) -> tuple[WorkingRange, ...]:
    cuts = sorted(draw(st.sets(st.integers(0, 96), max_size=6)))  # quarter hours
    pairs = list(zip(cuts[::2], cuts[1::2], strict=False))
    return tuple(WorkingRange(a * 15, b * 15) for a, b in pairs if a < b)


#: Days that often hold the hours clocks change in (around midnight and 01:00-04:00).
night_days = st.sampled_from(
    [
        (WorkingRange(0, 24 * 60),),
        (WorkingRange(60, 150), WorkingRange(165, 240)),
        (WorkingRange(0, 30), WorkingRange(23 * 60, 24 * 60)),
        (WorkingRange(90, 180),),
    ]
)


@st.composite
def calendars(draw: st.DrawFn) -> Calendar:
    week = tuple(draw(st.one_of(days(), night_days)) for _ in WEEKDAYS)
    base = dt.date(2026, 3, 1)
    holidays = draw(st.sets(st.integers(0, 300).map(lambda n: base + dt.timedelta(days=n)), max_size=8))
    zone = draw(st.one_of(st.sampled_from(ZONES), st.sampled_from(ZONES[1:5])))  # more often with DST
    return Calendar(zone, week, frozenset(holidays))


#: Starts near the year's clock changes in the north and the south, and anywhere else.
starts = st.one_of(
    st.integers(0, 14 * 24 * 60).map(lambda m: dt.datetime(2026, 3, 1, tzinfo=dt.UTC) + m * MINUTE),
    st.integers(0, 14 * 24 * 60).map(lambda m: dt.datetime(2026, 3, 22, tzinfo=dt.UTC) + m * MINUTE),
    st.integers(0, 14 * 24 * 60).map(lambda m: dt.datetime(2026, 3, 29, tzinfo=dt.UTC) + m * MINUTE),
    st.integers(0, 14 * 24 * 60).map(lambda m: dt.datetime(2026, 10, 20, tzinfo=dt.UTC) + m * MINUTE),
    st.integers(0, 14 * 24 * 60).map(lambda m: dt.datetime(2026, 8, 30, tzinfo=dt.UTC) + m * MINUTE),
    st.integers(0, 300 * 24 * 60).map(lambda m: dt.datetime(2026, 3, 1, tzinfo=dt.UTC) + m * MINUTE),
)
