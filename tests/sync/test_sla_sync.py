"""Service levels over the wire: calendars and policies an admin writes reach support staff's
caches and never a requester's, and the Due time the desktop cache computes for a ticket is the
server's pure evaluation of the same stored history."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from desktop.store import service_levels
from desktop.sync import apply
from sync_server.app import create_app
from sync_server.db.models import Comment, SlaPolicy, Ticket, TicketEvent, User
from sync_server.services.sla import calendars, policies
from tests.helpers.api import Account, login, submit
from tests.helpers.pull import pull_all
from tests.helpers.store import open_store
from ticketing.domain import Role
from ticketing.protocol import PullResponse
from ticketing.sla import evaluate, history_from, is_staff_reply, matching_policy
from ticketing.visibility import STAFF


@pytest.fixture
def client(engine: Engine) -> TestClient:
    return TestClient(create_app(engine))


def sla_changes(account: Account) -> list[dict[str, Any]]:
    return [c for c in pull_all(account)["changes"] if c["entity"] in {"sla_calendar", "sla_policy"}]


def create_policy(admin: Account, **fields: Any) -> dict[str, Any]:
    body = {"name": "Standard", "first_response_minutes": 60, "resolution_minutes": 480, **fields}
    response = admin.post("/api/sla/policies", json=body)
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


def test_a_policy_reaches_an_agents_cache_and_never_a_requesters(client: TestClient, engine: Engine) -> None:
    uma = login(client, engine, "uma@example.com", Role.USER)
    alice = login(client, engine, "alice@example.com", Role.AGENT)
    ada = login(client, engine, "ada@example.com", Role.ADMIN)
    policy = create_policy(ada, priorities=["High"], pause_statuses=["On Hold", "In Progress"])

    changes = sla_changes(alice)
    [synced] = [c for c in changes if c["entity"] == "sla_policy"]
    assert synced["bucket"] == STAFF and synced["id"] == policy["id"]
    assert synced["row"]["priorities"] == ["High"]  # a JSON array, not its text
    assert sorted(synced["row"]["pause_statuses"]) == ["In Progress", "On Hold"]
    assert synced["row"]["first_response_minutes"] == 60
    [calendar] = [c for c in changes if c["entity"] == "sla_calendar"]
    assert calendar["row"]["id"] == synced["row"]["calendar_id"]
    assert isinstance(calendar["row"]["hours"], dict)
    assert sla_changes(uma) == []

    ada.patch(f"/api/sla/policies/{policy['id']}", json={"first_response_minutes": 30})
    [updated] = [c for c in sla_changes(alice) if c["entity"] == "sla_policy"]
    assert updated["row"]["first_response_minutes"] == 30
    assert sla_changes(uma) == []


def _server_evaluation(engine: Engine, ticket_id: str, now: dt.datetime) -> Any:
    """What the server's rules say of the ticket, from its own stored rows."""
    with Session(engine) as session:
        ticket = session.get(Ticket, uuid.UUID(ticket_id))
        assert ticket is not None
        rules = [policies.rules(p) for p in session.scalars(select(SlaPolicy))]
        policy = matching_policy(
            rules, ticket.priority, str(ticket.category_id) if ticket.category_id else None
        )
        assert policy is not None
        calendar = calendars.arithmetic(calendars.get_calendar(session, uuid.UUID(str(policy.calendar_id))))
        events = session.execute(
            select(TicketEvent.created_at, TicketEvent.new_value).where(
                TicketEvent.ticket_id == ticket.id, TicketEvent.field == "status"
            )
        ).all()
        replies = session.execute(
            select(Comment.created_at, Comment.author_id, User.role)
            .join(User, User.id == Comment.author_id)
            .where(Comment.ticket_id == ticket.id, Comment.is_internal.is_(False))
        ).all()
        history = history_from(
            ticket.created_at,
            [(at, str(status)) for at, status in events],
            [
                (at, is_staff_reply(Role(role).is_staff, author, ticket.submitter_id))
                for at, author, role in replies
            ],
        )
        return evaluate(policy, calendar, history, now)


def test_the_caches_due_time_is_the_servers_evaluation(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    uma = login(client, engine, "uma@example.com", Role.USER)
    alice = login(client, engine, "alice@example.com", Role.AGENT)
    ada = login(client, engine, "ada@example.com", Role.ADMIN)
    office = ada.post(
        "/api/sla/calendars",
        json={"name": "Office", "timezone": "Europe/Berlin", "hours": {"mon": [["09:00", "17:00"]]}},
    )
    assert office.status_code in (200, 201), office.text
    create_policy(ada, calendar_id=office.json()["id"], next_response_minutes=120)
    ticket = submit(uma, "VPN drops")

    store = open_store(tmp_path / "alice", uuid.UUID(alice.id), Role.AGENT)
    apply.apply_page(store, PullResponse.model_validate(pull_all(alice)), final=True)
    now = dt.datetime.now(dt.UTC)
    with store.read() as conn:
        cached = service_levels.ticket_sla(conn, ticket["id"], now)
        due = conn.exec_driver_sql(
            "SELECT due_at FROM ticket_sla WHERE ticket_id = ?", (ticket["id"],)
        ).scalar()
    expected = _server_evaluation(engine, ticket["id"], now)
    assert cached == expected
    assert expected.nearest is not None
    assert dt.datetime.fromisoformat(str(due)) == expected.nearest.due_at
