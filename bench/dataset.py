"""A large, realistic data set written straight into PostgreSQL, for benchmarks.

Going through the write layer would take minutes for 60k rows, so rows and their change-log
ops are generated here and bulk-copied; the buckets still come from ``ticketing.visibility``,
so the data syncs exactly like data written through the API.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass

import psycopg

from ticketing import visibility
from ticketing.domain import DEFAULT_PRIORITIES, Role, Status, new_id

STATUSES = [s.value for s in Status]
PRIORITIES = [key for key, _rank in DEFAULT_PRIORITIES]
WORDS = (
    "printer",
    "laptop",
    "vpn",
    "password",
    "outlook",
    "monitor",
    "dock",
    "wifi",
    "teams",
    "excel",
    "login",
    "badge",
    "scanner",
    "license",
    "update",
    "crash",
    "slow",
    "error",
    "network",
    "share",
    "drive",
    "phone",
    "calendar",
    "mailbox",
    "toner",
    "",
)


@dataclass(frozen=True)
class Sizes:
    tickets: int = 10_000
    comments: int = 50_000
    requesters: int = 200
    agents: int = 0  # besides the given staff account; tickets are shared out among them
    internal_share: float = 0.2


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize()


def generate(conninfo: str, staff_id: uuid.UUID, sizes: Sizes, seed: int = 7) -> None:
    """Add ``sizes`` worth of requesters, tickets and comments (some internal) to a migrated database."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        cur.execute("SELECT id FROM categories")
        categories = [row[0] for row in cur.fetchall()]
        requesters = [new_id() for _ in range(sizes.requesters)]
        ops: list[tuple[str, str, uuid.UUID, str]] = []
        with cur.copy("COPY users (id, email, name, role, password_hash) FROM STDIN") as copy:
            for index, user_id in enumerate(requesters):
                copy.write_row((user_id, f"bench{index}@example.com", f"Bench User {index}", "user", "!"))
                ops += [(b, "user", user_id, "PUT") for b in visibility.user_buckets(user_id, Role.USER)]
        agents = [new_id() for _ in range(sizes.agents)]
        with cur.copy("COPY users (id, email, name, role, password_hash) FROM STDIN") as copy:
            for index, user_id in enumerate(agents):
                copy.write_row((user_id, f"agent{index}@example.com", f"Bench Agent {index}", "agent", "!"))
                ops += [(b, "user", user_id, "PUT") for b in visibility.user_buckets(user_id, Role.AGENT)]
        tickets: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID | None]] = []
        with cur.copy(
            "COPY tickets (id, title, description, status, priority, category_id, submitter_id, assignee_id, "
            "created_at, updated_at) FROM STDIN"
        ) as copy:
            for _ in range(sizes.tickets):
                ticket_id, submitter = new_id(), rng.choice(requesters)
                assignee = rng.choice(agents) if agents and rng.random() < 0.8 else None
                created = now - dt.timedelta(minutes=rng.randint(0, 60 * 24 * 90))
                copy.write_row(
                    (
                        ticket_id,
                        _sentence(rng, 5),
                        f"<p>{_sentence(rng, 40)}</p>",
                        rng.choice(STATUSES),
                        rng.choice(PRIORITIES),
                        rng.choice(categories),
                        submitter,
                        assignee,
                        created,
                        created,
                    )
                )
                tickets.append((ticket_id, submitter, assignee))
                ops += [
                    (b, "ticket", ticket_id, "PUT") for b in visibility.ticket_buckets(submitter, assignee)
                ]
        with cur.copy(
            "COPY comments (id, ticket_id, author_id, content, is_internal, created_at) FROM STDIN"
        ) as copy:
            for _ in range(sizes.comments):
                comment_id = new_id()
                ticket_id, submitter, assignee = rng.choice(tickets)
                internal = rng.random() < sizes.internal_share
                staff = assignee or staff_id
                author = staff if internal or rng.random() < 0.5 else submitter
                copy.write_row((comment_id, ticket_id, author, _sentence(rng, 25), internal, now))
                buckets = visibility.comment_buckets(submitter, assignee, internal)
                ops += [(b, "comment", comment_id, "PUT") for b in buckets]
        with cur.copy("COPY sync_op (bucket, entity, row_id, op) FROM STDIN") as copy:
            for op in ops:
                copy.write_row(op)
        conn.commit()
