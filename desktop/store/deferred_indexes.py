"""Secondary indexes set aside while a pull fills a big cache, and built again afterwards.

A page of a few thousand tickets dirtied a leaf page of each of the thirteen ticket indexes per
row (their keys are ids, names and times in no useful order), so writing a ticket cost about
0.3 ms with its indexes and 0.05 ms without. Building an index once over the finished table
is a sort, far cheaper than keeping it through a hundred thousand random inserts.

While indexes are set aside the cache is complete but slower to query (a sort scans the
table), which is fine while an initial sync shows its progress. What was set aside is recorded
in ``sync_state`` in the same transaction as the drop, so a cache whose fill was interrupted
(the app killed) gets its indexes back from the record: the next pull restores them unless it
is still far behind, and a cache migration restores them before it runs.

Primary keys and unique constraints are never dropped: the pull's upserts and the row-bucket
bookkeeping look rows up by them.
"""

from __future__ import annotations

import json

from sqlalchemy import ColumnElement, Connection, select

from desktop.store import schema, state

#: Tables whose explicit indexes a fill sets aside: the ones a pull writes by the thousand.
FILLED_TABLES = ("tickets", "comments", "ticket_events", "attachments", "row_buckets")

#: Rows still to come from which a pull sets the indexes aside.
FILL_ROWS = 20_000

#: Write only through :func:`defer` and :func:`restore`.
_KEY = "deferred_indexes"


def _explicit_indexes(conn: Connection) -> list[tuple[str, str]]:
    """``(name, CREATE INDEX statement)`` of the filled tables' own indexes (not the automatic
    ones SQLite makes for keys and unique constraints, which have no SQL)."""
    rows = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "AND tbl_name IN (SELECT value FROM json_each(?)) ORDER BY name",
        (json.dumps(FILLED_TABLES),),
    ).all()
    return [(str(name), str(sql)) for name, sql in rows]


def held_rows(conn: Connection) -> int:
    """Rows the cache holds from the server (each once per bucket): what rebuilding costs."""
    return int(conn.exec_driver_sql("SELECT count(*) FROM row_buckets").scalar() or 0)


def none_set_aside() -> ColumnElement[bool]:
    """For a query: no index is set aside now. A query whose per-row lookups need the filled
    tables' indexes (the unread flag) skips them while a fill has them aside: without them
    each lookup reads a whole table."""
    recorded = select(schema.sync_state.c.value).where(schema.sync_state.c.key == _KEY).scalar_subquery()
    return recorded.is_(None)


def worth_deferring(conn: Connection, coming: int) -> bool:
    """Whether ``coming`` more rows are enough to set the indexes aside: many, and a good part
    of what the cache holds already (rebuilding costs in proportion to all of it)."""
    return coming >= FILL_ROWS and coming * 4 >= held_rows(conn)


def deferred(conn: Connection) -> dict[str, str]:
    """The indexes set aside and not restored yet, by name."""
    recorded = state.get(conn, _KEY)
    return dict(json.loads(recorded)) if recorded else {}


def defer(conn: Connection) -> int:
    """Set the filled tables' indexes aside (recorded first); returns how many were dropped."""
    held = deferred(conn)
    present = _explicit_indexes(conn)
    held.update(present)
    state.put(conn, _KEY, json.dumps(held, sort_keys=True))
    for name, _sql in present:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return len(present)


def restore(conn: Connection) -> int:
    """Build again every index set aside; returns how many. Safe to repeat: an index that
    exists already is left alone."""
    held = deferred(conn)
    for sql in held.values():
        conn.exec_driver_sql(sql.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
    if held:
        state.put(conn, _KEY, None)
    return len(held)
