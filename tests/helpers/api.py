"""Helpers for API tests: accounts with known passwords and logged-in clients."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import sessionmaker

from sync_server.db.session import make_session_factory
from sync_server.services.bootstrap import ensure_defaults, ensure_epoch
from sync_server.services.identity import accounts
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

    def put(self, url: str, **kw: Any) -> Any:
        return self.client.put(url, headers=self.headers, **kw)

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


# --- added for the server test suite ----------------------------------------------------------


def reset_database(engine: Engine) -> None:
    """Empty every table and add the defaults again, as the ``engine`` fixture does.

    For module-scoped data sets (see :func:`rolled_back`): the table list is read from the
    database, so a table added by a later migration is emptied too.
    """
    with engine.begin() as conn:
        tables = conn.scalars(
            text(
                "SELECT quote_ident(tablename) FROM pg_tables "
                "WHERE schemaname = current_schema() AND tablename <> 'alembic_version'"
            )
        ).all()
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        conn.execute(text("ALTER SEQUENCE ticket_number_seq RESTART WITH 1001"))
        conn.execute(text("ALTER SEQUENCE sync_op_seq RESTART WITH 1"))
    with make_session_factory(engine)() as session, session.begin():
        ensure_epoch(session)
        ensure_defaults(session)


@contextmanager
def rolled_back(app: FastAPI, engine: Engine) -> Iterator[Connection]:
    """Run the app's requests inside one transaction that is rolled back at the end.

    Each request's session becomes a savepoint of that transaction (it commits or rolls back
    as usual), so a data set built once per module serves many tests that change it. Only for
    the REST endpoints: the sync endpoints choose their own isolation level.
    """
    with engine.connect() as conn:
        outer = conn.begin()
        app.state.session_factory = sessionmaker(
            bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            yield conn
        finally:
            app.state.session_factory = make_session_factory(engine)
            outer.rollback()


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """``response`` is a ``status`` error with the API's JSON body (and ``code``, if given)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body: dict[str, Any] = response.json()
    assert isinstance(body.get("error"), str) and body["error"], body
    assert isinstance(body.get("detail"), str) and body["detail"], body
    assert set(body) <= {"error", "detail", "fields"}, body
    if code is not None:
        assert body["error"] == code, body
    return body
