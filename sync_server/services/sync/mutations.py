"""Pushed mutations applied through the write layer, with the protocol's conflict rules.

A mutation is an intent recorded offline. Field edits carry the value the client saw
(``base``): if the server still has it, the edit applies; if the server already has the new
value, nothing happens; otherwise the server's value stays and the result reports a conflict.
No clock decides anything.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from sync_server.db.models import Article, CannedReply, Comment, DeflectionEvent, Ticket
from sync_server.errors import Conflict, Invalid, NotFound
from sync_server.services.files import attachments
from sync_server.services.helpdesk import canned_replies, read_marks, tickets
from sync_server.services.identity.principal import Principal
from sync_server.services.knowledge import articles
from ticketing import workflow
from ticketing.canned_reply_schemas import CannedReplyCreate, CannedReplyPatch
from ticketing.protocol import (
    MUTATION_ARGS,
    AddAttachmentArgs,
    AddCommentArgs,
    AssignArgs,
    CreateArticleArgs,
    CreateCannedReplyArgs,
    CreateTicketArgs,
    DeleteCannedReplyArgs,
    MarkReadArgs,
    Mutation,
    MutationArgs,
    MutationName,
    MutationStatus,
    RecordDeflectionArgs,
    SetArticleStatusArgs,
    TransitionStatusArgs,
    UpdateArticleArgs,
    UpdateCannedReplyArgs,
    UpdateTicketArgs,
    UseCannedReplyArgs,
    mutation_name,
)
from ticketing.richtext import sanitize_html
from ticketing.schemas import (
    ArticleCreate,
    ArticlePatch,
    AttachmentCreate,
    CommentCreate,
    TicketCreate,
    TicketPatch,
)


@dataclass
class Outcome:
    status: MutationStatus = "applied"
    code: str | None = None
    message: str | None = None
    server_values: dict[str, Any] | None = field(default=None)


def _comparable(value: Any) -> Any:
    return str(value) if isinstance(value, uuid.UUID) else value


def _create_ticket(session: Session, principal: Principal, args: CreateTicketArgs) -> Outcome:
    existing = session.get(Ticket, args.id)
    if existing is not None:
        if existing.submitter_id == principal.user.id:
            return Outcome(code="already_exists")
        raise Conflict("A ticket with this id already exists.", code="duplicate_id")
    data = TicketCreate(
        id=args.id,
        title=args.title,
        description=args.description,
        category_id=args.category_id,
        priority=args.priority,
    )
    tickets.create_ticket(session, principal, data, written_offline=True)
    return Outcome()


def _update_ticket(session: Session, principal: Principal, args: UpdateTicketArgs) -> Outcome:
    ticket = tickets.find_ticket(session, principal, str(args.ticket_id), lock=True)
    edits: dict[str, tuple[Any, Any]] = {name: (c.base, c.new) for name, c in args.changes.items()}
    apply, conflicts = _merge_fields(ticket, edits)
    if apply:
        tickets.update_ticket(session, principal, str(ticket.id), TicketPatch.model_validate(apply))
    return _field_conflict(conflicts)


def _merge_fields(row: object, edits: dict[str, tuple[Any, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The protocol's field merge of ``{field: (base, new)}`` against ``row``: the values to
    write, and the server's values of the fields someone else changed meanwhile."""
    apply: dict[str, Any] = {}
    conflicts: dict[str, Any] = {}
    for name, (base, new) in edits.items():
        current = _comparable(getattr(row, name))
        merge = workflow.merge_field(current, _comparable(base), _comparable(new))
        if merge == workflow.FieldMerge.APPLY:
            apply[name] = new
        elif merge == workflow.FieldMerge.CONFLICT:
            conflicts[name] = current
    return apply, conflicts


def _field_conflict(conflicts: dict[str, Any]) -> Outcome:
    if not conflicts:
        return Outcome()
    fields = ", ".join(sorted(conflicts))
    return Outcome(
        "conflict", "field_conflict", f"Someone else changed {fields} meanwhile.", server_values=conflicts
    )


def _transition(session: Session, principal: Principal, args: TransitionStatusArgs) -> Outcome:
    ticket = tickets.find_ticket(session, principal, str(args.ticket_id), lock=True)
    if ticket.status == args.to:
        return Outcome(code="no_change")
    tickets.update_ticket(session, principal, str(ticket.id), TicketPatch(status=args.to))
    return Outcome()


