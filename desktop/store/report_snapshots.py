"""The last figures of each report, kept so the Analytics tab can show them offline.

One row per report and filters (the key), holding the server's JSON body as it came and the
time it was fetched; a newer answer for the same key replaces it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from desktop.store import schema
from desktop.store.database import Store
from desktop.store.rows import utc_text


@dataclass(frozen=True)
class Snapshot:
    body: Any
    fetched_at: dt.datetime


def save(store: Store, key: str, body: Any, fetched_at: dt.datetime) -> None:
    table = schema.report_snapshots
    values = {"key": key, "body": orjson.dumps(body).decode(), "fetched_at": utc_text(fetched_at)}
    stmt = sqlite_insert(table).values(**values)
    with store.write(index=False) as conn:
        conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_=values))


def load(store: Store, key: str) -> Snapshot | None:
    table = schema.report_snapshots
    with store.read() as conn:
        row = conn.execute(select(table.c.body, table.c.fetched_at).where(table.c.key == key)).first()
    if row is None:
        return None
    return Snapshot(orjson.loads(row.body), dt.datetime.fromisoformat(row.fetched_at))
