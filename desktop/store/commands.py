"""What a user does, written offline: each action updates the cache and queues its mutation.

Every action is checked first with ``ticketing.workflow`` (the server's own rules) and refused
with :class:`ActionRefused` if illegal. Otherwise, in ONE transaction, the touched rows get a
shadow, the mutation goes to the outbox and the rows are rebuilt (shadow + pending mutations),
so the change shows at once and stays marked pending until the server's rows arrive.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection, select

from desktop.store import outbox, records, schema, shadows
from desktop.store.command_checks import (
    Id,
    check_category,
    check_priority,
    now_or,
    refusals,
    rich_text,
)
from desktop.store.database import ChangeSet, Store
from desktop.store.errors import ActionRefused
from desktop.store.replay import ticket_state
from desktop.store.rows import Row, id_text
from desktop.store.undo import Facts, TicketField, Undoable, Undone, reverse_steps
from ticketing import workflow
from ticketing.domain import DEFAULT_PRIORITY, Role, Status, new_id
from ticketing.files import clean_file_name
from ticketing.protocol import (
    AddAttachmentArgs,
    AddCommentArgs,
    AssignArgs,
    CreateTicketArgs,
    MutationArgs,
    TransitionStatusArgs,
    UpdateTicketArgs,
)
from ticketing.schemas import TicketPatch

T = TypeVar("T")


def run_action(store: Store, queued_for: Callable[[T], str | None], work: Callable[[Connection], T]) -> T:
    """Run ``work`` in one write transaction, then announce the ticket it queued a change for
    (``queued_for(result)``; ``None`` when there was nothing to change)."""
    with refusals(), store.write() as conn:
        result = work(conn)
    ticket_id = queued_for(result)
    if ticket_id is None:
        store.announce(ChangeSet(outbox=True))
    else:
        store.announce(ChangeSet(tickets=frozenset({ticket_id}), outbox=True, queued=True))
    return result


def _queue(
    conn: Connection,
    store: Store,
    *,
    args: MutationArgs,
    ticket_id: str,
    at: dt.datetime,
    new_rows: tuple[tuple[str, str], ...] = (),
) -> int:
    shadows.ensure(conn, "ticket", ticket_id, ticket_id)
    for entity, row_id in new_rows:
        shadows.ensure(conn, entity, row_id, ticket_id)
    mutation_id = outbox.enqueue(conn, args, ticket_id, at)
    shadows.rebuild(conn, ticket_id, store.actor(conn))
    return mutation_id


def _ticket(conn: Connection, ticket_id: Id) -> Row:
    ticket = records.read(conn, "ticket", str(ticket_id))
    if ticket is None:
        raise ActionRefused("not_found", "This ticket is not in the local cache.")
    return ticket


def _check_assignee(conn: Connection, user_id: str) -> None:
    user = conn.execute(
        select(schema.users.c.role, schema.users.c.is_active).where(schema.users.c.id == user_id)
    ).one_or_none()
    if user is None or user.role is None or not Role(user.role).is_staff:
        raise ActionRefused("invalid_assignee", "Tickets can only be assigned to an agent or admin.")
    if not user.is_active:
        raise ActionRefused("invalid_assignee", "This agent is deactivated and cannot be assigned tickets.")


# --- tickets --------------------------------------------------------------------------------


def create_ticket(
    store: Store,
    *,
    title: str,
    description: str,
    category_id: Id,
    priority: str = DEFAULT_PRIORITY,
    now: dt.datetime | None = None,
) -> str:
    """A new ticket, Open and numberless ("Draft") until the server's row arrives; its id."""

    def work(conn: Connection) -> str:
        args = CreateTicketArgs(
            id=new_id(),
            title=title,
            description=rich_text(description, "description"),
            category_id=uuid.UUID(str(category_id)),
            priority=priority,
        )
        check_category(conn, str(args.category_id))
        check_priority(conn, args.priority)
        ticket_id = str(args.id)
        _queue(conn, store, args=args, ticket_id=ticket_id, at=now_or(now))
        return ticket_id

    return run_action(store, lambda ticket_id: ticket_id, work)


