"""The write layer for canned replies: create, edit, delete, and count a use.

Who sees one follows its buckets (``visibility.canned_reply_buckets``): a personal reply is its
owner's alone, so to anyone else it does not exist (404, not 403, so its existence does not
leak); a team reply is every support staff member's, and only its owner or an admin may change
or delete it (anyone else is refused with a 403: they can see it). End users have none. Each
change bumps the version and logs the row in its buckets; a scope change also logs a REMOVE
where it left, and a deletion a REMOVE everywhere it was.

Who may change one is ``ticketing.canned_replies.may_change`` (the offline cache asks the same).
Changes to team replies go to the admin audit log here, in the change's transaction, so REST
and the pushed mutations (``services/sync/mutations.py``) log alike; personal ones are nobody
else's and are not logged.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from sync_server.db.models import CannedReply
from sync_server.errors import Conflict, Forbidden, NotFound
from sync_server.services import audit, clock
from sync_server.services.helpdesk import tickets
from sync_server.services.identity.principal import Principal
from sync_server.services.sync import changelog
from ticketing.canned_replies import Scope, may_change, may_change_scope
from ticketing.canned_reply_schemas import CannedReplyCreate, CannedReplyOut, CannedReplyPatch
from ticketing.domain import new_id
from ticketing.schemas import AuditAction
from ticketing.visibility import canned_reply_buckets

ENTITY = "canned_reply"


def require_staff(principal: Principal) -> None:
    if not principal.is_staff:
        raise Forbidden("Only support staff have canned replies.")


def _buckets(reply: CannedReply) -> frozenset[str]:
    return canned_reply_buckets(reply.scope, reply.owner_id)


def _visible(principal: Principal) -> ColumnElement[bool]:
    return or_(CannedReply.scope == Scope.TEAM.value, CannedReply.owner_id == principal.user.id)


def list_replies(session: Session, principal: Principal) -> list[CannedReply]:
    """The caller's personal replies and the team's, by title."""
    require_staff(principal)
    stmt = select(CannedReply).where(_visible(principal)).order_by(CannedReply.title, CannedReply.id)
    return list(session.scalars(stmt))


def find_reply(
    session: Session, principal: Principal, reply_id: uuid.UUID, *, lock: bool = False
) -> CannedReply:
    """A reply the caller may see; someone else's personal reply is not found."""
    require_staff(principal)
    stmt = select(CannedReply).where(CannedReply.id == reply_id, _visible(principal))
    if lock:
        stmt = stmt.with_for_update()
    reply = session.scalar(stmt)
    if reply is None:
        raise NotFound(
            f"No canned reply {reply_id}: it was deleted, or it is someone else's personal reply.",
            code="canned_reply_not_found",
        )
    return reply


def _require_editor(principal: Principal, reply: CannedReply) -> None:
    """A personal reply only reaches here for its owner; a team one needs its owner or an admin."""
    if not may_change(reply.scope, reply.owner_id, principal.user.id, principal.role):
        raise Forbidden("Only its author or an admin can change a team canned reply.")


def _audited(
    session: Session, principal: Principal, action: AuditAction, reply: CannedReply, **details: object
) -> None:
    audit.record(
        session,
        principal.user.id,
        action,
        target_type=ENTITY,
        target_id=reply.id,
        details={"title": reply.title, **details},
    )


def create_reply(session: Session, principal: Principal, data: CannedReplyCreate) -> CannedReply:
    require_staff(principal)
    reply_id = data.id or new_id()
    if session.get(CannedReply, reply_id) is not None:
        raise Conflict("A canned reply with this id already exists.", code="duplicate_id")
    now = clock.now()
    reply = CannedReply(
        id=reply_id,
        title=data.title,
        body=tickets.clean_rich_text(data.body, "body"),
        scope=data.scope.value,
        owner_id=principal.user.id,
        uses=0,
        created_at=now,
        updated_at=now,
        version=1,
    )
    session.add(reply)
    session.flush()
    changelog.record(session, ENTITY, reply.id, _buckets(reply))
    if reply.scope == Scope.TEAM:
        _audited(session, principal, AuditAction.CANNED_REPLY_ADDED, reply)
    return reply


@dataclass(frozen=True)
class Edited:
    reply: CannedReply
    old_scope: Scope
    changed: bool  # False: every value sent was the stored one


def update_reply(
    session: Session, principal: Principal, reply_id: uuid.UUID, patch: CannedReplyPatch
) -> Edited:
    """Change any fields as one change; values equal to the stored ones change nothing."""
    reply = find_reply(session, principal, reply_id, lock=True)
    _require_editor(principal, reply)
    before = _buckets(reply)
    old_scope = Scope(reply.scope)
    if (
        patch.scope is not None
        and patch.scope != old_scope
        and not may_change_scope(reply.owner_id, principal.user.id)
    ):
        raise Forbidden("Only its author can change a canned reply's scope.")
    changed = False
    values = {
        "title": patch.title,
        "body": None if patch.body is None else tickets.clean_rich_text(patch.body, "body"),
        "scope": None if patch.scope is None else patch.scope.value,
    }
    for name, value in values.items():
        if value is not None and getattr(reply, name) != value:
            setattr(reply, name, value)
            changed = True
    if changed:
        reply.updated_at = clock.now()
        reply.version += 1
        session.flush()
        changelog.record(session, ENTITY, reply.id, _buckets(reply), before)
        if Scope.TEAM in (old_scope, Scope(reply.scope)):
            fields = sorted(patch.model_fields_set)
            _audited(
                session, principal, AuditAction.CANNED_REPLY_CHANGED, reply, fields=fields, scope=reply.scope
            )
    return Edited(reply, old_scope, changed)


def delete_reply(session: Session, principal: Principal, reply_id: uuid.UUID) -> CannedReply:
    """Delete the row; every cache that held it is told to let go (a REMOVE in its buckets)."""
    reply = find_reply(session, principal, reply_id, lock=True)
    _require_editor(principal, reply)
    buckets = _buckets(reply)
    session.delete(reply)
    session.flush()
    changelog.record(session, ENTITY, reply.id, (), buckets)
    if reply.scope == Scope.TEAM:
        _audited(session, principal, AuditAction.CANNED_REPLY_DELETED, reply)
    return reply


def count_use(session: Session, principal: Principal, reply_id: uuid.UUID) -> CannedReply:
    """One insertion of a reply the caller may see: ``uses`` goes up by one (in the database,
    so concurrent uses from several agents all count)."""
    reply = find_reply(session, principal, reply_id)
    session.execute(
        update(CannedReply)
        .where(CannedReply.id == reply.id)
        .values(uses=CannedReply.uses + 1, version=CannedReply.version + 1)
        .execution_options(synchronize_session=False)
    )
    session.refresh(reply)
    changelog.record(session, ENTITY, reply.id, _buckets(reply))
    return reply


def reply_out(reply: CannedReply) -> CannedReplyOut:
    return CannedReplyOut(
        id=reply.id,
        title=reply.title,
        body=reply.body,
        scope=Scope(reply.scope),
        owner_id=reply.owner_id,
        uses=reply.uses,
    )
