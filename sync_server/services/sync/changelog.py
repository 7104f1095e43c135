"""The sync change log: one ``sync_op`` row per (bucket, entity, row), written with each change.

Every write to a synced table calls :func:`record` in the same transaction, so a pull can never
see a row change without its op or an op without its row. The buckets it writes are announced
to live streams when that transaction commits (:mod:`sync_server.services.live.notify`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.orm import Session

from sync_server.services.live import notify

PUT = "PUT"
REMOVE = "REMOVE"

_UPSERT = text(
    """
    INSERT INTO sync_op (bucket, entity, row_id, op) VALUES (:bucket, :entity, :row_id, :op)
    ON CONFLICT (bucket, entity, row_id) DO UPDATE
    SET op = excluded.op, xid = pg_current_xact_id(), seq = nextval('sync_op_seq'), changed_at = now()
    """
)


#: How long a REMOVE is kept; a client whose cursor is older gets the bucket again from scratch.
TOMBSTONE_DAYS = 90

_PRUNE = text(
    """
    WITH pruned AS (
        DELETE FROM sync_op
        WHERE op = 'REMOVE' AND changed_at < now() - make_interval(days => :days)
        RETURNING bucket, xid, seq
    ), newest AS (
        SELECT DISTINCT ON (bucket) bucket, xid, seq FROM pruned ORDER BY bucket, xid DESC, seq DESC
    )
    INSERT INTO sync_bucket_floor (bucket, xid, seq) SELECT bucket, xid, seq FROM newest
    ON CONFLICT (bucket) DO UPDATE SET xid = excluded.xid, seq = excluded.seq
        WHERE (sync_bucket_floor.xid, sync_bucket_floor.seq) < (excluded.xid, excluded.seq)
    """
)


def prune_tombstones(session: Session, days: int = TOMBSTONE_DAYS) -> None:
    """Forget REMOVE ops older than ``days``, remembering per bucket how far it pruned."""
    session.execute(_PRUNE, {"days": days})


def record(
    session: Session,
    entity: str,
    row_id: uuid.UUID,
    buckets: Iterable[str],
    previous: Iterable[str] = (),
) -> None:
    """Log a PUT in each of ``buckets`` and a REMOVE in each bucket of ``previous`` it left."""
    current = set(buckets)
    left = set(previous) - current
    params = [{"bucket": b, "entity": entity, "row_id": row_id, "op": PUT} for b in sorted(current)]
    params += [{"bucket": b, "entity": entity, "row_id": row_id, "op": REMOVE} for b in sorted(left)]
    if params:
        session.execute(_UPSERT, params)
        notify.changed(session, current | left)
