"""Canned replies written offline: create, edit and delete (File > Canned replies…).

As for articles (:mod:`desktop.store.article_commands`), each action is checked first (support
staff only; who may change a reply is ``ticketing.canned_replies.may_change``, the server's
rule), then in ONE transaction the reply gets a shadow, its mutation goes to the outbox (queued
under the reply's own id: a reply is a family of its own) and the row is rebuilt as shadow +
pending mutations, so the change shows at once and a deletion hides the reply at once. A
mutation the server refuses goes to the sync problems and the row returns to the server's.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Connection

from desktop.store import records, shadows
from desktop.store.canned_replies import ENTITY
from desktop.store.command_checks import Id, now_or, refusals, rich_text
from desktop.store.database import ChangeSet, Store
from desktop.store.errors import ActionRefused
from desktop.store.rows import Row
from ticketing.canned_replies import Scope, may_change, may_change_scope
from ticketing.canned_reply_schemas import CannedReplyPatch
from ticketing.domain import new_id
from ticketing.protocol import (
    CreateCannedReplyArgs,
    DeleteCannedReplyArgs,
    UpdateCannedReplyArgs,
)


def _staff_only(conn: Connection, store: Store) -> None:
    if not store.actor(conn).is_staff:
        raise ActionRefused("forbidden", "Only support staff have canned replies.")


def _changeable(conn: Connection, store: Store, reply_id: Id) -> Row:
    """The cached reply, if this account may change it (the server's rule)."""
    _staff_only(conn, store)
    reply = records.read(conn, ENTITY, str(reply_id))
    if reply is None:
        raise ActionRefused("not_found", "This canned reply is not in the local cache.")
    actor = store.actor(conn)
    if not may_change(reply["scope"], reply["owner_id"], actor.id, actor.role):
        raise ActionRefused("forbidden", "Only its author or an admin can change a team canned reply.")
    return reply


def _announce(store: Store, changed: bool) -> None:
    store.announce(ChangeSet(canned_replies=True, outbox=True, queued=True) if changed else ChangeSet())


def create_reply(
    store: Store, *, title: str, body: str, scope: Scope = Scope.PERSONAL, now: dt.datetime | None = None
) -> str:
    """A new reply owned by this account (personal unless ``scope`` says team); its id."""
    with refusals(), store.write() as conn:
        _staff_only(conn, store)
        args = CreateCannedReplyArgs(id=new_id(), title=title, body=rich_text(body, "text"), scope=scope)
        reply_id = str(args.id)
        shadows.queue_alone(conn, ENTITY, reply_id, args, at=now_or(now), actor=store.actor(conn))
    _announce(store, True)
    return reply_id


def edit_reply(
    store: Store,
    reply_id: Id,
    *,
    title: str | None = None,
    body: str | None = None,
    scope: Scope | None = None,
    now: dt.datetime | None = None,
) -> int | None:
    """Change any of title, body and scope, with the values this cache holds as the base of each
    field; ``None`` if nothing changed."""
    fields: dict[str, Any] = {"title": title, "body": body, "scope": scope}
    with refusals(), store.write() as conn:
        mutation_id = edit_in(conn, store, reply_id, fields, now_or(now))
    _announce(store, mutation_id is not None)
    return mutation_id


def edit_in(
    conn: Connection, store: Store, reply_id: Id, fields: dict[str, Any], at: dt.datetime
) -> int | None:
    """:func:`edit_reply` inside the caller's write transaction (also how a conflict's values are
    applied again): ``fields`` maps title, body and scope to their new values (``None``: kept)."""
    reply = _changeable(conn, store, reply_id)
    checked = CannedReplyPatch.model_validate(
        {"title": fields.get("title"), "scope": fields.get("scope")}
    )  # the title as the server checks it
    changes: dict[str, dict[str, Any]] = {}
    if checked.title is not None and checked.title != reply["title"]:
        changes["title"] = {"base": reply["title"], "new": checked.title}
    if fields.get("body") is not None:
        cleaned = rich_text(fields["body"], "text")
        if cleaned != reply["body"]:
            changes["body"] = {"base": reply["body"], "new": cleaned}
    if checked.scope is not None and checked.scope.value != reply["scope"]:
        if not may_change_scope(reply["owner_id"], store.user_id):
            raise ActionRefused("forbidden", "Only its author can change a canned reply's scope.")
        changes["scope"] = {"base": reply["scope"], "new": checked.scope.value}
    if not changes:
        return None
    args = UpdateCannedReplyArgs.model_validate({"canned_reply_id": reply["id"], "changes": changes})
    return shadows.queue_alone(conn, ENTITY, reply["id"], args, at=at, actor=store.actor(conn))


def delete_reply(store: Store, reply_id: Id, now: dt.datetime | None = None) -> int:
    """Delete the reply: it leaves this cache's lists at once, and the server's when pushed."""
    with refusals(), store.write() as conn:
        reply = _changeable(conn, store, reply_id)
        args = DeleteCannedReplyArgs(canned_reply_id=uuid.UUID(reply["id"]))
        mutation_id = shadows.queue_alone(
            conn, ENTITY, reply["id"], args, at=now_or(now), actor=store.actor(conn)
        )
    _announce(store, True)
    return mutation_id
