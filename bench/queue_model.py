"""Benchmark of the agents' queue over a large local cache (run by hand, not a test).

Builds a cache of 100k tickets (in a child process, so that the peak memory reported is the
queue's, not the bulk load's), then shows the queue in a real :class:`QueueView` and measures
what an agent waits for, from the action to the first screen of real rows: opening the queue,
a filter by each field, a sort by every column both ways, a text search, and a jump to the
end. Each action runs ``--runs`` times (20) and its 95th percentile is printed beside two
baselines measured as often in the same run on the same file: a plain ``SELECT`` of every
ticket's id (what a model holding every id reads per action) and a plain ``SELECT`` of one
screen of rows. Then how long the UI thread spends answering ``data()`` for a screen, and the
process's peak RSS. Beside each filter, sort and search: its count and first page read alone
(what the model's background task costs without the hops between threads). The UI thread
waits in the event loop, as the app's does. Last, full-text search: comments are added (some
with rare words, the index kept), then each of :data:`SEARCHES` is typed into the queue (by
relevance, from another search's results) and its ranked first page read alone, its snippets
of a screen, and its results in a column's order are timed the same way.

    .venv/bin/python -m bench.queue_model [--tickets 100000] [--runs 20] [--keep FOLDER]
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import random
import resource
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import insert, select

from desktop.models.queue_model import QueueColumn, QueueModel
from desktop.models.ticket_table import RELEVANCE, TicketRole
from desktop.store import Store, files, queries, queue_window, schema, search
from desktop.store.rows import utc_text
from desktop.tasks import TaskRunner
from desktop.ui.queue.queue_view import QueueView
from ticketing.domain import DEFAULT_CATEGORIES, DEFAULT_PRIORITIES, Role, Status, new_id
from ticketing.schemas import TicketQuery

SERVER = "http://bench.invalid:8700"
SCREEN_ROWS = 40
#: Screens scrolled to, spread over the queue (their median is reported).
SCREENS = 12
PRIORITIES = [key for key, _rank in DEFAULT_PRIORITIES]
WORDS = ("printer", "laptop", "vpn", "password", "outlook", "monitor", "dock", "wifi", "teams", "excel")


def open_cache(folder: Path) -> Store:
    """A fresh cache file for an agent account in ``folder``."""
    agent = new_id()
    path = files.cache_path(SERVER, agent, folder)
    return Store.open(path, server_url=SERVER, user_id=agent, role=Role.AGENT, name="Bench Agent")


def fill_cache(store: Store, tickets: int, *, seed: int = 7, agents: int = 8, requesters: int = 300) -> None:
    """Write ``tickets`` tickets (with their people, categories and priorities) straight into
    the cache, as a complete pull would have left them (bulk inserts; minutes saved)."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    stamp = utc_text(now)
    staff = [str(store.user_id), *(str(new_id()) for _ in range(agents - 1))]
    people = [str(new_id()) for _ in range(requesters)]
    categories = [str(new_id()) for _ in DEFAULT_CATEGORIES]
    users = [
        {"id": user_id, "name": f"Agent {n}", "role": Role.AGENT.value, "email": f"agent{n}@example.com"}
        for n, user_id in enumerate(staff)
    ] + [
        {"id": user_id, "name": f"User {n}", "role": Role.USER.value, "email": f"user{n}@example.com"}
        for n, user_id in enumerate(people)
    ]
    with store.write() as conn:
        conn.execute(
            insert(schema.users),
            [{**u, "is_active": True, "created_at": stamp, "updated_at": stamp, "version": 1} for u in users],
        )
        conn.execute(
            insert(schema.categories),
            [
                {
                    "id": c,
                    "name": name,
                    "is_active": True,
                    "created_at": stamp,
                    "updated_at": stamp,
                    "version": 1,
                }
                for c, name in zip(categories, DEFAULT_CATEGORIES, strict=True)
            ],
        )
        conn.execute(
            insert(schema.priorities),
            [
                {
                    "id": str(new_id()),
                    "key": key,
                    "name": key,
                    "rank": rank,
                    "is_active": True,
                    "created_at": stamp,
                    "updated_at": stamp,
                    "version": 1,
                }
                for key, rank in DEFAULT_PRIORITIES
            ],
        )
        conn.exec_driver_sql("PRAGMA cache_size = -262144")  # 256 MB, for this bulk load
        conn.exec_driver_sql(
            _TICKET_INSERT, _ticket_rows(rng, tickets, now, staff=staff, people=people, categories=categories)
        )


_TICKET_COLUMNS = (
    "id, number, title, description, status, priority, category_id, submitter_id, assignee_id, "
    "created_at, updated_at, version"
)
_TICKET_INSERT = f"INSERT INTO tickets ({_TICKET_COLUMNS}) VALUES ({', '.join('?' * 12)})"


