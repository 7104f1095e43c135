"""How long each report takes on a big desk, beside a ``SELECT count(*) FROM tickets`` baseline.

Builds a fresh database (``TEST_DATABASE_URL``) with ``--tickets`` tickets spread over the last
year, with their history (status changes, reopens), comments and the report figures the write
layer keeps, bulk-copied (one short transaction per table), then asks each report through the
app (``TestClient``, as an admin: routing, validation, SQL and JSON) ``--runs`` times for the
default 30 days and for the whole year by week, and prints p50/p95 in ms and as a ratio to the
baseline measured in the same run. Goal: every report under 200 ms at 100k tickets.

    .venv/bin/python -m bench.reports --tickets 20000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import time
import uuid
from collections.abc import Callable

import psycopg
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from bench.dataset import WORDS
from bench.server_load import drop_database, fresh_database
from sync_server.app import create_app
from sync_server.db.session import make_engine, make_session_factory
from sync_server.services.bootstrap import prepare_database
from sync_server.services.identity import accounts
from sync_server.settings import sqlalchemy_url
from ticketing.domain import DEFAULT_PRIORITIES, Role, new_id
from ticketing.schemas import UserCreate

REPORTS = ("volume", "backlog", "resolution", "agents", "categories")
PASSWORD = "bench-password-1"


def _title(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6))).capitalize()


def generate(conninfo: str, tickets: int, agents: list[uuid.UUID], requesters: int, seed: int = 7) -> None:
    """Tickets with a realistic life: most resolved, some reopened, some still open."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    priorities = [key for key, _rank in DEFAULT_PRIORITIES]
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        cur.execute("SELECT id FROM categories")
        categories = [row[0] for row in cur.fetchall()]
        users = [new_id() for _ in range(requesters)]
        with cur.copy("COPY users (id, email, name, role, password_hash) FROM STDIN") as copy:
            for index, user_id in enumerate(users):
                copy.write_row((user_id, f"req{index}@example.com", f"Requester {index}", "user", "!"))
        conn.commit()
        events: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID, str, str | None, str | None, dt.datetime]] = []
        comments: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID, str, bool, dt.datetime]] = []
        columns = (
            "id, title, description, status, priority, category_id, submitter_id, assignee_id, "
            "created_at, updated_at, resolved_at, closed_at, first_response_at, first_resolved_at, "
            "reopen_count, resolved_by_id"
        )
        with cur.copy(f"COPY tickets ({columns}) FROM STDIN") as copy:
            for _ in range(tickets):
                ticket_id, submitter = new_id(), rng.choice(users)
                created = now - dt.timedelta(minutes=rng.randint(0, 60 * 24 * 365))
                assignee = rng.choice(agents) if rng.random() < 0.85 else None
                at = created
                events.append((new_id(), ticket_id, submitter, "created", None, "TKT", at))

                def step(minutes: int) -> dt.datetime:
                    nonlocal at
                    at = min(at + dt.timedelta(minutes=minutes), now)
                    return at

                status, resolved_at, closed_at, first_resolved, resolver, reopens = (
                    "Open",
                    None,
                    None,
                    None,
                    None,
                    0,
                )
                first_response = None
                if assignee is not None:
                    events.append(
                        (
                            new_id(),
                            ticket_id,
                            assignee,
                            "status",
                            "Open",
                            "In Progress",
                            step(rng.randint(1, 240)),
                        )
                    )
                    status = "In Progress"
                    if rng.random() < 0.85:
                        first_response = step(rng.randint(1, 600))
                        comments.append(
                            (new_id(), ticket_id, assignee, "<p>Looking.</p>", False, first_response)
                        )
                    if rng.random() < 0.2:
                        comments.append((new_id(), ticket_id, assignee, "<p>Note.</p>", True, step(30)))
                    for _reply in range(rng.randint(0, 2)):  # the conversation goes on
                        comments.append((new_id(), ticket_id, submitter, "<p>Thanks.</p>", False, step(90)))
                        comments.append((new_id(), ticket_id, assignee, "<p>Try this.</p>", False, step(60)))
                    fate = rng.random()
                    if fate < 0.75:
                        resolved_at = first_resolved = step(rng.randint(30, 60 * 24 * 5))
                        resolver, status = assignee, "Resolved"
                        events.append(
                            (new_id(), ticket_id, assignee, "status", "In Progress", "Resolved", at)
                        )
                        if fate < 0.15:
                            comments.append(
                                (new_id(), ticket_id, submitter, "<p>Still broken.</p>", False, step(600))
                            )
                            events.append((new_id(), ticket_id, submitter, "status", "Resolved", "Open", at))
                            reopens, status, resolved_at = 1, "Open", None
                            if fate < 0.10:
                                resolved_at = step(rng.randint(30, 60 * 24))
                                status = "Resolved"
                                events.append(
                                    (new_id(), ticket_id, assignee, "status", "Open", "Resolved", at)
                                )
                        if status == "Resolved" and rng.random() < 0.6:
                            closed_at = step(60 * 24 * 3)
                            status = "Closed"
                            events.append((new_id(), ticket_id, assignee, "status", "Resolved", "Closed", at))
                copy.write_row(
                    (
                        ticket_id,
                        _title(rng),
                        "<p>Details.</p>",
                        status,
                        rng.choice(priorities),
                        rng.choice(categories),
                        submitter,
                        assignee,
                        created,
                        at,
                        resolved_at,
                        closed_at,
                        first_response,
                        first_resolved,
                        reopens,
                        resolver,
                    )
                )
        conn.commit()
        with cur.copy(
            "COPY ticket_events (id, ticket_id, actor_id, field, old_value, new_value, created_at) FROM STDIN"
        ) as copy:
            for event in events:
                copy.write_row(event)
        conn.commit()
        with cur.copy(
            "COPY comments (id, ticket_id, author_id, content, is_internal, created_at) FROM STDIN"
        ) as copy:
            for comment in comments:
                copy.write_row(comment)
        conn.commit()
        conn.autocommit = True
        cur.execute("VACUUM ANALYZE")  # as autovacuum leaves a desk: statistics, visibility map
        print(f"desk: {tickets} tickets, {len(events)} events, {len(comments)} comments, {len(agents)} staff")


