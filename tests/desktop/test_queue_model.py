"""The queue model: a count and pages of rows read by position for what views ask, tickets
located by id, and change notifications that refresh what is on screen and keep the tracked
tickets' rows known."""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt, QTimer
from pytestqt.qtbot import QtBot
from sqlalchemy import event, func, select

from bench.queue_model import fill_cache, open_cache
from desktop.local.saved_filters import BUILTIN_FILTERS, filter_part
from desktop.models import ticket_table
from desktop.models.queue_model import QueueColumn, QueueModel
from desktop.models.ticket_table import PLACEHOLDER, RELEVANCE, TicketRole
from desktop.store import ChangeSet, Store, commands, files, migrations, queries, schema
from desktop.tasks import TaskRunner
from tests.helpers.store import World, open_store, pull, put
from ticketing import visibility
from ticketing.domain import Role, Status, new_id
from ticketing.schemas import TicketQuery


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = open_cache(tmp_path)
    fill_cache(store, 300, seed=3)
    yield store
    store.close()


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = open_cache(tmp_path_factory.mktemp("big"))
    fill_cache(store, 100_000, seed=11)
    yield store
    store.close()


def loaded_model(qtbot: QtBot, store: Store, query: TicketQuery | None = None) -> QueueModel:
    model = QueueModel(store, TaskRunner(immediate=True))
    with qtbot.waitSignal(model.ids_loaded):
        model.set_query(query or TicketQuery())
    return model


def all_ids(qtbot: QtBot, model: QueueModel) -> list[str]:
    """Every row's id, read page by page as a view scrolling through would."""
    ids: list[str] = []
    for first in range(0, model.rowCount(), ticket_table.BATCH_SIZE):
        rows = range(first, min(first + ticket_table.BATCH_SIZE, model.rowCount()))
        load_rows(qtbot, model, rows)
        ids.extend(str(model.ticket_id(row)) for row in rows)
    return ids


def load_rows(qtbot: QtBot, model: QueueModel, rows: Sequence[int]) -> None:
    """Ask for ``rows`` as a view painting them would, and wait until they arrive."""
    for row in rows:
        model.data(model.index(row, QueueColumn.TITLE))
    qtbot.waitUntil(lambda: all(model.data(model.index(r, 0), TicketRole.LOADED) for r in rows))


def shown(model: QueueModel, row: int, column: QueueColumn) -> Any:
    return model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole)


@pytest.mark.parametrize("force_py", [True, False], ids=["python tester", "qt tester"])
@pytest.mark.qt_log_level_fail("WARNING")
def test_model_passes_the_model_tester_through_loads_sorts_and_changes(
    qtbot: QtBot, qtmodeltester: Any, store: Store, force_py: bool
) -> None:
    model = loaded_model(qtbot, store)
    load_rows(qtbot, model, range(40))
    qtmodeltester.check(model, force_py=force_py)

    model.sort(QueueColumn.TITLE, Qt.SortOrder.AscendingOrder)  # a reorder
    qtbot.waitUntil(lambda: not model.loading)
    load_rows(qtbot, model, range(20))
    with qtbot.waitSignal(model.ids_loaded):
        model.set_query(model.query.model_copy(update={"status": [Status.OPEN]}))  # rows leave
    with qtbot.waitSignal(model.ids_loaded):
        model.set_query(model.query.model_copy(update={"status": []}))  # rows come back
    with qtbot.waitSignal(model.ids_loaded):
        model.set_query(TicketQuery(q="printer", sort="-number"))
    load_rows(qtbot, model, range(min(10, model.rowCount())))

    with qtbot.waitSignal(model.ids_loaded):
        model.set_query(TicketQuery(assignee="none", sort="number"))
    load_rows(qtbot, model, range(10))
    store.add_listener(model.on_data_changed)
    moving = model.ticket_id(2)
    assert moving is not None
    count = model.rowCount()
    commands.assign(store, moving, str(store.user_id))  # leaves the unassigned
    with qtbot.waitSignal(model.modelReset):
        model.flush_changes()
    assert model.rowCount() == count - 1
    assert model.row_of(moving) is None
    commands.assign(store, moving, None)  # back again
    with qtbot.waitSignal(model.modelReset):
        model.flush_changes()
    load_rows(qtbot, model, range(10))
    assert model.ticket_id(2) == moving


