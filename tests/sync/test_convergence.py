"""Offline work from several real client caches against a real server process: concurrent
edits converge, a crash or a lost answer neither loses nor duplicates anything, and an end
user's cache file never holds what they may not see."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from typing import Any

import pytest
from sqlalchemy import Engine, text

from desktop.net.api import Unreachable
from desktop.store import commands, files, queries
from desktop.sync import session as sessions
from sync_server.db.session import make_session_factory
from sync_server.demo.seed import seed_demo
from tests.helpers.fault_proxy import Fault, FaultProxy
from tests.helpers.limits import GENEROUS, set_rate_limits
from tests.helpers.sync import Desk, comments_of, field_of, submit, sync_until
from ticketing.domain import Status


def server_rows(engine: Engine, sql: str, **params: Any) -> set[Any]:
    with engine.connect() as conn:
        return {tuple(row) if len(row) > 1 else row[0] for row in conn.execute(text(sql), params)}


def test_two_offline_agents_edit_one_ticket(desk: Desk, engine: Engine) -> None:
    ticket = submit(desk.rest("uma@example.com"), "Laptop overheats")
    alice, bob = desk.desktop("alice@example.com"), desk.desktop("bob@example.com")
    for agent in (alice, bob):
        sync_until(agent, lambda a=agent: field_of(a, ticket["id"], "title") == "Laptop overheats")
    category = next(c.id for c in queries.categories(bob.store) if c.id != ticket["category_id"])

    desk.server.kill()  # both go offline
    commands.change_priority(alice.store, ticket["id"], "High")
    commands.edit_ticket(alice.store, ticket["id"], title="Laptop overheats (fan)")
    commands.add_comment(alice.store, ticket["id"], "alice 1")
    commands.add_comment(alice.store, ticket["id"], "alice 2", is_internal=True)
    commands.change_category(bob.store, ticket["id"], category)
    commands.edit_ticket(bob.store, ticket["id"], title="Laptop overheats (dust)")
    commands.add_comment(bob.store, ticket["id"], "bob 1")
    with pytest.raises(Unreachable):
        alice.engine.sync_once()
    assert queries.sync_counts(alice.store).pending == 4

    desk.server.start()
    alice.engine.sync_once()
    bob.engine.sync_once()
    for agent in (alice, bob, alice):
        agent.engine.sync_once()

    # different fields both survive; the same field keeps the first writer's value
    now = desk.rest("ada@example.com").request("GET", f"/api/tickets/{ticket['id']}")
    assert (now["priority"], now["category_id"], now["title"]) == ("High", category, "Laptop overheats (fan)")
    problems = queries.problems(bob.store)
    assert [p.status for p in problems] == ["conflict"]
    assert problems[0].server_values == {"title": "Laptop overheats (fan)"}
    for agent in (alice, bob):
        row = queries.ticket(agent.store, ticket["id"])
        assert row is not None
        assert (row.priority, row.category_id, row.title) == ("High", category, "Laptop overheats (fan)")
        contents = [c.content for c in comments_of(agent, ticket["id"])]
        assert sorted(contents) == ["alice 1", "alice 2", "bob 1"]  # each exactly once
        assert contents.index("alice 1") < contents.index("alice 2")
    assert len(server_rows(engine, "SELECT id FROM comments WHERE ticket_id = :t", t=ticket["id"])) == 3


def test_server_killed_during_a_push_loses_and_duplicates_nothing(desk: Desk, engine: Engine) -> None:
    set_rate_limits(engine, GENEROUS)  # 150 comments in one push: a limit would only delay them
    ticket = submit(desk.rest("uma@example.com"), "Printer offline")
    alice = desk.desktop("alice@example.com")
    sync_until(alice, lambda: field_of(alice, ticket["id"], "title") is not None)
    written = [f"note {n}" for n in range(150)]
    for content in written:
        commands.add_comment(alice.store, ticket["id"], content, is_internal=True)

    def kill_once_some_landed() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(server_rows(engine, "SELECT id FROM comments")) < 10:
            time.sleep(0.005)
        desk.server.kill()

    killer = threading.Thread(target=kill_once_some_landed)
    killer.start()
    with contextlib.suppress(Unreachable):
        alice.engine.sync_once()
    killer.join()
    landed_before_restart = len(server_rows(engine, "SELECT id FROM comments"))
    assert 0 < landed_before_restart < len(written), "the kill should land in the middle of the push"

    desk.server.start()
    sync_until(alice, lambda: queries.sync_counts(alice.store).pending == 0)
    on_server = server_rows(engine, "SELECT content FROM comments")
    assert sorted(on_server) == sorted(written)
    assert len(server_rows(engine, "SELECT id FROM comments")) == len(written)
    assert sorted(c.content for c in comments_of(alice, ticket["id"])) == sorted(written)


def test_answer_lost_after_commit_is_neither_lost_nor_duplicated(desk: Desk, engine: Engine) -> None:
    proxy = FaultProxy(desk.server.port)
    try:
        alice = sessions.log_in(
            proxy.url, "alice@example.com", desk.passwords["alice@example.com"], data_dir=desk.data_dir
        )
        desk.sessions.append(alice)
        ticket = submit(desk.rest("uma@example.com"), "Mail bounces")
        sync_until(alice, lambda: field_of(alice, ticket["id"], "title") is not None)
        commands.add_comment(alice.store, ticket["id"], "reply once")
        commands.add_comment(alice.store, ticket["id"], "psst", is_internal=True)
        commands.assign(alice.store, ticket["id"], desk.ids["alice@example.com"])

        proxy.arm(b"POST /api/sync/push", Fault.DROP_ANSWER)
        with pytest.raises(Unreachable):
            alice.engine.sync_once()
        assert proxy.hit_count(Fault.DROP_ANSWER) == 1
        assert server_rows(engine, "SELECT content FROM comments") == {"reply once", "psst"}  # committed

        sync_until(alice, lambda: queries.sync_counts(alice.store).pending == 0)
        assert sorted(server_rows(engine, "SELECT content FROM comments")) == ["psst", "reply once"]
        assert len(server_rows(engine, "SELECT id FROM comments")) == 2
        assert field_of(alice, ticket["id"], "status") == Status.IN_PROGRESS
        assert sorted(c.content for c in comments_of(alice, ticket["id"])) == ["psst", "reply once"]
        assert queries.problems(alice.store) == []
    finally:
        proxy.close()


def test_cache_matches_server_after_concurrent_writers(desk: Desk, engine: Engine) -> None:
    set_rate_limits(engine, GENEROUS)  # 120 tickets and comments as fast as they go
    alice = desk.desktop("alice@example.com", page_size=50)
    writers = [desk.rest(email) for email in ("uma@example.com", "vic@example.com", "bob@example.com")]
    stop = threading.Event()
    errors: list[BaseException] = []

    def write(api: Any, name: str) -> None:
        count = 0
        while not stop.is_set() and count < 40:
            try:
                ticket = submit(api, f"{name} {count}")
                api.request(
                    "POST", f"/api/tickets/{ticket['id']}/comments", {"content": f"{name} says {count}"}
                )
            except BaseException as error:  # surfaced by the assertion below
                errors.append(error)
                return
            count += 1

    threads = [threading.Thread(target=write, args=(api, f"w{n}")) for n, api in enumerate(writers)]
    for thread in threads:
        thread.start()
    pulls = 0
    while any(thread.is_alive() for thread in threads):
        alice.engine.sync_once()
        pulls += 1
    for thread in threads:
        thread.join()
    assert not errors
    assert pulls > 1

    expected_tickets = server_rows(engine, "SELECT id::text FROM tickets")
    expected_comments = server_rows(engine, "SELECT id::text FROM comments")

    def cached(table: str) -> set[str]:
        with sqlite3.connect(alice.store.path) as conn:
            return {row[0] for row in conn.execute(f"SELECT id FROM {table}")}

    sync_until(
        alice, lambda: cached("tickets") == expected_tickets and cached("comments") == expected_comments
    )
    assert len(expected_tickets) == 120


def test_end_user_cache_file_never_holds_internal_notes_or_others_tickets(desk: Desk, engine: Engine) -> None:
    with make_session_factory(engine)() as session, session.begin():
        seed_demo(session)
    internal = server_rows(engine, "SELECT content FROM comments WHERE is_internal")
    assert internal, "the demo data has internal notes"
    uma = sessions.log_in(desk.server.url, "user@example.com", "user-pass-1", data_dir=desk.data_dir)
    desk.sessions.append(uma)
    uma.engine.sync_once()
    uma_id = str(uma.user_id)
    others = server_rows(engine, "SELECT id::text FROM tickets WHERE submitter_id <> :u", u=uma_id)
    mine = server_rows(engine, "SELECT id::text FROM tickets WHERE submitter_id = :u", u=uma_id)
    assert others and mine

    with sqlite3.connect(uma.store.path) as conn:
        tickets = {row[0] for row in conn.execute("SELECT id FROM tickets")}
        internal_rows = conn.execute("SELECT count(*) FROM comments WHERE is_internal").fetchone()[0]
        foreign_comments = conn.execute(
            "SELECT count(*) FROM comments WHERE ticket_id NOT IN (SELECT id FROM tickets)"
        ).fetchone()[0]
        emails = {row[0] for row in conn.execute("SELECT email FROM users WHERE email IS NOT NULL")}
    assert tickets == mine
    assert internal_rows == 0 and foreign_comments == 0
    assert emails == {"user@example.com"}

    raw = b"".join(path.read_bytes() for path in files.cache_files(uma.store.path))
    for note in internal:
        assert note.encode() not in raw, f"internal note text found in the cache file: {note!r}"
    for title in server_rows(engine, "SELECT title FROM tickets WHERE submitter_id <> :u", u=uma_id):
        if title not in server_rows(engine, "SELECT title FROM tickets WHERE submitter_id = :u", u=uma_id):
            assert title.encode() not in raw, f"another user's ticket found in the cache file: {title!r}"


def test_a_user_promoted_and_demoted_converges(desk: Desk) -> None:
    ticket = submit(desk.rest("vic@example.com"), "Someone else's")
    uma = desk.desktop("uma@example.com")
    uma.engine.sync_once()
    assert field_of(uma, ticket["id"], "title") is None
    admin = desk.rest("ada@example.com")
    admin.request("PATCH", f"/api/users/{desk.ids['uma@example.com']}", {"role": "agent"})
    sync_until(uma, lambda: field_of(uma, ticket["id"], "title") == "Someone else's")
    admin.request("PATCH", f"/api/users/{desk.ids['uma@example.com']}", {"role": "user"})
    sync_until(uma, lambda: field_of(uma, ticket["id"], "title") is None)
    with sqlite3.connect(uma.store.path) as conn:
        # the cache dropped the row, not just hid it
        assert conn.execute("SELECT count(*) FROM tickets WHERE id = ?", (ticket["id"],)).fetchone()[0] == 0
