"""Each ticket answers with its service level: the policy that applies, the due times in the
calendar's working time, paused and state. Staff replies count, internal notes do not; a pause
moves the due times later; a changed policy applies to open tickets; end users see nulls."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from sync_server.db.models import Ticket
from sync_server.db.session import make_session_factory
from sync_server.services import clock
from tests.helpers.api import Account, login, submit
from ticketing.business_time import WEEKDAYS
from ticketing.domain import Role

#: Monday 7 December 2026, 09:00 in Berlin (CET, UTC+1).
MONDAY_9 = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)
OFFICE = {
    "name": "Berlin office",
    "timezone": "Europe/Berlin",
    "hours": {day: [["09:00", "12:00"], ["13:00", "17:00"]] for day in WEEKDAYS[:5]},
    "holidays": [],
}


def berlin(day: int, hour: int, minute: int = 0) -> str:
    """The API's UTC time of a Berlin wall-clock time in December 2026."""
    return (
        (dt.datetime(2026, 12, day, hour, minute, tzinfo=dt.UTC) - dt.timedelta(hours=1))
        .isoformat()
        .replace("+00:00", "Z")
    )


def utc(text: str | None) -> str | None:
    return (
        None
        if text is None
        else dt.datetime.fromisoformat(text).astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    )


@pytest.fixture
def people(client: TestClient, engine: Engine) -> dict[str, Account]:
    return {
        "admin": login(client, engine, "ada@example.com", Role.ADMIN),
        "agent": login(client, engine, "alice@example.com", Role.AGENT, "Alice Agent"),
        "user": login(client, engine, "uma@example.com", Role.USER),
    }


