"""The sync endpoints at the wire: paging, the xid horizon, removals, idempotent push."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from sync_server.app import create_app
from sync_server.db.session import make_session_factory
from sync_server.services.helpdesk import tickets
from sync_server.services.identity import accounts
from sync_server.services.identity.principal import Principal
from sync_server.services.sync import changelog
from tests.helpers.api import Account, first_category, login, submit
from tests.helpers.pull import pull_all, wait_for_horizon
from ticketing.domain import AgentVisibility, Role
from ticketing.protocol import PROTOCOL_VERSION
from ticketing.schemas import TicketCreate


@pytest.fixture
def client(engine: Engine) -> TestClient:
    return TestClient(create_app(engine))


def ids(changes: list[dict[str, Any]], entity: str, op: str = "PUT") -> set[str]:
    return {c["id"] for c in changes if c["entity"] == entity and c["op"] == op}


def push(account: Account, client_id: str, mutations: list[dict[str, Any]]) -> Any:
    return account.post(
        "/api/sync/push", json={"protocol": PROTOCOL_VERSION, "client_id": client_id, "mutations": mutations}
    )


def test_user_pull_holds_only_own_public_rows(client: TestClient, engine: Engine) -> None:
    uma = login(client, engine, "uma@example.com", Role.USER)
    bob = login(client, engine, "bob@example.com", Role.USER)
    agent = login(client, engine, "alice@example.com", Role.AGENT)
    mine = submit(uma, "Mine")
    theirs = submit(bob, "Theirs")
    for ticket in (mine, theirs):
        agent.post(f"/api/tickets/{ticket['id']}/comments", json={"content": "public"})
        agent.post(f"/api/tickets/{ticket['id']}/comments", json={"content": "secret", "is_internal": True})

    changes = pull_all(uma)["changes"]
    assert ids(changes, "ticket") == {mine["id"]}
    rows = [c["row"] for c in changes if c["entity"] == "comment"]
    assert [r["content"] for r in rows] == ["public"]
    assert all(not r["is_internal"] for r in rows)
    emails = {c["row"].get("email") for c in changes if c["entity"] == "user"}
    assert emails == {None, "uma@example.com"}  # staff names only; own account in full

    staff_changes = pull_all(agent)["changes"]
    assert ids(staff_changes, "ticket") == {mine["id"], theirs["id"]}
    assert sum(1 for c in staff_changes if c["entity"] == "comment" and c["row"]["is_internal"]) == 2


def test_paging_resumes_without_loss(client: TestClient, engine: Engine) -> None:
    agent = login(client, engine, "alice@example.com", Role.AGENT)
    created = {submit(agent, f"Ticket {n}")["id"] for n in range(12)}
    body = pull_all(agent, limit=5)
    assert ids(body["changes"], "ticket") == created
    again = pull_all(agent, cursors=body["cursors"])
    assert again["changes"] == []


def test_late_committing_transaction_is_not_skipped(client: TestClient, engine: Engine) -> None:
    agent = login(client, engine, "alice@example.com", Role.AGENT)
    category = first_category(agent)
    factory = make_session_factory(engine)

    def principal(session: Any) -> Principal:
        return Principal(accounts.get_user(session, uuid.UUID(agent.id)), AgentVisibility.ALL)

    slow = factory()
    slow.begin()
    slow_ticket = tickets.create_ticket(
        slow, principal(slow), TicketCreate(title="slow", description="x", category_id=category)
    )
    fast = submit(agent, "fast")  # commits while the slow transaction is still open

    first = pull_all(agent, settle=False)  # our own slow transaction holds the horizon back
    assert slow_ticket.id is not None
    assert str(slow_ticket.id) not in ids(first["changes"], "ticket")
    slow.commit()
    slow.close()

    second = pull_all(agent, cursors=first["cursors"])
    seen = ids(first["changes"], "ticket") | ids(second["changes"], "ticket")
    assert {str(slow_ticket.id), fast["id"]} <= seen


def test_reassignment_removes_rows_from_limited_agent(client: TestClient, engine: Engine) -> None:
    admin = login(client, engine, "ada@example.com", Role.ADMIN)
    first_agent = login(client, engine, "alice@example.com", Role.AGENT)
    second_agent = login(client, engine, "tom@example.com", Role.AGENT)
    user = login(client, engine, "uma@example.com", Role.USER)
    assert admin.patch("/api/settings", json={"agent_visibility": "assigned"}).status_code == 200
    ticket = submit(user)
    admin.patch(f"/api/tickets/{ticket['id']}", json={"assignee_id": first_agent.id})
    admin.post(f"/api/tickets/{ticket['id']}/comments", json={"content": "note", "is_internal": True})

    held = pull_all(first_agent)
    assert ticket["id"] in ids(held["changes"], "ticket")
    assert len(ids(held["changes"], "comment")) == 1

    admin.patch(f"/api/tickets/{ticket['id']}", json={"assignee_id": second_agent.id})
    after = pull_all(first_agent, cursors=held["cursors"])
    assert ticket["id"] in ids(after["changes"], "ticket", "REMOVE")
    assert ids(held["changes"], "comment") <= ids(after["changes"], "comment", "REMOVE")
    assert ticket["id"] in ids(pull_all(second_agent)["changes"], "ticket")


def test_role_change_returns_removed_buckets(client: TestClient, engine: Engine) -> None:
    admin = login(client, engine, "ada@example.com", Role.ADMIN)
    agent = login(client, engine, "alice@example.com", Role.AGENT)
    held = pull_all(agent)
    assert "queue_internal" in held["cursors"]
    assert admin.patch(f"/api/users/{agent.id}", json={"role": "user"}).status_code == 200
    after = pull_all(agent, cursors=held["cursors"])
    assert {"queue", "queue_internal", "people"} <= set(after["removed_buckets"])
    assert f"requester:{agent.id}" in after["cursors"]


def test_epoch_change_asks_for_reset(client: TestClient, engine: Engine) -> None:
    agent = login(client, engine, "alice@example.com", Role.AGENT)
    response = agent.post(
        "/api/sync/pull",
        json={
            "protocol": PROTOCOL_VERSION,
            "client_id": str(uuid.uuid4()),
            "db_epoch": "elsewhere",
            "cursors": {},
        },
    )
    assert response.json()["reset"] is True
    assert response.json()["changes"] == []
    current = agent.get("/api/health").json()["db_epoch"]
    assert pull_all(agent, db_epoch=current)["reset"] is False


def test_pruned_tombstones_reset_old_cursors(client: TestClient, engine: Engine) -> None:
    admin = login(client, engine, "ada@example.com", Role.ADMIN)
    agent = login(client, engine, "alice@example.com", Role.AGENT)
    other = login(client, engine, "tom@example.com", Role.AGENT)
    admin.patch("/api/settings", json={"agent_visibility": "assigned"})
    ticket = submit(admin)
    admin.patch(f"/api/tickets/{ticket['id']}", json={"assignee_id": agent.id})
    held = pull_all(agent)
    admin.patch(f"/api/tickets/{ticket['id']}", json={"assignee_id": other.id})
    with engine.begin() as conn:
        conn.execute(text("UPDATE sync_op SET changed_at = now() - interval '100 days' WHERE op = 'REMOVE'"))
    with make_session_factory(engine)() as session, session.begin():
        changelog.prune_tombstones(session)
    after = pull_all(agent, cursors=held["cursors"])
    assert f"assignee:{agent.id}" in after["reset_buckets"]


def test_push_is_idempotent_and_keeps_answers(client: TestClient, engine: Engine) -> None:
    user = login(client, engine, "uma@example.com", Role.USER)
    category = first_category(user)
    client_id = str(uuid.uuid4())
    ticket_id = str(uuid.uuid4())
    mutations = [
        {
            "id": 1,
            "name": "create_ticket",
            "args": {
                "id": ticket_id,
                "title": "Offline",
                "description": "d",
                "category_id": category,
                "priority": "High",
            },
        },
        {
            "id": 2,
            "name": "add_comment",
            "args": {"id": str(uuid.uuid4()), "ticket_id": ticket_id, "content": "psst", "is_internal": True},
        },
        {
            "id": 3,
            "name": "add_comment",
            "args": {"id": str(uuid.uuid4()), "ticket_id": ticket_id, "content": "hi"},
        },
    ]
    first = push(user, client_id, mutations)
    assert first.status_code == 200
    statuses = [(r["id"], r["status"], r["code"]) for r in first.json()["results"]]
    assert statuses == [(1, "applied", None), (2, "rejected", "forbidden"), (3, "applied", None)]

    again = push(user, client_id, mutations)  # the answer was lost: the client sends it all again
    assert [(r["id"], r["status"], r["code"]) for r in again.json()["results"]] == statuses
    assert again.json()["last_mutation_id"] == 3
    comments = user.get(f"/api/tickets/{ticket_id}/comments").json()
    assert [c["content"] for c in comments] == ["hi"]
    assert user.get("/api/tickets").json()["total"] == 1

    assert pull_all(user, client_id=client_id)["last_mutation_id"] == 3

    gap = push(user, client_id, [{"id": 5, "name": "add_comment", "args": {}}])
    assert gap.json()["results"] == []
    assert gap.json()["last_mutation_id"] == 3


def test_push_conflict_reports_server_value(client: TestClient, engine: Engine) -> None:
    agent = login(client, engine, "alice@example.com", Role.AGENT)
    ticket = submit(agent, "Original")
    agent.patch(f"/api/tickets/{ticket['id']}", json={"title": "Changed online", "priority": "High"})
    result = push(
        agent,
        str(uuid.uuid4()),
        [
            {
                "id": 1,
                "name": "update_ticket",
                "args": {
                    "ticket_id": ticket["id"],
                    "changes": {
                        "title": {"base": "Original", "new": "Changed offline"},
                        "category_id": {"base": ticket["category_id"], "new": ticket["category_id"]},
                        "priority": {"base": "High", "new": "Critical"},
                    },
                },
            }
        ],
    ).json()["results"][0]
    assert result["status"] == "conflict"
    assert result["server_values"] == {"title": "Changed online"}
    now = agent.get(f"/api/tickets/{ticket['id']}").json()
    assert (now["title"], now["priority"]) == ("Changed online", "Critical")


def test_client_id_is_bound_to_its_account(client: TestClient, engine: Engine) -> None:
    uma = login(client, engine, "uma@example.com", Role.USER)
    bob = login(client, engine, "bob@example.com", Role.USER)
    client_id = str(uuid.uuid4())
    assert push(uma, client_id, []).status_code == 200
    refused = push(bob, client_id, [])
    assert refused.status_code == 403
    assert refused.json()["error"] == "client_mismatch"


def test_old_protocol_gets_upgrade_message(client: TestClient, engine: Engine) -> None:
    agent = login(client, engine, "alice@example.com", Role.AGENT)
    response = agent.post(
        "/api/sync/pull", json={"protocol": 0, "client_id": str(uuid.uuid4()), "cursors": {}}
    )
    assert response.status_code == 426
    assert response.json()["error"] == "upgrade_required"
    assert "update" in response.json()["detail"].lower()


def test_fresh_client_pages_through_a_pruned_bucket(client: TestClient, engine: Engine) -> None:
    admin = login(client, engine, "ada@example.com", Role.ADMIN)
    agent = login(client, engine, "alice@example.com", Role.AGENT)
    other = login(client, engine, "tom@example.com", Role.AGENT)
    admin.patch("/api/settings", json={"agent_visibility": "assigned"})
    kept = set()
    for n in range(6):
        ticket = submit(admin, f"Assigned {n}")
        admin.patch(f"/api/tickets/{ticket['id']}", json={"assignee_id": agent.id})
        kept.add(ticket["id"])
    moved = submit(admin, "Moved")
    admin.patch(f"/api/tickets/{moved['id']}", json={"assignee_id": agent.id})
    admin.patch(f"/api/tickets/{moved['id']}", json={"assignee_id": other.id})
    with engine.begin() as conn:
        conn.execute(text("UPDATE sync_op SET changed_at = now() - interval '100 days' WHERE op = 'REMOVE'"))
    with make_session_factory(engine)() as session, session.begin():
        changelog.prune_tombstones(session)

    body = pull_all(agent, limit=3)
    assert ids(body["changes"], "ticket") == kept
    assert not body["reset_buckets"]
    assert all(not cursor.startswith("r") for cursor in body["cursors"].values()), body["cursors"]
    again = pull_all(agent, cursors=body["cursors"], limit=3)
    assert again["changes"] == [] and not again["reset_buckets"]


def test_a_mutation_settles_only_once_its_rows_are_delivered(client: TestClient, engine: Engine) -> None:
    """A mutation answered below the horizon is not settled while a later change to its rows is
    still above it: the op moved there, so the pull does not bring the row, and a client that
    dropped its own copy would lose the ticket until the horizon passes (seen under load)."""
    user = login(client, engine, "uma@example.com", Role.USER)
    agent = login(client, engine, "alice@example.com", Role.AGENT)
    client_id, ticket_id = str(uuid.uuid4()), str(uuid.uuid4())
    create = {
        "id": 1,
        "name": "create_ticket",
        "args": {
            "id": ticket_id,
            "title": "New",
            "description": "d",
            "category_id": first_category(user),
            "priority": "Low",
        },
    }
    pushed = push(user, client_id, [create]).json()
    assert [r["status"] for r in pushed["results"]] == ["applied"], pushed
    wait_for_horizon(engine)  # the create is below every horizon from here on
    with engine.connect() as slow:  # a transaction with an xid, open across the agent's change
        slow.execute(text("SELECT pg_current_xact_id()"))
        assert agent.patch(f"/api/tickets/{ticket_id}", json={"priority": "High"}).status_code == 200
        held = pull_all(user, settle=False, client_id=client_id)
        assert ticket_id not in ids(held["changes"], "ticket")  # its op moved above the horizon
        assert held["last_mutation_id"] == 0
        slow.rollback()
    after = pull_all(user, cursors=held["cursors"], client_id=client_id)
    assert ticket_id in ids(after["changes"], "ticket")
    assert after["last_mutation_id"] == 1
