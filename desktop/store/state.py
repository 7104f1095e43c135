"""Small facts a cache keeps about itself: its client id, db epoch, cursors, account, counters.

They live in the ``sync_state`` key/value table (and ``cursors``), read and written inside the
caller's transaction, so a pull page and the cursor it reached are saved together.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Connection, delete, func, insert, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from desktop.store import schema
from desktop.store.rows import parse_time, utc_text

CLIENT_ID = "client_id"
DB_EPOCH = "db_epoch"
SERVER_URL = "server_url"
USER_ID = "user_id"
USER_ROLE = "user_role"
USER_NAME = "user_name"
USER_EMAIL = "user_email"
NEXT_MUTATION_ID = "next_mutation_id"
LAST_SYNC_AT = "last_sync_at"
#: The highest mutation id ever handed to the network (or known to the server): a mutation at
#: or below it may have reached the server, even if no answer came back.
SENT_THROUGH = "sent_through"


def get(conn: Connection, key: str) -> str | None:
    return conn.scalar(select(schema.sync_state.c.value).where(schema.sync_state.c.key == key))


def put(conn: Connection, key: str, value: str | None) -> None:
    stmt = sqlite_insert(schema.sync_state).values(key=key, value=value)
    conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value}))


def client_id(conn: Connection) -> uuid.UUID:
    """This cache's id towards the server: made once, kept for the life of the file."""
    value = get(conn, CLIENT_ID)
    if value is None:
        raise LookupError("The cache has no client id yet.")
    return uuid.UUID(value)


def db_epoch(conn: Connection) -> str | None:
    return get(conn, DB_EPOCH)


def load_cursors(conn: Connection) -> dict[str, str]:
    rows = conn.execute(select(schema.cursors.c.bucket, schema.cursors.c.cursor))
    return {str(bucket): str(cursor) for bucket, cursor in rows}


def save_cursors(conn: Connection, cursors: dict[str, str]) -> None:
    """Replace the cursors with the server's (which name every bucket still subscribed)."""
    conn.execute(delete(schema.cursors))
    if cursors:
        conn.execute(insert(schema.cursors), [{"bucket": b, "cursor": c} for b, c in cursors.items()])


def allocate_mutation_id(conn: Connection) -> int:
    """The next mutation id (1, 2, 3... for the life of the cache; never reused)."""
    value = int(get(conn, NEXT_MUTATION_ID) or 1)
    put(conn, NEXT_MUTATION_ID, str(value + 1))
    return value


def ensure_mutation_id_above(conn: Connection, last_used: int) -> None:
    """Never hand out an id the server already holds for this client."""
    mark_sent_through(conn, last_used)
    highest = conn.scalar(select(func.max(schema.outbox.c.id))) or 0
    floor = max(last_used, highest) + 1
    if int(get(conn, NEXT_MUTATION_ID) or 1) < floor:
        put(conn, NEXT_MUTATION_ID, str(floor))


def sent_through(conn: Connection) -> int:
    """Mutations up to this id may be on the server; only those above it never left."""
    return int(get(conn, SENT_THROUGH) or 0)


def mark_sent_through(conn: Connection, mutation_id: int) -> None:
    """Mutations up to ``mutation_id`` are about to leave (or the server holds them)."""
    if mutation_id > sent_through(conn):
        put(conn, SENT_THROUGH, str(mutation_id))


def last_sync_at(conn: Connection) -> dt.datetime | None:
    return parse_time(get(conn, LAST_SYNC_AT))


def mark_synced(conn: Connection, at: dt.datetime) -> None:
    put(conn, LAST_SYNC_AT, utc_text(at))
