"""Canned replies in the cache: the list the reply box offers, and counting an insertion
(writing them offline is :mod:`desktop.store.canned_reply_commands`).

The cache holds exactly the replies its account may use (the team's and its own; an end user's
cache has none), so nothing here filters by role or owner. A use is the ``use_canned_reply``
mutation, queued under the reply's id (a family of its own, like an article), and shows at once
in the cached count; the server counts it when the outbox is pushed, offline uses included.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, exists, func, select

from desktop.store import schema, shadows
from desktop.store.command_checks import Id, now_or
from desktop.store.database import ChangeSet, Store
from desktop.store.errors import ActionRefused
from ticketing.canned_replies import Scope
from ticketing.protocol import MutationName, UseCannedReplyArgs

ENTITY = "canned_reply"

_c = schema.canned_replies
_o = schema.outbox
#: The mutations that leave a reply "not synced yet" while they wait (a counted use does not).
_WRITES = (MutationName.CREATE_CANNED_REPLY.value, MutationName.UPDATE_CANNED_REPLY.value)


@dataclass(frozen=True)
class CannedReplyRow:
    id: str
    title: str
    body: str
    scope: Scope
    owner_id: str
    uses: int
    pending: bool = False  # a write of this account's not yet synced


def _row(values: Row[Any]) -> CannedReplyRow:
    r = values._mapping
    return CannedReplyRow(
        id=r["id"],
        title=r["title"] or "",
        body=r["body"] or "",
        scope=Scope(r["scope"]),
        owner_id=r["owner_id"],
        uses=int(r["uses"] or 0),
        pending=bool(r["pending"]),
    )


def list_replies(store: Store) -> list[CannedReplyRow]:
    """Every reply the cache holds, by title (at most a few hundred: read whole), each marked
    ``pending`` while a write of it waits in the outbox."""
    pending = exists().where(_o.c.ticket_id == _c.c.id, _o.c.name.in_(_WRITES)).label("pending")
    stmt = select(_c, pending).order_by(func.lower(_c.c.title), _c.c.id)
    with store.read() as conn:
        return [_row(values) for values in conn.execute(stmt)]


def count_use(store: Store, reply_id: Id, *, now: dt.datetime | None = None) -> None:
    """One insertion of the reply: its cached ``uses`` goes up and the mutation is queued."""
    reply_id = str(reply_id)
    with store.write() as conn:
        actor = store.actor(conn)
        if not actor.is_staff:
            raise ActionRefused("forbidden", "Only support staff have canned replies.")
        if conn.scalar(select(_c.c.id).where(_c.c.id == reply_id)) is None:
            raise ActionRefused("not_found", "This canned reply is not in the local cache.")
        args = UseCannedReplyArgs(canned_reply_id=uuid.UUID(reply_id))
        shadows.queue_alone(conn, ENTITY, reply_id, args, at=now_or(now), actor=actor)
    store.announce(ChangeSet(canned_replies=True, outbox=True, queued=True))
