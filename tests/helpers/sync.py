"""Helpers for sync tests against a live server: people with accounts, their desktops, and
waiting for what a pull delivers."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from desktop.net.api import ApiClient
from desktop.store import queries
from desktop.sync import session as sessions
from sync_server.child_server import LiveServer
from tests.helpers.api import create_account
from ticketing.domain import Role, Status
from ticketing.schemas import TicketQuery


class Desk:
    """People with accounts on the live server; ``desktop(who)`` logs one in on this computer."""

    def __init__(self, server: LiveServer, engine: Engine, data_dir: Path) -> None:
        self.server = server
        self.data_dir = data_dir
        self.passwords: dict[str, str] = {}
        self.ids: dict[str, str] = {}
        for email, role in (
            ("ada@example.com", Role.ADMIN),
            ("alice@example.com", Role.AGENT),
            ("bob@example.com", Role.AGENT),
            ("uma@example.com", Role.USER),
            ("vic@example.com", Role.USER),
        ):
            user_id, password = create_account(engine, email, role)
            self.ids[email], self.passwords[email] = user_id, password
        self.sessions: list[sessions.AccountSession] = []

    def desktop(self, email: str, **engine_options: Any) -> sessions.AccountSession:
        opened = sessions.log_in(
            self.server.url, email, self.passwords[email], data_dir=self.data_dir, **engine_options
        )
        self.sessions.append(opened)
        return opened

    def rest(self, email: str) -> ApiClient:
        """The REST API as this person (another device, say)."""
        api = ApiClient(self.server.url)
        api.login(email, self.passwords[email])
        return api

    def close(self) -> None:
        for opened in self.sessions:
            opened.engine.close()
            opened.store.close()


def submit(api: ApiClient, title: str, **fields: Any) -> dict[str, Any]:
    category = api.request("GET", "/api/categories")[0]["id"]
    body = {"title": title, "description": f"<p>{title}</p>", "category_id": category, **fields}
    ticket: dict[str, Any] = api.request("POST", "/api/tickets", body)
    return ticket


def titles(session: sessions.AccountSession, **query: Any) -> list[str]:
    return sorted(t.title for t in queries.list_tickets(session.store, TicketQuery.model_validate(query)))


def sync_until(
    session: sessions.AccountSession, condition: Callable[[], bool], timeout: float = 30.0
) -> None:
    """Sync until ``condition()`` holds. A pull delivers only changes below the server's xid
    horizon, which any transaction running on the PostgreSQL cluster (another test run on it,
    say) holds back for a moment: what another party just wrote may need one more pull."""
    deadline = time.monotonic() + timeout
    while True:
        session.engine.sync_once()
        if condition():
            return
        if time.monotonic() > deadline:
            raise AssertionError("the cache did not reach the expected state")
        time.sleep(0.1)


def field_of(session: sessions.AccountSession, ticket_id: str, name: str) -> Any:
    """A field of a ticket in this cache (``None`` if the ticket is not there)."""
    row = queries.ticket(session.store, ticket_id)
    return None if row is None else getattr(row, name)


def status_of(session: sessions.AccountSession, ticket_id: str) -> Status | None:
    status: Status | None = field_of(session, ticket_id, "status")
    return status


def comments_of(session: sessions.AccountSession, ticket_id: str) -> list[queries.CommentRow]:
    detail = queries.ticket_detail(session.store, ticket_id)
    return [] if detail is None else detail.comments