def edit_in(
    conn: Connection, store: Store, ticket_id: Id, fields: dict[str, Any], at: dt.datetime
) -> int | None:
    """Edit ``fields`` of a ticket within the caller's write transaction; the mutation's id
    (``None``: nothing changes)."""
    ticket = _ticket(conn, ticket_id)
    actor, state = store.actor(conn), ticket_state(ticket)
    patch = TicketPatch.model_validate(fields)
    changes: dict[str, dict[str, Any]] = {}
    for name in ("title", "description", "category_id", "priority"):
        value = getattr(patch, name)
        if name not in patch.model_fields_set or value is None:
            continue
        workflow.check_edit(actor, state, name)
        if name == "description":
            value = rich_text(value, "description")
        value = str(id_text(value)) if name == "category_id" else str(value)
        if value == ticket[name]:
            continue
        if name == "category_id":
            check_category(conn, value)
        elif name == "priority":
            check_priority(conn, value)
        changes[name] = {"base": ticket[name], "new": value}
    if not changes:
        return None
    args = UpdateTicketArgs.model_validate({"ticket_id": ticket["id"], "changes": changes})
    return _queue(conn, store, args=args, ticket_id=ticket["id"], at=at)


def edit_ticket(
    store: Store,
    ticket_id: Id,
    *,
    title: str | None = None,
    description: str | None = None,
    priority: str | None = None,
    category_id: Id | None = None,
    now: dt.datetime | None = None,
) -> int | None:
    """Change any of title, description, priority and category; ``None`` if nothing changed."""
    fields: dict[str, Any] = {
        name: value
        for name, value in (
            ("title", title),
            ("description", description),
            ("priority", priority),
            ("category_id", None if category_id is None else str(category_id)),
        )
        if value is not None
    }
    return run_action(
        store,
        lambda queued: None if queued is None else str(ticket_id),
        lambda conn: edit_in(conn, store, ticket_id, fields, now_or(now)),
    )


def change_priority(store: Store, ticket_id: Id, priority: str, now: dt.datetime | None = None) -> int | None:
    return edit_ticket(store, ticket_id, priority=priority, now=now)


def change_category(
    store: Store, ticket_id: Id, category_id: Id, now: dt.datetime | None = None
) -> int | None:
    return edit_ticket(store, ticket_id, category_id=category_id, now=now)


def _transition(conn: Connection, store: Store, ticket_id: Id, to: Status, at: dt.datetime) -> int:
    ticket = _ticket(conn, ticket_id)
    state = ticket_state(ticket)
    workflow.check_transition(store.actor(conn), state, to)
    args = TransitionStatusArgs(ticket_id=uuid.UUID(ticket["id"]), from_=state.status, to=to)
    return _queue(conn, store, args=args, ticket_id=ticket["id"], at=at)


def change_status(store: Store, ticket_id: Id, to: Status, now: dt.datetime | None = None) -> int:
    """Move a ticket to ``to`` if the workflow lets this account do it."""
    return run_action(
        store, lambda _: str(ticket_id), lambda conn: _transition(conn, store, ticket_id, to, now_or(now))
    )


def close_ticket(store: Store, ticket_id: Id, now: dt.datetime | None = None) -> int:
    return change_status(store, ticket_id, Status.CLOSED, now)


def reopen_ticket(store: Store, ticket_id: Id, now: dt.datetime | None = None) -> int:
    return change_status(store, ticket_id, Status.OPEN, now)


def assign_in(
    conn: Connection, store: Store, ticket_id: Id, assignee_id: Id | None, at: dt.datetime
) -> int | None:
    """Assign a ticket within the caller's write transaction (``None``: already so)."""
    ticket = _ticket(conn, ticket_id)
    workflow.check_assign(store.actor(conn), ticket_state(ticket))
    new = id_text(assignee_id)
    if new == ticket["assignee_id"]:
        return None
    if new is not None:
        _check_assignee(conn, new)
    args = AssignArgs.model_validate({"ticket_id": ticket["id"], "base": ticket["assignee_id"], "new": new})
    return _queue(conn, store, args=args, ticket_id=ticket["id"], at=at)


def assign(store: Store, ticket_id: Id, assignee_id: Id | None, now: dt.datetime | None = None) -> int | None:
    """Assign to a staff member (``None`` unassigns); ``None`` if it already is so."""
    return run_action(
        store,
        lambda queued: None if queued is None else str(ticket_id),
        lambda conn: assign_in(conn, store, ticket_id, assignee_id, now_or(now)),
    )


def _change_field(
    conn: Connection, store: Store, ticket_id: Id, field: TicketField, value: str | None, *, at: dt.datetime
) -> int | None:
    if field == TicketField.STATUS:
        if value is None:
            raise ActionRefused("invalid", "A ticket always has a status.")
        return _transition(conn, store, ticket_id, Status(value), at)
    if field == TicketField.ASSIGNEE:
        return assign_in(conn, store, ticket_id, value, at)
    if value is None:
        raise ActionRefused("invalid", "A ticket always has a priority.")
    return edit_in(conn, store, ticket_id, {"priority": value}, at)


