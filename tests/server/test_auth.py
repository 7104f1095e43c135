"""Logins: passwords, token rotation, logout, deactivation and resets take effect at once."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from sync_server.app import create_app
from sync_server.services.identity.accounts import TokenLifetimes
from tests.helpers.api import assert_error, login
from ticketing.domain import Role


def _login(client: TestClient, email: str, password: str) -> tuple[int, dict[str, object]]:
    response = client.post("/api/auth/login", json={"email": email, "password": password})
    return response.status_code, response.json()


def _me(client: TestClient, access_token: str) -> int:
    status: int = client.get("/api/me", headers={"Authorization": f"Bearer {access_token}"}).status_code
    return status


def _refresh(client: TestClient, refresh_token: str) -> httpx.Response:
    response: httpx.Response = client.post("/api/auth/refresh", json={"refresh_token": refresh_token})
    return response


def test_login_returns_tokens_and_the_account(client: TestClient, engine: Engine) -> None:
    user = login(client, engine, "uma@example.com", Role.USER)
    status, body = _login(client, "  UMA@Example.com ", user.password)
    assert status == 200
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 15 * 60
    assert (
        body["user"]
        == client.get("/api/me", headers={"Authorization": f"Bearer {body['access_token']}"}).json()
    )
    assert body["access_token"] != user.access_token


def test_wrong_password_or_unknown_email_is_invalid_credentials(client: TestClient, engine: Engine) -> None:
    user = login(client, engine, "uma@example.com", Role.USER)
    wrong = client.post("/api/auth/login", json={"email": user.email, "password": user.password + "x"})
    unknown = client.post("/api/auth/login", json={"email": "nobody@example.com", "password": user.password})
    body_wrong = assert_error(wrong, 401, "invalid_credentials")
    body_unknown = assert_error(unknown, 401, "invalid_credentials")
    assert body_wrong == body_unknown  # no hint whether the account exists
    assert wrong.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer not-a-token", "Basic dXNlcjpwYXNz", "bearer tda_forged"],
)
def test_requests_without_a_valid_token_are_refused(client: TestClient, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/tickets", headers=headers)
    body = assert_error(response, 401)
    assert body["error"] in ("not_authenticated", "invalid_token")


def test_refresh_rotates_the_tokens(client: TestClient, engine: Engine) -> None:
    user = login(client, engine, "uma@example.com", Role.USER)
    first = _refresh(client, user.refresh_token)
    assert first.status_code == 200, first.text
    pair = first.json()
    assert pair["refresh_token"] != user.refresh_token
    assert pair["access_token"] != user.access_token
    assert _me(client, pair["access_token"]) == 200
    second = _refresh(client, pair["refresh_token"])
    assert second.status_code == 200
    assert second.json()["refresh_token"] not in {pair["refresh_token"], user.refresh_token}
    assert _me(client, second.json()["access_token"]) == 200


def test_a_lost_refresh_answer_is_given_again(client: TestClient, engine: Engine) -> None:
    user = login(client, engine, "uma@example.com", Role.USER)
    lost = _refresh(client, user.refresh_token).json()  # the answer never reached the client
    again = _refresh(client, user.refresh_token)
    assert again.status_code == 200, again.text
    pair = again.json()
    assert (pair["access_token"], pair["refresh_token"]) == (lost["access_token"], lost["refresh_token"])
    assert pair["expires_in"] == 15 * 60
    assert _refresh(client, user.refresh_token).json()["refresh_token"] == lost["refresh_token"]
    assert _me(client, pair["access_token"]) == 200
    assert _refresh(client, pair["refresh_token"]).status_code == 200  # the login carries on


def _audit_actions(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT action, target_type FROM admin_audit ORDER BY created_at"))
        return [(row[0], row[1]) for row in rows]


def test_an_old_refresh_token_after_its_successor_was_used_ends_the_login(
    client: TestClient, engine: Engine
) -> None:
    user = login(client, engine, "uma@example.com", Role.USER)
    other = _login(client, user.email, user.password)[1]  # another device: not affected
    pair = _refresh(client, user.refresh_token).json()
    assert _me(client, pair["access_token"]) == 200  # the new pair is used: the old token is dead

    body = assert_error(_refresh(client, user.refresh_token), 401, "token_reused")
    assert "log in again" in body["detail"]
    assert _me(client, pair["access_token"]) == 401  # the whole login is revoked
    assert_error(_refresh(client, pair["refresh_token"]), 401, "invalid_token")
    assert _me(client, str(other["access_token"])) == 200
    assert _audit_actions(engine) == [("login.token_reused", "login")]
    with engine.connect() as conn:
        revoked = conn.scalar(text("SELECT count(*) FROM auth_sessions WHERE revoked_at IS NOT NULL"))
    assert revoked == 1


def test_a_refresh_token_two_rotations_old_ends_the_login(client: TestClient, engine: Engine) -> None:
    user = login(client, engine, "uma@example.com", Role.USER)
    first = _refresh(client, user.refresh_token).json()
    second = _refresh(client, first["refresh_token"]).json()  # refreshing with the new token uses it
    assert_error(_refresh(client, user.refresh_token), 401, "token_reused")
    assert _me(client, second["access_token"]) == 401
    assert_error(_refresh(client, user.refresh_token), 401, "token_reused")
    assert [action for action, _ in _audit_actions(engine)] == ["login.token_reused"]  # logged once


def test_the_previous_refresh_token_is_reused_after_a_refresh_with_its_successor(
    client: TestClient, engine: Engine
) -> None:
    user = login(client, engine, "uma@example.com", Role.USER)
    first = _refresh(client, user.refresh_token).json()
    assert _refresh(client, first["refresh_token"]).status_code == 200
    assert_error(_refresh(client, user.refresh_token), 401, "token_reused")


def test_logout_with_the_token_before_a_lost_refresh_answer_ends_the_login(
    client: TestClient, engine: Engine
) -> None:
    user = login(client, engine, "uma@example.com", Role.USER)
    lost = _refresh(client, user.refresh_token).json()
    assert client.post("/api/auth/logout", json={"refresh_token": user.refresh_token}).status_code == 204
    assert _me(client, lost["access_token"]) == 401
    assert_error(_refresh(client, lost["refresh_token"]), 401, "invalid_token")


def test_logout_revokes_refresh_and_access_token_at_once(client: TestClient, engine: Engine) -> None:
    user = login(client, engine, "uma@example.com", Role.USER)
    status, second = _login(client, user.email, user.password)  # the same person on a second device
    assert status == 200
    assert _me(client, user.access_token) == 200

    response = client.post("/api/auth/logout", json={"refresh_token": user.refresh_token})
    assert response.status_code == 204
    assert_error(client.get("/api/me", headers=user.headers), 401, "invalid_token")
    assert_error(_refresh(client, user.refresh_token), 401, "invalid_token")
    # the other login is untouched
    assert _me(client, str(second["access_token"])) == 200
    assert _refresh(client, str(second["refresh_token"])).status_code == 200


def test_a_deactivated_user_is_refused_at_once(client: TestClient, engine: Engine) -> None:
    admin = login(client, engine, "ada@example.com", Role.ADMIN)
    user = login(client, engine, "uma@example.com", Role.USER)
    assert _me(client, user.access_token) == 200

    response = admin.patch(f"/api/users/{user.id}", json={"is_active": False})
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert_error(client.get("/api/me", headers=user.headers), 401)
    assert_error(_refresh(client, user.refresh_token), 401)
    assert_error(client.post("/api/auth/login", json={"email": user.email, "password": user.password}), 401)

    # reactivated, they log in again with the same password
    admin.patch(f"/api/users/{user.id}", json={"is_active": True})
    assert _login(client, user.email, user.password)[0] == 200


def test_an_inactive_account_is_refused_even_with_an_unrevoked_session(
    client: TestClient, engine: Engine
) -> None:
    """The check on every request looks at the account, not only at the session."""
    user = login(client, engine, "uma@example.com", Role.USER)
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET is_active = false WHERE id = :id"), {"id": user.id})
    assert_error(client.get("/api/me", headers=user.headers), 401, "account_disabled")
    assert_error(_refresh(client, user.refresh_token), 401, "account_disabled")
    assert_error(
        client.post("/api/auth/login", json={"email": user.email, "password": user.password}),
        401,
        "account_disabled",
    )


def test_a_password_reset_by_an_admin_ends_the_users_sessions(client: TestClient, engine: Engine) -> None:
    admin = login(client, engine, "ada@example.com", Role.ADMIN)
    user = login(client, engine, "uma@example.com", Role.USER)
    response = admin.patch(f"/api/users/{user.id}", json={"password": "brand-new-secret"})
    assert response.status_code == 200, response.text
    assert_error(client.get("/api/me", headers=user.headers), 401, "invalid_token")
    assert_error(_refresh(client, user.refresh_token), 401, "invalid_token")
    assert _login(client, user.email, user.password)[0] == 401
    assert _login(client, user.email, "brand-new-secret")[0] == 200
    assert _me(client, admin.access_token) == 200  # the admin's own login is untouched


def test_changing_your_password_needs_the_current_one(client: TestClient, engine: Engine) -> None:
    user = login(client, engine, "uma@example.com", Role.USER)
    status, other_device = _login(client, user.email, user.password)
    assert status == 200

    missing = user.patch("/api/me", json={"new_password": "another-secret"})
    wrong = user.patch("/api/me", json={"current_password": "not-it", "new_password": "another-secret"})
    assert_error(missing, 403, "wrong_password")
    assert_error(wrong, 403, "wrong_password")
    assert _login(client, user.email, user.password)[0] == 200  # nothing changed

    ok = user.patch("/api/me", json={"current_password": user.password, "new_password": "another-secret"})
    assert ok.status_code == 200, ok.text
    assert _login(client, user.email, user.password)[0] == 401
    assert _login(client, user.email, "another-secret")[0] == 200
    assert _me(client, user.access_token) == 200  # this login stays
    assert _me(client, str(other_device["access_token"])) == 401  # the others end


def test_a_new_password_must_be_long_enough(client: TestClient, engine: Engine) -> None:
    user = login(client, engine, "uma@example.com", Role.USER)
    response = user.patch("/api/me", json={"current_password": user.password, "new_password": "short"})
    body = assert_error(response, 422, "validation_error")
    assert [f["field"] for f in body["fields"]] == ["new_password"]


def test_passwords_are_stored_as_argon2_hashes(client: TestClient, engine: Engine) -> None:
    admin = login(client, engine, "ada@example.com", Role.ADMIN)
    created = admin.post(
        "/api/users",
        json={"email": "new@example.com", "name": "New", "role": "user", "password": "plain-text-secret"},
    )
    assert created.status_code == 201
    user = login(client, engine, "uma@example.com", Role.USER)
    user.patch("/api/me", json={"current_password": user.password, "new_password": "changed-secret"})
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT email, password_hash FROM users")).all()
    assert len(rows) == 3
    secrets = ("plain-text-secret", "changed-secret", admin.password, user.password)
    for email, password_hash in rows:
        assert isinstance(password_hash, str)
        assert password_hash.startswith("$argon2id$"), email
        assert not any(secret in password_hash for secret in secrets), email


def test_tokens_are_stored_only_as_hashes(client: TestClient, engine: Engine) -> None:
    user = login(client, engine, "uma@example.com", Role.USER)
    refreshed = _refresh(client, user.refresh_token).json()
    status, other = _login(client, user.email, user.password)
    assert status == 200
    tokens = [
        user.access_token,
        user.refresh_token,
        refreshed["access_token"],
        refreshed["refresh_token"],
        str(other["access_token"]),
        str(other["refresh_token"]),
    ]
    with engine.connect() as conn:
        rows = conn.scalars(text("SELECT a::text FROM auth_sessions a")).all()
    assert len(rows) == 2
    for row in rows:
        for token in tokens:
            assert token not in row
            assert token.split("_", 1)[1] not in row  # not even without its prefix


def test_an_expired_access_token_is_refused_and_refresh_still_works(engine: Engine) -> None:
    short = TokenLifetimes(access=dt.timedelta(microseconds=1), refresh=dt.timedelta(days=1))
    client = TestClient(create_app(engine, short))
    user = login(client, engine, "uma@example.com", Role.USER)
    assert_error(client.get("/api/me", headers=user.headers), 401, "invalid_token")
    refreshed = _refresh(client, user.refresh_token)
    assert refreshed.status_code == 200


def test_a_lost_refresh_answer_given_again_later_gets_fresh_expiry_times(engine: Engine) -> None:
    """A laptop closed in the middle of a refresh asks again hours later: the same pair comes
    back, and its access token works again for a full lifetime."""
    client = TestClient(create_app(engine))
    user = login(client, engine, "uma@example.com", Role.USER)
    lost = _refresh(client, user.refresh_token).json()
    with engine.begin() as conn:
        conn.execute(text("UPDATE auth_sessions SET access_expires_at = now() - interval '3 hours'"))
    assert _me(client, lost["access_token"]) == 401
    again = _refresh(client, user.refresh_token).json()
    assert again["access_token"] == lost["access_token"]
    assert _me(client, again["access_token"]) == 200


def test_an_expired_refresh_token_is_refused(engine: Engine) -> None:
    client = TestClient(create_app(engine))
    user = login(client, engine, "uma@example.com", Role.USER)
    with engine.begin() as conn:
        conn.execute(text("UPDATE auth_sessions SET refresh_expires_at = now() - interval '1 second'"))
    assert_error(_refresh(client, user.refresh_token), 401, "invalid_token")


def test_logout_of_an_unknown_token_changes_nothing(client: TestClient, engine: Engine) -> None:
    user = login(client, engine, "uma@example.com", Role.USER)
    assert client.post("/api/auth/logout", json={"refresh_token": "tdr_unknown"}).status_code == 204
    assert _me(client, user.access_token) == 200
