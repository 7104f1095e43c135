"""The ``mark_read`` mutation at the wire: applied for a readable ticket, refused for another,
moved only forward, and delivered to the account's own bucket and nobody else's."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from sync_server.app import create_app
from tests.helpers.api import Account, login, submit
from tests.helpers.pull import pull_all
from ticketing.domain import Role
from ticketing.protocol import PROTOCOL_VERSION, MutationName, ticket_read_id
from ticketing.visibility import account_bucket


@pytest.fixture
def client(engine: Engine) -> TestClient:
    return TestClient(create_app(engine))


def mark(
    account: Account, ticket_id: str, read_at: str, mutation_id: int = 1, client_id: str | None = None
) -> Any:
    response = account.post(
        "/api/sync/push",
        json={
            "protocol": PROTOCOL_VERSION,
            "client_id": client_id or str(uuid.uuid4()),
            "mutations": [
                {
                    "id": mutation_id,
                    "name": MutationName.MARK_READ.value,
                    "args": {"ticket_id": ticket_id, "read_at": read_at},
                }
            ],
        },
    )
    assert response.status_code == 200, response.text
    return response.json()["results"][0]


def reads(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for c in changes if c["entity"] == "ticket_read"]


def test_a_mark_is_applied_and_delivered_only_to_the_account(client: TestClient, engine: Engine) -> None:
    uma = login(client, engine, "uma@example.com", Role.USER)
    alice = login(client, engine, "alice@example.com", Role.AGENT)
    ada = login(client, engine, "ada@example.com", Role.ADMIN)
    ticket = submit(uma, "Printer jams")

    result = mark(alice, ticket["id"], "2026-12-01T10:00:00.000000+00:00")
    assert result["status"] == "applied"

    mine = reads(pull_all(alice)["changes"])
    assert [(c["bucket"], c["id"]) for c in mine] == [
        (account_bucket(uuid.UUID(alice.id)), str(ticket_read_id(alice.id, ticket["id"])))
    ]
    assert mine[0]["row"] == {
        "id": str(ticket_read_id(alice.id, ticket["id"])),
        "user_id": alice.id,
        "ticket_id": ticket["id"],
        "read_at": "2026-12-01T10:00:00.000000+00:00",
    }
    # neither the ticket's requester nor an admin who sees the whole queue receives it
    assert reads(pull_all(uma)["changes"]) == []
    assert reads(pull_all(ada)["changes"]) == []
    with engine.connect() as conn:
        buckets = (
            conn.execute(text("SELECT bucket FROM sync_op WHERE entity = 'ticket_read'")).scalars().all()
        )
    assert buckets == [account_bucket(uuid.UUID(alice.id))]


def test_the_later_mark_wins_in_any_order(client: TestClient, engine: Engine) -> None:
    uma = login(client, engine, "uma@example.com", Role.USER)
    ticket = submit(uma)
    assert mark(uma, ticket["id"], "2026-12-01T12:00:00+00:00")["status"] == "applied"
    older = mark(uma, ticket["id"], "2026-12-01T11:00:00+00:00")  # another device, behind
    assert (older["status"], older["code"]) == ("applied", "no_change")
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT to_char(read_at AT TIME ZONE 'UTC', 'HH24:MI') FROM ticket_reads")
        ).scalar_one()
    assert stored == "12:00"
    assert mark(uma, ticket["id"], "2026-12-01T13:00:00+00:00")["code"] is None
    row = reads(pull_all(uma)["changes"])[0]["row"]
    assert row["read_at"] == "2026-12-01T13:00:00.000000+00:00"


def test_a_mark_of_an_unreadable_ticket_is_rejected(client: TestClient, engine: Engine) -> None:
    uma = login(client, engine, "uma@example.com", Role.USER)
    vic = login(client, engine, "vic@example.com", Role.USER)
    ticket = submit(uma)
    result = mark(vic, ticket["id"], "2026-12-01T12:00:00+00:00")
    assert result["status"] == "rejected"
    assert result["code"] == "not_found"
    missing = mark(vic, str(uuid.uuid4()), "2026-12-01T12:00:00+00:00")
    assert missing["status"] == "rejected"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM ticket_reads")).scalar_one() == 0
        assert (
            conn.execute(text("SELECT count(*) FROM sync_op WHERE entity = 'ticket_read'")).scalar_one() == 0
        )


def test_a_mark_without_a_time_zone_is_invalid(client: TestClient, engine: Engine) -> None:
    uma = login(client, engine, "uma@example.com", Role.USER)
    ticket = submit(uma)
    result = mark(uma, ticket["id"], "2026-12-01T12:00:00")
    assert (result["status"], result["code"]) == ("rejected", "invalid")
