"""Pending intent on top of server truth: replay queued mutations with the shared rules.

Pure functions over plain rows. Each mutation is replayed the way the server will apply it,
with the same ``ticketing.workflow`` checks and mutators: a mutation the server would refuse
(or report as a conflict) against the rows we now hold changes nothing here either, so the
cache shows what the server is expected to end up with.
"""

from __future__ import annotations

import datetime as dt
import logging
import mimetypes
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from desktop.store.outbox import QueuedMutation
from desktop.store.rows import Row, id_text, tags_of, tags_text, utc_text
from ticketing import workflow
from ticketing.canned_replies import may_change, may_change_scope
from ticketing.domain import Status
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
    MutationArgs,
    MutationName,
    RecordDeflectionArgs,
    SetArticleStatusArgs,
    TransitionStatusArgs,
    UpdateArticleArgs,
    UpdateCannedReplyArgs,
    UpdateTicketArgs,
    UseCannedReplyArgs,
    mutation_name,
    ticket_read_id,
)

log = logging.getLogger(__name__)


@dataclass
class Family:
    """A ticket and the comments and attachments its mutations create (or hang files on);
    ``None`` = no such row (yet). A knowledge-base article is a family of its own (keyed by its
    id, with no ticket): its mutations touch that one row. So is an account's read mark of a
    ticket (keyed by the mark's id), so that reading a ticket never marks the ticket pending, and
    a canned reply (keyed by its id), written, edited, deleted and its uses counted offline."""

    ticket: Row | None
    comments: dict[str, Row | None] = field(default_factory=dict)
    attachments: dict[str, Row | None] = field(default_factory=dict)
    articles: dict[str, Row | None] = field(default_factory=dict)
    reads: dict[str, Row | None] = field(default_factory=dict)
    canned_replies: dict[str, Row | None] = field(default_factory=dict)


def ticket_state(ticket: Row) -> workflow.TicketState:
    assignee = ticket.get("assignee_id")
    return workflow.TicketState(
        status=Status(ticket["status"]),
        submitter_id=uuid.UUID(ticket["submitter_id"]),
        assignee_id=uuid.UUID(assignee) if assignee else None,
    )