def _ticket_rows(
    rng: random.Random,
    count: int,
    now: dt.datetime,
    *,
    staff: list[str],
    people: list[str],
    categories: list[str],
) -> list[tuple[Any, ...]]:
    """Ticket rows as tuples, drawn column by column (fast enough for a million)."""
    titles = [" ".join(rng.choices(WORDS, k=5)).capitalize() for _ in range(997)]
    statuses = rng.choices([s.value for s in Status], k=count)
    minutes = rng.choices(range(60 * 24 * 365), k=count)
    later = rng.choices(range(600), k=count)
    rows = []
    for n in range(count):
        created = now - dt.timedelta(minutes=minutes[n])
        status = statuses[n]
        rows.append(
            (
                str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                1001 + n,
                titles[n % len(titles)],
                "<p>Bench ticket.</p>",
                status,
                PRIORITIES[n % len(PRIORITIES)],
                categories[n % len(categories)],
                people[n % len(people)],
                None if status == Status.OPEN.value else staff[n % len(staff)],
                utc_text(created),
                utc_text(created + dt.timedelta(minutes=later[n])),
                1,
            )
        )
    rows.sort()  # in primary key order: the table's B-tree is appended to, not shuffled
    return rows


# --- measuring ------------------------------------------------------------------------------


def _p95(timings: list[float]) -> float:
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _timed(runs: int, work: Callable[[], Any]) -> list[float]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return timings


