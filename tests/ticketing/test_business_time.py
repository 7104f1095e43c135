"""Business-time arithmetic against a brute-force count, minute by minute, over random calendars
in zones that change their clocks (by an hour, by half an hour, at midnight), with holidays;
and the calendar's validation, which says what is wrong."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers.calendars import MINUTE, calendars, starts, working_minute
from ticketing.business_time import (
    ALWAYS,
    WEEKDAYS,
    Calendar,
    CalendarError,
    add_business_time,
    business_time,
)


@settings(max_examples=250, deadline=None)
@given(calendars(), starts, st.integers(0, 6 * 24 * 60))
def test_business_time_counts_the_working_minutes(calendar: Calendar, start: dt.datetime, span: int) -> None:
    end = start + span * MINUTE
    expected = sum(1 for n in range(span) if working_minute(calendar, start + n * MINUTE))
    assert business_time(calendar, start, end) == expected * MINUTE


@settings(max_examples=250, deadline=None)
@given(calendars(), starts, st.integers(0, 3000))
def test_adding_working_time_ends_after_that_many_working_minutes(
    calendar: Calendar, start: dt.datetime, minutes: int
) -> None:
    if not calendar.has_working_time:
        return
    due, counted, at = start, 0, start
    while counted < minutes:  # the end of the last of ``minutes`` working minutes
        if working_minute(calendar, at):
            counted += 1
            due = at + MINUTE
        at += MINUTE
        if at - start > dt.timedelta(days=400):
            return  # holidays and short weeks: beyond what the brute force should walk
    assert add_business_time(calendar, start, minutes * MINUTE) == due


def berlin_office() -> Calendar:
    nine_to_five = [["09:00", "12:00"], ["13:00", "17:00"]]
    return Calendar.parse(
        "Europe/Berlin",
        {day: nine_to_five for day in WEEKDAYS[:5]} | {"sat": [], "sun": []},
        ["2026-12-25", "2026-12-26"],
    )


def test_a_friday_afternoon_target_runs_into_monday_in_the_calendars_own_zone() -> None:
    friday_4pm_berlin = dt.datetime(2026, 12, 4, 15, 0, tzinfo=dt.UTC)  # 16:00 CET
    due = add_business_time(berlin_office(), friday_4pm_berlin, dt.timedelta(hours=2))
    assert due == dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)  # Monday 10:00 CET


def test_holidays_and_the_lunch_break_are_not_working_time() -> None:
    christmas_eve_noon = dt.datetime(2026, 12, 24, 11, 0, tzinfo=dt.UTC)  # Thursday 12:00 CET
    due = add_business_time(berlin_office(), christmas_eve_noon, dt.timedelta(hours=5))
    # 13-17 on the 24th (4 h), the 25th is a holiday and the 26th a Saturday: Monday 28th 10:00
    assert due == dt.datetime(2026, 12, 28, 9, 0, tzinfo=dt.UTC)


def test_the_spring_forward_day_loses_its_missing_hour() -> None:
    night_shift = Calendar.parse("Europe/Berlin", {day: [["01:00", "04:00"]] for day in WEEKDAYS})
    day_start = dt.datetime(2026, 3, 28, 23, 0, tzinfo=dt.UTC)  # Sunday 29 March 00:00 CET
    assert business_time(night_shift, day_start, day_start + dt.timedelta(hours=23)) == dt.timedelta(hours=2)


def test_the_fall_back_day_counts_its_repeated_hour_twice() -> None:
    night_shift = Calendar.parse("Europe/Berlin", {day: [["01:00", "04:00"]] for day in WEEKDAYS})
    day_start = dt.datetime(2026, 10, 24, 22, 0, tzinfo=dt.UTC)  # Sunday 25 October 00:00 CEST
    assert business_time(night_shift, day_start, day_start + dt.timedelta(hours=25)) == dt.timedelta(hours=4)


def test_targets_have_no_cap() -> None:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert add_business_time(ALWAYS, start, dt.timedelta(hours=1000)) == start + dt.timedelta(hours=1000)


@pytest.mark.parametrize(
    ("timezone", "hours", "holidays", "field", "words"),
    [
        ("Mars/Olympus", {}, [], "timezone", "unknown time zone"),
        ("UTC", {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}, [], "hours.mon", "overlap"),
        ("UTC", {"tue": [["9am", "12:00"]]}, [], "hours.tue", "HH:MM"),
        ("UTC", {"wed": [["12:00", "09:00"]]}, [], "hours.wed", "ends before it starts"),
        ("UTC", {"thu": [["09:00", "24:30"]]}, [], "hours.thu", "past 24:00"),
        ("UTC", {"funday": []}, [], "hours", "unknown day"),
        ("UTC", {}, ["25/12/2026"], "holidays", "YYYY-MM-DD"),
    ],
)
def test_a_bad_calendar_says_what_is_wrong(
    timezone: str, hours: dict[str, list[list[str]]], holidays: list[str], field: str, words: str
) -> None:
    with pytest.raises(CalendarError) as refused:
        Calendar.parse(timezone, hours, holidays)
    assert refused.value.field == field
    assert words in refused.value.message


def test_a_calendar_without_working_time_cannot_place_a_due_time() -> None:
    closed = Calendar.parse("UTC", {})
    with pytest.raises(CalendarError):
        add_business_time(closed, dt.datetime(2026, 1, 1, tzinfo=dt.UTC), MINUTE)


def test_hours_round_trip_as_json() -> None:
    office = berlin_office()
    assert Calendar.parse(office.timezone, office.hours_json(), office.holidays) == office
    assert ALWAYS.hours_json()["sun"] == [["00:00", "24:00"]]
