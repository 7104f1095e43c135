"""Benchmark: how soon a change made through one server process is in a desktop cache that
streams live notices from another process (issue 13's goal: p95 under 500 ms).

Two server processes on one database. Client A (a requester's second device, over the REST API)
renames a ticket through process 1 (new tickets are rate-limited); client B, the same
requester's desktop with its engine running (live stream open, the poll pushed out to five
minutes), is connected to process 2. Each
latency runs from the moment A's request returns (its transaction has committed by then) until
the new title is in B's SQLite cache. The baseline, in the same run: one plain sync round-trip (an
empty push and an up-to-date pull) of a desktop on process 2.

    .venv/bin/python -m bench.live_latency [--changes 200] [--database-url postgresql://...]
        (default: a scratch database on $TEST_DATABASE_URL's server, else 127.0.0.1:5432)
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url

from desktop.net.api import ApiClient
from desktop.store import schema
from desktop.sync import session as sessions
from sync_server.child_server import LiveServer
from sync_server.db.session import make_engine, make_session_factory
from sync_server.services.bootstrap import prepare_database
from sync_server.services.identity import accounts
from sync_server.settings import sqlalchemy_url
from ticketing.domain import Role
from ticketing.schemas import UserCreate

EMAIL = "uma@example.com"


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _create_account(engine: Engine, email: str, role: Role) -> str:
    """The benchmark's account, written straight through the service; its password."""
    password = f"pw-{email}-secret"
    data = UserCreate(email=email, name=email.split("@", maxsplit=1)[0].title(), role=role, password=password)
    with make_session_factory(engine)() as session, session.begin():
        accounts.create_user(session, data)
    return password


def _submit(api: ApiClient, title: str) -> dict[str, Any]:
    category = api.request("GET", "/api/categories")[0]["id"]
    body = {"title": title, "description": f"<p>{title}</p>", "category_id": category}
    ticket: dict[str, Any] = api.request("POST", "/api/tickets", body)
    return ticket


def _title(session: sessions.AccountSession, ticket_id: str) -> str | None:
    with session.store.read() as conn:
        title = conn.scalar(select(schema.tickets.c.title).where(schema.tickets.c.id == ticket_id))
        return None if title is None else str(title)


def run(database_url: str, changes: int) -> None:
    engine = make_engine(database_url)
    prepare_database(engine)
    password = _create_account(engine, EMAIL, Role.USER)
    engine.dispose()
    one, two = LiveServer(database_url), LiveServer(database_url)
    one.start()
    two.start()
    data = Path(tempfile.mkdtemp(prefix="ticketdesk-bench-live-"))
    try:
        a = sessions.log_in(one.url, EMAIL, password, data_dir=data / "a").api
        b = sessions.log_in(two.url, EMAIL, password, data_dir=data / "b", interval=300.0)
        plain = sessions.log_in(two.url, EMAIL, password, data_dir=data / "c", live=False)
        plain.engine.sync_once()
        rounds = []
        for _ in range(20):
            start = time.perf_counter()
            plain.engine.sync_once()
            rounds.append(time.perf_counter() - start)
        b.engine.start()
        assert b.engine.live is not None
        while not b.engine.live.connected:
            time.sleep(0.01)
        ticket = _submit(a, "Live change")
        latencies = []
        for n in range(changes):
            title = f"Live change {n}"
            a.request("PATCH", f"/api/tickets/{ticket['number']}", {"title": title})
            committed = time.perf_counter()
            while _title(b, str(ticket["id"])) != title:
                if time.perf_counter() - committed > 30:
                    raise SystemExit(f"change {n} did not arrive within 30 s ({b.engine.status})")
                time.sleep(0.002)
            latencies.append(time.perf_counter() - committed)
            time.sleep(0.05)
        b.engine.stop()
        ms = [x * 1000 for x in latencies]
        print(f"changes: {changes}, A on process 1, B streaming from process 2")
        print(
            f"commit -> B's cache: p50 {_percentile(ms, 0.5):.0f} ms, p95 {_percentile(ms, 0.95):.0f} ms,"
            f" p99 {_percentile(ms, 0.99):.0f} ms, max {max(ms):.0f} ms"
        )
        print(f"baseline, one plain sync round-trip: median {statistics.median(rounds) * 1000:.0f} ms")
        for opened in (b, plain):
            opened.engine.close()
            opened.store.close()
    finally:
        two.stop()
        one.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    if args.database_url:
        run(args.database_url, args.changes)
        return
    base = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"ticketdesk_bench_live_{uuid.uuid4().hex[:8]}"
    admin = create_engine(sqlalchemy_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        run(
            make_url(sqlalchemy_url(base)).set(database=name).render_as_string(hide_password=False),
            args.changes,
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