def _baseline_ids(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT id FROM tickets ORDER BY updated_at DESC, id DESC")]


def _baseline_rows(path: Path, ids: list[str]) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as conn:
        marks = ",".join("?" * len(ids))
        return conn.execute(f"SELECT * FROM tickets WHERE id IN ({marks})", ids).fetchall()


def _build(folder: str, tickets: int) -> tuple[str, str]:
    """Build the cache (in a child process); its path and account."""
    store = open_cache(Path(folder))
    fill_cache(store, tickets)
    store.close()
    return str(store.path), str(store.user_id)


def _actions(store: Store) -> list[tuple[str, TicketQuery]]:
    """What an agent does to the queue: a filter by each field, a sort by every column both
    ways, a text search."""
    with store.read() as conn:
        category = conn.scalar(schema.categories.select().with_only_columns(schema.categories.c.id))
        requester = conn.scalar(
            schema.users.select().with_only_columns(schema.users.c.id).where(schema.users.c.role == "user")
        )
    now = dt.datetime.now(dt.UTC)
    filters: list[tuple[str, dict[str, Any]]] = [
        ("status", {"status": [Status.OPEN]}),
        ("priority", {"priority": [PRIORITIES[-1]]}),
        ("category", {"category_id": [category]}),
        ("assignee me", {"assignee": "me"}),
        ("assignee none", {"assignee": "none"}),
        ("requester", {"submitter_id": requester}),
        ("created 90 days", {"created_from": now - dt.timedelta(days=90)}),
        ("updated 7 days", {"updated_from": now - dt.timedelta(days=7)}),
    ]
    found = [(f"filter {name}", TicketQuery.model_validate(fields)) for name, fields in filters]
    for column in QueueColumn:
        if column.sort_key == RELEVANCE:  # a search's order, measured with the searches
            continue
        for prefix in ("", "-"):
            found.append(
                (
                    f"sort {prefix}{column.sort_key}",
                    TicketQuery.model_validate({"sort": prefix + column.sort_key}),
                )
            )
    found.append(("text search 'vpn'", TicketQuery(q="vpn")))
    return found


def run(tickets: int, runs: int, keep: Path | None = None) -> None:
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as temporary:
        started = time.perf_counter()
        folder = Path(keep or temporary)
        built = folder / f"built-{tickets}.txt"
        if built.exists():
            path, account = built.read_text(encoding="utf-8").split()
            print(f"cache of {tickets} tickets kept from an earlier run ({path})")
        else:
            with multiprocessing.get_context("spawn").Pool(1) as pool:
                path, account = pool.apply(_build, (str(folder), tickets))
            built.write_text(f"{path} {account}", encoding="utf-8")
            print(f"cache of {tickets} tickets built in {time.perf_counter() - started:.1f} s")
        store = Store.open(Path(path), server_url=SERVER, user_id=account)
        tasks = TaskRunner()

        def wait_until(done: Callable[[], bool]) -> None:
            """Sleep in the event loop, as the app's UI thread does, until ``done()``. (Polling
            in a busy loop would make this thread fight the worker for the GIL at every SQLite
            step and measure that fight instead of the model.)"""
            deadline = time.monotonic() + 60
            while not done():
                if time.monotonic() > deadline:
                    raise TimeoutError("the model did not answer within a minute")
                app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)

        wake = QTimer()  # an event now and then, so that a wait notices its deadline
        wake.start(100)

        def screen_shown(view: QueueView) -> Callable[[], bool]:
            """Whether the rows the view shows have arrived (asked as a paint would)."""

            def shown() -> bool:
                model = view.model()
                if model.rowCount() == 0:
                    return False
                top = max(0, view.rowAt(0))
                bottom = view.rowAt(view.viewport().height() - 1)
                bottom = model.rowCount() - 1 if bottom < 0 else bottom
                return all(model.data(model.index(row, 0), TicketRole.LOADED) for row in (top, bottom))

            return shown

        baseline_ids = _timed(runs, lambda: _baseline_ids(store.path))
        first_ids = queries.list_tickets(store, TicketQuery(limit=SCREEN_ROWS))
        baseline_rows = _timed(runs, lambda: _baseline_rows(store.path, [t.id for t in first_ids]))
        results: list[tuple[str, list[float]]] = []

        def open_queue() -> None:
            model = QueueModel(store, tasks)
            view = QueueView(model)
            view.resize(1200, SCREEN_ROWS * view.verticalHeader().defaultSectionSize())
            view.show()
            model.reload()
            wait_until(screen_shown(view))
            view.close()
            view.deleteLater()
            model.deleteLater()
            app.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # a closed window is freed

        results.append(("open the queue", _timed(runs, open_queue)))
        model = QueueModel(store, tasks)
        view = QueueView(model)
        view.resize(1200, SCREEN_ROWS * view.verticalHeader().defaultSectionSize())
        view.show()
        model.reload()
        wait_until(screen_shown(view))
        loaded: list[int] = []
        model.ids_loaded.connect(loaded.append)

        alone: dict[str, list[float]] = {}
        for what, query in _actions(store):

            def act(query: TicketQuery = query) -> float:
                loaded.clear()
                model.set_query(TicketQuery())  # from the default queue, as an agent would
                wait_until(lambda: bool(loaded) and screen_shown(view)())
                loaded.clear()
                started = time.perf_counter()
                model.set_query(query)
                wait_until(lambda: bool(loaded) and screen_shown(view)())
                return time.perf_counter() - started

            results.append((what, [act() for _ in range(runs)]))
            alone[what] = _timed(runs, lambda query=query: queue_window.read_window(store, query, 0, 100))
        model.set_query(TicketQuery())
        wait_until(screen_shown(view))

        def to_end() -> None:
            view.scrollToTop()
            loaded.clear()
            model.set_query(TicketQuery())  # nothing of the end in memory
            wait_until(lambda: bool(loaded) and screen_shown(view)())
            started = time.perf_counter()
            view.scrollToBottom()
            wait_until(screen_shown(view))
            timings.append(time.perf_counter() - started)

        timings: list[float] = []
        for _ in range(runs):
            to_end()
        results.append(("scroll to the end", timings))
        last = len(QueueColumn) - 1
        paint = []
        for first in (0, model.rowCount() - SCREEN_ROWS):
            for _ in range(runs):
                spent = time.perf_counter()
                for row in range(first, first + SCREEN_ROWS):
                    for column in range(last + 1):
                        model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole)
                paint.append(time.perf_counter() - spent)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        searched = _searches(
            store,
            model=model,
            view=view,
            runs=runs,
            wait_until=wait_until,
            screen_shown=screen_shown,
            loaded=loaded,
        )

        ids_p95, rows_p95 = _p95(baseline_ids), _p95(baseline_rows)
        print(f"p95 of {runs} runs, from the action to the first screen of real rows:")
        print(f"{'baseline: all ids':34} {ids_p95 * 1000:8.2f} ms   (plain SELECT of every id)")
        screen = f"(plain SELECT of {SCREEN_ROWS} rows)"
        print(f"{'baseline: one screen of rows':34} {rows_p95 * 1000:8.2f} ms   {screen}")
        for what, measured in results:
            value = _p95(measured)
            verdict = "ok" if value < 0.05 else "OVER 50 ms"
            read = f"read alone {_p95(alone[what]) * 1000:6.2f} ms" if what in alone else ""
            print(
                f"{what:26} {value * 1000:8.2f} ms = {value / ids_p95:5.2f} x all ids"
                f" = {value / rows_p95:6.1f} x a screen's rows  {verdict:10}"
                f" (median {statistics.median(measured) * 1000:6.2f} ms) {read}"
            )
        for what, measured, read in searched:
            value = _p95(measured)
            verdict = "ok" if value < 0.05 else "OVER 50 ms"
            print(
                f"{what:26} {value * 1000:8.2f} ms = {value / ids_p95:5.2f} x all ids"
                f" = {value / rows_p95:6.1f} x a screen's rows  {verdict:10}"
                f" (median {statistics.median(measured) * 1000:6.2f} ms) {read}"
            )
        print(f"{'UI thread per screen paint':34} {_p95(paint) * 1000:8.2f} ms")
        print(f"rows read into Python by the last model: {model.materialized} of {model.rowCount()}")
        print(f"peak RSS of this process: {rss:.0f} MB (goal: under 250 MB)")
        wake.stop()
        tasks.wait()
        store.close()