@pytest.fixture
def policy(people: dict[str, Account]) -> dict[str, Any]:
    admin = people["admin"]
    calendar = admin.post("/api/sla/calendars", json=OFFICE).json()
    body = {
        "name": "Office hours",
        "calendar_id": calendar["id"],
        "first_response_minutes": 60,
        "next_response_minutes": 30,
        "resolution_minutes": 480,
        "pause_statuses": ["On Hold"],
        "warning_percent": 80,
    }
    answer = admin.post("/api/sla/policies", json=body)
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def read(account: Account, ticket_id: str) -> dict[str, Any]:
    answer = account.get(f"/api/tickets/{ticket_id}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def reply(account: Account, ticket_id: str, text: str, *, internal: bool = False) -> None:
    answer = account.post(
        f"/api/tickets/{ticket_id}/comments", json={"content": f"<p>{text}</p>", "is_internal": internal}
    )
    assert answer.status_code == 201, answer.text


def times(ticket: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    return (
        utc(ticket["first_response_due_at"]),
        utc(ticket["next_response_due_at"]),
        utc(ticket["resolution_due_at"]),
    )


def test_a_new_ticket_is_due_in_working_time_and_only_staff_see_it(
    people: dict[str, Account], policy: dict[str, Any]
) -> None:
    with clock.frozen(MONDAY_9):
        ticket = submit(people["user"])
        seen = read(people["agent"], ticket["id"])
    assert seen["sla_policy_id"] == policy["id"]
    # 60 working minutes from 09:00; 480: 09-12, 13-17 (420) and an hour on Tuesday
    assert times(seen) == (berlin(7, 10), None, berlin(8, 10))
    assert seen["sla_state"] == "ok" and seen["sla_paused"] is False
    mine = read(people["user"], ticket["id"])
    assert mine["sla_policy_id"] is None and mine["sla_state"] is None
    assert times(mine) == (None, None, None)
    listed = people["agent"].get("/api/tickets").json()["items"]
    assert [t["sla_state"] for t in listed] == ["ok"]


def test_warning_and_breach_come_with_working_time_not_with_the_clock(
    people: dict[str, Account], policy: dict[str, Any]
) -> None:
    with clock.frozen(MONDAY_9) as held:
        ticket = submit(people["user"])
        held.advance(minutes=50)  # 48 of 60 minutes is the warning
        assert read(people["agent"], ticket["id"])["sla_state"] == "warning"
        held.advance(minutes=15)
        assert read(people["agent"], ticket["id"])["sla_state"] == "breached"


def test_a_staff_reply_meets_first_response_and_stops_next_response_until_the_requester_writes(
    people: dict[str, Account], policy: dict[str, Any]
) -> None:
    agent, user = people["agent"], people["user"]
    with clock.frozen(MONDAY_9) as held:
        ticket = submit(user)
        held.advance(minutes=10)
        reply(agent, ticket["id"], "Only a note", internal=True)
        assert times(read(agent, ticket["id"]))[0] == berlin(7, 10)  # a note is no response
        held.advance(minutes=20)  # 09:30
        reply(agent, ticket["id"], "Have you tried turning it off and on again?")
        answered = read(agent, ticket["id"])
        assert answered["next_response_due_at"] is None
        held.advance(minutes=30)  # 10:00: the requester writes again
        reply(user, ticket["id"], "Yes, twice.")
        waiting = read(agent, ticket["id"])
        assert utc(waiting["next_response_due_at"]) == berlin(7, 10, 30)
        held.advance(minutes=10)
        reply(agent, ticket["id"], "Then it is the toner.")
        assert read(agent, ticket["id"])["next_response_due_at"] is None
        assert read(agent, ticket["id"])["sla_state"] == "ok"


def test_on_hold_pauses_the_clocks_and_moves_the_due_times_later(
    people: dict[str, Account], policy: dict[str, Any]
) -> None:
    agent = people["agent"]
    with clock.frozen(MONDAY_9) as held:
        ticket = submit(people["user"])
        held.advance(minutes=30)
        assert agent.patch(f"/api/tickets/{ticket['id']}", json={"status": "On Hold"}).status_code == 200
        held.advance(hours=2)  # 11:30: one working hour and a half paused (12-13 is lunch)
        paused = read(agent, ticket["id"])
        assert paused["sla_paused"] is True and paused["sla_state"] == "paused"
        # what is left (30 minutes) counts from now: 11:30 + 30 = 12:00
        assert utc(paused["first_response_due_at"]) == berlin(7, 12)
        assert agent.patch(f"/api/tickets/{ticket['id']}", json={"status": "In Progress"}).status_code == 200
        resumed = read(agent, ticket["id"])
    assert resumed["sla_paused"] is False and resumed["sla_state"] == "ok"
    # resolution: 450 minutes left at 11:30 -> 11:30-12:00, 13-17 (270), Tuesday 09:00-12:00
    assert utc(resumed["resolution_due_at"]) == berlin(8, 12)


def test_a_changed_policy_applies_to_open_tickets(
    engine: Engine, people: dict[str, Account], policy: dict[str, Any]
) -> None:
    admin, agent = people["admin"], people["agent"]
    with clock.frozen(MONDAY_9):
        ticket = submit(people["user"])
        assert agent.patch(f"/api/tickets/{ticket['id']}", json={"status": "On Hold"}).status_code == 200
        changed = admin.patch(f"/api/sla/policies/{policy['id']}", json={"first_response_minutes": 120})
        assert changed.status_code == 200, changed.text
        seen = read(agent, ticket["id"])
    assert utc(seen["first_response_due_at"]) == berlin(7, 11)
    with make_session_factory(engine)() as session:
        stored = session.scalars(select(Ticket)).one()
        # the escalation job evaluates it again on its next pass
        assert stored.sla_check_at == MONDAY_9


def test_a_ticket_no_policy_matches_has_no_service_level(
    people: dict[str, Account], policy: dict[str, Any]
) -> None:
    people["admin"].patch(f"/api/sla/policies/{policy['id']}", json={"priorities": ["Critical"]})
    ticket = submit(people["user"], priority="Low")
    seen = read(people["agent"], ticket["id"])
    assert seen["sla_policy_id"] is None and seen["sla_state"] is None
    assert times(seen) == (None, None, None)
    raised = people["agent"].patch(f"/api/tickets/{ticket['id']}", json={"priority": "Critical"})
    assert raised.status_code == 200, raised.text
    assert raised.json()["sla_policy_id"] == policy["id"]


def test_the_queue_sorts_by_due_time_and_filters_breaching_soon(
    people: dict[str, Account], policy: dict[str, Any]
) -> None:
    agent = people["agent"]
    with clock.frozen(MONDAY_9) as held:
        early = submit(people["user"], title="Early")
        held.advance(minutes=30)
        late = submit(people["user"], title="Late")
        held.advance(minutes=20)  # 09:50: Early is in warning (48 of 60 min), Late due at 10:30
        by_due = agent.get("/api/tickets", params={"sort": "due"}).json()["items"]
        soon = agent.get("/api/tickets", params={"breaching_soon": "true"}).json()["items"]
    assert [t["id"] for t in by_due] == [early["id"], late["id"]]
    # both are within two hours of their first-response due time
    assert {t["id"] for t in soon} == {early["id"], late["id"]}
