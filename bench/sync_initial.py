"""Benchmark: initial sync of a big desk into an agent's new cache (by default 100k tickets, 500k
comments, 20k requesters and 200 agents, the size issue 10 sets; ``--tickets 10000 --comments
50000`` is a quick run).

Also prints the client's peak memory (the client runs in a process of its own) and whether the
pull stays linear (seconds per 10k rows over the first and the last tenth of the rows).

Prints rows per second of the real path (sync server process -> HTTP pull pages -> the client's
cache with its bucket bookkeeping) beside a baseline measured in the same run on the same rows:
reading them straight from PostgreSQL and bulk-inserting them into a plain SQLite file. The
ratio is what to compare between runs; absolute figures depend on the machine.

    .venv/bin/python -m bench.sync_initial [--tickets N --comments N --requesters N --agents N]
        [--database-url postgresql://...]   (default: $TEST_DATABASE_URL, else embedded)
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sqlite3
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.dataset import Sizes, generate
from desktop.sync import session as sessions
from desktop.sync.pull import pull_all
from sync_server.child_server import LiveServer
from sync_server.db.embedded import start_embedded
from sync_server.db.session import make_engine, make_session_factory
from sync_server.services.bootstrap import prepare_database
from sync_server.services.identity import accounts
from sync_server.settings import sqlalchemy_url
from ticketing.domain import Role
from ticketing.schemas import UserCreate

PASSWORD = "bench-password-1"


@dataclass(frozen=True)
class ClientRun:
    """What the client process measured of its own initial sync."""

    rows: int
    seconds: float
    cpu_seconds: float  # the client process's own (user + system), whatever else the machine does
    peak_rss_mb: float
    marks: list[tuple[float, int, float]]  # (seconds since the pull began, rows applied, RSS MB) per page


def _client_sync(url: str, folder: str, answers: Any) -> None:
    """Log in and pull everything, in a process of its own: its peak memory is the client's
    alone (the dataset generator's is not counted)."""
    started = time.perf_counter()
    session = sessions.log_in(url, "bench@example.com", PASSWORD, data_dir=Path(folder))
    marks: list[tuple[float, int, float]] = []
    pulling = time.perf_counter()  # the marks time the pull alone, not the login before it
    summary = pull_all(
        session.store,
        session.engine.transport,
        on_progress=lambda progress: marks.append((time.perf_counter() - pulling, progress.done, _rss_mb())),
    )
    seconds = time.perf_counter() - started
    marks.append((time.perf_counter() - pulling, summary.changes, _rss_mb()))  # indexes built again
    session.engine.close()
    session.store.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_mb = _peak_rss_mb()
    answers.put(ClientRun(summary.changes, seconds, usage.ru_utime + usage.ru_stime, peak_mb, marks))


def _rss_mb() -> float:
    """This process's resident memory now (Linux ``/proc``)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_rss_mb() -> float:
    """This process's peak resident memory: its own (``VmHWM``), not ``ru_maxrss``, which on
    Linux also counts the parent's memory at the fork (the parent held the generated desk)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise LookupError("no VmHWM in /proc/self/status")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tenth_rates(marks: list[tuple[float, int, float]]) -> tuple[float, float]:
    """Seconds per 10k rows over the first and the last tenth of the rows."""
    total = marks[-1][1]

    def at(rows: float) -> float:  # the time the sync reached ``rows``, between two marks
        previous: tuple[float, int, float] = (0.0, 0, 0.0)
        for mark in marks:
            if mark[1] >= rows:
                span = mark[1] - previous[1]
                share = 0.0 if span == 0 else (rows - previous[1]) / span
                return previous[0] + share * (mark[0] - previous[0])
            previous = mark
        return marks[-1][0]

    tenth = total / 10
    first = (at(tenth) - at(0)) / tenth * 10_000
    last = (at(total) - at(total - tenth)) / tenth * 10_000
    return first, last


def _fresh_database(base_url: str | None, folder: Path) -> str:
    if base_url is None:
        return start_embedded(folder)
    name = f"ticketdesk_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(sqlalchemy_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(sqlalchemy_url(base_url)).set(database=name).render_as_string(hide_password=False)


def _baseline(conninfo: str, folder: Path) -> tuple[int, float]:
    """Read tickets, comments and users straight from PostgreSQL into a plain SQLite file."""
    started = time.perf_counter()
    target = sqlite3.connect(folder / "baseline.sqlite3")
    rows = 0
    queries = {
        "tickets": "SELECT id::text, number, title, description, status, priority, category_id::text, "
        "submitter_id::text, assignee_id::text, created_at::text, updated_at::text FROM tickets",
        "comments": "SELECT id::text, ticket_id::text, author_id::text, content, is_internal, "
        "created_at::text "
        "FROM comments",
        "users": "SELECT id::text, email, name, role, created_at::text FROM users",
    }
    with psycopg.connect(conninfo) as source:
        for table, sql in queries.items():
            data = source.execute(sql).fetchall()
            width = len(data[0]) if data else 1
            target.execute(f"CREATE TABLE {table} ({', '.join(f'c{i}' for i in range(width))})")
            target.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * width)})", data)
            rows += len(data)
    target.commit()
    target.close()
    return rows, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--comments", type=int, default=500_000)
    parser.add_argument("--requesters", type=int, default=20_000)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        url = _fresh_database(args.database_url, folder / "pg")
        engine = make_engine(url)
        prepare_database(engine)
        with make_session_factory(engine)() as session, session.begin():
            agent = accounts.create_user(
                session,
                UserCreate(email="bench@example.com", name="Bench Agent", role=Role.AGENT, password=PASSWORD),
            )
        conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        print(
            f"generating {args.tickets} tickets, {args.comments} comments, {args.requesters} requesters "
            f"and {args.agents} agents ...",
            flush=True,
        )
        sizes = Sizes(
            tickets=args.tickets, comments=args.comments, requesters=args.requesters, agents=args.agents
        )
        generate(conninfo, agent.id, sizes)

        cpu_before = time.process_time()
        base_rows, base_seconds = _baseline(conninfo, folder)
        base_cpu = time.process_time() - cpu_before
        server = LiveServer(url)
        server.start()
        assert server.process is not None
        server_pid = server.process.pid
        try:
            context = multiprocessing.get_context("spawn")
            answers = context.Queue()
            client = context.Process(target=_client_sync, args=(server.url, str(folder / "client"), answers))
            server_cpu = _cpu_seconds(server_pid)
            client.start()
            run: ClientRun = answers.get(timeout=3600)
            server_cpu = _cpu_seconds(server_pid) - server_cpu
            client.join()
        finally:
            server.stop()
        engine.dispose()

    sync_rows, sync_seconds = run.rows, run.seconds
    first, last = _tenth_rates(run.marks)
    if os.environ.get("BENCH_MARKS"):
        print("marks (s, rows, RSS MB):", [(round(s, 2), n, round(m)) for s, n, m in run.marks])
    print(
        f"baseline  (PostgreSQL -> plain SQLite): {base_rows:>7} rows in {base_seconds:6.2f} s = "
        f"{base_rows / base_seconds:>9.0f} rows/s"
    )
    print(
        f"sync      (server -> HTTP -> cache)   : {sync_rows:>7} rows in {sync_seconds:6.2f} s = "
        f"{sync_rows / sync_seconds:>9.0f} rows/s"
    )
    print(
        f"ratio sync/baseline rows per second: {(sync_rows / sync_seconds) / (base_rows / base_seconds):.2f}"
    )
    print(
        f"CPU seconds: baseline {base_cpu:.2f}; sync client {run.cpu_seconds:.2f} (with its login), "
        f"server {server_cpu:.2f} (PostgreSQL's own not counted in either)"
    )
    print(f"client peak memory: {run.peak_rss_mb:.0f} MB")
    print(
        f"seconds per 10k rows: first tenth {first:.2f}, last tenth {last:.2f} "
        f"(last/first {last / first:.2f}; linear when close to 1)"
    )


if __name__ == "__main__":
    main()