#: Words of the comments the search figures add: each in about one ticket of a thousand.
RARE_WORDS = ("kerberos", "firmware", "toner", "bitlocker", "certificate")
#: Search texts measured: a common word, a rare word, a prefix being typed, two words, a number.
SEARCHES = ("printer", "kerberos", "pass", "vpn outl", "#51001")


def add_comments(store: Store, *, per_ticket: float = 0.5, seed: int = 11) -> int:
    """Comments on a share of the tickets, a few of them with rare words, written as a pull
    writes them (one transaction, the search index following); returns how many."""
    rng = random.Random(seed)
    with store.read() as conn:
        ids = [str(i) for i in conn.scalars(select(schema.tickets.c.id))]
    stamp = utc_text(dt.datetime.now(dt.UTC))
    rows = []
    for n, ticket_id in enumerate(rng.sample(ids, int(len(ids) * per_ticket))):
        words = rng.choices(WORDS, k=8)
        if n % 500 == 0:
            words.append(RARE_WORDS[n // 500 % len(RARE_WORDS)])
        text = "<p>" + " ".join(words).capitalize() + ".</p>"
        rows.append((str(new_id()), ticket_id, str(store.user_id), text, 0, stamp))
    with store.write() as conn:
        conn.exec_driver_sql(
            "INSERT INTO comments (id, ticket_id, author_id, content, is_internal, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
    return len(rows)


def _searches(
    store: Store,
    *,
    model: QueueModel,
    view: QueueView,
    runs: int,
    wait_until: Callable[[Callable[[], bool]], None],
    screen_shown: Callable[[QueueView], Callable[[], bool]],
    loaded: list[int],
) -> list[tuple[str, list[float], str]]:
    """Full-text search in the queue: each search typed (ranked, from another search's
    results) to its first screen, then the same results by a column; with what their first
    page costs read alone and a screen's snippets."""
    started = time.perf_counter()
    comments = add_comments(store)
    print(f"search: {comments} comments added (index kept) in {time.perf_counter() - started:.1f} s")
    found: list[tuple[str, list[float], str]] = []

    def shown_after(change: Callable[[], None]) -> float:
        loaded.clear()
        started = time.perf_counter()
        change()
        wait_until(lambda: bool(loaded) and (model.rowCount() == 0 or screen_shown(view)()))
        return time.perf_counter() - started

    for text in SEARCHES:
        query = TicketQuery(q=text)

        def typed(query: TicketQuery = query) -> float:
            shown_after(lambda: model.set_query(TicketQuery(q="zzzz")))
            return shown_after(lambda: model.set_query(query))

        def by_title() -> float:
            return shown_after(lambda: model.sort(QueueColumn.TITLE, Qt.SortOrder.AscendingOrder))

        def by_relevance() -> float:
            return shown_after(lambda: model.sort(QueueColumn.MATCH, Qt.SortOrder.AscendingOrder))

        ranked = [typed() for _ in range(runs)]
        columns, relevance = [], []
        for _ in range(runs):
            columns.append(by_title())
            relevance.append(by_relevance())
        first = queue_window.read_window(store, query, 0, 100, ranked=True)
        alone = _timed(runs, lambda query=query: queue_window.read_window(store, query, 0, 100, ranked=True))
        screen = first.ids[:SCREEN_ROWS]

        def snippets(text: str = text, screen: list[str] = screen) -> dict[str, str]:
            with store.read() as conn:
                return search.snippets(conn, text, screen)

        snippet_time = _p95(_timed(runs, snippets)) * 1000
        read = f"read alone {_p95(alone) * 1000:6.2f} ms, snippets {snippet_time:5.2f} ms"
        found.append((f"search {text!r} ({first.total})", ranked, read))
        found.append(("  then by title", columns, ""))
        found.append(("  then by relevance", relevance, ""))
    shown_after(lambda: model.set_query(TicketQuery()))  # the default queue again
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="build the cache in this folder once and reuse it")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    run(args.tickets, args.runs, args.keep)


if __name__ == "__main__":
    main()
