"""A ticket's service-level clocks: policy matching, due times with pauses, responses that count,
next-response waits, states; and the due times against a brute-force simulation, minute by
minute, over random calendars, policies and histories."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers.calendars import MINUTE, calendars, working_minute
from ticketing.business_time import ALWAYS, WEEKDAYS, Calendar
from ticketing.domain import Status
from ticketing.sla import (
    FINISHED,
    History,
    Policy,
    PolicyError,
    Reply,
    SlaState,
    StatusChange,
    TargetKind,
    evaluate,
    matching_policy,
)

T0 = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)  # a Monday, 09:00 in Berlin
HOUR = dt.timedelta(hours=1)


def office() -> Calendar:
    return Calendar.parse("Europe/Berlin", {day: [["09:00", "17:00"]] for day in WEEKDAYS[:5]})


def policy(**fields: object) -> Policy:
    return dataclasses.replace(Policy(id="p", name="Standard", first_response_minutes=60), **fields)


# --- matching -----------------------------------------------------------------------------------


def test_the_first_matching_policy_by_position_applies_and_empty_lists_match_anything() -> None:
    critical = policy(id="critical", position=1, priorities=frozenset({"critical"}))
    network = policy(id="network", position=2, category_ids=frozenset({"net"}))
    default = policy(id="default", position=9)
    policies = [default, network, critical]
    assert matching_policy(policies, "critical", "net") == critical
    assert matching_policy(policies, "low", "net") == network
    assert matching_policy(policies, "low", None) == default
    assert matching_policy([critical], "low", None) is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"first_response_minutes": -5}, "first_response_minutes"),
        ({"resolution_minutes": -1}, "resolution_minutes"),
        ({"warning_percent": 0}, "warning_percent"),
        ({"pause_statuses": frozenset({Status.RESOLVED})}, "pause_statuses"),
    ],
)
def test_a_bad_policy_says_what_is_wrong(fields: dict[str, object], field: str) -> None:
    with pytest.raises(PolicyError) as refused:
        policy(**fields)
    assert refused.value.field == field


# --- clocks -------------------------------------------------------------------------------------


def test_no_policy_no_clock() -> None:
    answer = evaluate(None, ALWAYS, History(T0), T0 + HOUR)
    assert answer.state is None and answer.first_response_due_at is None


def test_the_first_response_is_due_in_working_time_and_warns_before() -> None:
    rules = policy(first_response_minutes=10 * 60, warning_percent=80)  # 10 working hours
    history = History(T0 + 6 * HOUR)  # Monday 15:00 Berlin
    at_start = evaluate(rules, office(), history, T0 + 6 * HOUR)
    assert at_start.first_response_due_at == T0 + dt.timedelta(days=1) + 8 * HOUR  # Tuesday 17:00
    assert at_start.state == SlaState.OK
    target = at_start.target(TargetKind.FIRST_RESPONSE)
    assert target is not None and target.warning_at == T0 + dt.timedelta(days=1) + 6 * HOUR
    assert evaluate(rules, office(), history, target.warning_at).state == SlaState.WARNING
    assert evaluate(rules, office(), history, target.due_at).state == SlaState.BREACHED


def test_only_a_public_staff_reply_meets_a_response_target() -> None:
    rules = policy(first_response_minutes=60)
    requester_only = History(T0, replies=[Reply(T0 + 10 * MINUTE, by_staff=False)])
    assert evaluate(rules, ALWAYS, requester_only, T0 + 2 * HOUR).state == SlaState.BREACHED
    answered = History(T0, replies=[Reply(T0 + 50 * MINUTE, by_staff=True)])
    met = evaluate(rules, ALWAYS, answered, T0 + 2 * HOUR)
    first = met.target(TargetKind.FIRST_RESPONSE)
    assert first is not None and first.state == SlaState.MET and first.met_at == T0 + 50 * MINUTE
    assert met.first_response_due_at == T0 + HOUR  # the due time it had when it was met


def test_time_on_hold_moves_due_times_later_and_the_ticket_is_paused() -> None:
    rules = policy(first_response_minutes=None, resolution_minutes=4 * 60)
    history = History(
        T0, changes=[StatusChange(T0 + HOUR, Status.ON_HOLD), StatusChange(T0 + 3 * HOUR, Status.IN_PROGRESS)]
    )
    on_hold = evaluate(rules, ALWAYS, history, T0 + 2 * HOUR)
    assert on_hold.paused and on_hold.state == SlaState.PAUSED
    assert on_hold.resolution_due_at == T0 + 5 * HOUR  # 1 h spent, 3 h left from now
    later = evaluate(rules, ALWAYS, history, T0 + 4 * HOUR)
    assert not later.paused and later.resolution_due_at == T0 + 6 * HOUR  # two paused hours added


def test_a_changed_policy_keeps_the_time_already_paused() -> None:
    history = History(
        T0, changes=[StatusChange(T0 + HOUR, Status.ON_HOLD), StatusChange(T0 + 5 * HOUR, Status.OPEN)]
    )
    before = evaluate(
        policy(first_response_minutes=None, resolution_minutes=8 * 60), ALWAYS, history, T0 + 6 * HOUR
    )
    after = evaluate(
        policy(first_response_minutes=None, resolution_minutes=10 * 60), ALWAYS, history, T0 + 6 * HOUR
    )
    assert before.resolution_due_at == T0 + 12 * HOUR
    assert after.resolution_due_at == T0 + 14 * HOUR  # the four paused hours still count as paused


def test_the_next_response_waits_only_after_the_requester_writes_again() -> None:
    rules = policy(first_response_minutes=30, next_response_minutes=60)
    staff_replied = History(T0, replies=[Reply(T0 + 10 * MINUTE, by_staff=True)])
    assert evaluate(rules, ALWAYS, staff_replied, T0 + HOUR).next_response_due_at is None
    asked_again = History(
        T0, replies=[Reply(T0 + 10 * MINUTE, by_staff=True), Reply(T0 + 2 * HOUR, by_staff=False)]
    )
    waiting = evaluate(rules, ALWAYS, asked_again, T0 + 2 * HOUR + MINUTE)
    assert waiting.next_response_due_at == T0 + 3 * HOUR
    answered = History(T0, replies=[*asked_again.replies, Reply(T0 + 4 * HOUR, by_staff=True)])
    late = evaluate(rules, ALWAYS, answered, T0 + 5 * HOUR)
    assert late.next_response_due_at is None  # nobody waits now...
    assert late.state == SlaState.BREACHED  # ...but that answer came an hour late


def test_resolving_meets_the_resolution_and_settles_the_open_clocks() -> None:
    rules = policy(first_response_minutes=60, resolution_minutes=120)
    history = History(T0, changes=[StatusChange(T0 + 30 * MINUTE, Status.RESOLVED)])
    done = evaluate(rules, ALWAYS, history, T0 + 10 * HOUR)
    assert done.state == SlaState.MET
    assert {t.state for t in done.targets} == {SlaState.MET}
    reopened = History(T0, changes=[*history.changes, StatusChange(T0 + 5 * HOUR, Status.OPEN)])
    again = evaluate(rules, ALWAYS, reopened, T0 + 5 * HOUR)
    assert again.resolution_due_at == T0 + 5 * HOUR + 90 * MINUTE  # 30 minutes were spent before


# --- against a brute-force simulation -----------------------------------------------------------

ACTIVE = [s for s in Status if s not in FINISHED]


@st.composite
def histories(draw: st.DrawFn) -> tuple[History, dt.datetime]:
    created = dt.datetime(2026, 3, 20, tzinfo=dt.UTC) + draw(st.integers(0, 40 * 24 * 60)) * MINUTE
    offsets = sorted(draw(st.lists(st.integers(1, 4 * 24 * 60), max_size=6)))
    changes = [StatusChange(created + m * MINUTE, draw(st.sampled_from(list(Status)))) for m in offsets]
    reply_offsets = sorted(draw(st.sets(st.integers(1, 4 * 24 * 60), max_size=5)))
    replies = [Reply(created + m * MINUTE, draw(st.booleans())) for m in reply_offsets]
    now = created + draw(st.integers(0, 5 * 24 * 60)) * MINUTE
    return History(created, changes, replies), now


policies = st.builds(
    Policy,
    id=st.just("p"),
    name=st.just("random"),
    first_response_minutes=st.one_of(st.none(), st.integers(0, 1500)),
    next_response_minutes=st.one_of(st.none(), st.integers(0, 1500)),
    resolution_minutes=st.one_of(st.none(), st.integers(0, 3000)),
    pause_statuses=st.sets(st.sampled_from(ACTIVE), max_size=2).map(frozenset),
    warning_percent=st.integers(1, 100),
)


def status_by_minute(history: History, now: dt.datetime) -> dict[dt.datetime, Status]:
    """The status of each minute from creation to ``now``, replayed one change at a time."""
    statuses, status, at = {}, history.initial_status, history.created_at
    changes = sorted(history.changes, key=lambda c: c.at)
    while at < now:
        while changes and changes[0].at <= at:
            status = changes.pop(0).status
        statuses[at] = status
        at += MINUTE
    return statuses


def resolved_at(statuses: dict[dt.datetime, Status], now: dt.datetime) -> dt.datetime | None:
    """When the ticket last became Resolved or Closed, if it still is at the last minute."""
    since = None
    for at, status in statuses.items():
        since = (since or at) if status in FINISHED else None
    return since


def brute_due(
    calendar: Calendar,
    rules: Policy,
    statuses: dict[dt.datetime, Status],
    start: dt.datetime,
    horizon: dt.datetime,
    minutes: int,
) -> dt.datetime | None:
    """Minute by minute: the clock runs in working minutes of a running status until the horizon,
    in every working minute after it."""
    if minutes == 0:
        return start
    elapsed, at = 0, start
    while at - start < dt.timedelta(days=20):
        status = statuses.get(at)
        runs = at >= horizon or (status not in FINISHED and status not in rules.pause_statuses)
        if runs and working_minute(calendar, at):
            elapsed += 1
            if elapsed == minutes:
                return at + MINUTE
        at += MINUTE
    return None  # too far for the brute force to walk


@settings(max_examples=100, deadline=None)
@given(calendars().filter(lambda c: c.has_working_time), policies, histories())
def test_due_times_agree_with_a_minute_by_minute_count(
    calendar: Calendar, rules: Policy, case: tuple[History, dt.datetime]
) -> None:
    history, now = case
    answer = evaluate(rules, calendar, history, now)
    statuses = status_by_minute(history, now)
    resolved = resolved_at(statuses, now) if history.status_at(now) in FINISHED else None
    staff = [r.at for r in sorted(history.replies, key=lambda r: r.at) if r.by_staff and r.at <= now]
    checks = [
        (TargetKind.FIRST_RESPONSE, rules.first_response_minutes, staff[0] if staff else resolved or now),
        (TargetKind.RESOLUTION, rules.resolution_minutes, resolved or now),
    ]
    for kind, minutes, horizon in checks:
        target = answer.target(kind)
        if minutes is None:
            assert target is None
            continue
        assert target is not None
        expected = brute_due(calendar, rules, statuses, history.created_at, horizon, minutes)
        if expected is not None:
            assert target.due_at == expected, kind
            if target.met_at is None and history.status_at(now) not in FINISHED:
                assert (target.state == SlaState.BREACHED) == (now >= expected)
