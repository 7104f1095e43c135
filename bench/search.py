"""Benchmark of the app's one search box over a large cache (run by hand, not a test).

Builds (once, then reuses from a temporary folder named by the sizes) an agent's cache of
100k tickets, 500k comments and 5k articles, their words drawn from a Zipf-like vocabulary (a
few very common help-desk words, a long tail of rare ones), bulk-inserted into SQLite and then
indexed by the cache's own index upkeep. ``--skew`` sets how common the common words are: word
``r`` (from 0) is drawn with weight ``1/(r + skew)``; the default 20 makes the most common word
0.8% of the words (a help desk's "printer" or "password"); ``--skew 1`` is plain Zipf (11%, as
common as "the": nearly every ticket's conversation then holds the top few words).

Then times the first page (50 results, with titles,
snippets and the comment that matched) of :func:`desktop.store.everywhere.search_page` for
about 200 queries of the kinds people type: a common word, a rare word, two words, a prefix
while typing (``pri``, ``prin``), a phrase, a status filter, a kind filter, a ticket number.
Baseline, in the same run over the same file: the unranked FTS5 ``SELECT rowid ... MATCH ?
LIMIT 50`` of the same expression. Prints p50/p95/p99 per query type and the ratio of p95s.

    .venv/bin/python -m bench.search [--tickets 100000] [--comments 500000] [--articles 5000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.store import Store, everywhere, files, search
from desktop.store.everywhere import ResultKind, SearchFilters
from desktop.store.rows import utc_text
from ticketing.domain import DEFAULT_PRIORITIES, Role, Status
from ticketing.search_syntax import parse as parse_syntax

SERVER = "http://bench.invalid:8700"
GOAL_MS = 30.0
#: The common words of a help desk, most common first; a long tail of made-up rare words follows.
COMMON = (
    "printer",
    "password",
    "laptop",
    "error",
    "email",
    "network",
    "update",
    "login",
    "screen",
    "vpn",
    "outlook",
    "monitor",
    "slow",
    "access",
    "install",
    "account",
    "printing",
    "private",
    "driver",
    "drive",
    "wifi",
    "teams",
    "excel",
    "badge",
    "scanner",
    "license",
    "crash",
    "share",
    "phone",
    "calendar",
    "mailbox",
    "toner",
    "reset",
    "paper",
    "jam",
    "office",
    "meeting",
    "restart",
    "cable",
    "dock",
)
FILLER = ("the", "a", "is", "not", "on", "my", "it", "after", "when", "again", "and", "to", "since", "with")
SYLLABLES = (
    "ka",
    "lo",
    "mi",
    "ter",
    "zu",
    "ran",
    "vel",
    "qui",
    "dor",
    "pen",
    "sa",
    "tho",
    "bri",
    "gan",
    "ux",
)
TAIL = 6000


def vocabulary(rng: random.Random) -> list[str]:
    """Common words, then made-up rare ones (unique)."""
    words: list[str] = list(COMMON)
    seen = set(words)
    while len(words) < len(COMMON) + TAIL:
        word = "".join(rng.choices(SYLLABLES, k=rng.randint(3, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


class Writer:
    """Sentences with Zipf-Mandelbrot word frequencies (rank ``r`` drawn with weight
    ``1/(r + skew)``), common filler words between them."""

    def __init__(self, rng: random.Random, words: list[str], skew: float) -> None:
        self.rng = rng
        self.words = words
        self.weights = list(itertools.accumulate(1.0 / (rank + skew) for rank in range(len(words))))

    def sentence(self, count: int) -> str:
        drawn = self.rng.choices(self.words, cum_weights=self.weights, k=count)
        fill = self.rng.choices(FILLER, k=count)
        return " ".join(f"{w} {f}" if n % 2 else w for n, (w, f) in enumerate(zip(drawn, fill, strict=True)))


@dataclass(frozen=True)
class Desk:
    """What the cache holds, and how its words are drawn."""

    tickets: int
    comments: int
    articles: int
    seed: int = 7
    skew: float = 20.0


def cache_folder(desk: Desk) -> Path:
    sizes = f"{desk.tickets}-{desk.comments}-{desk.articles}"
    return Path(tempfile.gettempdir()) / f"ticketdesk-bench-search-{sizes}-{desk.seed}-skew{desk.skew:g}"


def build(folder: Path, desk: Desk) -> Path:
    """The cache file (built unless a finished one is there): rows bulk-inserted, then indexed."""
    done = folder / "built"
    if done.exists():
        return Path(done.read_text())
    tickets, comments, articles, seed = desk.tickets, desk.comments, desk.articles, desk.seed
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    writer = Writer(rng, vocabulary(rng), desk.skew)
    agent = uuid.UUID(int=seed, version=4)
    path = files.cache_path(SERVER, agent, folder)
    store = Store.open(path, server_url=SERVER, user_id=agent, role=Role.AGENT, name="Bench Agent")
    store.close()
    started = time.perf_counter()
    now = dt.datetime.now(dt.UTC)
    staff = [str(agent), *(str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(7))]
    ticket_ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(tickets)]
    priorities = [key for key, _rank in DEFAULT_PRIORITIES]
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA cache_size = -262144")
        stamp = utc_text(now)
        conn.executemany(
            "INSERT INTO priorities (id, key, name, rank, is_active, created_at, updated_at, version) "
            "VALUES (?, ?, ?, ?, 1, ?, ?, 1)",
            [(str(uuid.uuid4()), key, key, rank, stamp, stamp) for key, rank in DEFAULT_PRIORITIES],
        )
        statuses = [s.value for s in Status]
        rows = []
        for n, ticket_id in enumerate(ticket_ids):
            created = now - dt.timedelta(minutes=rng.randrange(60 * 24 * 365))
            status = rng.choice(statuses)
            rows.append(
                (
                    ticket_id,
                    1001 + n,
                    writer.sentence(rng.randint(3, 6)).capitalize(),
                    f"<p>{writer.sentence(rng.randint(10, 40))}.</p>",
                    status,
                    priorities[n % len(priorities)],
                    str(uuid.UUID(int=n % 300 + 1, version=4)),
                    None if status == Status.OPEN.value else staff[n % len(staff)],
                    utc_text(created),
                    utc_text(created + dt.timedelta(minutes=rng.randrange(600))),
                )
            )
        conn.executemany(
            "INSERT INTO tickets (id, number, title, description, status, priority, submitter_id, "
            "assignee_id, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            rows,
        )
        conn.executemany(
            "INSERT INTO comments (id, ticket_id, author_id, content, is_internal, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                (
                    str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    rng.choice(ticket_ids),
                    staff[n % len(staff)],
                    f"<p>{writer.sentence(rng.randint(8, 30))}.</p>",
                    int(n % 5 == 0),
                    utc_text(now - dt.timedelta(minutes=rng.randrange(60 * 24 * 365))),
                )
                for n in range(comments)
            ),
        )
        conn.executemany(
            "INSERT INTO articles (id, title, body, tags, status, author_id, created_at, updated_at, "
            "version) VALUES (?, ?, ?, '[]', ?, ?, ?, ?, 1)",
            (
                (
                    str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    writer.sentence(rng.randint(3, 7)).capitalize(),
                    f"<p>{writer.sentence(rng.randint(60, 200))}.</p>",
                    "draft" if n % 4 == 0 else "published",
                    staff[n % len(staff)],
                    stamp,
                    stamp,
                )
                for n in range(articles)
            ),
        )
    print(f"rows inserted in {time.perf_counter() - started:.1f} s; indexing…", flush=True)
    started = time.perf_counter()
    store = Store.open(path, server_url=SERVER, user_id=agent, role=Role.AGENT, name="Bench Agent")
    with store.write() as conn:
        search.rebuild(conn)
    store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO search_index (search_index) VALUES ('optimize')")
        conn.execute("ANALYZE")
    print(f"indexed in {time.perf_counter() - started:.1f} s", flush=True)
    done.write_text(str(path))
    return path


def queries(rng: random.Random, words: list[str], tickets: int) -> list[tuple[str, str, SearchFilters]]:
    """About 200 ``(type, text, filters)`` of the kinds people type."""
    common = list(COMMON)
    middle = words[len(COMMON) : len(COMMON) + 200]
    rare = words[-2000:]
    every = SearchFilters()
    found: list[tuple[str, str, SearchFilters]] = []
    found += [("common word", f"{w} ", every) for w in common[:25]]
    found += [("rare word", f"{w} ", every) for w in rng.sample(rare, 25)]
    found += [("two words", f"{rng.choice(common)} {rng.choice(middle)} ", every) for _ in range(25)]
    for n, word in enumerate(common[:13]):
        found += [("prefix typing", word[: 3 + n % 2], every), ("prefix typing", word[:4], every)]
    found += [("phrase", f'"{rng.choice(common)} {rng.choice(FILLER)}"', every) for _ in range(25)]
    statuses = ("open", "in-progress", "on-hold", "resolved", "closed")
    found += [("status filter", f"status:{rng.choice(statuses)} {w} ", every) for w in common[:25]]
    kinds = (frozenset({ResultKind.ARTICLE}), frozenset({ResultKind.COMMENT}), frozenset({ResultKind.TICKET}))
    found += [("kind filter", f"{w} ", SearchFilters(kinds=kinds[n % 3])) for n, w in enumerate(common[:25])]
    found += [("ticket number", f"#{rng.randrange(1001, 1001 + tickets)}", every) for _ in range(25)]
    return found


def _percentile(timings: list[float], share: float) -> float:
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] * 1000


def _timed(runs: int, work: Callable[[], Any]) -> list[float]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return timings


def _baseline_expression(text: str) -> str:
    parsed = parse_syntax(text, {key.lower(): key for key, _rank in DEFAULT_PRIORITIES})
    match = search.parse(parsed.text).match
    return match if match is not None else '"0"'


def run(desk: Desk, runs: int) -> None:
    path = build(cache_folder(desk), desk)
    tickets, comments, articles, seed, skew = desk.tickets, desk.comments, desk.articles, desk.seed, desk.skew
    store = Store.open(path, server_url=SERVER, user_id=uuid.UUID(int=seed, version=4), role=Role.AGENT)
    rng = random.Random(seed)
    words = vocabulary(random.Random(seed))
    plan = queries(rng, words, tickets)
    baseline_conn = sqlite3.connect(path)
    mine: dict[str, list[float]] = {}
    base: dict[str, list[float]] = {}
    sizes: dict[str, list[int]] = {}
    with store.read() as conn:
        for kind, text, filters in plan:
            page = everywhere.search_page_in(conn, text, filters)
            assert page.error is None, (text, page.error)
            sizes.setdefault(kind, []).append(len(page.results))
            expression = _baseline_expression(text)

            def baseline(expression: str = expression) -> None:
                baseline_conn.execute(
                    "SELECT rowid FROM search_index WHERE search_index MATCH ? LIMIT 50", (expression,)
                ).fetchall()

            def ours(text: str = text, filters: SearchFilters = filters) -> None:
                everywhere.search_page_in(conn, text, filters)

            # alternate, so that both see the same machine load
            for _ in range(runs):
                base.setdefault(kind, []).extend(_timed(1, baseline))
                mine.setdefault(kind, []).extend(_timed(1, ours))
    print(
        f"\n{tickets} tickets, {comments} comments, {articles} articles, skew {skew:g}; "
        f"{len(plan)} queries x {runs} runs"
    )
    print(f"{'query type':16} {'results':>7}  {'p50':>7} {'p95':>7} {'p99':>7} ms   baseline p95   ratio")
    for kind, timings in mine.items():
        p50, p95, p99 = (_percentile(timings, share) for share in (0.5, 0.95, 0.99))
        b95 = _percentile(base[kind], 0.95)
        shown = statistics.mean(sizes[kind])
        print(
            f"{kind:16} {shown:7.1f}  {p50:7.2f} {p95:7.2f} {p99:7.2f}      {b95:7.2f}     {p95 / b95:6.1f}x"
        )
    every = [t for timings in mine.values() for t in timings]
    every_base = [t for timings in base.values() for t in timings]
    p95 = _percentile(every, 0.95)
    print(
        f"{'all':16} {'':7}  {_percentile(every, 0.5):7.2f} {p95:7.2f} {_percentile(every, 0.99):7.2f}      "
        f"{_percentile(every_base, 0.95):7.2f}     {p95 / _percentile(every_base, 0.95):6.1f}x"
    )
    print(f"goal: first page under {GOAL_MS:.0f} ms p95: {'met' if p95 < GOAL_MS else 'NOT met'}")
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--comments", type=int)
    parser.add_argument("--articles", type=int)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skew", type=float, default=20.0, help="1: plain Zipf; larger: flatter")
    args = parser.parse_args()
    comments = args.comments if args.comments is not None else args.tickets * 5
    articles = args.articles if args.articles is not None else max(1, args.tickets // 20)
    run(Desk(args.tickets, comments, articles, args.seed, args.skew), args.runs)


if __name__ == "__main__":
    main()
