"""What a user does, written offline: each action updates the cache and queues its mutation.

Every action is checked first with ``ticketing.workflow`` (the server's own rules) and refused
with :class:`ActionRefused` if illegal. Otherwise, in ONE transaction, the touched rows get a
shadow, the mutation goes to the outbox and the rows are rebuilt (shadow + pending mutations),
so the change shows at once and stays marked pending until the server's rows arrive.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy import Connection, delete, select

from desktop.store import outbox, records, schema, shadows
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
    MutationName,
    TransitionStatusArgs,
    UpdateTicketArgs,
)
from ticketing.richtext import has_content, sanitize_html
from ticketing.schemas import TicketPatch

T = TypeVar("T")
Id = uuid.UUID | str


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


@contextmanager
def _refusals() -> Iterator[None]:
    """Turn the shared rules' and the schemas' refusals into :class:`ActionRefused`."""
    try:
        yield
    except workflow.WorkflowError as error:
        raise ActionRefused.from_workflow(error) from error
    except ValidationError as error:
        raise ActionRefused.from_validation(error) from error


def _action(store: Store, queued_for: Callable[[T], str | None], work: Callable[[Connection], T]) -> T:
    """Run ``work`` in one write transaction, then announce the ticket it queued a change for
    (``queued_for(result)``; ``None`` when there was nothing to change)."""
    with _refusals(), store.write() as conn:
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


def _rich_text(text: str, what: str) -> str:
    cleaned = sanitize_html(text)
    if not has_content(cleaned):
        raise ActionRefused("invalid", f"The {what} cannot be empty.")
    return cleaned


def _check_category(conn: Connection, category_id: str) -> None:
    active = conn.scalar(select(schema.categories.c.is_active).where(schema.categories.c.id == category_id))
    if not active:
        raise ActionRefused("invalid", "Choose one of the active categories.")


def _check_priority(conn: Connection, key: str) -> None:
    active = conn.scalar(select(schema.priorities.c.is_active).where(schema.priorities.c.key == key))
    if not active:
        raise ActionRefused("invalid", "Choose one of the active priorities.")


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
            description=_rich_text(description, "description"),
            category_id=uuid.UUID(str(category_id)),
            priority=priority,
        )
        _check_category(conn, str(args.category_id))
        _check_priority(conn, args.priority)
        ticket_id = str(args.id)
        _queue(conn, store, args=args, ticket_id=ticket_id, at=_now(now))
        return ticket_id

    return _action(store, lambda ticket_id: ticket_id, work)


def _edit(
    conn: Connection, store: Store, ticket_id: Id, fields: dict[str, Any], at: dt.datetime
) -> int | None:
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
            value = _rich_text(value, "description")
        value = str(id_text(value)) if name == "category_id" else str(value)
        if value == ticket[name]:
            continue
        if name == "category_id":
            _check_category(conn, value)
        elif name == "priority":
            _check_priority(conn, value)
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
    return _action(
        store,
        lambda queued: None if queued is None else str(ticket_id),
        lambda conn: _edit(conn, store, ticket_id, fields, _now(now)),
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
    return _action(
        store, lambda _: str(ticket_id), lambda conn: _transition(conn, store, ticket_id, to, _now(now))
    )


def close_ticket(store: Store, ticket_id: Id, now: dt.datetime | None = None) -> int:
    return change_status(store, ticket_id, Status.CLOSED, now)


def reopen_ticket(store: Store, ticket_id: Id, now: dt.datetime | None = None) -> int:
    return change_status(store, ticket_id, Status.OPEN, now)


def _assign(
    conn: Connection, store: Store, ticket_id: Id, assignee_id: Id | None, at: dt.datetime
) -> int | None:
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
    return _action(
        store,
        lambda queued: None if queued is None else str(ticket_id),
        lambda conn: _assign(conn, store, ticket_id, assignee_id, _now(now)),
    )


def _change_field(
    conn: Connection, store: Store, ticket_id: Id, field: TicketField, value: str | None, *, at: dt.datetime
) -> int | None:
    if field == TicketField.STATUS:
        if value is None:
            raise ActionRefused("invalid", "A ticket always has a status.")
        return _transition(conn, store, ticket_id, Status(value), at)
    if field == TicketField.ASSIGNEE:
        return _assign(conn, store, ticket_id, value, at)
    if value is None:
        raise ActionRefused("invalid", "A ticket always has a priority.")
    return _edit(conn, store, ticket_id, {"priority": value}, at)


def change_field(
    store: Store, ticket_id: Id, field: TicketField, value: str | None, now: dt.datetime | None = None
) -> Undoable | None:
    """Set a ticket's status, assignee (``None``: unassigned) or priority, as a ticket view
    does; returns what :func:`undo_change` needs to take it back (``None``: nothing changed)."""

    def work(conn: Connection) -> Undoable | None:
        before = Facts.of(_ticket(conn, ticket_id))
        mutation_id = _change_field(conn, store, ticket_id, field, value, at=_now(now))
        if mutation_id is None:
            return None
        ticket = _ticket(conn, ticket_id)
        queued = next(m for m in outbox.for_ticket(conn, ticket["id"]) if m.id == mutation_id)
        return Undoable(ticket["id"], mutation_id, queued.args, field, before, Facts.of(ticket))

    return _action(store, lambda change: None if change is None else change.ticket_id, work)


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
                _change_field(conn, store, change.ticket_id, field, value, at=_now(now))
        except workflow.WorkflowError as error:
            raise ActionRefused(error.code, f"Cannot undo: {error.message}") from error
        except ActionRefused as error:
            raise ActionRefused(error.code, f"Cannot undo: {error.message}") from error
        return Undone(change, withdrawn=False)

    # a withdrawal too changes what is to be sent: "queued" makes the engine count again
    return _action(store, lambda undone: undone.change.ticket_id, work)


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
            content=_rich_text(content, "comment"),
            is_internal=is_internal,
        )
        comment_id = str(args.id)
        _queue(
            conn,
            store,
            args=args,
            ticket_id=ticket["id"],
            at=_now(now),
            new_rows=(("comment", comment_id),),
        )
        return comment_id

    return _action(store, lambda _: str(ticket_id), work)


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
            at=_now(now),
            new_rows=new_rows,
        )
        return str(args.id)

    return _action(store, lambda _: str(ticket_id), work)


# --- sync problems --------------------------------------------------------------------------


def dismiss_problem(store: Store, problem_id: int) -> None:
    """The user has read (and maybe copied) a problem: forget it."""
    with store.write() as conn:
        conn.execute(delete(schema.sync_problems).where(schema.sync_problems.c.id == problem_id))
    store.announce(ChangeSet(outbox=True))


def reapply_problem(store: Store, problem_id: int, now: dt.datetime | None = None) -> int | None:
    """Apply the user's values of a conflict again, on top of what the server kept.

    Returns the new mutation's id (``None`` if the ticket already has those values)."""

    def work(conn: Connection) -> tuple[str | None, int | None]:
        problem = conn.execute(
            select(schema.sync_problems).where(schema.sync_problems.c.id == problem_id)
        ).one_or_none()
        if problem is None or problem.status != outbox.CONFLICT:
            raise ActionRefused("invalid", "Only a conflict can be applied again.")
        args = json.loads(problem.args)
        if problem.name == MutationName.UPDATE_ARTICLE:
            from desktop.store import article_commands  # noqa: PLC0415 - it builds on this module

            article_id = str(args["article_id"])
            fields = {name: change["new"] for name, change in args["changes"].items()}
            mutation_id = article_commands.edit_in(conn, store, article_id, fields, _now(now))
            conn.execute(delete(schema.sync_problems).where(schema.sync_problems.c.id == problem_id))
            return article_id, mutation_id  # announced as a changed "ticket": the engine wakes
        ticket_id = str(args.get("ticket_id"))
        if problem.name == MutationName.UPDATE_TICKET:
            fields = {name: change["new"] for name, change in args["changes"].items()}
            mutation_id = _edit(conn, store, ticket_id, fields, _now(now))
        elif problem.name == MutationName.ASSIGN:
            mutation_id = _assign(conn, store, ticket_id, args["new"], _now(now))
        else:
            raise ActionRefused("invalid", "This change cannot be applied again.")
        conn.execute(delete(schema.sync_problems).where(schema.sync_problems.c.id == problem_id))
        return ticket_id, mutation_id

    return _action(store, lambda result: None if result[1] is None else result[0], work)[1]