def _assign(session: Session, principal: Principal, args: AssignArgs) -> Outcome:
    ticket = tickets.find_ticket(session, principal, str(args.ticket_id), lock=True)
    merge = workflow.merge_field(ticket.assignee_id, args.base, args.new)
    if merge == workflow.FieldMerge.ALREADY:
        return Outcome(code="no_change")
    if merge == workflow.FieldMerge.CONFLICT:
        return Outcome(
            "conflict",
            "field_conflict",
            "Someone else assigned this ticket meanwhile.",
            server_values={"assignee_id": _comparable(ticket.assignee_id)},
        )
    tickets.update_ticket(session, principal, str(ticket.id), TicketPatch(assignee_id=args.new))
    return Outcome()


def _add_comment(session: Session, principal: Principal, args: AddCommentArgs) -> Outcome:
    existing = session.get(Comment, args.id)
    if existing is not None:
        if existing.author_id == principal.user.id:
            return Outcome(code="already_exists")
        raise Conflict("A comment with this id already exists.", code="duplicate_id")
    data = CommentCreate(id=args.id, content=args.content, is_internal=args.is_internal)
    tickets.add_comment(session, principal, str(args.ticket_id), data)
    return Outcome()


def _add_attachment(session: Session, principal: Principal, args: AddAttachmentArgs) -> Outcome:
    data = AttachmentCreate(
        id=args.id, comment_id=args.comment_id, sha256=args.sha256, file_name=args.file_name, size=args.size
    )
    attachments.add_attachment(session, principal, str(args.ticket_id), data)
    return Outcome()


def _create_article(session: Session, principal: Principal, args: CreateArticleArgs) -> Outcome:
    existing = session.get(Article, args.id)
    if existing is not None:
        if existing.author_id == principal.user.id:
            return Outcome(code="already_exists")
        raise Conflict("An article with this id already exists.", code="duplicate_id")
    data = ArticleCreate.model_validate(args.model_dump())
    articles.create_article(session, principal, data, written_offline=True)
    return Outcome()


def _update_article(session: Session, principal: Principal, args: UpdateArticleArgs) -> Outcome:
    articles.require_staff(principal)
    article = articles.find_article(session, principal, args.article_id, lock=True)
    edits: dict[str, tuple[Any, Any]] = {name: (c.base, c.new) for name, c in args.changes.items()}
    if "tags" in edits:  # compared as the server keeps them (normalized)
        base, new = edits["tags"]
        edits["tags"] = (
            ArticlePatch.model_validate({"tags": base or []}).tags,
            ArticlePatch.model_validate({"tags": new}).tags,
        )
    apply, conflicts = _merge_fields(article, edits)
    if apply:
        articles.update_article(session, principal, article.id, ArticlePatch.model_validate(apply))
    return _field_conflict(conflicts)


def _set_article_status(session: Session, principal: Principal, args: SetArticleStatusArgs) -> Outcome:
    articles.require_staff(principal)
    article = articles.find_article(session, principal, args.article_id, lock=True)
    if article.status == args.status.value:
        return Outcome(code="no_change")
    articles.set_status(session, principal, article.id, args.status)
    return Outcome()


def _record_deflection(session: Session, principal: Principal, args: RecordDeflectionArgs) -> Outcome:
    """Any role records its own form sessions; the same id again is the same record. Writes no
    synced row (nothing in the change log): the push answers it and a pull settles it as any."""
    existing = session.get(DeflectionEvent, args.id)
    if existing is not None:
        if existing.account_id == principal.user.id:
            return Outcome(code="already_exists")
        raise Conflict("A deflection record with this id already exists.", code="duplicate_id")
    if args.opened > args.shown:
        raise Invalid("Invalid record_deflection: opened: more than shown", code="invalid")
    session.add(
        DeflectionEvent(
            id=args.id,
            account_id=principal.user.id,
            at=args.at,
            shown=args.shown,
            opened=args.opened,
            deflected=args.deflected,
            category_id=args.category_id,
            priority=args.priority,
            ticket_id=args.ticket_id,
        )
    )
    session.flush()
    return Outcome()


def _mark_read(session: Session, principal: Principal, args: MarkReadArgs) -> Outcome:
    """Only a ticket the caller may read; the later mark wins, so a repeat or an older mark
    from another device is no change."""
    ticket = tickets.find_ticket(session, principal, str(args.ticket_id))
    if not read_marks.mark_read(session, principal.user.id, ticket.id, args.read_at):
        return Outcome(code="no_change")
    return Outcome()