def change_field(
    store: Store, ticket_id: Id, field: TicketField, value: str | None, now: dt.datetime | None = None
) -> Undoable | None:
    """Set a ticket's status, assignee (``None``: unassigned) or priority, as a ticket view
    does; returns what :func:`undo_change` needs to take it back (``None``: nothing changed)."""

    def work(conn: Connection) -> Undoable | None:
        before = Facts.of(_ticket(conn, ticket_id))
        mutation_id = _change_field(conn, store, ticket_id, field, value, at=now_or(now))
        if mutation_id is None:
            return None
        ticket = _ticket(conn, ticket_id)
        queued = next(m for m in outbox.for_ticket(conn, ticket["id"]) if m.id == mutation_id)
        return Undoable(ticket["id"], mutation_id, queued.args, field, before, Facts.of(ticket))

    return run_action(store, lambda change: None if change is None else change.ticket_id, work)


def undo_change(store: Store, change: Undoable, now: dt.datetime | None = None) -> Undone:
    """Take ``change`` back (see :mod:`desktop.store.undo`): withdraw it if it never left and
    nothing was queued after it, else queue the reverse; refused (nothing queued) when the
    field has changed since or the workflow does not allow the way back."""

    def work(conn: Connection) -> Undone:
        if outbox.withdraw_unsent(conn, change.mutation_id, change.args) is not None:
            shadows.rebuild(conn, change.ticket_id, store.actor(conn))
            return Undone(change, withdrawn=True)
        steps = reverse_steps(change, Facts.of(_ticket(conn, change.ticket_id)))
        try:
            for field, value in steps:
                _change_field(conn, store, change.ticket_id, field, value, at=now_or(now))
        except workflow.WorkflowError as error:
            raise ActionRefused(error.code, f"Cannot undo: {error.message}") from error
        except ActionRefused as error:
            raise ActionRefused(error.code, f"Cannot undo: {error.message}") from error
        return Undone(change, withdrawn=False)

    # a withdrawal too changes what is to be sent: "queued" makes the engine count again
    return run_action(store, lambda undone: undone.change.ticket_id, work)


def add_comment(
    store: Store, ticket_id: Id, content: str, *, is_internal: bool = False, now: dt.datetime | None = None
) -> str:
    """A public reply or (staff only) an internal note; returns the comment's id."""

    def work(conn: Connection) -> str:
        ticket = _ticket(conn, ticket_id)
        workflow.check_comment(store.actor(conn), ticket_state(ticket), is_internal)
        args = AddCommentArgs(
            id=new_id(),
            ticket_id=uuid.UUID(ticket["id"]),
            content=rich_text(content, "comment"),
            is_internal=is_internal,
        )
        comment_id = str(args.id)
        _queue(
            conn,
            store,
            args=args,
            ticket_id=ticket["id"],
            at=now_or(now),
            new_rows=(("comment", comment_id),),
        )
        return comment_id

    return run_action(store, lambda _: str(ticket_id), work)


def add_attachment(
    store: Store,
    ticket_id: Id,
    *,
    sha256: str,
    size: int,
    file_name: str,
    comment_id: Id | None = None,
    attachment_id: Id | None = None,
    now: dt.datetime | None = None,
) -> str:
    """Attach a file already copied into the account's local files (``LocalBlobs``) to a
    ticket, or to one of the user's comments; it uploads with the next sync. Returns its id."""

    def work(conn: Connection) -> str:
        ticket = _ticket(conn, ticket_id)
        is_internal = False
        if comment_id is not None:
            comment = records.read(conn, "comment", str(comment_id))
            if comment is None or comment["ticket_id"] != ticket["id"]:
                raise ActionRefused("not_found", "This comment is not in the local cache.")
            is_internal = bool(comment["is_internal"])
        workflow.check_comment(store.actor(conn), ticket_state(ticket), is_internal)
        args = AddAttachmentArgs(
            id=uuid.UUID(str(attachment_id)) if attachment_id else new_id(),
            ticket_id=uuid.UUID(ticket["id"]),
            comment_id=None if comment_id is None else uuid.UUID(str(comment_id)),
            sha256=sha256,
            file_name=clean_file_name(file_name),
            size=size,
        )
        new_rows: tuple[tuple[str, str], ...] = (("attachment", str(args.id)),)
        if comment_id is not None:
            new_rows += (("comment", str(comment_id)),)
        _queue(
            conn,
            store,
            args=args,
            ticket_id=ticket["id"],
            at=now_or(now),
            new_rows=new_rows,
        )
        return str(args.id)

    return run_action(store, lambda _: str(ticket_id), work)
