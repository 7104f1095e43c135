"""The command line (``python -m sync_server ...``) run as a real process on the test database."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from sync_server.app import create_app
from sync_server.demo.seed import DEMO_ACCOUNTS
from sync_server.settings import sqlalchemy_url
from ticketing.domain import DEFAULT_CATEGORIES, Status

ROOT = Path(__file__).resolve().parents[2]


def run_cli(
    tmp_path: Path, *args: str, stdin: str = "", database_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TICKETDESK_DATABASE_URL")}
    env["TICKETDESK_DATA_DIR"] = str(tmp_path / "data")  # never the real user data folder
    command = [sys.executable, "-m", "sync_server", *args]
    if database_url is not None:
        command += ["--database-url", database_url]
    return subprocess.run(
        command, input=stdin, capture_output=True, text=True, cwd=ROOT, env=env, timeout=180, check=False
    )


@pytest.fixture
def scratch_database_url(database_url: str) -> Iterator[str]:
    """A new, empty database on the test server, dropped afterwards."""
    name = f"ticketdesk_cli_{uuid.uuid4().hex[:10]}"
    server = make_url(sqlalchemy_url(database_url))
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def test_migrate_creates_the_schema_and_can_run_again(tmp_path: Path, scratch_database_url: str) -> None:
    first = run_cli(tmp_path, "migrate", database_url=scratch_database_url)
    assert first.returncode == 0, first.stderr
    assert "Database is up to date." in first.stdout
    scratch = create_engine(sqlalchemy_url(scratch_database_url))
    try:
        with scratch.connect() as conn:
            tables = set(conn.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")))
            version = conn.scalar(text("SELECT version_num FROM alembic_version"))
            categories = set(conn.scalars(text("SELECT name FROM categories")))
            epoch = conn.scalar(text("SELECT value FROM server_meta WHERE key = 'db_epoch'"))
        assert {"users", "tickets", "comments", "ticket_events", "sync_op", "auth_sessions"} <= tables
        assert version
        assert categories == set(DEFAULT_CATEGORIES)

        again = run_cli(tmp_path, "migrate", database_url=scratch_database_url)
        assert again.returncode == 0, again.stderr
        with scratch.connect() as conn:
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == version
            assert conn.scalar(text("SELECT count(*) FROM categories")) == len(DEFAULT_CATEGORIES)
            assert conn.scalar(text("SELECT value FROM server_meta WHERE key = 'db_epoch'")) == epoch
    finally:
        scratch.dispose()


def test_create_user_reads_the_password_from_stdin(tmp_path: Path, engine: Engine, database_url: str) -> None:
    result = run_cli(
        tmp_path,
        "create-user",
        "--email",
        "Tom@Example.com",
        "--name",
        "Tom Field",
        "--role",
        "agent",
        stdin="correct horse battery\n",
        database_url=database_url,
    )
    assert result.returncode == 0, result.stderr
    assert "Created agent tom@example.com" in result.stdout
    assert "correct horse" not in result.stdout + result.stderr

    client = TestClient(create_app(engine))
    response = client.post(
        "/api/auth/login", json={"email": "tom@example.com", "password": "correct horse battery"}
    )
    assert response.status_code == 200, response.text
    assert (response.json()["user"]["role"], response.json()["user"]["name"]) == ("agent", "Tom Field")
    with engine.connect() as conn:
        stored = conn.scalar(text("SELECT password_hash FROM users WHERE email = 'tom@example.com'"))
    assert stored.startswith("$argon2")


def test_create_user_refuses_bad_input(tmp_path: Path, engine: Engine, database_url: str) -> None:
    args = ("create-user", "--email", "tom@example.com", "--name", "Tom")
    short = run_cli(tmp_path, *args, stdin="short\n", database_url=database_url)
    assert short.returncode == 2
    assert "password" in short.stderr
    assert run_cli(tmp_path, *args, stdin="long enough 1\n", database_url=database_url).returncode == 0
    duplicate = run_cli(tmp_path, *args, stdin="long enough 2\n", database_url=database_url)
    assert duplicate.returncode == 1
    assert "already exists" in duplicate.stderr
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM users")) == 1
        assert conn.scalar(text("SELECT role FROM users")) == "user"


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table: conn.scalar(text(f"SELECT count(*) FROM {table}")) or 0
            for table in ("users", "categories", "tickets", "comments", "ticket_events", "sync_op")
        }


def test_seed_demo_adds_a_desk_in_use_once(tmp_path: Path, engine: Engine, database_url: str) -> None:
    result = run_cli(tmp_path, "seed-demo", database_url=database_url)
    assert result.returncode == 0, result.stderr
    assert "Demo data added." in result.stdout
    for email, password, _role in DEMO_ACCOUNTS:
        assert email in result.stdout and password in result.stdout

    with engine.connect() as conn:
        categories = set(conn.scalars(text("SELECT name FROM categories")))
        statuses = set(conn.scalars(text("SELECT DISTINCT status FROM tickets")))
        internal = conn.scalar(text("SELECT count(*) FROM comments WHERE is_internal"))
        leaked = conn.scalar(
            text(
                "SELECT count(*) FROM sync_op o JOIN comments c ON c.id = o.row_id "
                "WHERE o.entity = 'comment' AND c.is_internal AND o.bucket NOT LIKE '%internal%'"
            )
        )
        unlogged = conn.scalar(
            text(
                "SELECT count(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM sync_op o "
                "WHERE o.entity = 'ticket' AND o.row_id = t.id AND o.bucket = 'queue' AND o.op = 'PUT')"
            )
        )
        order_ok = conn.scalar(text("SELECT bool_and(created_at <= updated_at) FROM tickets"))
    assert set(DEFAULT_CATEGORIES) <= categories
    assert statuses == {s.value for s in Status}
    assert internal and internal > 0
    assert leaked == 0
    assert unlogged == 0
    assert order_ok
    counts = _counts(engine)
    assert counts["tickets"] >= 20
    with engine.connect() as conn:
        files = dict(conn.execute(text("SELECT file_name, sha256 FROM attachments")).all())
    assert set(files) == {"printer-panel.png", "printer-log.txt"}
    for sha256 in files.values():  # the bytes are in the data folder, under their hash
        stored = tmp_path / "data" / "blobs" / sha256[:2] / sha256[2:4] / sha256
        assert hashlib.sha256(stored.read_bytes()).hexdigest() == sha256

    again = run_cli(tmp_path, "seed-demo", database_url=database_url)
    assert again.returncode == 0, again.stderr
    assert "Demo data was already there." in again.stdout
    assert _counts(engine) == counts

    client = TestClient(create_app(engine))
    for email, password, role in DEMO_ACCOUNTS:
        response = client.post("/api/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, (email, response.text)
        assert response.json()["user"]["role"] == role
