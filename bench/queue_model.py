"""Benchmark of the agents' queue model over a large local cache (run by hand, not a test).

Builds a cache of 100k tickets, then measures what an agent waits for: a model reset (the id
query of a filter and sort) and scrolling (a screenful of rows fetched in the background), and
how long the UI thread spends answering ``data()`` for a screen; then the id query alone for
each column's sort and each built-in saved filter. Each figure is printed as a ratio against a
baseline measured in the same run on the same file: a plain ``SELECT`` of the same ids (in the
default order), and a plain ``SELECT`` of the same rows. The UI thread waits in the event loop,
as the app's does.

    .venv/bin/python -m bench.queue_model [--tickets 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer
from sqlalchemy import insert, select

from desktop.local.saved_filters import BUILTIN_FILTERS
from desktop.models.queue_model import QueueColumn, QueueModel
from desktop.models.ticket_table import RELEVANCE, TicketRole
from desktop.store import Store, files, queries, schema, search
from desktop.store.rows import utc_text
from desktop.tasks import TaskRunner
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


def _best(runs: int, work: Callable[[], Any]) -> float:
    """The median of ``runs`` timings of ``work`` (seconds)."""
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def _baseline_ids(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT id FROM tickets ORDER BY updated_at DESC, id DESC")]


def _baseline_rows(path: Path, ids: list[str]) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as conn:
        marks = ",".join("?" * len(ids))
        return conn.execute(f"SELECT * FROM tickets WHERE id IN ({marks})", ids).fetchall()


def run(tickets: int, runs: int) -> None:
    app = QCoreApplication.instance() or QCoreApplication([])
    with tempfile.TemporaryDirectory() as folder:
        store = open_cache(Path(folder))
        started = time.perf_counter()
        fill_cache(store, tickets)
        print(f"cache of {tickets} tickets built in {time.perf_counter() - started:.1f} s")
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

        model = QueueModel(store, tasks)
        loaded: list[int] = []
        model.ids_loaded.connect(loaded.append)

        def reset() -> None:
            loaded.clear()
            model.set_query(TicketQuery(sort="-updated_at" if model.query.sort != "-updated_at" else "title"))
            wait_until(lambda: bool(loaded))

        baseline_ids = _best(runs, lambda: _baseline_ids(store.path))
        model_reset = _best(runs, reset)
        model.set_query(TicketQuery(sort="-updated_at"))
        loaded.clear()
        wait_until(lambda: bool(loaded))

        positions = [int(k / (SCREENS - 1) * (model.rowCount() - SCREEN_ROWS)) for k in range(SCREENS)]
        last = len(QueueColumn) - 1

        def screen(first: int) -> float:
            """Ask for a screenful as a view paints it; return the UI-thread time spent."""
            spent = time.perf_counter()
            for row in range(first, first + SCREEN_ROWS):
                for column in range(last + 1):
                    model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole)
            return time.perf_counter() - spent

        scroll_timings, paint_timings, baseline_rows = [], [], []
        for first in positions:
            ids = [model.ticket_id(row) or "" for row in range(first, first + SCREEN_ROWS)]
            baseline_rows.append(_best(runs, lambda ids=ids: _baseline_rows(store.path, ids)))
            started = time.perf_counter()
            paint_timings.append(screen(first))
            wait_until(
                lambda first=first: bool(
                    model.data(model.index(first + SCREEN_ROWS - 1, 0), TicketRole.LOADED)
                )
            )
            scroll_timings.append(time.perf_counter() - started)
        print(f"rows read into Python: {model.materialized} of {model.rowCount()}")
        _report("model reset (ids of a sort)", model_reset, baseline_ids, "plain SELECT of the ids")
        _report(
            "scroll to a new screen",
            statistics.median(scroll_timings),
            statistics.median(baseline_rows),
            "plain SELECT of those rows",
        )
        _report(
            "UI thread per screen paint",
            statistics.median(paint_timings),
            statistics.median(baseline_rows),
            "plain SELECT of those rows",
        )
        _report_id_queries(store, runs, baseline_ids)
        _report_search(store, model, wait_until, baseline_ids)
        wake.stop()
        tasks.wait()
        store.close()


def _report_id_queries(store: Store, runs: int, baseline: float) -> None:
    """The id query alone for each column's sort and each built-in saved filter."""
    print("id query alone:")
    queries_: list[tuple[str, TicketQuery]] = [
        (f"sorted by {column.sort_key}", TicketQuery.model_validate({"sort": column.sort_key}))
        for column in QueueColumn
        if column.sort_key != RELEVANCE
    ] + [(f"saved filter {saved.name}", saved.query) for saved in BUILTIN_FILTERS]
    for what, query in queries_:
        measured = _best(runs, lambda query=query: queries.ticket_ids(store, query))
        _report(f"  {what}", measured, baseline, "plain SELECT of the ids")


