"""A big fill sets the cache's indexes aside and always builds them again, even after a crash."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import Connection

from desktop.store import deferred_indexes, migrations, queries, state
from desktop.store.database import Store
from desktop.store.engine import make_engine, reading, writing
from desktop.sync.pull import pull_all
from tests.helpers.store import World, open_store, page, put
from ticketing import visibility
from ticketing.domain import Role
from ticketing.protocol import PullRequest, PullResponse, PushRequest, PushResponse
from ticketing.schemas import TicketQuery


def _indexes(conn: Connection) -> dict[str, str]:
    rows = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    ).all()
    return {str(name): str(sql) for name, sql in rows}


def _index_state(store: Store) -> dict[str, str]:
    with store.read() as conn:
        return _indexes(conn)


class Filling:
    """A server with ``tickets`` to send in pages of ``per_page``, saying on its first page
    that ``announced`` changes are left; it notes which indexes the cache had at each pull."""

    def __init__(self, world: World, tickets: int, per_page: int, announced: int, store: Store) -> None:
        bucket = visibility.requester_bucket(world.requester)
        reference = world.reference(for_staff=False)
        rows = [world.ticket(number=n, title=f"Ticket {n}") for n in range(1, tickets + 1)]
        self.pages = [reference] + [
            [put(bucket, "ticket", row) for row in rows[start : start + per_page]]
            for start in range(0, tickets, per_page)
        ]
        self.announced = announced
        self.store = store
        self.seen: list[set[str]] = []
        self.fail_at: int | None = None

    def push(self, body: PushRequest) -> PushResponse:
        return PushResponse(results=[], last_mutation_id=0)

    def pull(self, body: PullRequest) -> PullResponse:
        served = len(self.seen)
        if served == self.fail_at:
            raise ConnectionError("the network went away")
        self.seen.append(set(_index_state(self.store)))
        changes = self.pages[served]
        more = served + 1 < len(self.pages)
        cursors = {c.bucket: f"100:{served * 1000 + n}" for n, c in enumerate(changes, start=1)}
        return page(changes, cursors=cursors, has_more=more, remaining=self.announced if served == 0 else 0)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(tmp_path, uuid.uuid4(), Role.USER)


def test_defer_and_restore_give_back_the_very_same_indexes(store: Store) -> None:
    before = _index_state(store)
    assert "ix_tickets_priority_rank" in before and "ix_comments_ticket_id" in before
    with store.write() as conn:
        dropped = deferred_indexes.defer(conn)
        kept = _indexes(conn)
        assert dropped == len(before) - len(kept) > 10
        assert not any(name.startswith("ix_tickets_") or name.startswith("ix_comments_") for name in kept)
        assert "ix_priorities_key" in kept  # small tables keep theirs
        assert deferred_indexes.defer(conn) == 0  # nothing left to drop; the record is kept
        assert deferred_indexes.restore(conn) == dropped
        assert deferred_indexes.restore(conn) == 0
    assert _index_state(store) == before


def test_a_big_fill_writes_without_indexes_and_builds_them_at_the_end(store: Store) -> None:
    world = World()
    before = _index_state(store)
    server = Filling(world, tickets=30, per_page=10, announced=deferred_indexes.FILL_ROWS, store=store)

    summary = pull_all(store, server, page_size=10)

    assert summary.changes == len(world.reference(for_staff=False)) + 30
    assert "ix_tickets_updated" in server.seen[0]  # the first page tells how much is coming
    assert all("ix_tickets_updated" not in seen for seen in server.seen[1:])
    assert _index_state(store) == before
    assert [row.title for row in queries.list_tickets(store, TicketQuery(sort="number"))][:2] == [
        "Ticket 1",
        "Ticket 2",
    ]


def test_a_small_catch_up_keeps_its_indexes(store: Store) -> None:
    server = Filling(World(), tickets=30, per_page=10, announced=deferred_indexes.FILL_ROWS // 2, store=store)
    pull_all(store, server, page_size=10)
    assert all("ix_tickets_updated" in seen for seen in server.seen)


def test_a_fill_that_fails_half_way_still_gets_its_indexes_back(store: Store) -> None:
    before = _index_state(store)
    server = Filling(World(), tickets=30, per_page=10, announced=deferred_indexes.FILL_ROWS, store=store)
    server.fail_at = 2
    with pytest.raises(ConnectionError):
        pull_all(store, server, page_size=10)
    assert _index_state(store) == before


def test_a_cache_left_mid_fill_gets_its_indexes_back_from_the_record(tmp_path: Path) -> None:
    user = uuid.uuid4()
    store = open_store(tmp_path, user, Role.USER)
    before = _index_state(store)
    with store.write() as conn:  # the app was killed during a fill
        deferred_indexes.defer(conn)
    store.close()

    reopened = open_store(tmp_path, user, Role.USER)
    assert _index_state(reopened) != before  # nothing is rebuilt on the UI's way in
    pull_all(reopened, Filling(World(), tickets=3, per_page=10, announced=0, store=reopened))
    assert _index_state(reopened) == before
    reopened.close()


def test_a_migration_first_gives_back_the_indexes_a_fill_set_aside(tmp_path: Path) -> None:
    fresh = _index_state(open_store(tmp_path / "fresh", uuid.uuid4(), Role.USER))
    path = tmp_path / "old" / "cache.sqlite3"
    path.parent.mkdir()
    engine = make_engine(path)
    with writing(engine) as conn:  # a cache of schema 2 whose fill was interrupted
        for step in migrations.MIGRATIONS[:2]:
            for statement in step.statements:
                conn.exec_driver_sql(statement)
        conn.exec_driver_sql("PRAGMA user_version = 2")
        state.put(conn, state.CLIENT_ID, str(uuid.uuid4()))
        assert deferred_indexes.defer(conn) > 5
    assert migrations.migrate(engine) == migrations.SCHEMA_VERSION
    with reading(engine) as conn:
        assert _indexes(conn) == fresh
        assert deferred_indexes.deferred(conn) == {}
    engine.dispose()
