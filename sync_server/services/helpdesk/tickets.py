"""The write layer for tickets and their comments, with the shared workflow rules applied.

Each function checks permissions with ``ticketing.workflow``, changes the rows, writes the
history events and logs every touched row to the sync change log, all in the caller's
transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync_server.db.models import Attachment, Comment, Ticket, TicketEvent
from sync_server.errors import Conflict, Invalid, NotFound, from_workflow
from sync_server.services import clock
from sync_server.services.helpdesk import auto_assign, catalog
from sync_server.services.identity import accounts
from sync_server.services.identity.principal import Principal
from sync_server.services.mail import notifications
from sync_server.services.sla import ticket_sla
from sync_server.services.sync import changelog
from sync_server.services.sync.readable import readable_tickets
from ticketing import workflow
from ticketing.domain import Status, format_ticket_number, new_id, parse_ticket_number
from ticketing.richtext import has_content, sanitize_html
from ticketing.schemas import CommentCreate, TicketCreate, TicketPatch
from ticketing.sla import is_staff_reply
from ticketing.visibility import (
    STAFF_EVENT_FIELDS,
    comment_buckets,
    event_buckets,
    internal_buckets,
    ticket_buckets,
)


def state_of(ticket: Ticket) -> workflow.TicketState:
    return workflow.TicketState(
        status=Status(ticket.status), submitter_id=ticket.submitter_id, assignee_id=ticket.assignee_id
    )


def _checked(check: Any, *args: Any) -> None:
    try:
        check(*args)
    except workflow.WorkflowError as error:
        raise from_workflow(error) from error


def find_ticket(session: Session, principal: Principal, key: str, *, lock: bool = False) -> Ticket:
    """A ticket the principal may read, by UUID or ``TKT-`` number; others are not found."""
    stmt = readable_tickets(principal)
    try:
        stmt = stmt.where(Ticket.id == uuid.UUID(key))
    except ValueError:
        number = parse_ticket_number(key)
        if number is None:
            raise NotFound(f"No ticket {key}.") from None
        stmt = stmt.where(Ticket.number == number)
    if lock:
        stmt = stmt.with_for_update(of=Ticket)
    ticket = session.scalar(stmt)
    if ticket is None:
        raise NotFound(f"No ticket {key}.")
    return ticket


def clean_rich_text(text: str, what: str) -> str:
    """Sanitized rich text, or a 422 naming ``what`` when nothing readable is left."""
    cleaned = sanitize_html(text)
    if not has_content(cleaned):
        raise Invalid(
            f"The {what} cannot be empty.", code="invalid", fields=[{"field": what, "message": "required"}]
        )
    return cleaned


@dataclass
class _History:
    """Events collected while one request changes a ticket."""

    session: Session
    ticket: Ticket
    actor_id: uuid.UUID | None
    now: dt.datetime
    changed: bool = False

    def add(self, field: str, old: Any, new: Any) -> None:
        event = TicketEvent(
            id=new_id(),
            ticket_id=self.ticket.id,
            actor_id=self.actor_id,
            field=field,
            old_value=None if old is None else str(old),
            new_value=None if new is None else str(new),
            created_at=self.now,
        )
        self.session.add(event)
        self.session.flush()
        self.changed = True
        changelog.record(
            self.session,
            "ticket_event",
            event.id,
            event_buckets(field, self.ticket.submitter_id, self.ticket.assignee_id),
        )


def create_ticket(
    session: Session, principal: Principal, data: TicketCreate, *, written_offline: bool = False
) -> Ticket:
    """A new Open ticket; ``written_offline`` accepts a category or priority deactivated since.
    With automatic assignment on, it is assigned at once like any assignment (In Progress, an
    ``assignee_id`` event by the creator, the assignee's buckets and mail)."""
    catalog.active_category(session, data.category_id, allow_inactive=written_offline)
    catalog.active_priority(session, data.priority, allow_inactive=written_offline)
    ticket_id = data.id or new_id()
    if session.get(Ticket, ticket_id) is not None:
        raise Conflict("A ticket with this id already exists.", code="duplicate_id")
    now = clock.now()
    ticket = Ticket(
        id=ticket_id,
        title=data.title,
        description=clean_rich_text(data.description, "description"),
        status=Status.OPEN.value,
        reopen_count=0,
        priority=data.priority,
        category_id=data.category_id,
        submitter_id=principal.user.id,
        created_at=now,
        updated_at=now,
    )
    session.add(ticket)
    session.flush()
    changelog.record(session, "ticket", ticket.id, ticket_buckets(ticket.submitter_id, None))
    history = _History(session, ticket, principal.user.id, now)
    history.add("created", None, format_ticket_number(ticket.number))
    assignee = auto_assign.pick_assignee(session, ticket.category_id)
    if assignee is not None:
        _apply_changes(history, workflow.assign_changes(state_of(ticket), assignee.id))
        auto_assign.served(assignee, now)
        session.flush()
        _relog_children(session, ticket, ticket_buckets(ticket.submitter_id, None), internal_buckets(None))
    ticket_sla.refresh(session, ticket, now)
    notifications.ticket_created(session, ticket)
    if assignee is not None:
        notifications.ticket_auto_assigned(session, ticket)
    return ticket


def _set_field(history: _History, field: str, new: Any) -> None:
    old = getattr(history.ticket, field)
    if old == new:
        return
    setattr(history.ticket, field, new)
    if field == "status":
        _record_status_figures(history, Status(old), Status(new))
    if field == "description":
        history.add(field, None, None)  # the text itself is in the ticket, not in history
    else:
        history.add(field, old, new)


def _record_status_figures(history: _History, old: Status, new: Status) -> None:
    """What the reports need of a status change, kept on the ticket in the same transaction.

    ``resolved_at`` and ``closed_at`` come with the workflow's changes; here: who set the latest
    Resolved (kept through a reopen: it names whoever resolved the ticket last), when it was
    first resolved, and how often it went from Resolved or Closed back to work.
    """
    ticket = history.ticket
    if new == Status.RESOLVED:
        ticket.resolved_by_id = history.actor_id
        if ticket.first_resolved_at is None:
            ticket.first_resolved_at = history.now
    elif new.is_active and old in (Status.RESOLVED, Status.CLOSED):
        ticket.reopen_count = (ticket.reopen_count or 0) + 1


def _is_first_response(actor: workflow.Actor, ticket: Ticket, is_internal: bool) -> bool:
    """The first public reply by staff other than the requester (an internal note is none)."""
    return (
        not is_internal
        and is_staff_reply(actor.is_staff, actor.id, ticket.submitter_id)
        and ticket.first_response_at is None
    )


def _apply_changes(history: _History, changes: dict[str, Any]) -> None:
    for field, value in changes.items():
        if field in ("resolved_at", "closed_at"):
            setattr(history.ticket, field, value)
        else:
            _set_field(history, field, value.value if isinstance(value, Status) else value)


def update_ticket(session: Session, principal: Principal, key: str, patch: TicketPatch) -> Ticket:
    """Edit fields, assign, and change status, in that order, as one change."""
    ticket = find_ticket(session, principal, key, lock=True)
    before = ticket_buckets(ticket.submitter_id, ticket.assignee_id)
    before_internal = internal_buckets(ticket.assignee_id)
    old_assignee = ticket.assignee_id
    old_status = ticket.status
    actor = principal.actor
    now = clock.now()
    history = _History(session, ticket, actor.id, now)
    fields = patch.model_fields_set

    for field in ("title", "description", "category_id", "priority"):
        value = getattr(patch, field)
        if field not in fields or value is None:
            continue
        _checked(workflow.check_edit, actor, state_of(ticket), field)
        if field == "description":
            value = clean_rich_text(value, "description")
        elif field == "category_id" and value != ticket.category_id:
            catalog.active_category(session, value)
        elif field == "priority" and value != ticket.priority:
            catalog.active_priority(session, value)
        _set_field(history, field, value)

    if "assignee_id" in fields and patch.assignee_id != ticket.assignee_id:
        _checked(workflow.check_assign, actor, state_of(ticket))
        if patch.assignee_id is not None:
            accounts.staff_member(session, patch.assignee_id)
        changes = workflow.assign_changes(state_of(ticket), patch.assignee_id)
        if patch.status is not None:
            changes.pop("status", None)  # an explicit status in the same request wins
        _apply_changes(history, changes)

    if patch.status is not None and patch.status != ticket.status:
        _checked(workflow.check_transition, actor, state_of(ticket), patch.status)
        _apply_changes(history, workflow.transition_changes(Status(ticket.status), patch.status, now))

    if history.changed:
        _touch(session, ticket, now)
        ticket_sla.refresh(session, ticket, now)
        if ticket.assignee_id != old_assignee:
            _relog_children(session, ticket, before, before_internal)
        else:
            changelog.record(
                session, "ticket", ticket.id, ticket_buckets(ticket.submitter_id, ticket.assignee_id)
            )
        notifications.ticket_changed(
            session, ticket, principal.user, old_status=old_status, old_assignee=old_assignee
        )
    return ticket


def _touch(session: Session, ticket: Ticket, now: dt.datetime) -> None:
    ticket.updated_at = now
    ticket.version += 1
    session.flush()


def _relog_children(
    session: Session, ticket: Ticket, before: frozenset[str], before_internal: frozenset[str]
) -> None:
    """A new assignee changes the buckets of the ticket and of everything hanging off it."""
    public = ticket_buckets(ticket.submitter_id, ticket.assignee_id)
    internal = internal_buckets(ticket.assignee_id)
    changelog.record(session, "ticket", ticket.id, public, before)
    for event_id, field in session.execute(
        select(TicketEvent.id, TicketEvent.field).where(TicketEvent.ticket_id == ticket.id)
    ):
        if field in STAFF_EVENT_FIELDS:
            changelog.record(session, "ticket_event", event_id, internal, before_internal)
        else:
            changelog.record(session, "ticket_event", event_id, public, before)
    for comment_id, is_internal in session.execute(
        select(Comment.id, Comment.is_internal).where(Comment.ticket_id == ticket.id)
    ):
        if is_internal:
            changelog.record(session, "comment", comment_id, internal, before_internal)
        else:
            changelog.record(session, "comment", comment_id, public, before)
    for attachment_id, is_internal in session.execute(
        select(Attachment.id, Attachment.is_internal).where(Attachment.ticket_id == ticket.id)
    ):
        if is_internal:
            changelog.record(session, "attachment", attachment_id, internal, before_internal)
        else:
            changelog.record(session, "attachment", attachment_id, public, before)


def add_comment(session: Session, principal: Principal, key: str, data: CommentCreate) -> Comment:
    ticket = find_ticket(session, principal, key, lock=True)
    actor = principal.actor
    _checked(workflow.check_comment, actor, state_of(ticket), data.is_internal)
    comment_id = data.id or new_id()
    if session.get(Comment, comment_id) is not None:
        raise Conflict("A comment with this id already exists.", code="duplicate_id")
    now = clock.now()
    comment = Comment(
        id=comment_id,
        ticket_id=ticket.id,
        author_id=actor.id,
        content=clean_rich_text(data.content, "content"),
        is_internal=data.is_internal,
        created_at=now,
    )
    session.add(comment)
    session.flush()
    changelog.record(
        session,
        "comment",
        comment.id,
        comment_buckets(ticket.submitter_id, ticket.assignee_id, data.is_internal),
    )
    if not data.is_internal:  # an internal note must not even show as activity to the requester
        if _is_first_response(actor, ticket, data.is_internal):
            ticket.first_response_at = now
        history = _History(session, ticket, actor.id, now)
        _apply_changes(history, workflow.comment_changes(actor, state_of(ticket), data.is_internal, now))
        _touch(session, ticket, now)
        ticket_sla.refresh(session, ticket, now)
        changelog.record(
            session, "ticket", ticket.id, ticket_buckets(ticket.submitter_id, ticket.assignee_id)
        )
    notifications.comment_added(session, ticket, comment, principal.user)
    return comment


def system_change(
    session: Session,
    ticket: Ticket,
    note: tuple[str, str | None, str | None],
    *,
    priority: str | None = None,
    assignee_id: uuid.UUID | None = None,
) -> None:
    """What Ticketdesk does to a ticket by itself (an SLA breach's actions): a history line
    ``note`` (field, old, new) without an actor, then the changes, with the same buckets,
    change log and service-level refresh as a person's change. The caller has locked the row
    and keeps its service level."""
    now = clock.now()
    before = ticket_buckets(ticket.submitter_id, ticket.assignee_id)
    before_internal = internal_buckets(ticket.assignee_id)
    old_assignee = ticket.assignee_id
    _History(session, ticket, None, now).add(*note)
    history = _History(session, ticket, None, now)
    if priority is not None and priority != ticket.priority:
        _set_field(history, "priority", priority)
    if assignee_id is not None and assignee_id != ticket.assignee_id:
        _apply_changes(history, workflow.assign_changes(state_of(ticket), assignee_id))
    if not history.changed:
        return  # a note alone leaves the ticket row as it was (its requester sees no change)
    _touch(session, ticket, now)
    ticket_sla.refresh(session, ticket, now)
    if ticket.assignee_id != old_assignee:
        _relog_children(session, ticket, before, before_internal)
    else:
        changelog.record(
            session, "ticket", ticket.id, ticket_buckets(ticket.submitter_id, ticket.assignee_id)
        )