#: Words of the comments the search figures add: each in about one ticket of a thousand.
RARE_WORDS = ("kerberos", "firmware", "toner", "bitlocker", "certificate")
#: Search texts measured: a common word, a rare word, a prefix being typed, two words.
SEARCHES = ("printer", "kerberos", "pass", "vpn outl", "#51001")
#: Repetitions of each search (its p95 is reported).
SEARCH_RUNS = 20


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


def _p95(runs: int, work: Callable[[], Any]) -> tuple[float, Any]:
    """The 95th percentile of ``runs`` timings of ``work`` (seconds), and its last answer."""
    timings, answer = [], None
    for _ in range(runs):
        started = time.perf_counter()
        answer = work()
        timings.append(time.perf_counter() - started)
    return statistics.quantiles(timings, n=20, method="inclusive")[-1], answer


def _report_search(
    store: Store, model: QueueModel, wait_until: Callable[[Callable[[], bool]], None], baseline: float
) -> None:
    """Full-text search: the id query ranked by relevance (and in a column's order), the
    model's reset on a search, and the snippets of a screen, each as a p95 of 20."""
    started = time.perf_counter()
    comments = add_comments(store)
    print(f"search: {comments} comments added (index kept) in {time.perf_counter() - started:.1f} s")
    loaded: list[int] = []
    model.ids_loaded.connect(loaded.append)
    for text in SEARCHES:
        ranked, ids = _p95(
            SEARCH_RUNS, lambda text=text: queries.ticket_ids(store, TicketQuery(q=text), ranked=True)
        )
        by_column, _ = _p95(SEARCH_RUNS, lambda text=text: queries.ticket_ids(store, TicketQuery(q=text)))
        screen = ids[:SCREEN_ROWS]

        def snippets(text: str = text, screen: list[str] = screen) -> dict[str, str]:
            with store.read() as conn:
                return search.snippets(conn, text, screen)

        snippet_time, _ = _p95(SEARCH_RUNS, snippets)

        def reset(text: str = text) -> float:
            """The model's wait for a search's ids (from another search's list)."""
            model.set_query(TicketQuery(q="zzzz"))
            loaded.clear()
            wait_until(lambda: bool(loaded))
            loaded.clear()
            started = time.perf_counter()
            model.set_query(TicketQuery(q=text))
            wait_until(lambda: bool(loaded))
            return time.perf_counter() - started

        resets = [reset() for _ in range(SEARCH_RUNS // 2)]
        model_reset = statistics.quantiles(resets, n=20, method="inclusive")[-1]
        print(f"search {text!r}: {len(ids)} tickets")
        _report("  p95 ids by relevance", ranked, baseline, "plain SELECT of the ids")
        _report("  p95 ids in a column's order", by_column, baseline, "plain SELECT of the ids")
        _report("  p95 snippets of a screen", snippet_time, baseline, "plain SELECT of the ids")
        _report("  p95 model reset on it", model_reset, baseline, "plain SELECT of the ids")


def _report(what: str, measured: float, baseline: float, against: str) -> None:
    ratio = measured / baseline if baseline > 0 else float("inf")
    print(f"{what:32} {measured * 1000:9.2f} ms  = {ratio:6.2f} x {against} ({baseline * 1000:.2f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    run(args.tickets, args.runs)


if __name__ == "__main__":
    main()
