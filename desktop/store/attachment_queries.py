"""Reading a ticket's attachments from the cache (with whether each still waits for a sync)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, select

from desktop.store import schema, shadows
from desktop.store.database import Store
from desktop.store.rows import stored_time
from ticketing.files import is_image_type


@dataclass(frozen=True)
class AttachmentRow:
    id: str
    ticket_id: str
    comment_id: str | None
    uploader_name: str | None
    file_name: str
    content_type: str
    size: int
    sha256: str
    is_internal: bool
    created_at: dt.datetime
    #: Not on the server yet (queued with the outbox).
    pending: bool

    @property
    def is_image(self) -> bool:
        return is_image_type(self.content_type)


def _rows(conn: Connection, condition: ColumnElement[bool]) -> list[AttachmentRow]:
    a = schema.attachments
    uploader = schema.users.alias("uploader")
    pending = shadows.not_on_server("attachment", a.c.id)
    stmt = (
        select(a, uploader.c.name.label("uploader_name"), pending.label("pending"))
        .outerjoin(uploader, uploader.c.id == a.c.uploader_id)
        .where(condition)
        .order_by(a.c.created_at, a.c.id)
    )
    return [
        AttachmentRow(
            id=r.id,
            ticket_id=r.ticket_id,
            comment_id=r.comment_id,
            uploader_name=r.uploader_name,
            file_name=r.file_name,
            content_type=r.content_type or "application/octet-stream",
            size=int(r.size or 0),
            sha256=r.sha256,
            is_internal=bool(r.is_internal),
            created_at=stored_time(r.created_at),
            pending=bool(r.pending),
        )
        for r in conn.execute(stmt)
    ]


def for_ticket(store: Store, ticket_id: str) -> list[AttachmentRow]:
    """The ticket's files, oldest first (the cache holds only those this account may see)."""
    with store.read() as conn:
        return _rows(conn, schema.attachments.c.ticket_id == ticket_id)


def attachment(store: Store, attachment_id: str) -> AttachmentRow | None:
    with store.read() as conn:
        found = _rows(conn, schema.attachments.c.id == attachment_id)
    return found[0] if found else None
