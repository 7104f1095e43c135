"""Files for the demo data: a screenshot and a log attached to the first demo ticket, so the
demo shows attachments (thumbnails in the timeline, files that open) from the first start.

The picture is drawn here, pixel by pixel, so the demo needs no image library.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from sync_server.db.models import Blob, BlobGrant, Comment, Ticket, User
from sync_server.services.files import attachments
from sync_server.services.files.blob_store import BlobStore
from sync_server.services.identity.principal import Principal
from ticketing.domain import AgentVisibility
from ticketing.schemas import AttachmentCreate

DEMO_TICKET_TITLE = "Printer on 3rd floor jams on every job"

PRINTER_LOG = (
    b"2026-11-20 09:14:02 PRN-3F-01 status=ERROR code=E42 'Paper jam in tray 2'\n"
    b"2026-11-20 09:14:40 PRN-3F-01 status=READY\n"
    b"2026-11-20 09:17:11 PRN-3F-01 status=ERROR code=E42 'Paper jam in tray 2'\n"
)


def _png(width: int, height: int, pixel: Callable[[int, int], tuple[int, int, int]]) -> bytes:
    """A PNG of ``pixel(x, y) -> (r, g, b)``."""
    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack("!I", len(data)) + kind + data + struct.pack("!I", zlib.crc32(kind + data))

    header = struct.pack("!IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def error_dialog_picture() -> bytes:
    """A printer panel showing an error: a grey window, a title bar and a red warning band."""

    def pixel(x: int, y: int) -> tuple[int, int, int]:
        if y < 28:
            return (36, 41, 47)  # title bar
        if 70 <= y < 110 and 40 <= x < 440:
            return (207, 34, 46)  # the error band
        if 150 <= y < 166 and 40 <= x < 40 + (x // 12 % 3 + 1) * 90:
            return (140, 149, 159)  # lines of text
        return (246, 248, 250)

    return _png(480, 220, pixel)


def _store(session: Session, store: BlobStore, data: bytes, content_type: str, owner: User) -> str:
    sha256 = hashlib.sha256(data).hexdigest()
    store.put(sha256, data)
    session.execute(
        insert(Blob)
        .values(sha256=sha256, size=len(data), content_type=content_type, scan_result="clean")
        .on_conflict_do_nothing(index_elements=["sha256"])
    )
    session.execute(
        insert(BlobGrant)
        .values(sha256=sha256, user_id=owner.id)
        .on_conflict_do_nothing(index_elements=["sha256", "user_id"])
    )
    return sha256


def seed_demo_files(session: Session, store: BlobStore) -> bool:
    """Attach the demo files to the first demo ticket; False if it is not there."""
    ticket = session.scalar(select(Ticket).where(Ticket.title == DEMO_TICKET_TITLE))
    if ticket is None:
        return False
    requester = session.get(User, ticket.submitter_id)
    assert requester is not None
    picture = error_dialog_picture()
    sha256 = _store(session, store, picture, "image/png", requester)
    data = AttachmentCreate(sha256=sha256, size=len(picture), file_name="printer-panel.png")
    attachments.add_attachment(session, Principal(requester, AgentVisibility.ALL), str(ticket.id), data)
    reply = session.scalar(
        select(Comment)
        .where(
            Comment.ticket_id == ticket.id, Comment.author_id != requester.id, Comment.is_internal.is_(False)
        )
        .order_by(Comment.created_at)
        .limit(1)
    )
    if reply is not None:
        agent = session.get(User, reply.author_id)
        assert agent is not None
        sha256 = _store(session, store, PRINTER_LOG, "text/plain; charset=utf-8", agent)
        data = AttachmentCreate(
            sha256=sha256, size=len(PRINTER_LOG), file_name="printer-log.txt", comment_id=reply.id
        )
        attachments.add_attachment(session, Principal(agent, AgentVisibility.ALL), str(ticket.id), data)
    return True
