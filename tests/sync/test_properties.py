"""Random offline work across three real client caches: whatever the order of edits, syncs and
offline periods, every cache converges to the server's state and no queued change is lost
(it reached the server, or it is listed as a sync problem with its text)."""

from __future__ import annotations

import contextlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from desktop.store import commands, queries
from desktop.store.errors import ActionRefused
from desktop.sync import session as sessions
from sync_server.child_server import LiveServer
from tests.helpers.sync import Desk
from ticketing.domain import Priority, Status

CLIENTS = ("alice@example.com", "bob@example.com", "uma@example.com")

step = st.one_of(
    st.tuples(st.just("sync"), st.integers(0, 2)),
    st.tuples(st.just("online"), st.integers(0, 2), st.booleans()),
    st.tuples(st.just("create"), st.integers(0, 2), st.text("abcdefgh ", min_size=1, max_size=12)),
    st.tuples(st.just("comment"), st.integers(0, 2), st.integers(0, 50), st.booleans()),
    st.tuples(st.just("status"), st.integers(0, 2), st.integers(0, 50), st.sampled_from(list(Status))),
    st.tuples(st.just("priority"), st.integers(0, 2), st.integers(0, 50), st.sampled_from(list(Priority))),
    st.tuples(
        st.just("title"), st.integers(0, 2), st.integers(0, 50), st.text("xyz", min_size=1, max_size=6)
    ),
    st.tuples(st.just("assign"), st.integers(0, 2), st.integers(0, 50), st.integers(0, 2)),
)


@dataclass
class Client:
    session: sessions.AccountSession
    online: bool = True
    comments: set[str] = field(default_factory=set)
    tickets: set[str] = field(default_factory=set)


def _pick(client: Client, index: int) -> str | None:
    rows = queries.list_tickets(client.session.store)
    return rows[index % len(rows)].id if rows else None


def _run(desk: Desk, client: Client, clients: list[Client], action: tuple[Any, ...]) -> None:
    kind, store = action[0], client.session.store
    if kind == "sync":
        if client.online:
            client.session.engine.sync_once()
        return
    if kind == "online":
        client.online = action[2]
        return
    if kind == "create":
        category = queries.categories(store)[0].id
        client.tickets.add(
            commands.create_ticket(store, title=action[2], description="d", category_id=category)
        )
        return
    ticket = _pick(client, action[2])
    if ticket is None:
        return
    if kind == "comment":
        client.comments.add(
            commands.add_comment(store, ticket, f"c{len(client.comments)}", is_internal=action[3])
        )
    elif kind == "status":
        commands.change_status(store, ticket, action[3])
    elif kind == "priority":
        commands.change_priority(store, ticket, action[3].value)
    elif kind == "title":
        commands.edit_ticket(store, ticket, title=action[3])
    elif kind == "assign":
        target = clients[action[3]].session.user_id
        commands.assign(store, ticket, None if action[3] == 2 else target)


def _server(engine: Engine, sql: str, **params: Any) -> set[Any]:
    with engine.connect() as conn:
        return {tuple(row) for row in conn.execute(text(sql), params)}


def _cached_tickets(client: Client) -> set[tuple[Any, ...]]:
    return {
        (t.id, t.title, str(t.status), t.priority, t.assignee_id)
        for t in queries.list_tickets(client.session.store)
    }


@pytest.mark.slow
def test_random_offline_work_converges(live_server: LiveServer, engine: Engine, tmp_path: Path) -> None:
    desk = Desk(live_server, engine, tmp_path)

    @settings(
        max_examples=6,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.lists(step, min_size=5, max_size=25))
    def run(actions: list[tuple[Any, ...]]) -> None:
        with tempfile.TemporaryDirectory() as folder:
            data_dir = Path(folder)
            clients = [
                Client(sessions.log_in(live_server.url, email, desk.passwords[email], data_dir=data_dir))
                for email in CLIENTS
            ]
            try:
                for client in clients:
                    client.session.engine.sync_once()
                for action in actions:
                    # refused locally by the shared rules: never queued, so nothing to lose
                    with contextlib.suppress(ActionRefused):
                        _run(desk, clients[action[1]], clients, action)
                for _ in range(2):  # everyone back online; a second round brings the others' changes
                    for client in clients:
                        client.session.engine.sync_once()
                _check(engine, clients)
            finally:
                for client in clients:
                    client.session.engine.close()
                    client.session.store.close()

    run()


def _check(engine: Engine, clients: list[Client]) -> None:
    sql = "SELECT id::text, title, status, priority, assignee_id::text FROM tickets"
    everything = _server(engine, sql)
    uma = str(clients[2].session.user_id)
    for index, client in enumerate(clients):
        assert queries.sync_counts(client.session.store).pending == 0
        expected = everything if index < 2 else _server(engine, sql + " WHERE submitter_id = :u", u=uma)
        assert _cached_tickets(client) == expected
        problems = queries.problems(client.session.store)
        rejected_comments = {p.args.get("id") for p in problems if p.name == "add_comment"}
        rejected_tickets = {p.args.get("id") for p in problems if p.name == "create_ticket"}
        server_comments = {row[0] for row in _server(engine, "SELECT id::text FROM comments")}
        server_tickets = {row[0] for row in everything}
        assert client.comments <= server_comments | rejected_comments, "a comment was lost"
        assert client.tickets <= server_tickets | rejected_tickets, "a ticket was lost"
        tickets = queries.list_tickets(client.session.store)
        cached_comments = {c.id for t in tickets for c in _comments(client, t.id)}
        visible = "SELECT c.id::text FROM comments c JOIN tickets t ON t.id = c.ticket_id"
        if index == 2:
            visible += " WHERE NOT c.is_internal AND t.submitter_id = :u"
        assert cached_comments == {row[0] for row in _server(engine, visible, u=uma)}


def _comments(client: Client, ticket_id: str) -> list[queries.CommentRow]:
    detail = queries.ticket_detail(client.session.store, ticket_id)
    return [] if detail is None else detail.comments
