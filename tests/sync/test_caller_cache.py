"""The sync pull's cached callers (``sync_server.api.caller_cache``) and its one-statement quiet
answer (``sync_server.services.sync.quiet_pull``).

Two apps on one database stand for two server processes behind a proxy: each has its own cache,
and what one process does to a login (logout, deactivation, a role or settings change) must be
refused or honoured by the other's very next pull, cached caller or not.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from sync_server.app import create_app
from sync_server.db.session import make_session_factory
from sync_server.services.identity.passwords import token_digest
from sync_server.services.identity.principal import Principal
from sync_server.services.sync import pull as pull_service
from sync_server.services.sync.quiet_pull import quiet_pull
from tests.helpers.api import Account, login, submit
from tests.helpers.pull import pull_all, wait_for_horizon
from ticketing.domain import AgentVisibility, Role
from ticketing.protocol import PROTOCOL_VERSION, PullRequest


@pytest.fixture
def first(engine: Engine) -> TestClient:
    return TestClient(create_app(engine))


@pytest.fixture
def second(engine: Engine) -> TestClient:
    return TestClient(create_app(engine))


def _pull(account: Account, cursors: dict[str, str], client_id: str) -> Any:
    return account.post(
        "/api/sync/pull", json={"protocol": PROTOCOL_VERSION, "client_id": client_id, "cursors": cursors}
    )


def _synced(account: Account) -> tuple[dict[str, str], str]:
    """A client that is up to date: its cursors, and its caller now cached in its process."""
    client_id = str(uuid.uuid4())
    cursors = pull_all(account, client_id=client_id)["cursors"]
    response = _pull(account, cursors, client_id)
    assert response.status_code == 200, response.text
    assert response.json()["changes"] == []
    assert account.client.app.state.callers.get(token_digest(account.access_token)) is not None  # type: ignore[attr-defined]
    return cursors, client_id


def _as(account: Account, client: TestClient) -> Account:
    return Account(
        account.id,
        account.email,
        account.password,
        account.role,
        client,
        account.access_token,
        account.refresh_token,
    )


def test_a_cached_caller_whose_login_ended_in_another_process_is_refused(
    first: TestClient, second: TestClient, engine: Engine
) -> None:
    agent = login(first, engine, "alice@example.com", Role.AGENT)
    cursors, client_id = _synced(agent)
    assert second.post("/api/auth/logout", json={"refresh_token": agent.refresh_token}).status_code == 204
    response = _pull(agent, cursors, client_id)
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "invalid_token"
    assert first.app.state.callers.get(token_digest(agent.access_token)) is None  # type: ignore[attr-defined]


def test_a_cached_caller_deactivated_in_another_process_is_refused(
    first: TestClient, second: TestClient, engine: Engine
) -> None:
    user = login(first, engine, "uma@example.com", Role.USER)
    admin = _as(login(first, engine, "ada@example.com", Role.ADMIN), second)
    cursors, client_id = _synced(user)
    assert admin.patch(f"/api/users/{user.id}", json={"is_active": False}).status_code == 200
    response = _pull(user, cursors, client_id)
    assert response.status_code == 401, response.text


def test_a_cached_caller_whose_token_expired_is_refused(first: TestClient, engine: Engine) -> None:
    user = login(first, engine, "uma@example.com", Role.USER)
    cursors, client_id = _synced(user)
    with engine.begin() as conn:
        conn.execute(text("UPDATE auth_sessions SET access_expires_at = now() - interval '1 second'"))
    assert _pull(user, cursors, client_id).status_code == 401


def test_a_cached_callers_buckets_follow_a_role_change_made_elsewhere(
    first: TestClient, second: TestClient, engine: Engine
) -> None:
    agent = login(first, engine, "alice@example.com", Role.AGENT)
    admin = _as(login(first, engine, "ada@example.com", Role.ADMIN), second)
    cursors, client_id = _synced(agent)
    assert "queue_internal" in cursors
    assert admin.patch(f"/api/users/{agent.id}", json={"role": "user"}).status_code == 200
    response = _pull(agent, cursors, client_id)
    assert response.status_code == 200, response.text
    assert "queue_internal" in response.json()["removed_buckets"]
    assert f"requester:{agent.id}" in response.json()["cursors"]


def test_a_cached_callers_buckets_follow_the_visibility_setting_changed_elsewhere(
    first: TestClient, second: TestClient, engine: Engine
) -> None:
    agent = login(first, engine, "alice@example.com", Role.AGENT)
    admin = _as(login(first, engine, "ada@example.com", Role.ADMIN), second)
    cursors, client_id = _synced(agent)
    assert admin.patch("/api/settings", json={"agent_visibility": "assigned"}).status_code == 200
    body = _pull(agent, cursors, client_id).json()
    assert "queue" in body["removed_buckets"]
    assert f"assignee:{agent.id}" in body["cursors"]


def test_the_quiet_answer_is_the_full_pulls_answer(first: TestClient, engine: Engine) -> None:
    """For an up-to-date client the one statement answers exactly what the full pull would; once
    something waits after a cursor it steps aside."""
    agent = login(first, engine, "alice@example.com", Role.AGENT)
    user = login(first, engine, "uma@example.com", Role.USER)
    submit(user)
    cursors, client_id = _synced(agent)
    request = PullRequest(protocol=PROTOCOL_VERSION, client_id=uuid.UUID(client_id), cursors=cursors)
    factory = make_session_factory(engine)
    with factory() as session, session.begin():
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        caller = first.app.state.callers.get(token_digest(agent.access_token))  # type: ignore[attr-defined]
        principal: Principal = caller.principal
        assert principal.agent_visibility == AgentVisibility.ALL
        quiet = quiet_pull(session, principal, caller.session_id, token_digest(agent.access_token), request)
        full = pull_service.pull(session, principal, request)
    assert quiet.authorized
    assert quiet.page is not None
    assert quiet.page.to_json() == full.to_json()

    submit(user, title="Another one")
    wait_for_horizon(engine)
    with factory() as session, session.begin():
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        quiet = quiet_pull(session, principal, caller.session_id, token_digest(agent.access_token), request)
    assert quiet.authorized
    assert quiet.page is None
    changes = _pull(agent, cursors, client_id).json()["changes"]
    assert [c["row"]["title"] for c in changes if c["entity"] == "ticket"] == ["Another one"]