def _cache_value(value: Any) -> Any:
    if isinstance(value, Status):
        return value.value
    if isinstance(value, dt.datetime):
        return utc_text(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _write(ticket: Row, changes: dict[str, Any], at: str) -> None:
    for name, value in changes.items():
        ticket[name] = _cache_value(value)
    ticket["updated_at"] = at


def _allowed(check: Callable[..., None], *args: Any) -> bool:
    try:
        check(*args)
    except workflow.WorkflowError:
        return False
    return True


def _create_ticket(family: Family, args: CreateTicketArgs, actor: workflow.Actor, at: str) -> None:
    if family.ticket is not None:
        return  # the server's row has arrived: it is the truth
    family.ticket = {
        "id": str(args.id),
        "number": None,
        "title": args.title,
        "description": args.description,
        "status": Status.OPEN.value,
        "priority": args.priority,
        "category_id": str(args.category_id),
        "submitter_id": str(actor.id),
        "assignee_id": None,
        "created_at": at,
        "updated_at": at,
        "resolved_at": None,
        "closed_at": None,
        "version": 0,
    }


def _update_ticket(family: Family, args: UpdateTicketArgs, actor: workflow.Actor, at: str) -> None:
    ticket = family.ticket
    if ticket is None:
        return
    state = ticket_state(ticket)
    if not all(_allowed(workflow.check_edit, actor, state, name) for name in args.changes):
        return
    changes: dict[str, Any] = {}
    for name, change in args.changes.items():
        base, new = _cache_value(change.base), _cache_value(change.new)
        if workflow.merge_field(ticket[name], base, new) == workflow.FieldMerge.APPLY:
            changes[name] = new  # otherwise: no change, or the server keeps its value
    if changes:
        _write(ticket, changes, at)


def _transition(family: Family, args: TransitionStatusArgs, actor: workflow.Actor, at: str) -> None:
    ticket = family.ticket
    if ticket is None or ticket["status"] == args.to.value:
        return
    state = ticket_state(ticket)
    if _allowed(workflow.check_transition, actor, state, args.to):
        _write(ticket, workflow.transition_changes(state.status, args.to, dt.datetime.fromisoformat(at)), at)


def _assign(family: Family, args: AssignArgs, actor: workflow.Actor, at: str) -> None:
    ticket = family.ticket
    if ticket is None:
        return
    merge = workflow.merge_field(ticket["assignee_id"], id_text(args.base), id_text(args.new))
    if merge != workflow.FieldMerge.APPLY:  # no change, or a conflict the server will report
        return
    state = ticket_state(ticket)
    if _allowed(workflow.check_assign, actor, state):
        _write(ticket, workflow.assign_changes(state, args.new), at)


def _add_comment(family: Family, args: AddCommentArgs, actor: workflow.Actor, at: str) -> None:
    comment_id = str(args.id)
    ticket = family.ticket
    if ticket is None or family.comments.get(comment_id) is not None:
        return
    state = ticket_state(ticket)
    if not _allowed(workflow.check_comment, actor, state, args.is_internal):
        return
    family.comments[comment_id] = {
        "id": comment_id,
        "ticket_id": ticket["id"],
        "author_id": str(actor.id),
        "content": args.content,
        "is_internal": args.is_internal,
        "created_at": at,
    }
    if not args.is_internal:  # as on the server, an internal note leaves the ticket untouched
        now = dt.datetime.fromisoformat(at)
        _write(ticket, workflow.comment_changes(actor, state, args.is_internal, now), at)


def _add_attachment(family: Family, args: AddAttachmentArgs, actor: workflow.Actor, at: str) -> None:
    attachment_id = str(args.id)
    ticket = family.ticket
    if ticket is None or family.attachments.get(attachment_id) is not None:
        return
    is_internal = False
    if args.comment_id is not None:
        comment = family.comments.get(str(args.comment_id))
        if comment is None:
            return  # the comment is gone (refused): so is its file, as on the server
        is_internal = bool(comment["is_internal"])
    if not _allowed(workflow.check_comment, actor, ticket_state(ticket), is_internal):
        return
    family.attachments[attachment_id] = {
        "id": attachment_id,
        "ticket_id": ticket["id"],
        "comment_id": id_text(args.comment_id),
        "uploader_id": str(actor.id),
        "file_name": args.file_name,
        "content_type": mimetypes.guess_type(args.file_name)[0] or "application/octet-stream",
        "size": args.size,
        "sha256": args.sha256,
        "is_internal": is_internal,
        "created_at": at,
    }


def _create_article(family: Family, args: CreateArticleArgs, actor: workflow.Actor, at: str) -> None:
    article_id = str(args.id)
    if family.articles.get(article_id) is not None or not actor.is_staff:
        return  # the server's row has arrived (it is the truth), or the server will refuse
    family.articles[article_id] = {
        "id": article_id,
        "title": args.title,
        "body": args.body,
        "category_id": id_text(args.category_id),
        "tags": tags_text(args.tags),
        "status": args.status.value,
        "author_id": str(actor.id),
        "source_ticket_id": id_text(args.source_ticket_id),
        "created_at": at,
        "updated_at": at,
        "version": 0,
    }


def _update_article(family: Family, args: UpdateArticleArgs, actor: workflow.Actor, at: str) -> None:
    article = family.articles.get(str(args.article_id))
    if article is None or not actor.is_staff:
        return
    changed = False
    for name, change in args.changes.items():
        if name == "tags":
            current: Any = tags_of(article["tags"])
            base, new = list(change.base or []), list(change.new or [])
        else:
            current, base, new = article[name], _cache_value(change.base), _cache_value(change.new)
        if workflow.merge_field(current, base, new) == workflow.FieldMerge.APPLY:
            article[name] = tags_text(new) if name == "tags" else new
            changed = True
    if changed:
        article["updated_at"] = at


def _set_article_status(family: Family, args: SetArticleStatusArgs, actor: workflow.Actor, at: str) -> None:
    article = family.articles.get(str(args.article_id))
    if article is None or not actor.is_staff or article["status"] == args.status.value:
        return
    article["status"] = args.status.value
    article["updated_at"] = at


def _record_deflection(family: Family, args: RecordDeflectionArgs, actor: workflow.Actor, at: str) -> None:
    """Counts for the server's report: no row of the cache shows them, so nothing to replay."""


def _mark_read(family: Family, args: MarkReadArgs, actor: workflow.Actor, at: str) -> None:
    """As the server keeps it: the later of the mark held and this one."""
    read_id = str(ticket_read_id(actor.id, args.ticket_id))
    mark = utc_text(args.read_at)
    held = family.reads.get(read_id)
    if held is not None and held.get("read_at") is not None and held["read_at"] >= mark:
        return
    family.reads[read_id] = {
        "id": read_id,
        "user_id": str(actor.id),
        "ticket_id": str(args.ticket_id),
        "read_at": mark,
    }


def _use_canned_reply(family: Family, args: UseCannedReplyArgs, actor: workflow.Actor, at: str) -> None:
    """One more use, as the server will count it; a reply the cache no longer holds stays gone."""
    reply_id = str(args.canned_reply_id)
    held = family.canned_replies.get(reply_id)
    if held is not None:
        held["uses"] = int(held.get("uses") or 0) + 1


def _create_canned_reply(family: Family, args: CreateCannedReplyArgs, actor: workflow.Actor, at: str) -> None:
    reply_id = str(args.id)
    if family.canned_replies.get(reply_id) is not None or not actor.is_staff:
        return  # the server's row has arrived (it is the truth), or the server will refuse
    family.canned_replies[reply_id] = {
        "id": reply_id,
        "title": args.title,
        "body": args.body,
        "scope": args.scope.value,
        "owner_id": str(actor.id),
        "uses": 0,
        "created_at": at,
        "updated_at": at,
        "version": 0,
    }


def _update_canned_reply(family: Family, args: UpdateCannedReplyArgs, actor: workflow.Actor, at: str) -> None:
    """Field merge as on the server; an edit the shared rule refuses (someone else's team reply
    for an agent, a scope change by anyone but the author) changes nothing, as there."""
    reply = family.canned_replies.get(str(args.canned_reply_id))
    if reply is None or not may_change(reply["scope"], reply["owner_id"], actor.id, actor.role):
        return
    scope = args.changes.get("scope")
    if (
        scope is not None
        and scope.new != reply["scope"]
        and not may_change_scope(reply["owner_id"], actor.id)
    ):
        return
    changed = False
    for name, change in args.changes.items():
        base, new = _cache_value(change.base), _cache_value(change.new)
        if workflow.merge_field(reply[name], base, new) == workflow.FieldMerge.APPLY:
            reply[name] = new
            changed = True
    if changed:
        reply["updated_at"] = at


def _delete_canned_reply(family: Family, args: DeleteCannedReplyArgs, actor: workflow.Actor, at: str) -> None:
    reply_id = str(args.canned_reply_id)
    reply = family.canned_replies.get(reply_id)
    if reply is not None and may_change(reply["scope"], reply["owner_id"], actor.id, actor.role):
        family.canned_replies[reply_id] = None


#: How the client replays each mutation over the server's rows (a test checks every name has one).
REPLAYERS: dict[MutationName, Callable[[Family, Any, workflow.Actor, str], None]] = {
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


def parse_args(mutation: QueuedMutation, name: MutationName) -> MutationArgs:
    return MUTATION_ARGS[name].model_validate(mutation.args)


def replay(family: Family, mutations: Iterable[QueuedMutation], actor: workflow.Actor) -> Family:
    """Apply ``mutations`` in order to (copies of) ``family``'s rows."""
    result = Family(
        ticket=None if family.ticket is None else dict(family.ticket),
        comments={key: None if row is None else dict(row) for key, row in family.comments.items()},
        attachments={key: None if row is None else dict(row) for key, row in family.attachments.items()},
        articles={key: None if row is None else dict(row) for key, row in family.articles.items()},
        reads={key: None if row is None else dict(row) for key, row in family.reads.items()},
        canned_replies={
            key: None if row is None else dict(row) for key, row in family.canned_replies.items()
        },
    )
    for mutation in mutations:
        name = mutation_name(mutation.name)
        if name is None:  # written by another version of the app: the server still decides
            log.warning("cannot replay unknown mutation %s", mutation.name)
            continue
        try:
            args = parse_args(mutation, name)
        except ValidationError:
            log.warning("cannot replay mutation %s: invalid arguments", mutation.id)
            continue
        REPLAYERS[args.NAME](result, args, actor, mutation.created_at)
    return result
