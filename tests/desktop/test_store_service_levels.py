"""Service levels in the cache: each ticket's nearest pending target (``ticket_sla``) is
recomputed in the transaction that changed its history or the policies, and agrees with
:func:`ticketing.sla.evaluate` over the same history; the state follows the clock unwritten."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from desktop.store import Store, commands, schema, service_levels
from tests.helpers.store import (
    T0,
    World,
    calendar_row,
    comment_row,
    event_row,
    open_store,
    policy_row,
    pull,
    put,
)
from ticketing import visibility
from ticketing.business_time import ALWAYS, Calendar
from ticketing.domain import Role, Status
from ticketing.sla import Policy, SlaState, TargetKind, evaluate, history_from

NOW = T0 + dt.timedelta(minutes=10)


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def agent(tmp_path: Path, world: World) -> Store:
    store = open_store(tmp_path / "alice", world.agent, Role.AGENT)
    store.clock = lambda: NOW
    pull(store, *world.reference(for_staff=True))
    return store


@pytest.fixture
def calendar() -> dict[str, Any]:
    return calendar_row()


def nearest(store: Store, ticket_id: str) -> tuple[str, dt.datetime, dt.datetime, bool] | None:
    with store.read() as conn:
        row = conn.exec_driver_sql(
            "SELECT target, due_at, warning_at, paused FROM ticket_sla WHERE ticket_id = ?", (ticket_id,)
        ).first()
    if row is None:
        return None
    return str(row[0]), dt.datetime.fromisoformat(row[1]), dt.datetime.fromisoformat(row[2]), bool(row[3])


def staff_put(row: dict[str, Any], entity: str) -> Any:
    return put(visibility.STAFF, entity, row)


def test_a_ticket_under_a_policy_owes_its_first_response_an_hour_after_creation(
    agent: Store, world: World, calendar: dict[str, Any]
) -> None:
    ticket = world.ticket(created_at=T0.isoformat())
    pull(agent, staff_put(calendar, "sla_calendar"), staff_put(policy_row(calendar), "sla_policy"))
    pull(agent, put(visibility.QUEUE, "ticket", ticket))
    assert nearest(agent, ticket["id"]) == (
        TargetKind.FIRST_RESPONSE.value,
        T0 + dt.timedelta(minutes=60),
        T0 + dt.timedelta(minutes=48),
        False,
    )


def test_no_policy_no_target_and_a_policy_arriving_later_fills_every_ticket(
    agent: Store, world: World, calendar: dict[str, Any]
) -> None:
    tickets = [
        world.ticket(number=1001 + n, created_at=(T0 + dt.timedelta(minutes=n)).isoformat()) for n in range(3)
    ]
    pull(agent, *(put(visibility.QUEUE, "ticket", t) for t in tickets))
    assert all(nearest(agent, t["id"]) is None for t in tickets)

    pull(agent, staff_put(calendar, "sla_calendar"), staff_put(policy_row(calendar), "sla_policy"))
    dues = [nearest(agent, t["id"]) for t in tickets]
    assert [d[1] if d else None for d in dues] == [T0 + dt.timedelta(minutes=60 + n) for n in range(3)]


def test_a_policy_change_recomputes_all_tickets(agent: Store, world: World, calendar: dict[str, Any]) -> None:
    policy = policy_row(calendar)
    tickets = [world.ticket(number=1001 + n, created_at=T0.isoformat()) for n in range(2)]
    pull(agent, staff_put(calendar, "sla_calendar"), staff_put(policy, "sla_policy"))
    pull(agent, *(put(visibility.QUEUE, "ticket", t) for t in tickets))
    pull(agent, staff_put({**policy, "first_response_minutes": 30, "version": 2}, "sla_policy"))
    for ticket in tickets:
        found = nearest(agent, ticket["id"])
        assert found is not None and found[1] == T0 + dt.timedelta(minutes=30)


def test_a_staff_reply_meets_the_first_response_and_an_internal_note_does_not(
    agent: Store, world: World, calendar: dict[str, Any]
) -> None:
    ticket = world.ticket(created_at=T0.isoformat())
    pull(agent, staff_put(calendar, "sla_calendar"), staff_put(policy_row(calendar), "sla_policy"))
    pull(agent, put(visibility.QUEUE, "ticket", ticket))
    note = comment_row(ticket, world.agent, "<p>checking</p>", is_internal=True)
    pull(agent, put(visibility.QUEUE_INTERNAL, "comment", note))
    found = nearest(agent, ticket["id"])
    assert found is not None and found[0] == TargetKind.FIRST_RESPONSE.value

    reply = {
        **comment_row(ticket, world.agent, "<p>on it</p>"),
        "created_at": (T0 + dt.timedelta(minutes=5)).isoformat(),
    }
    pull(agent, put(visibility.QUEUE, "comment", reply))
    found = nearest(agent, ticket["id"])
    assert found is not None and found[:2] == (TargetKind.RESOLUTION.value, T0 + dt.timedelta(minutes=480))


def test_a_local_reply_refreshes_in_the_commands_transaction(
    agent: Store, world: World, calendar: dict[str, Any]
) -> None:
    ticket = world.ticket(created_at=T0.isoformat(), assignee_id=str(world.agent))
    pull(agent, staff_put(calendar, "sla_calendar"), staff_put(policy_row(calendar), "sla_policy"))
    pull(agent, put(visibility.QUEUE, "ticket", ticket))
    commands.add_comment(agent, ticket["id"], "<p>Looking now</p>", now=NOW)
    found = nearest(agent, ticket["id"])
    assert found is not None and found[0] == TargetKind.RESOLUTION.value


def test_on_hold_pauses_and_the_state_shown_follows_the_clock(
    agent: Store, world: World, calendar: dict[str, Any]
) -> None:
    ticket = world.ticket(created_at=T0.isoformat())
    pull(agent, staff_put(calendar, "sla_calendar"), staff_put(policy_row(calendar), "sla_policy"))
    pull(agent, put(visibility.QUEUE, "ticket", ticket))
    found = nearest(agent, ticket["id"])
    assert found is not None
    _, due, warning, paused = found
    assert service_levels.state_at(due, warning, paused, NOW) == SlaState.OK
    assert service_levels.state_at(due, warning, paused, T0 + dt.timedelta(minutes=50)) == SlaState.WARNING
    assert service_levels.state_at(due, warning, paused, T0 + dt.timedelta(minutes=61)) == SlaState.BREACHED

    hold = {**event_row(ticket, world.agent, "status", "Open", "On Hold"), "created_at": NOW.isoformat()}
    pull(
        agent,
        put(visibility.QUEUE, "ticket", {**ticket, "status": "On Hold", "version": 2}),
        put(visibility.QUEUE, "ticket_event", hold),
    )
    found = nearest(agent, ticket["id"])
    assert found is not None and found[3] is True
    assert service_levels.state_at(found[1], found[2], found[3], T0 + dt.timedelta(days=1)) == SlaState.PAUSED


def test_a_resolved_ticket_owes_nothing(agent: Store, world: World, calendar: dict[str, Any]) -> None:
    ticket = world.ticket(created_at=T0.isoformat(), status="Resolved")
    pull(agent, staff_put(calendar, "sla_calendar"), staff_put(policy_row(calendar), "sla_policy"))
    pull(agent, put(visibility.QUEUE, "ticket", ticket))
    assert nearest(agent, ticket["id"]) is None


def test_the_cache_agrees_with_the_pure_evaluation_of_the_same_history(
    agent: Store, world: World, calendar: dict[str, Any]
) -> None:
    ticket = world.ticket(created_at=T0.isoformat())
    office = calendar_row(
        "Office",
        is_default=False,
        timezone="Europe/Berlin",
        hours={"mon": [["09:00", "17:00"]], "tue": [["09:00", "17:00"]]},
    )
    policy = policy_row(office, first_response_minutes=90)
    pull(
        agent,
        staff_put(calendar, "sla_calendar"),
        staff_put(office, "sla_calendar"),
        staff_put(policy, "sla_policy"),
    )
    pull(agent, put(visibility.QUEUE, "ticket", ticket))
    with agent.read() as conn:
        cached = service_levels.ticket_sla(conn, ticket["id"], NOW)
    rules = Policy(
        id=policy["id"],
        name="Standard",
        calendar_id=office["id"],
        first_response_minutes=90,
        next_response_minutes=240,
        resolution_minutes=480,
        pause_statuses=frozenset({Status.ON_HOLD}),
    )

    expected = evaluate(
        rules, Calendar.parse("Europe/Berlin", office["hours"], []), history_from(T0, (), ()), NOW
    )
    assert cached == expected
    assert (
        expected.first_response_due_at
        != evaluate(rules, ALWAYS, history_from(T0, (), ()), NOW).first_response_due_at
    )
    found = nearest(agent, ticket["id"])
    assert found is not None and found[1] == expected.first_response_due_at


def test_breaching_soon_is_warning_breached_or_due_within_two_hours_and_not_paused(
    agent: Store, world: World, calendar: dict[str, Any]
) -> None:
    policy = policy_row(calendar, first_response_minutes=600, resolution_minutes=6000)
    ages = {"fresh": 0, "warning": 490, "breached": 700, "due_in_90_min": 510 - 90 + 80}
    tickets = {
        name: world.ticket(number=1001 + n, created_at=(NOW - dt.timedelta(minutes=age)).isoformat())
        for n, (name, age) in enumerate(ages.items())
    }
    held = world.ticket(
        number=1100, status="On Hold", created_at=(NOW - dt.timedelta(minutes=490)).isoformat()
    )
    pull(agent, staff_put(calendar, "sla_calendar"), staff_put(policy, "sla_policy"))
    hold = {**event_row(held, world.agent, "status", "Open", "On Hold"), "created_at": held["created_at"]}
    pull(agent, *(put(visibility.QUEUE, "ticket", t) for t in [*tickets.values(), held]))
    pull(agent, put(visibility.QUEUE, "ticket_event", hold))
    with agent.read() as conn:
        found = set(
            conn.execute(select(schema.tickets.c.number).where(service_levels.breaching_soon(NOW))).scalars()
        )
    numbers = {name: t["number"] for name, t in tickets.items()}
    assert found == {numbers["warning"], numbers["breached"], numbers["due_in_90_min"]}
