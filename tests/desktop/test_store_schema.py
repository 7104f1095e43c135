"""The cache file: schema version and migrations, WAL, one file per account, deletion.

(That the cache and the sync engine import no Qt is checked in ``test_architecture``.)
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from desktop.store import (
    CacheMismatch,
    CacheTooNew,
    Store,
    files,
    migrations,
    report_snapshots,
    schema,
    state,
)
from tests.helpers.store import SERVER, open_store
from ticketing.domain import Role, new_id


def test_new_cache_has_schema_version_and_wal(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    with store.read() as conn:
        assert conn.exec_driver_sql("PRAGMA user_version").scalar() == migrations.SCHEMA_VERSION
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    store.close()
    raw = sqlite3.connect(store.path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # persistent in the file
    raw.close()


def test_migrated_tables_match_the_schema_module(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    with store.read() as conn:
        for table in schema.metadata.sorted_tables:
            info = conn.exec_driver_sql(f"PRAGMA table_info({table.name})").all()
            assert [row[1] for row in info] == [column.name for column in table.columns], table.name
            primary = [row[1] for row in sorted(info, key=lambda row: row[5]) if row[5]]
            assert primary == [column.name for column in table.primary_key.columns], table.name


def test_reopening_keeps_data_and_client_id(tmp_path: Path) -> None:
    user_id = new_id()
    store = open_store(tmp_path, user_id)
    with store.read() as conn:
        client_id = state.client_id(conn)
    store.close()
    again = open_store(tmp_path, user_id)
    with again.read() as conn:
        assert state.client_id(conn) == client_id
        assert conn.exec_driver_sql("PRAGMA user_version").scalar() == migrations.SCHEMA_VERSION
    again.close()


def test_a_cache_from_a_newer_app_is_refused(tmp_path: Path) -> None:
    user_id = new_id()
    store = open_store(tmp_path, user_id)
    store.close()
    raw = sqlite3.connect(store.path)
    raw.execute(f"PRAGMA user_version = {migrations.SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(CacheTooNew):
        open_store(tmp_path, user_id)


def test_one_file_per_server_and_account(tmp_path: Path) -> None:
    alice, bob = new_id(), new_id()
    assert files.cache_path(SERVER, alice, tmp_path) != files.cache_path(SERVER, bob, tmp_path)
    assert files.cache_path(SERVER, alice, tmp_path) != files.cache_path(
        "https://desk.example.org", alice, tmp_path
    )
    # one server, however it is spelled
    assert files.cache_path("HTTP://127.0.0.1:8700/", alice, tmp_path) == files.cache_path(
        SERVER, alice, tmp_path
    )
    assert files.cache_path(SERVER, alice, tmp_path).is_relative_to(tmp_path / files.CACHE_FOLDER)
    with pytest.raises(ValueError):
        files.cache_path(SERVER, "../../etc/passwd", tmp_path)


def test_default_folder_is_the_user_data_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    path = files.cache_path(SERVER, new_id())
    assert path.is_relative_to(tmp_path / files.APP_NAME)


def test_a_file_is_never_opened_for_another_account(tmp_path: Path) -> None:
    alice = open_store(tmp_path)
    alice.close()
    with pytest.raises(CacheMismatch):
        Store.open(alice.path, server_url=SERVER, user_id=new_id())
    with pytest.raises(CacheMismatch):
        Store.open(alice.path, server_url="https://other.example.org", user_id=alice.user_id)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_cache_is_readable_by_its_os_user_only(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    assert store.path.stat().st_mode & 0o777 == 0o600
    assert store.path.parent.stat().st_mode & 0o777 == 0o700
    store.close()


def test_deleting_a_cache_removes_its_companion_files(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    with store.write() as conn:
        conn.execute(text("INSERT INTO sync_state (key, value) VALUES ('x', 'secret')"))
    assert len(files.cache_files(store.path)) >= 2  # the database and its -wal (and -shm)
    store.close()
    files.delete_cache(store.path)
    assert files.cache_files(store.path) == []


def test_migration_6_adds_report_snapshots_to_an_existing_cache(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    raw = sqlite3.connect(path)
    for step in migrations.MIGRATIONS[:5]:  # a cache made by the app before analytics
        for statement in step.statements:
            raw.execute(statement)
    raw.execute("PRAGMA user_version = 5")
    raw.execute("INSERT INTO tickets (id, number, title) VALUES ('t1', 1001, 'Kept')")
    raw.commit()
    raw.close()
    store = Store.open(path, server_url=SERVER, user_id=new_id(), role=Role.ADMIN)
    with store.read() as conn:
        assert migrations.schema_version(conn) == migrations.SCHEMA_VERSION >= 6
        assert conn.exec_driver_sql("SELECT title FROM tickets").scalar() == "Kept"
    assert report_snapshots.load(store, "volume?from=2026-11-01") is None
    first = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
    report_snapshots.save(store, "volume?from=2026-11-01", {"series": []}, first)
    report_snapshots.save(
        store, "volume?from=2026-11-01", {"series": [{"period": "x"}]}, first + dt.timedelta(1)
    )
    kept = report_snapshots.load(store, "volume?from=2026-11-01")
    assert kept == report_snapshots.Snapshot({"series": [{"period": "x"}]}, first + dt.timedelta(1))
    store.close()
