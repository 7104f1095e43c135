"""Benchmark: the sync server under 50 concurrent clients, beside the same SQL issued directly.

Each simulated client is a logged-in desktop app with its own sync client id and a synced cache
(cursors from a full initial pull): it sends what the app sends, over one keep-alive connection
per client. The kinds of request:

- ``pull``: an empty pull (``POST /api/sync/pull`` with up-to-date cursors), most of the traffic;
- ``push``: a push of one new comment (``POST /api/sync/push``), i.e. one mutation;
- ``read``: a REST read of one ticket the caller may see (``GET /api/tickets/{number}``).

Two kinds of phase per kind of request:

- *capacity*: every client sends its next request as soon as the last one is answered (closed
  loop): the most the server answers per second, with the latency that costs;
- *goal*: the clients together send at a fixed rate (the issue's goal: 1,000 pulls/s,
  300 mutations/s), each on its own schedule (open loop). Latency counts from when a request
  was due, not when it was sent, so a server that falls behind shows it (no coordinated
  omission).

The **baseline** runs in the same run, on the same database: the very SQL statements (and
transaction boundaries, isolation levels, pool pings) the server issued for each client's
request, captured by running the app in-process once per client and kind, then replayed
directly over psycopg by the same number of workers (closed loop). The ratio server/baseline
is what to compare between runs; the absolute figures depend on the machine. A replayed push
gets fresh ids for the rows it creates and its own mutation ids, so it inserts as many rows as
the real one.

The rate limits are raised (through the admin settings API, as an admin would) so that 50
clients writing from one address are not refused; everything else is the default.

The load generator is one asyncio process with a minimal HTTP/1.1 client (requests are
prepared bytes; httpx costs ~10x more CPU per request and would be the bottleneck on two
cores); its CPU share is reported beside the server's and PostgreSQL's.

    .venv/bin/python -m bench.server_load [--workers 2] [--seconds 10] [--clients 50]
        [--database-url postgresql://...]   (default: $TEST_DATABASE_URL)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
import psutil
import psycopg
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.dataset import Sizes, generate
from sync_server.app import create_app
from sync_server.child_server import LiveServer
from sync_server.db.session import make_engine, make_session_factory
from sync_server.services.bootstrap import prepare_database
from sync_server.services.identity import accounts
from sync_server.settings import sqlalchemy_url
from ticketing.domain import Role
from ticketing.protocol import PROTOCOL_VERSION
from ticketing.schemas import UserCreate

PASSWORD = "bench-password-1"
#: The issue's goals: requests per second, and the p99 latency to keep under (ms).
GOALS = {"pull": 1000.0, "push": 300.0}
GOAL_P99_MS = 100.0
#: Rate limits far above what the benchmark does (set through the admin settings API).
GENEROUS_LIMITS = {
    "login_per_minute": 10_000,
    "tickets_per_hour": 100_000,
    "comments_per_minute": 100_000,
    "uploads_per_minute": 100_000,
}
#: Each client's mutation ids start here plus 10,000 times its index, so that a captured push's
#: mutation id is a number no other parameter of its statements has (the replay renumbers it).
MUTATION_BASE = 1_000_000


# --------------------------------------------------------------------------------------------
# A minimal HTTP/1.1 keep-alive client


class HttpError(RuntimeError):
    pass


class Connection:
    """One keep-alive connection; requests are sent one at a time, as the app's session does."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, body: Any = None, token: str | None = None
    ) -> tuple[int, bytes]:
        """Send one request; a kept-alive connection the server has closed since (uvicorn closes
        idle ones after 5 s) is opened again, as the app's HTTP session does."""
        if self.writer is not None:
            try:
                return await self._exchange(method, path, body, token)
            except (HttpError, ConnectionError, asyncio.IncompleteReadError):
                self.close()
        return await self._exchange(method, path, body, token)

    async def _exchange(self, method: str, path: str, body: Any, token: str | None) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        payload = b"" if body is None else orjson.dumps(body)
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Length: {len(payload)}\r\n"
        if body is not None:
            head += "Content-Type: application/json\r\n"
        if token is not None:
            head += f"Authorization: Bearer {token}\r\n"
        self.writer.write(head.encode() + b"\r\n" + payload)
        assert self.reader is not None
        status_line = await self.reader.readline()
        if not status_line:
            raise HttpError("connection closed")
        status = int(status_line.split(b" ", 2)[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            lowered = name.strip().lower()
            if lowered == b"content-length":
                length = int(value)
            elif lowered == b"transfer-encoding":
                raise HttpError("chunked responses are not expected here")
        data = await self.reader.readexactly(length) if length else b""
        return status, data

    async def json(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        status, data = await self.request(method, path, body, token)
        if status >= 300:
            raise HttpError(f"{method} {path}: {status} {data[:300]!r}")
        return orjson.loads(data) if data else None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


# --------------------------------------------------------------------------------------------
# The simulated clients


@dataclass
class Client:
    index: int
    email: str
    role: Role
    token: str = ""
    client_id: uuid.UUID = field(default_factory=uuid.uuid4)
    cursors: dict[str, str] = field(default_factory=dict)
    db_epoch: str | None = None
    next_mutation: int = 0
    ticket_id: str = ""
    ticket_number: str = ""
    conn: Connection | None = None

    def pull_body(self) -> dict[str, object]:
        return {
            "protocol": PROTOCOL_VERSION,
            "client_id": str(self.client_id),
            "db_epoch": self.db_epoch,
            "cursors": self.cursors,
            "count_remaining": False,
        }

    def push_body(self) -> dict[str, object]:
        mutation = {
            "id": self.next_mutation,
            "name": "add_comment",
            "args": {"id": str(uuid.uuid4()), "ticket_id": self.ticket_id, "content": "<p>Still broken.</p>"},
        }
        return {"protocol": PROTOCOL_VERSION, "client_id": str(self.client_id), "mutations": [mutation]}


async def _pull(client: Client) -> int:
    """One pull page; keeps the cursors; returns how many changes it brought."""
    assert client.conn is not None
    page = await client.conn.json("POST", "/api/sync/pull", client.pull_body(), client.token)
    client.cursors.update(page["cursors"])
    for bucket in page["removed_buckets"]:
        client.cursors.pop(bucket, None)
    client.db_epoch = page["db_epoch"]
    return len(page["changes"]) if not page["has_more"] else -1


async def _push(client: Client) -> None:
    assert client.conn is not None
    answer = await client.conn.json("POST", "/api/sync/push", client.push_body(), client.token)
    (result,) = answer["results"]
    if result["status"] != "applied":
        raise HttpError(f"push not applied: {result}")
    client.next_mutation += 1


async def _read(client: Client) -> None:
    assert client.conn is not None
    await client.conn.json("GET", f"/api/tickets/{client.ticket_number}", None, client.token)


KINDS: dict[str, Callable[[Client], Awaitable[object]]] = {"pull": _pull, "push": _push, "read": _read}


async def _catch_up(clients: list[Client]) -> None:
    async def one(client: Client) -> None:
        while await _pull(client) != 0:
            pass

    await asyncio.gather(*(one(c) for c in clients))


# --------------------------------------------------------------------------------------------
# Set-up: database, accounts, logins, initial sync


def fresh_database(base_url: str) -> tuple[str, str]:
    name = f"ticketdesk_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(sqlalchemy_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, make_url(sqlalchemy_url(base_url)).set(database=name).render_as_string(hide_password=False)


def drop_database(base_url: str, name: str) -> None:
    admin = create_engine(sqlalchemy_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def create_accounts(url: str, agents: int, requesters: int) -> list[Client]:
    engine = make_engine(url)
    prepare_database(engine)
    clients: list[Client] = []
    with make_session_factory(engine)() as session, session.begin():
        accounts.create_user(
            session, UserCreate(email="admin@bench.example", name="Admin", role=Role.ADMIN, password=PASSWORD)
        )
        for index in range(agents + requesters):
            role = Role.AGENT if index < agents else Role.USER
            email = f"client{index}@bench.example"
            accounts.create_user(
                session, UserCreate(email=email, name=f"Client {index}", role=role, password=PASSWORD)
            )
            clients.append(Client(index, email, role))
    engine.dispose()
    return clients


async def prepare_clients(url: str, server_url: str, clients: list[Client]) -> None:
    """Raise the rate limits (as an admin), log every client in, give each a ticket of its own
    to comment on, start its mutation ids and sync its cache."""
    host, port = server_url.removeprefix("http://").split(":")
    admin = Connection(host, int(port))
    login = {"email": "admin@bench.example", "password": PASSWORD, "client_name": "bench"}
    admin_token = (await admin.json("POST", "/api/auth/login", login))["access_token"]
    await admin.json("PATCH", "/api/settings", {"rate_limits": GENEROUS_LIMITS}, admin_token)
    admin.close()
    for client in clients:
        client.conn = Connection(host, int(port))
        body = {"email": client.email, "password": PASSWORD, "client_name": "bench"}
        client.token = (await client.conn.json("POST", "/api/auth/login", body))["access_token"]
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
        category = (await (await conn.execute("SELECT id FROM categories LIMIT 1")).fetchone() or [None])[0]
        for client in clients:  # mutation ids far apart and unlike any other number (see MUTATION_BASE)
            first = MUTATION_BASE + 10_000 * client.index
            user_id = (
                await (await conn.execute("SELECT id FROM users WHERE email = %s", [client.email])).fetchone()
                or [None]
            )[0]
            await conn.execute(
                "INSERT INTO sync_clients (client_id, user_id, last_mutation_id) VALUES (%s, %s, %s)",
                [client.client_id, user_id, first - 1],
            )
            client.next_mutation = first
    for client in clients:  # each files one ticket, the one it comments on
        assert client.conn is not None
        ticket_id = str(uuid.uuid4())
        mutation: dict[str, object] = {
            "id": client.next_mutation,
            "name": "create_ticket",
            "args": {
                "id": ticket_id,
                "title": f"Bench ticket {client.index}",
                "description": "<p>The printer is on fire.</p>",
                "category_id": str(category),
                "priority": "Medium",
            },
        }
        push_body: dict[str, object] = {
            "protocol": PROTOCOL_VERSION,
            "client_id": str(client.client_id),
            "mutations": [mutation],
        }
        answer = await client.conn.json("POST", "/api/sync/push", push_body, client.token)
        if answer["results"][0]["status"] != "applied":
            raise HttpError(f"cannot create the bench ticket: {answer}")
        client.next_mutation += 1
        client.ticket_id = ticket_id
        client.ticket_number = str(
            (await client.conn.json("GET", f"/api/tickets/{ticket_id}", None, client.token))["number"]
        )
    await _catch_up(clients)


# --------------------------------------------------------------------------------------------
# Measuring


@dataclass
class Result:
    label: str
    kind: str
    seconds: float
    latencies: list[float]
    errors: int = 0
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    def line(self) -> str:
        cpu = "  ".join(f"{name} {share:4.2f}" for name, share in self.cpu.items())
        return (
            f"{self.label:<26} {self.kind:<5} {self.rate:8.0f}/s  p50 {self.percentile(0.5):7.1f} ms  "
            f"p99 {self.percentile(0.99):7.1f} ms  errors {self.errors:<3} cpu(cores): {cpu}"
        )


class CpuMeter:
    """CPU seconds used by groups of processes over a phase, as cores (1.0 = one core busy)."""

    def __init__(self, groups: dict[str, Callable[[], list[psutil.Process]]]) -> None:
        self.groups = groups

    @staticmethod
    def _seconds(processes: list[psutil.Process]) -> dict[int, float]:
        used: dict[int, float] = {}
        for process in processes:
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                used[process.pid] = times.user + times.system
        return used

    @contextlib.contextmanager
    def measure(self, into: dict[str, float]) -> Iterator[None]:
        members = {name: find() for name, find in self.groups.items()}
        before = {name: self._seconds(procs) for name, procs in members.items()}
        started = time.perf_counter()
        yield
        wall = time.perf_counter() - started
        for name, procs in members.items():
            after = self._seconds(procs)
            into[name] = sum(after[pid] - before[name].get(pid, after[pid]) for pid in after) / wall


async def closed_loop(
    clients: list[Client], kind: str, seconds: float, meter: CpuMeter, label: str
) -> Result:
    action = KINDS[kind]
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def run(client: Client) -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                await action(client)
            except HttpError:
                errors += 1
                continue
            latencies.append(time.perf_counter() - started)

    result = Result(label, kind, seconds, latencies)
    with meter.measure(result.cpu):
        await asyncio.gather(*(run(c) for c in clients))
    result.errors = errors
    return result


async def open_loop(
    clients: list[Client], kind: str, *, rate: float, seconds: float, meter: CpuMeter, label: str
) -> Result:
    """``rate`` requests per second in all, each client on its own evenly spaced schedule; a
    request's latency counts from when it was due."""
    action = KINDS[kind]
    latencies: list[float] = []
    errors = 0
    interval = len(clients) / rate
    start = time.perf_counter() + 0.05
    end = start + seconds

    async def run(client: Client) -> None:
        nonlocal errors
        due = start + interval * random.random()
        while due < end:
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                await action(client)
            except HttpError:
                errors += 1
            else:
                latencies.append(time.perf_counter() - due)
            due += interval

    result = Result(label, kind, seconds, latencies)
    with meter.measure(result.cpu):
        await asyncio.gather(*(run(c) for c in clients))
    result.seconds = max(seconds, time.perf_counter() - start)  # a server that fell behind took longer
    result.errors = errors
    return result


# --------------------------------------------------------------------------------------------
# The baseline: the server's own statements, captured in-process and replayed over psycopg


@dataclass
class Statement:
    query: str
    params: Any
    autocommit: bool
    isolation: Any
    read_only: Any
    many: bool = False


COMMIT, ROLLBACK = "COMMIT", "ROLLBACK"


@dataclass
class Capture:
    """What one request sent to PostgreSQL, in order: statements, and :data:`COMMIT` or
    :data:`ROLLBACK` where one reached the server."""

    steps: list[Statement | str] = field(default_factory=list)

    @property
    def statements(self) -> int:
        return sum(isinstance(s, Statement) for s in self.steps)

    @property
    def round_trips(self) -> int:
        return len(self.steps)


@contextlib.contextmanager
def capturing(into: list[Capture]) -> Iterator[None]:
    """Record every statement, commit and rollback psycopg sends while active (into
    ``into[-1]``)."""
    original_execute = psycopg.Cursor.execute
    original_executemany = psycopg.Cursor.executemany
    original_commit = psycopg.Connection.commit
    original_rollback = psycopg.Connection.rollback

    def record(cursor: psycopg.Cursor[Any], query: Any, params: Any, many: bool) -> None:
        conn = cursor.connection
        sql = query if isinstance(query, str) else query.as_string(conn)
        into[-1].steps.append(
            Statement(sql, params, conn.autocommit, conn.isolation_level, conn.read_only, many)
        )

    def execute(self: psycopg.Cursor[Any], query: Any, params: Any = None, **kwargs: Any) -> Any:
        record(self, query, params, many=False)
        return original_execute(self, query, params, **kwargs)

    def executemany(self: psycopg.Cursor[Any], query: Any, params_seq: Any, **kwargs: Any) -> Any:
        params_seq = list(params_seq)
        record(self, query, params_seq, many=True)
        return original_executemany(self, query, params_seq, **kwargs)

    def commit(self: psycopg.Connection[Any]) -> None:
        if self.pgconn.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            into[-1].steps.append(COMMIT)
        original_commit(self)

    def rollback(self: psycopg.Connection[Any]) -> None:
        if self.pgconn.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            into[-1].steps.append(ROLLBACK)
        original_rollback(self)

    psycopg.Cursor.execute = execute  # type: ignore[method-assign]
    psycopg.Cursor.executemany = executemany  # type: ignore[method-assign]
    psycopg.Connection.commit = commit  # type: ignore[method-assign]
    psycopg.Connection.rollback = rollback  # type: ignore[method-assign]
    try:
        yield
    finally:
        psycopg.Cursor.execute = original_execute  # type: ignore[method-assign]
        psycopg.Cursor.executemany = original_executemany  # type: ignore[method-assign]
        psycopg.Connection.commit = original_commit  # type: ignore[method-assign]
        psycopg.Connection.rollback = original_rollback  # type: ignore[method-assign]


def capture_requests(url: str, clients: list[Client]) -> dict[str, list[Capture]]:
    """Per kind, per client: the statements the app issues for that client's request, the app
    running in this process on the bench database (its pool warmed up first)."""
    engine = make_engine(url)
    captures: dict[str, list[Capture]] = {kind: [] for kind in KINDS}
    with TestClient(create_app(engine)) as http:

        def send(kind: str, client: Client) -> None:
            headers = {"Authorization": f"Bearer {client.token}"}
            if kind == "pull":
                response = http.post("/api/sync/pull", json=client.pull_body(), headers=headers)
            elif kind == "push":
                response = http.post("/api/sync/push", json=client.push_body(), headers=headers)
                client.next_mutation += 1
            else:
                response = http.get(f"/api/tickets/{client.ticket_number}", headers=headers)
            assert response.status_code == 200, response.text

        for kind in KINDS:
            for client in clients:
                send(kind, client)  # warm: connections made, caches filled, as under load
                captures[kind].append(Capture())
                with capturing(captures[kind]):
                    send(kind, client)
    engine.dispose()
    return captures


def _known_ids(conninfo: str) -> set[uuid.UUID]:
    with psycopg.connect(conninfo) as conn:
        ids: set[uuid.UUID] = set()
        for table, column in (
            ("users", "id"),
            ("tickets", "id"),
            ("categories", "id"),
            ("priorities", "id"),
            ("auth_sessions", "id"),
            ("sync_clients", "client_id"),
        ):
            ids.update(row[0] for row in conn.execute(f"SELECT {column} FROM {table}"))
        return ids


def _renumber(
    value: Any, fresh: dict[uuid.UUID, uuid.UUID], known: set[uuid.UUID], ids: dict[int, int]
) -> Any:
    if isinstance(value, uuid.UUID) and value not in known:
        return fresh.setdefault(value, uuid.uuid4())
    if isinstance(value, int) and not isinstance(value, bool) and value in ids:
        return ids[value]
    if isinstance(value, dict):
        return {k: _renumber(v, fresh, known, ids) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_renumber(v, fresh, known, ids) for v in value)
    return value


async def baseline(
    conninfo: str,
    *,
    kind: str,
    captures: list[Capture],
    seconds: float,
    meter: CpuMeter,
    known: set[uuid.UUID],
) -> Result:
    """Each worker replays its client's captured request over its own connection, closed loop.
    A replayed push creates fresh rows (new ids for the ids the capture created) and uses the
    next mutation ids of a client of its own."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    conns = [await psycopg.AsyncConnection.connect(conninfo) for _ in captures]

    async def run(worker: int, capture: Capture, conn: psycopg.AsyncConnection[Any]) -> None:
        captured_mutation = next(
            (
                p["mutation_id"]
                for s in capture.steps
                if isinstance(s, Statement) and isinstance(s.params, dict)
                for p in [s.params]
                if "mutation_id" in p
            ),
            None,
        )
        counter = 50_000_000 + worker * 1_000_000
        while time.perf_counter() < deadline:
            ids: dict[int, int] = {}
            if captured_mutation is not None:
                counter += 1
                ids = {captured_mutation: counter, captured_mutation - 1: counter - 1}
            fresh: dict[uuid.UUID, uuid.UUID] = {}
            started = time.perf_counter()
            for step in capture.steps:
                if step == COMMIT:
                    await conn.commit()
                elif step == ROLLBACK:
                    await conn.rollback()
                elif isinstance(step, Statement):
                    if conn.pgconn.transaction_status == psycopg.pq.TransactionStatus.IDLE:
                        if conn.autocommit != step.autocommit:
                            await conn.set_autocommit(step.autocommit)
                        if conn.isolation_level != step.isolation:
                            await conn.set_isolation_level(step.isolation)
                        if conn.read_only != step.read_only:
                            await conn.set_read_only(step.read_only)
                    params = _renumber(step.params, fresh, known, ids) if kind == "push" else step.params
                    if step.many:
                        async with conn.cursor() as cursor:
                            await cursor.executemany(step.query.encode(), params)
                    else:
                        await conn.execute(step.query.encode(), params)
            if conn.pgconn.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                await conn.rollback()
            latencies.append(time.perf_counter() - started)

    result = Result("baseline (psycopg)", kind, seconds, latencies)
    with meter.measure(result.cpu):
        await asyncio.gather(
            *(run(i, c, conn) for i, (c, conn) in enumerate(zip(captures, conns, strict=True)))
        )
    for conn in conns:
        await conn.close()
    return result


async def restore_mutation_ids(conninfo: str, clients: list[Client]) -> None:
    """After replayed pushes (which moved each client's last mutation id far ahead), give every
    client back its own last mutation id."""
    async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
        for client in clients:
            await conn.execute(
                "UPDATE sync_clients SET last_mutation_id = %s WHERE client_id = %s",
                [client.next_mutation - 1, client.client_id],
            )


# --------------------------------------------------------------------------------------------


async def profiled(
    pid: int, *, output: str, clients: list[Client], kind: str, seconds: float, meter: CpuMeter
) -> Result:
    """A capacity phase with py-spy sampling the server's processes (``-f raw``: one line per
    stack, for ``flamegraph.pl`` or a quick ``sort``)."""
    spy = await asyncio.create_subprocess_exec(
        "py-spy", "record", "--pid", str(pid), "--subprocesses", "-f", "raw", "-o", output,
        "-d", str(int(seconds)), "--nonblocking",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    await asyncio.sleep(1.0)  # py-spy attaches
    result = await closed_loop(clients, kind, seconds - 1.5, meter, "server capacity (py-spy)")
    await spy.wait()
    await _catch_up(clients)
    return result


def _postgres_backends(conninfo: str, database: str) -> Callable[[], list[psutil.Process]]:
    def find() -> list[psutil.Process]:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            pids = [
                row[0]
                for row in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [database])
            ]
        return [psutil.Process(pid) for pid in pids if psutil.pid_exists(pid)]

    return find


async def run_benchmark(args: argparse.Namespace) -> None:
    name, url = fresh_database(args.database_url)
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    server: LiveServer | None = None
    try:
        agents = args.clients // 5
        clients = create_accounts(url, agents, args.clients - agents)
        with psycopg.connect(conninfo) as conn:
            staff = conn.execute("SELECT id FROM users WHERE email = 'admin@bench.example'").fetchone()
        assert staff is not None
        generate(conninfo, staff[0], Sizes(tickets=args.tickets, comments=args.tickets * 3, requesters=100))
        server = LiveServer(url, workers=args.workers)
        server.start()
        await prepare_clients(url, server.url, clients)
        print(
            f"{len(clients)} clients ({agents} agents), {args.tickets} tickets; server: {args.workers} "
            f"worker process(es); {os.cpu_count()} cores",
            flush=True,
        )

        captures = capture_requests(url, clients)
        for kind, per_client in captures.items():
            counts = sorted({c.statements for c in per_client})
            trips = sorted({c.round_trips for c in per_client})
            print(f"SQL per {kind:<4} request: statements {counts}, round trips incl. commits {trips}")
        await _catch_up(clients)

        assert server.process is not None
        root = psutil.Process(server.process.pid)
        meter = CpuMeter(
            {
                "generator": lambda: [psutil.Process()],
                "server": lambda: [root, *root.children(recursive=True)],
                "postgres": _postgres_backends(conninfo, name),
            }
        )
        known = _known_ids(conninfo)
        results: list[Result] = []

        def show(result: Result) -> None:
            results.append(result)
            print(result.line(), flush=True)

        kinds = [k for k in KINDS if k in args.kinds.split(",")]
        for kind in kinds:
            if args.profile:
                show(
                    await profiled(
                        root.pid,
                        output=f"{args.profile}.{kind}.txt",
                        clients=clients,
                        kind=kind,
                        seconds=args.seconds,
                        meter=meter,
                    )
                )
                continue
            show(
                await baseline(
                    conninfo,
                    kind=kind,
                    captures=captures[kind],
                    seconds=args.seconds,
                    meter=meter,
                    known=known,
                )
            )
            await restore_mutation_ids(conninfo, clients)
            await _catch_up(clients)
            show(await closed_loop(clients, kind, args.seconds, meter, "server capacity"))
            await _catch_up(clients)
            if kind in GOALS:
                goal = GOALS[kind]
                show(
                    await open_loop(
                        clients,
                        kind,
                        rate=goal,
                        seconds=args.seconds,
                        meter=meter,
                        label=f"server at {goal:.0f}/s",
                    )
                )
                await _catch_up(clients)
        print()
        if args.profile:
            return
        by = {(r.label, r.kind): r for r in results}
        for kind in kinds:
            base, real = by[("baseline (psycopg)", kind)], by[("server capacity", kind)]
            print(f"ratio server/baseline {kind:<4}: {real.rate / base.rate:5.2f} (requests per second)")
        for kind, goal in GOALS.items():
            if kind not in kinds:
                continue
            paced = next(r for r in results if r.kind == kind and r.label.startswith("server at"))
            met = paced.rate >= 0.98 * goal and paced.percentile(0.99) < GOAL_P99_MS and not paced.errors
            print(
                f"goal {kind:<4} {goal:.0f}/s with p99 < {GOAL_P99_MS:.0f} ms: "
                f"{'met' if met else 'NOT met'} ({paced.rate:.0f}/s, p99 {paced.percentile(0.99):.1f} ms)"
            )
        for client in clients:
            if client.conn is not None:
                client.conn.close()
    finally:
        if server is not None:
            server.stop()
        drop_database(args.database_url, name)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1, help="server processes (serve --workers)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--kinds", default=",".join(KINDS), help="which kinds of request (comma-separated)")
    parser.add_argument(
        "--profile", metavar="PREFIX", help="only the capacity phases, under py-spy: PREFIX.<kind>.txt (raw)"
    )
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"))
    args = parser.parse_args()
    if not args.database_url:
        sys.exit(
            "Give --database-url or set TEST_DATABASE_URL (a PostgreSQL server to create a database on)."
        )
    asyncio.run(run_benchmark(args))


if __name__ == "__main__":
    main()
