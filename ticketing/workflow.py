"""Who may do what to a ticket, and what each action changes.

The server checks every request with these functions and the desktop client asks them which
buttons to offer and replays its pending changes with the same mutators, so the rules live here
once. Everything is pure: no I/O, no clock (callers pass ``now``).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass
from typing import Any, TypeVar

from ticketing.domain import Role, Status

#: A moment as a time or as its ISO text (the cache's rows carry either).
Moment = TypeVar("Moment", dt.datetime, str)


@dataclass(frozen=True, slots=True)
class Actor:
    """The account doing something, as the rules need to know it."""

    id: uuid.UUID
    role: Role

    @property
    def is_staff(self) -> bool:
        return self.role.is_staff


@dataclass(frozen=True, slots=True)
class TicketState:
    """The parts of a ticket the rules depend on."""

    status: Status
    submitter_id: uuid.UUID
    assignee_id: uuid.UUID | None = None


class WorkflowError(Exception):
    """An action the rules refuse; ``code`` is stable, ``message`` is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


#: Status changes support staff may make, from -> allowed targets.
STAFF_TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.OPEN: frozenset({Status.IN_PROGRESS, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED}),
    Status.IN_PROGRESS: frozenset({Status.OPEN, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED}),
    Status.ON_HOLD: frozenset({Status.OPEN, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED}),
    Status.RESOLVED: frozenset({Status.OPEN, Status.IN_PROGRESS, Status.CLOSED}),
    Status.CLOSED: frozenset({Status.OPEN}),
}

#: Status changes the person who submitted a ticket may make: close it once their issue is
#: solved, or reopen it when a resolution did not work.
REQUESTER_TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.OPEN: frozenset({Status.CLOSED}),
    Status.IN_PROGRESS: frozenset({Status.CLOSED}),
    Status.ON_HOLD: frozenset({Status.CLOSED}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.OPEN}),
    Status.CLOSED: frozenset(),
}

EDITABLE_FIELDS: frozenset[str] = frozenset({"title", "description", "category_id", "priority"})


def is_requester(actor: Actor, ticket: TicketState) -> bool:
    return actor.id == ticket.submitter_id


def allowed_transitions(actor: Actor, ticket: TicketState) -> frozenset[Status]:
    """Every status ``actor`` may move ``ticket`` to, for menus and for checks."""
    allowed: set[Status] = set()
    if actor.is_staff:
        allowed |= STAFF_TRANSITIONS[ticket.status]
    if is_requester(actor, ticket):
        allowed |= REQUESTER_TRANSITIONS[ticket.status]
    return frozenset(allowed)


def check_transition(actor: Actor, ticket: TicketState, to: Status) -> None:
    """Raise :class:`WorkflowError` unless ``actor`` may move ``ticket`` to ``to``."""
    if to == ticket.status:
        raise WorkflowError("illegal_transition", f"The ticket is already {to}.")
    if not actor.is_staff and not is_requester(actor, ticket):
        raise WorkflowError("forbidden", "Only support staff or the requester can change status.")
    if to not in allowed_transitions(actor, ticket):
        who = "Support staff" if actor.is_staff else "The requester"
        raise WorkflowError("illegal_transition", f"{who} cannot move a ticket from {ticket.status} to {to}.")


def transition_changes(ticket_status: Status, to: Status, now: dt.datetime) -> dict[str, Any]:
    """The fields a status change writes (``status`` and the resolved/closed timestamps)."""
    changes: dict[str, Any] = {"status": to}
    if to == Status.RESOLVED:
        changes["resolved_at"] = now
    elif to != Status.CLOSED:
        changes["resolved_at"] = None
    changes["closed_at"] = now if to == Status.CLOSED else None
    return changes


def check_edit(actor: Actor, ticket: TicketState, field: str) -> None:
    """Staff edit any field; a requester edits their ticket only until work starts on it."""
    if field not in EDITABLE_FIELDS:
        raise WorkflowError("invalid", f"'{field}' cannot be changed this way.")
    if actor.is_staff:
        return
    if not is_requester(actor, ticket):
        raise WorkflowError("forbidden", "You can only edit your own tickets.")
    if ticket.status != Status.OPEN:
        raise WorkflowError(
            "read_only", f"A {ticket.status} ticket can no longer be edited by its requester."
        )


def check_assign(actor: Actor, ticket: TicketState) -> None:
    """Only support staff assign tickets (to themselves or to another agent)."""
    if not actor.is_staff:
        raise WorkflowError("forbidden", "Only support staff can assign tickets.")


def assign_changes(ticket: TicketState, new_assignee: uuid.UUID | None) -> dict[str, Any]:
    """Assigning an Open ticket puts it In Progress; unassigning leaves the status alone."""
    changes: dict[str, Any] = {"assignee_id": new_assignee}
    if new_assignee is not None and ticket.status == Status.OPEN:
        changes["status"] = Status.IN_PROGRESS
    return changes


def is_automatic_assignment(field: str, event_at: Moment, ticket_created_at: Moment | None) -> bool:
    """Whether a history line is part of the server's automatic assignment of a new ticket.

    No one names an assignee while creating a ticket (``TicketCreate`` has no such field), so an
    ``assignee_id`` change, and the status change :func:`assign_changes` brings with it, written at
    the ticket's creation instant can only be the server's decision. Its actor is the ticket's
    creator; the timeline and the notices use this rule not to name them as the one who assigned.
    The two moments are compared as given: both stored times, or both wire texts.
    """
    return (
        field in ("assignee_id", "status") and ticket_created_at is not None and event_at == ticket_created_at
    )


def check_comment(actor: Actor, ticket: TicketState, is_internal: bool) -> None:
    """Requesters write public replies on their tickets until closed; staff write anything."""
    if actor.is_staff:
        return
    if is_internal:
        raise WorkflowError("forbidden", "Only support staff can write internal notes.")
    if not is_requester(actor, ticket):
        raise WorkflowError("forbidden", "You can only comment on your own tickets.")
    if ticket.status == Status.CLOSED:
        raise WorkflowError("read_only", "This ticket is closed; open a new ticket instead.")


def comment_changes(actor: Actor, ticket: TicketState, is_internal: bool, now: dt.datetime) -> dict[str, Any]:
    """A requester's public reply on a Resolved ticket reopens it."""
    if not is_internal and is_requester(actor, ticket) and ticket.status == Status.RESOLVED:
        return transition_changes(ticket.status, Status.OPEN, now)
    return {}


class FieldMerge(enum.StrEnum):
    """What to do with an offline edit of one field, given what the editor saw (``base``)."""

    APPLY = "apply"  # the field still holds what the editor saw: their value goes in
    ALREADY = "already"  # the field already holds the editor's value: nothing to do
    CONFLICT = "conflict"  # someone else changed it meanwhile: the current value stays


def merge_field(current: Any, base: Any, new: Any) -> FieldMerge:
    """The protocol's conflict rule for field edits; no clock decides anything."""
    if current == new:
        return FieldMerge.ALREADY
    if current == base:
        return FieldMerge.APPLY
    return FieldMerge.CONFLICT
