"""Tokens of a deactivated account are refused at once everywhere, not when they expire.

``tests/server/test_auth.py`` covers ``/api/me``, refresh and login after a deactivation; this adds
every other way in: REST reads and writes, sync pull and push, an old login after the account
is reactivated, and the desktop engine of the deactivated person (its outbox kept, nothing
sent). Each refusal is a 401 with the API's error body, and nothing is stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from desktop.net.api import AuthError
from desktop.store import commands, queries
from desktop.sync.engine import classify
from desktop.sync.status import ErrorKind
from sync_server.app import create_app
from tests.helpers.api import Account, first_category, login, submit
from tests.helpers.sync import Desk, field_of, sync_until
from tests.helpers.sync import submit as submit_rest
from ticketing.domain import Role
from ticketing.protocol import PROTOCOL_VERSION


def counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        tickets, comments, events = (
            int(conn.scalar(text(f"SELECT count(*) FROM {table}")) or 0)
            for table in ("tickets", "comments", "ticket_events")
        )
    return tickets, comments, events


def refused(response: Any) -> None:
    assert response.status_code == 401, response.text
    body = response.json()
    assert set(body) == {"error", "detail"} and body["error"] in ("invalid_token", "account_disabled"), body
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.fixture
def people(engine: Engine) -> tuple[TestClient, Account, Account, dict[str, Any]]:
    client = TestClient(create_app(engine))
    admin = login(client, engine, "ada@example.com", Role.ADMIN)
    agent = login(client, engine, "alice@example.com", Role.AGENT)
    ticket = submit(login(client, engine, "uma@example.com", Role.USER))
    return client, admin, agent, ticket


def _every_request(agent: Account, ticket: dict[str, Any], category: str) -> list[Callable[[], Any]]:
    """Each way in, as a request to send later: reads first, then writes, then sync."""
    key = ticket["number"]
    sync = {"protocol": PROTOCOL_VERSION, "client_id": str(uuid.uuid4())}
    new_ticket = {"title": "After", "description": "<p>x</p>", "category_id": category}
    note = {"content": "<p>late</p>", "is_internal": True}
    queued = {"id": str(uuid.uuid4()), "ticket_id": ticket["id"], "content": "queued"}
    return [
        lambda: agent.get("/api/tickets"),
        lambda: agent.get(f"/api/tickets/{key}"),
        lambda: agent.get(f"/api/tickets/{key}/comments"),
        lambda: agent.get("/api/staff"),
        lambda: agent.post("/api/tickets", json=new_ticket),
        lambda: agent.post(f"/api/tickets/{key}/comments", json=note),
        lambda: agent.patch(f"/api/tickets/{key}", json={"status": "In Progress"}),
        lambda: agent.patch("/api/me", json={"name": "Renamed"}),
        lambda: agent.post("/api/sync/pull", json={**sync, "cursors": {}}),
        lambda: agent.post(
            "/api/sync/push", json={**sync, "mutations": [{"id": 1, "name": "add_comment", "args": queued}]}
        ),
    ]


def test_a_deactivated_agents_tokens_open_nothing(
    people: tuple[TestClient, Account, Account, dict[str, Any]], engine: Engine
) -> None:
    client, admin, agent, ticket = people
    category = first_category(agent)
    requests = _every_request(agent, ticket, category)
    assert {send().status_code for send in requests[:4]} == {200}  # the reads work before
    before = counts(engine)

    assert admin.patch(f"/api/users/{agent.id}", json={"is_active": False}).status_code == 200
    for send in requests:
        refused(send())
    refreshed = client.post("/api/auth/refresh", json={"refresh_token": agent.refresh_token})
    refused(refreshed)
    assert counts(engine) == before  # nothing written through any of them
    assert client.get(f"/api/tickets/{ticket['number']}", headers=admin.headers).json()["status"] == "Open"


def test_reactivating_does_not_revive_old_logins(
    people: tuple[TestClient, Account, Account, dict[str, Any]], engine: Engine
) -> None:
    client, admin, agent, ticket = people
    assert admin.patch(f"/api/users/{agent.id}", json={"is_active": False}).status_code == 200
    assert admin.patch(f"/api/users/{agent.id}", json={"is_active": True}).status_code == 200

    for send in _every_request(agent, ticket, first_category(admin)):
        refused(send())  # the sessions ended with the deactivation, for good
    refused(client.post("/api/auth/refresh", json={"refresh_token": agent.refresh_token}))
    fresh = client.post("/api/auth/login", json={"email": agent.email, "password": agent.password})
    assert fresh.status_code == 200  # a new login works again


def test_a_password_reset_ends_sync_sessions_too(
    people: tuple[TestClient, Account, Account, dict[str, Any]], engine: Engine
) -> None:
    _client, admin, agent, ticket = people
    assert admin.patch(f"/api/users/{agent.id}", json={"password": "a-brand-new-one"}).status_code == 200
    for send in _every_request(agent, ticket, first_category(admin))[-2:]:  # pull and push
        refused(send())


def test_the_desktop_of_a_deactivated_person_stops_and_keeps_its_outbox(desk: Desk, engine: Engine) -> None:
    ticket = submit_rest(desk.rest("uma@example.com"), "Printer offline")
    alice = desk.desktop("alice@example.com")
    sync_until(alice, lambda: field_of(alice, ticket["id"], "title") is not None)
    commands.add_comment(alice.store, ticket["id"], "written before the news", is_internal=True)
    admin = desk.rest("ada@example.com")
    admin.request("PATCH", f"/api/users/{desk.ids['alice@example.com']}", {"is_active": False})

    with pytest.raises(AuthError) as error:
        alice.engine.sync_once()
    assert classify(error.value) == ErrorKind.AUTH  # the engine stops retrying until a new login
    assert alice.engine.status.error_kind == ErrorKind.AUTH
    assert counts(engine)[1] == 0  # the comment never reached the server
    assert queries.sync_counts(alice.store).pending == 1  # and is still here, not lost