def _use_canned_reply(session: Session, principal: Principal, args: UseCannedReplyArgs) -> Outcome:
    """One insertion of a reply the caller may see (staff only); a retried mutation is answered
    from its stored result, so it counts once."""
    canned_replies.count_use(session, principal, args.canned_reply_id)
    return Outcome()


def _create_canned_reply(session: Session, principal: Principal, args: CreateCannedReplyArgs) -> Outcome:
    """Through the REST route's ``create_reply`` (staff only, body sanitized, team ones audited);
    the same id again from its owner is the same reply, from anyone else a refusal."""
    canned_replies.require_staff(principal)
    existing = session.get(CannedReply, args.id)
    if existing is not None:
        if existing.owner_id == principal.user.id:
            return Outcome(code="already_exists")
        raise Conflict("A canned reply with this id already exists.", code="duplicate_id")
    data = CannedReplyCreate(id=args.id, title=args.title, body=args.body, scope=args.scope)
    canned_replies.create_reply(session, principal, data)
    return Outcome()


def _update_canned_reply(session: Session, principal: Principal, args: UpdateCannedReplyArgs) -> Outcome:
    """Merged per field against the values the editor saw, as ``update_article`` is: another
    edit made meanwhile to the same field is a conflict (the server's value stays, and the
    client offers to apply its own again), never last-writer-wins. The fields that merge go
    through the REST route's ``update_reply``: its author or an admin (a team reply), only the
    author moves the scope, title checked and body sanitized, team changes audited. A reply
    deleted meanwhile (or someone else's personal one) is rejected as not found."""
    reply = canned_replies.find_reply(session, principal, args.canned_reply_id, lock=True)
    edits: dict[str, tuple[Any, Any]] = {name: (c.base, c.new) for name, c in args.changes.items()}
    if "body" in edits:  # compared as the server keeps it (sanitized)
        base, new = edits["body"]
        edits["body"] = (
            base if base is None else sanitize_html(str(base)),
            tickets.clean_rich_text(str(new), "body"),
        )
    apply, conflicts = _merge_fields(reply, edits)
    if apply:
        patch = CannedReplyPatch.model_validate(apply)
        canned_replies.update_reply(session, principal, reply.id, patch)
    return _field_conflict(conflicts)


def _delete_canned_reply(session: Session, principal: Principal, args: DeleteCannedReplyArgs) -> Outcome:
    """Through the REST route's ``delete_reply`` (its author, or an admin for a team one; team
    ones audited). A reply already gone is what was asked: applied, as ``already_deleted``."""
    try:
        canned_replies.delete_reply(session, principal, args.canned_reply_id)
    except NotFound:
        return Outcome(code="already_deleted")
    return Outcome()


#: How the server applies each mutation (a test checks that every name has one).
APPLIERS: dict[MutationName, Callable[[Session, Principal, Any], Outcome]] = {
    MutationName.CREATE_TICKET: _create_ticket,
    MutationName.UPDATE_TICKET: _update_ticket,
    MutationName.TRANSITION_STATUS: _transition,
    MutationName.ASSIGN: _assign,
    MutationName.ADD_COMMENT: _add_comment,
    MutationName.ADD_ATTACHMENT: _add_attachment,
    MutationName.CREATE_ARTICLE: _create_article,
    MutationName.UPDATE_ARTICLE: _update_article,
    MutationName.SET_ARTICLE_STATUS: _set_article_status,
    MutationName.RECORD_DEFLECTION: _record_deflection,
    MutationName.MARK_READ: _mark_read,
    MutationName.USE_CANNED_REPLY: _use_canned_reply,
    MutationName.CREATE_CANNED_REPLY: _create_canned_reply,
    MutationName.UPDATE_CANNED_REPLY: _update_canned_reply,
    MutationName.DELETE_CANNED_REPLY: _delete_canned_reply,
}


def parse_args(mutation: Mutation) -> MutationArgs:
    name = mutation_name(mutation.name)
    if name is None:
        raise Invalid(f"Unknown mutation '{mutation.name}'.", code="unknown_mutation")
    model = MUTATION_ARGS[name]
    try:
        return model.model_validate(mutation.args)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise Invalid(f"Invalid {mutation.name}: {where}: {first['msg']}", code="invalid") from exc


def apply(session: Session, principal: Principal, mutation: Mutation) -> Outcome:
    """Apply one mutation; raises ``DomainError`` for a permanent refusal."""
    args = parse_args(mutation)
    try:
        return APPLIERS[args.NAME](session, principal, args)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise Invalid(f"Invalid {mutation.name}: {where}: {first['msg']}", code="invalid") from exc
