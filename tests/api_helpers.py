"""Helpers for API tests: accounts with known passwords and logged-in clients."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sync_server.db.session import make_session_factory
from sync_server.services import accounts
from ticketing.domain import Role
from ticketing.schemas import UserCreate


@dataclass
class Account:
    """A logged-in account: ``client.get(...)`` sends its bearer token."""

    id: str
    email: str
    password: str
    role: Role
    client: TestClient
    access_token: str
    refresh_token: str

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, headers=self.headers, **kw)

    def post(self, url: str, **kw: Any) -> Any:
        return self.client.post(url, headers=self.headers, **kw)

    def patch(self, url: str, **kw: Any) -> Any:
        return self.client.patch(url, headers=self.headers, **kw)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def create_account(engine: Engine, email: str, role: Role, name: str | None = None) -> tuple[str, str]:
    password = f"pw-{email}-secret"
    name = name or email.split("@", maxsplit=1)[0].title()
    data = UserCreate(email=email, name=name, role=role, password=password)
    with make_session_factory(engine)() as session, session.begin():
        user = accounts.create_user(session, data)
    return str(user.id), password


def login(client: TestClient, engine: Engine, email: str, role: Role, name: str | None = None) -> Account:
    user_id, password = create_account(engine, email, role, name)
    response = client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    body = response.json()
    return Account(user_id, email, password, role, client, body["access_token"], body["refresh_token"])


def first_category(account: Account) -> str:
    response = account.get("/api/categories")
    assert response.status_code == 200
    return str(response.json()[0]["id"])


def submit(account: Account, title: str = "Printer jams", **fields: Any) -> dict[str, Any]:
    body = {
        "title": title,
        "description": "<p>It jams on page two.</p>",
        "category_id": first_category(account),
    }
    body.update(fields)
    response = account.post("/api/tickets", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result
