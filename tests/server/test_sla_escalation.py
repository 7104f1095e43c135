"""Escalation: a warning, then a breach with the policy's actions, each once; staff-only history
lines; notices wait for working hours when the job comes late; the lease keeps a second
process out."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from sync_server.db.models import MailOutbox, SlaEscalation, SlaPolicy, Ticket, User
from sync_server.db.session import make_session_factory
from sync_server.services import clock
from sync_server.services.jobs import lease
from sync_server.services.sla import escalation
from tests.helpers.api import Account, login, submit
from tests.helpers.pull import pull_all
from ticketing.business_time import WEEKDAYS
from ticketing.domain import Role

#: Monday 7 December 2026, 16:00 in Berlin (CET, UTC+1).
MONDAY_16 = dt.datetime(2026, 12, 7, 15, 0, tzinfo=dt.UTC)
OFFICE = {
    "name": "Berlin office",
    "timezone": "Europe/Berlin",
    "hours": {day: [["09:00", "17:00"]] for day in WEEKDAYS[:5]},
    "holidays": [],
}


@pytest.fixture
def people(client: TestClient, engine: Engine) -> dict[str, Account]:
    return {
        "admin": login(client, engine, "ada@example.com", Role.ADMIN, "Ada Admin"),
        "agent": login(client, engine, "alice@example.com", Role.AGENT, "Alice Agent"),
        "backup": login(client, engine, "bob@example.com", Role.AGENT, "Bob Backup"),
        "user": login(client, engine, "uma@example.com", Role.USER, "Uma User"),
    }


def make_policy(admin: Account, **fields: Any) -> dict[str, Any]:
    calendar = admin.post("/api/sla/calendars", json=OFFICE).json()
    body = {"name": "Office hours", "calendar_id": calendar["id"], "first_response_minutes": 30, **fields}
    answer = admin.post("/api/sla/policies", json=body)
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def run_job(engine: Engine) -> escalation.PassReport:
    with make_session_factory(engine)() as session, session.begin():
        return escalation.run_pass(session, clock.now())


def sla_lines(account: Account, ticket_id: str) -> list[tuple[str, str | None]]:
    events = account.get(f"/api/tickets/{ticket_id}/events").json()
    return [(e["field"], e["old_value"]) for e in events if e["field"].startswith("sla_")]


def mails(engine: Engine, event: str) -> list[str]:
    with make_session_factory(engine)() as session:
        rows = session.execute(
            select(User.email)
            .join(MailOutbox, MailOutbox.recipient_id == User.id)
            .where(MailOutbox.event == event)
        )
        return sorted(email for (email,) in rows)


def test_a_warning_goes_to_the_assignee_once_and_only_staff_see_it(
    engine: Engine, people: dict[str, Account]
) -> None:
    agent, user = people["agent"], people["user"]
    make_policy(people["admin"])
    with clock.frozen(MONDAY_16) as held:
        ticket = submit(user)
        assert agent.patch(f"/api/tickets/{ticket['id']}", json={"assignee_id": agent.id}).status_code == 200
        held.advance(minutes=10)
        assert run_job(engine).warnings == 0  # nothing is due yet: not even looked at
        held.advance(minutes=15)  # 16:25: 24 of 30 minutes is the warning
        report = run_job(engine)
        assert report.warnings == 1 and report.breaches == 0
        assert run_job(engine).warnings == 0
    assert sla_lines(agent, ticket["id"]) == [("sla_warning", "first_response")]
    assert sla_lines(user, ticket["id"]) == []
    assert mails(engine, "sla_warning") == ["alice@example.com"]
    # nor does the requester's cache receive it
    fields = [
        c["row"]["field"] for c in pull_all(user)["changes"] if c["entity"] == "ticket_event" and c.get("row")
    ]
    assert "sla_warning" not in fields and "created" in fields


def test_a_breach_runs_the_policy_actions_once(engine: Engine, people: dict[str, Account]) -> None:
    admin, agent, backup = people["admin"], people["agent"], people["backup"]
    policy = make_policy(admin)
    with make_session_factory(engine)() as session, session.begin():
        stored = session.get(SlaPolicy, uuid.UUID(policy["id"]))
        assert stored is not None
        stored.breach_raise_priority = stored.breach_notify_admins = True
        stored.breach_reassign_to = uuid.UUID(backup.id)
    with clock.frozen(MONDAY_16) as held:
        ticket = submit(people["user"], priority="Medium")
        held.advance(minutes=31)
        first = run_job(engine)
        assert first.breaches == 1 and first.warnings == 0  # a warning overtaken is not sent
        assert run_job(engine).breaches == 0
        seen = agent.get(f"/api/tickets/{ticket['id']}").json()
    assert seen["priority"] == "High" and seen["assignee_id"] == backup.id
    assert seen["sla_state"] == "breached"
    assert sla_lines(agent, ticket["id"]) == [("sla_breached", "first_response")]
    events = agent.get(f"/api/tickets/{ticket['id']}/events").json()
    breach = next(e for e in events if e["field"] == "sla_breached")
    assert breach["actor_id"] is None and breach["actor_name"] == "Ticketdesk"
    assert mails(engine, "sla_breached") == ["ada@example.com", "bob@example.com"]
    with make_session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(SlaEscalation)) == 1


def test_escalations_reached_after_hours_wait_for_the_next_working_morning(
    engine: Engine, people: dict[str, Account]
) -> None:
    make_policy(people["admin"])
    with clock.frozen(MONDAY_16) as held:
        ticket = submit(people["user"])  # unassigned: the whole team hears
        held.set(MONDAY_16 + dt.timedelta(hours=4))  # 20:00: the job was down since 16:00
        late = run_job(engine)
        assert late.deferred == 1 and late.breaches == 0
        assert mails(engine, "sla_breached") == []
        with make_session_factory(engine)() as session:
            check = session.scalars(select(Ticket.sla_check_at)).one()
        assert check == dt.datetime(2026, 12, 8, 8, 0, tzinfo=dt.UTC)  # Tuesday 09:00 Berlin
        held.set(check)
        assert run_job(engine).breaches == 1
    assert sla_lines(people["agent"], ticket["id"]) == [("sla_breached", "first_response")]
    assert mails(engine, "sla_breached") == ["ada@example.com", "alice@example.com", "bob@example.com"]


def test_a_target_missed_just_before_the_reply_is_still_a_breach(
    engine: Engine, people: dict[str, Account]
) -> None:
    agent = people["agent"]
    make_policy(people["admin"])
    with clock.frozen(MONDAY_16) as held:
        ticket = submit(people["user"])
        held.advance(minutes=40)  # due at 16:30; the job has not run
        answer = agent.post(f"/api/tickets/{ticket['id']}/comments", json={"content": "<p>Sorry, late.</p>"})
        assert answer.status_code == 201
        assert run_job(engine).breaches == 1
    assert sla_lines(agent, ticket["id"]) == [("sla_breached", "first_response")]


def test_the_lease_lets_one_process_hold_the_job(engine: Engine) -> None:
    span = dt.timedelta(minutes=1)
    factory = make_session_factory(engine)
    with factory() as session, session.begin():
        assert lease.acquire(session, "sla_escalation", "one", span)
    with factory() as session, session.begin():
        assert not lease.acquire(session, "sla_escalation", "two", span)
        assert lease.acquire(session, "sla_escalation", "one", span)  # renewed by its holder
    with factory() as session, session.begin():
        lease.release(session, "sla_escalation", "one")
    with factory() as session, session.begin():
        assert lease.acquire(session, "sla_escalation", "two", span)