def test_rows_show_placeholders_until_their_batch_arrives(qtbot: QtBot, store: Store) -> None:
    model = QueueModel(store, TaskRunner(immediate=True))
    with qtbot.waitSignal(model.ids_loaded):
        model.set_query(TicketQuery(sort="number"))
    assert model.rowCount() == 300
    assert model.columnCount() == len(QueueColumn)
    first_page = ticket_table.BATCH_SIZE
    assert shown(model, first_page, QueueColumn.TITLE) == PLACEHOLDER  # only page 0 came with the count
    assert model.data(model.index(first_page, 0), TicketRole.LOADED) is False
    assert model.data(model.index(first_page, 0), TicketRole.TICKET_ID) is None
    assert model.data(model.index(0, 0), TicketRole.TICKET_ID) == queries.ticket_ids(store, model.query)[0]
    load_rows(qtbot, model, [first_page])
    ticket = model.data(model.index(first_page, 0), TicketRole.TICKET)
    assert isinstance(ticket, queries.TicketRow)
    assert ticket.id == queries.ticket_ids(store, model.query)[first_page]
    assert shown(model, first_page, QueueColumn.NUMBER) == ticket.display_number
    assert shown(model, first_page, QueueColumn.STATUS) == ticket.status.value
    assert model.data(model.index(first_page, 0), TicketRole.STATUS) == ticket.status
    assert shown(model, first_page, QueueColumn.REQUESTER) == ticket.submitter_name
    assert model.headerData(QueueColumn.UPDATED, Qt.Orientation.Horizontal) == "Updated"


def test_every_column_sorts_both_ways_and_the_last_rows_are_the_last_tickets(
    qtbot: QtBot, store: Store
) -> None:
    model = loaded_model(qtbot, store)
    for column in QueueColumn:
        if column.sort_key == RELEVANCE:
            continue  # the search's order (tests/ui/test_match_column.py)
        for order, prefix in ((Qt.SortOrder.AscendingOrder, ""), (Qt.SortOrder.DescendingOrder, "-")):
            with qtbot.waitSignal(model.ids_loaded):
                model.sort(column, order)
            expected = queries.ticket_ids(store, TicketQuery(sort=f"{prefix}{column.sort_key}"))  # type: ignore[arg-type]
            load_rows(qtbot, model, range(290, 300))  # the end first: read from the other end
            assert [model.ticket_id(row) for row in range(290, 300)] == expected[290:], (column, order)
            assert all_ids(qtbot, model) == expected, (column, order)


