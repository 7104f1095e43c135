"""Opening a ticket marks it read: the local read mark and its ``mark_read`` mutation, written
in one transaction, and only when the ticket is unread (opening a read ticket writes nothing).

The mark is the server's time of the ticket's latest activity by others that the cache holds,
never this computer's clock, so devices with wrong clocks still agree. It is queued under the
mark's own id (a family of its own, like an article), so reading a ticket never shows the
ticket as having changes waiting to be sent.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Connection, select

from desktop.store import schema, shadows, unread
from desktop.store.command_checks import Id, now_or, refusals
from desktop.store.database import ChangeSet, Store
from ticketing.protocol import MarkReadArgs, ticket_read_id

_t = schema.tickets


def _unread_activity(conn: Connection, ticket_id: str) -> str | None:
    """The ticket's latest activity by others if the ticket is unread, else None."""
    if not conn.scalar(select(unread.is_unread(_t)).where(_t.c.id == ticket_id)):
        return None
    latest = conn.scalar(select(unread.latest_activity(_t)).where(_t.c.id == ticket_id))
    return str(latest) if latest else None


def mark_read(store: Store, ticket_id: Id, *, now: dt.datetime | None = None) -> bool:
    """Mark a ticket read up to its latest activity; False (and no write) if it was not unread."""
    ticket_id = str(ticket_id)
    with store.read() as conn:  # the common case, a ticket already read, takes no write lock
        if _unread_activity(conn, ticket_id) is None:
            return False
    with refusals(), store.write() as conn:
        latest = _unread_activity(conn, ticket_id)
        if latest is None:
            return False
        args = MarkReadArgs(ticket_id=uuid.UUID(ticket_id), read_at=dt.datetime.fromisoformat(latest))
        family = str(ticket_read_id(store.user_id, ticket_id))
        shadows.queue_alone(conn, "ticket_read", family, args, at=now_or(now), actor=store.actor(conn))
    store.announce(ChangeSet(tickets=frozenset({ticket_id}), outbox=True, queued=True))
    return True