def _timed(runs: int, work: Callable[[], object]) -> list[float]:
    work()  # warm: the first call plans and caches
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def _p(timings: list[float], q: float) -> float:
    return (
        statistics.quantiles(timings, n=100, method="inclusive")[int(q * 100) - 1]
        if len(timings) > 1
        else timings[0]
    )


def run(base_url: str, tickets: int, runs: int, staff: int, *, keep: bool, reuse: str | None = None) -> None:
    """Build a desk (or ``reuse`` one kept by an earlier ``--keep``) and time the reports."""
    if reuse is not None:
        engine = make_engine(make_url(sqlalchemy_url(base_url)).set(database=reuse).render_as_string(False))
        measure(engine, runs)
        engine.dispose()
        return
    name, url = fresh_database(base_url)
    try:
        engine = make_engine(url)
        prepare_database(engine)
        with make_session_factory(engine)() as session, session.begin():
            admin = accounts.create_user(
                session,
                UserCreate(email="admin@example.com", name="Admin", role=Role.ADMIN, password=PASSWORD),
            )
            agents = [admin.id] + [
                accounts.create_user(
                    session,
                    UserCreate(
                        email=f"agent{i}@example.com", name=f"Agent {i}", role=Role.AGENT, password=PASSWORD
                    ),
                ).id
                for i in range(staff - 1)
            ]
        started = time.perf_counter()
        generate(
            sqlalchemy_url(url).replace("postgresql+psycopg://", "postgresql://"),
            tickets,
            agents,
            requesters=tickets // 20,
        )
        print(f"generated in {time.perf_counter() - started:.0f} s")
        measure(engine, runs)
        engine.dispose()
    finally:
        if not keep:
            drop_database(base_url, name)
        else:
            print(f"kept database {name} (--reuse {name} times it again)")


def measure(engine: Engine, runs: int) -> None:
    """Each report through the app, as the admin, beside the baseline."""
    client = TestClient(create_app(engine))
    token = client.post("/api/auth/login", json={"email": "admin@example.com", "password": PASSWORD}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}

    def count() -> None:
        with engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM tickets")).scalar()

    baseline = _timed(runs, count)
    b50, b95 = _p(baseline, 0.5), _p(baseline, 0.95)
    print(f"\nbaseline SELECT count(*) FROM tickets: p50 {b50:.1f} ms, p95 {b95:.1f} ms\n")
    today = dt.datetime.now(dt.UTC).date()
    ranges = {
        "30 days (default), by week": {},
        "90 days, by week": {"from": str(today - dt.timedelta(days=89)), "to": str(today)},
        "365 days, by week": {"from": str(today - dt.timedelta(days=364)), "to": str(today)},
    }
    print(f"{'report':<12} {'range':<28} {'p50 ms':>8} {'p95 ms':>8} {'p50/base':>9} {'p95/base':>9}")
    for label, params in ranges.items():
        for report in REPORTS:

            def ask(report: str = report, params: dict[str, str] = params) -> None:
                response = client.get(f"/api/reports/{report}", params=params, headers=headers)
                assert response.status_code == 200, response.text

            timings = _timed(runs, ask)
            p50, p95 = _p(timings, 0.5), _p(timings, 0.95)
            print(f"{report:<12} {label:<28} {p50:8.1f} {p95:8.1f} {p50 / b50:9.1f} {p95 / b95:9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--staff", type=int, default=50, help="agents and the admin")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", metavar="DATABASE", help="time the reports on a desk kept by --keep")
    args = parser.parse_args()
    base_url = os.environ.get("TEST_DATABASE_URL")
    if not base_url:
        raise SystemExit("Set TEST_DATABASE_URL (a PostgreSQL server where a database may be created).")
    run(base_url, args.tickets, args.runs, args.staff, keep=args.keep, reuse=args.reuse)


if __name__ == "__main__":
    main()
