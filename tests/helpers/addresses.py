"""Reading back which client address the server saw: the audit entry of a reused refresh
token names it, and the per-address login limit counts against it. For the tests of
``X-Forwarded-For`` in process (TestClient) and through a real nginx (httpx bound to a loopback
address of its own)."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import Engine, text

from tests.helpers.api import create_account
from ticketing.domain import Role


def _forwarded(forwarded: str | None) -> dict[str, str]:
    return {} if forwarded is None else {"X-Forwarded-For": forwarded}


def audited_address(engine: Engine, client: httpx.Client, forwarded: str | None = None) -> str:
    """Log in, use the refreshed pair, then present the old refresh token again (sending
    ``forwarded`` as ``X-Forwarded-For``): the address the audit entry of that reuse names."""
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    _id, password = create_account(engine, email, Role.USER)
    first = client.post("/api/auth/login", json={"email": email, "password": password})
    assert first.status_code == 200, first.text
    old = first.json()["refresh_token"]
    pair = client.post("/api/auth/refresh", json={"refresh_token": old}).json()
    me = client.get("/api/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert me.status_code == 200  # the new pair is used: the old refresh token is dead
    reused = client.post("/api/auth/refresh", json={"refresh_token": old}, headers=_forwarded(forwarded))
    assert reused.status_code == 401 and reused.json()["error"] == "token_reused", reused.text
    with engine.connect() as conn:
        address = conn.scalar(
            text(
                "SELECT details->>'address' FROM admin_audit "
                "WHERE action = 'login.token_reused' AND details->>'email' = :email"
            ),
            {"email": email},
        )
    assert isinstance(address, str), address
    return address


def failed_login(client: httpx.Client, forwarded: str | None = None) -> int:
    """One login with a wrong password for a new unknown email (so only the address's budget
    is shared between calls): the answer's status, 401 or 429."""
    body = {"email": f"{uuid.uuid4().hex[:10]}@example.com", "password": "not-the-password"}
    status = client.post("/api/auth/login", json=body, headers=_forwarded(forwarded)).status_code
    assert status in (401, 429), status
    return status