def test_100k_tickets_answer_visible_rows_without_reading_the_rest(
    qtbot: QtBot, big_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[int] = []
    original = queries.tickets_by_id_in

    def counting(conn: Any, ids: Sequence[str]) -> dict[str, queries.TicketRow]:
        read.append(len(ids))
        return original(conn, ids)

    monkeypatch.setattr(queries, "tickets_by_id_in", counting)
    monkeypatch.setattr(
        queries, "ticket_ids_in", lambda *_args: pytest.fail("the model read every id of the query")
    )
    model = loaded_model(qtbot, big_store)
    assert model.rowCount() == 100_000
    assert read == [ticket_table.BATCH_SIZE]  # the count and the first page, nothing else

    load_rows(qtbot, model, range(40))  # the first screen came with the count
    assert read == [ticket_table.BATCH_SIZE]
    load_rows(qtbot, model, range(61_000, 61_040))  # jump far down, as a scroll bar drag does
    assert read == [ticket_table.BATCH_SIZE] * 2
    load_rows(qtbot, model, range(99_960, 100_000))  # and to the end
    assert read == [ticket_table.BATCH_SIZE] * 3
    assert model.cached_count() == 3 * ticket_table.BATCH_SIZE
    assert shown(model, 61_039, QueueColumn.TITLE) not in ("", PLACEHOLDER)
    expected_last = queries.list_tickets(big_store, TicketQuery(sort="updated_at", limit=1))[0]
    assert model.ticket_id(99_999) == expected_last.id  # the oldest change is the last row

    model.sort(QueueColumn.NUMBER, Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: not model.loading, timeout=30_000)
    assert shown(model, 0, QueueColumn.NUMBER) == "TKT-1001"
    load_rows(qtbot, model, range(99_960, 100_000))
    assert shown(model, 99_999, QueueColumn.NUMBER) == "TKT-101000"
    assert model.materialized <= 6 * ticket_table.BATCH_SIZE


def test_the_cache_never_holds_more_than_its_limit(
    qtbot: QtBot, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ticket_table, "CACHE_SIZE", 120)
    monkeypatch.setattr(ticket_table, "BATCH_SIZE", 60)
    model = loaded_model(qtbot, store)
    for first in range(0, 300, 60):
        load_rows(qtbot, model, range(first, first + 60))
        assert model.cached_count() <= 120
    load_rows(qtbot, model, range(0, 10))  # dropped rows are read again when shown again


def test_a_change_refreshes_the_row_and_keeps_it_shown_meanwhile(qtbot: QtBot, store: Store) -> None:
    model = loaded_model(qtbot, store, TicketQuery(sort="number"))
    load_rows(qtbot, model, range(30))
    row = next(r for r in range(30) if model.data(model.index(r, 0), TicketRole.STATUS) == Status.OPEN)
    ticket_id = model.ticket_id(row)
    assert ticket_id is not None
    store.add_listener(model.on_data_changed)

    commands.assign(store, ticket_id, str(store.user_id))  # assigning an Open ticket starts it
    model.flush_changes()
    assert shown(model, row, QueueColumn.TITLE) != PLACEHOLDER  # the stale row stays on screen
    qtbot.waitUntil(lambda: shown(model, row, QueueColumn.ASSIGNEE) == "Agent 0")
    assert shown(model, row, QueueColumn.STATUS) == Status.IN_PROGRESS.value
    ticket = model.data(model.index(row, 0), TicketRole.TICKET)
    assert ticket.pending


def test_tickets_leaving_the_filter_are_removed_and_the_tracked_tickets_found(
    qtbot: QtBot, store: Store
) -> None:
    model = loaded_model(qtbot, store, TicketQuery(assignee="none", sort="number"))
    leaving, staying = model.ticket_id(1), model.ticket_id(3)
    assert leaving is not None and staying is not None
    model.track([leaving, staying])
    count = model.rowCount()
    store.add_listener(model.on_data_changed)

    commands.assign(store, leaving, str(store.user_id))
    with qtbot.waitSignal(model.modelReset):
        model.flush_changes()
    assert model.rowCount() == count - 1
    assert model.row_of(leaving) is None
    assert model.row_of(staying) == 2  # known at once, for the view to select it again
    assert model.ticket_id(2) == staying


def test_new_tickets_are_inserted_where_the_sort_puts_them(qtbot: QtBot, store: Store) -> None:
    model = loaded_model(qtbot, store, TicketQuery(sort="-number"))
    store.add_listener(model.on_data_changed)
    category = queries.categories(store)[0].id
    draft = commands.create_ticket(store, title="Brand new", description="<p>Hi</p>", category_id=category)
    with qtbot.waitSignal(model.ids_loaded):
        model.flush_changes()
    assert model.rowCount() == 301
    assert model.ticket_id(0) == draft  # a draft has no number yet: newest first
    load_rows(qtbot, model, [0])
    assert shown(model, 0, QueueColumn.NUMBER) == "Draft"
    assert model.data(model.index(0, 0), Qt.ItemDataRole.FontRole).italic()


def test_a_page_gone_from_the_cache_is_not_asked_for_again_and_again(
    qtbot: QtBot, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = loaded_model(qtbot, store)
    real = ticket_table.queue_window.read_window
    calls: list[int] = []

    def emptied(store_: Store, query: TicketQuery, offset: int, limit: int, **kwargs: Any) -> Any:
        calls.append(offset)
        window = real(store_, query, offset, limit, **kwargs)
        return window if offset == 0 else ticket_table.Window(window.total, offset, [], {})

    monkeypatch.setattr(ticket_table.queue_window, "read_window", emptied)
    row = ticket_table.BATCH_SIZE
    model.data(model.index(row, 0))
    qtbot.waitUntil(lambda: calls == [row])
    for _ in range(3):
        model.data(model.index(row, 0))
        qtbot.wait(20)
    assert calls == [row]  # read once, then never asked for again
    assert shown(model, row, QueueColumn.TITLE) == PLACEHOLDER


def test_filters_reach_the_count_and_the_pages(qtbot: QtBot, store: Store) -> None:
    query = TicketQuery(
        status=[Status.OPEN, Status.ON_HOLD], created_from=dt.datetime.now(dt.UTC) - dt.timedelta(days=90)
    )
    model = loaded_model(qtbot, store, query)
    assert all_ids(qtbot, model) == queries.ticket_ids(store, query)
    assert 0 < model.rowCount() < 300
    assert model.rowCount(model.index(0, 0)) == 0  # a table: no children
    assert model.flags(QModelIndex()) == Qt.ItemFlag.NoItemFlags


def test_changes_arriving_together_cause_one_refresh(qtbot: QtBot, store: Store) -> None:
    model = loaded_model(qtbot, store)
    loads: list[int] = []
    model.ids_loaded.connect(loads.append)
    ids = queries.ticket_ids(store)
    for ticket_id in ids[:5]:
        model.on_data_changed(ChangeSet(tickets=frozenset({ticket_id})))
    qtbot.waitUntil(lambda: len(loads) == 1)
    qtbot.wait(ticket_table.REFRESH_DELAY_MS + 50)
    assert len(loads) == 1


def test_statuses_sort_in_workflow_order_and_priorities_by_rank(store: Store) -> None:
    rows = queries.tickets_by_id(store, queries.ticket_ids(store))

    def statuses(sort: str) -> list[Status]:
        return [rows[i].status for i in queries.ticket_ids(store, TicketQuery.model_validate({"sort": sort}))]

    workflow = list(Status)  # Open, In Progress, On Hold, Resolved, Closed: not alphabetical
    assert statuses("status") == sorted(statuses("status"), key=workflow.index)
    assert statuses("status")[0] == Status.OPEN and statuses("status")[-1] == Status.CLOSED
    assert statuses("-status") == sorted(statuses("status"), key=workflow.index, reverse=True)

    urgent_first = [rows[i] for i in queries.ticket_ids(store, TicketQuery(sort="-priority"))]
    ranks = [row.priority_rank or 0 for row in urgent_first]
    assert ranks == sorted(ranks, reverse=True)
    assert urgent_first[0].priority == "Critical" and urgent_first[-1].priority == "Low"


def id_query_plan(store: Store, query: TicketQuery) -> str:
    """SQLite's plan for the id query :func:`queries.ticket_ids` runs for ``query``."""
    executed: list[tuple[str, Any]] = []

    def remember(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if "FROM tickets" in statement and "group_concat" in statement:
            executed.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", remember)
    try:
        queries.ticket_ids(store, query)
    finally:
        event.remove(store.engine, "before_cursor_execute", remember)
    [(statement, parameters)] = executed
    with store.read() as conn:
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    # the ids are joined by an aggregate over the ordered query: its own scan of that
    # co-routine is not a read of a table
    return " / ".join(
        str(step[-1]) for step in plan if not str(step[-1]).startswith(("CO-ROUTINE", "SCAN anon_"))
    )


@pytest.mark.parametrize(
    "query",
    [
        *(
            TicketQuery.model_validate({"sort": sort})
            for sort in (
                *("-updated_at", "updated_at", "number", "-number", "title", "status", "-status"),
                *("priority", "-priority", "category", "-category", "assignee", "-assignee"),
                *("submitter", "-submitter", "created_at", "-created_at"),
            )
        ),
        # newest change first, the default; "Breaching soon" reads ticket_sla too (its own test)
        *(saved.query for saved in BUILTIN_FILTERS if not saved.query.breaching_soon),
        TicketQuery(submitter_id=new_id()),  # "My tickets"
    ],
    ids=lambda query: f"{query.sort}:{','.join(sorted(filter_part(query))) or 'all'}",
)
def test_common_sorts_and_filters_read_ids_in_index_order_from_tickets_alone(
    store: Store, query: TicketQuery
) -> None:
    plan = id_query_plan(store, query)
    assert "INDEX ix_tickets_" in plan, plan
    assert "TEMP B-TREE" not in plan, plan  # no sort of all matching rows
    assert plan.count("SCAN") + plan.count("SEARCH") == 1, plan  # no other table joined


def test_the_created_date_filter_counts_along_an_index(store: Store) -> None:
    """The queue counts a filter's matches before it reads a window (queue_window.count)."""
    since = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    query = TicketQuery(created_from=since)
    with store.read() as conn:
        stmt = select(func.count()).select_from(schema.tickets).where(*queries.query_conditions(conn, query))
        compiled = stmt.compile(conn, compile_kwargs={"literal_binds": True})
        plan = " / ".join(str(step[-1]) for step in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
    assert "SEARCH tickets USING COVERING INDEX ix_tickets_created (created_at>" in plan, plan


def _keys(store: Store, ticket_id: str) -> tuple[Any, ...]:
    with store.read() as conn:
        row = conn.execute(
            select(*(schema.tickets.c[name] for name in sorted(schema.DERIVED_COLUMNS))).where(
                schema.tickets.c.id == ticket_id
            )
        ).one()
    return tuple(row)  # assignee, category, priority rank, submitter


def test_sort_keys_follow_every_row_they_name(tmp_path: Path) -> None:
    """The keys the sorts read are kept by the cache itself, whichever way a row arrives: a
    ticket before its category, a rename, a new rank, a local assignment, a user who leaves."""
    world = World()
    agent = open_store(tmp_path, world.agent, Role.AGENT)
    ticket = world.ticket()
    pull(agent, put(visibility.QUEUE, "ticket", ticket))  # before its category, priorities and people
    assert _keys(agent, ticket["id"]) == (None, None, None, None)

    pull(agent, *world.reference(for_staff=True))
    assert _keys(agent, ticket["id"]) == (None, "hardware", 20, "uma")

    renamed = {**world.category, "name": "Desks & Chairs", "version": 2}
    medium = {**world.priorities[1], "rank": 35, "version": 2}
    pull(agent, put(visibility.DIRECTORY, "category", renamed), put(visibility.DIRECTORY, "priority", medium))
    assert _keys(agent, ticket["id"]) == (None, "desks & chairs", 35, "uma")

    commands.assign(agent, ticket["id"], str(world.agent))  # a local command, replayed on shadows
    assert _keys(agent, ticket["id"]) == ("alice", "desks & chairs", 35, "uma")

    alice = next(row for row in world.users if row["id"] == str(world.agent))
    pull(agent, put(visibility.PEOPLE, "user", {**alice, "name": "Alice Zephyr", "version": 2}))
    assert _keys(agent, ticket["id"])[0] == "alice zephyr"

    agent.close()


def test_a_cache_of_the_first_schema_gets_the_queue_indexes(tmp_path: Path) -> None:
    user_id = new_id()
    path = files.cache_path("http://bench.invalid:8700", user_id, tmp_path)
    path.parent.mkdir(parents=True)
    with sqlite3.connect(path) as old:  # a file as the first release left it
        for statement in migrations.MIGRATIONS[0].statements:
            old.execute(statement)
        old.execute("PRAGMA user_version = 1")
    store = Store.open(path, server_url="http://bench.invalid:8700", user_id=user_id, role=Role.AGENT)
    with store.read() as conn:
        version = conn.exec_driver_sql("PRAGMA user_version").scalar()
        names = set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'").scalars())
    store.close()
    assert version == migrations.SCHEMA_VERSION
    declared = {index.name for table in schema.metadata.tables.values() for index in table.indexes}
    assert declared <= names
    assert "ix_tickets_updated_at" not in names  # replaced by (updated_at, id)


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12 on")
def test_the_qt_binding_keeps_none_alive_while_the_queue_paints(qtbot: QtBot) -> None:
    """PySide6 6.12.0 drops a reference to ``None`` on every call of a void method (and to
    ``True`` on every ``Signal.emit``). On Python 3.11 that kills the app with "none_dealloc"
    after a few thousand calls: about a minute of scrolling the queue, whose status pills are
    painted from Python. 6.11.3 is fine; pin PySide6 below 6.12 (or run on Python 3.12+)."""
    timer = QTimer()
    before = sys.getrefcount(None)
    for _ in range(1000):
        timer.stop()  # any void method
    assert sys.getrefcount(None) - before > -100, "this PySide6 build leaks references to None"
