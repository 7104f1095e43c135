"""An account's read marks of tickets (unread state), written with their change-log rows.

A mark is the server time of the latest activity a device of the account showed. It only moves
forward (the later of the stored and the new mark), so repeats and marks arriving out of order
from several devices are harmless, and it goes to the account's own bucket only: no other
account, of any role, ever receives it.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import text
from sqlalchemy.orm import Session

from sync_server.services.sync import changelog
from ticketing import visibility
from ticketing.protocol import ticket_read_id

ENTITY = "ticket_read"

#: Insert the mark, or move the stored one forward; no row comes back when nothing changed.
_UPSERT = text(
    """
    INSERT INTO ticket_reads (user_id, ticket_id, id, read_at)
    VALUES (:user_id, :ticket_id, :id, :read_at)
    ON CONFLICT (user_id, ticket_id) DO UPDATE SET read_at = excluded.read_at
        WHERE ticket_reads.read_at < excluded.read_at
    RETURNING id
    """
)


def mark_read(session: Session, user_id: uuid.UUID, ticket_id: uuid.UUID, read_at: dt.datetime) -> bool:
    """Keep the later of the account's mark and ``read_at``; True when the mark moved."""
    row_id = ticket_read_id(user_id, ticket_id)
    moved = session.scalar(
        _UPSERT, {"user_id": user_id, "ticket_id": ticket_id, "id": row_id, "read_at": read_at}
    )
    if moved is None:
        return False
    changelog.record(session, ENTITY, row_id, {visibility.account_bucket(user_id)})
    return True
