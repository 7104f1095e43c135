"""Undo of a just-made status, assignee or priority change, decided without I/O.

A change made in the ticket view can be taken back for a few seconds (the status bar's Undo,
Ctrl+Z). The client is offline-first, so what "back" means depends on where the change is:

* still unsent and the newest mutation queued: it is withdrawn from the outbox and the ticket is
  rebuilt from its shadow and the mutations left, so the cache is exactly as before it (side
  effects included: assigning an Open ticket had also started it) and nothing ever reaches the
  server;
* otherwise (it may be on the server, or something was queued after it): the reverse change is
  queued like any other, with the value the user now sees as its base, checked by the shared
  workflow rules. What the rules refuse, or a field someone else has changed since, is refused
  with a sentence saying so, and nothing is queued.

This module holds the record of a change (:class:`Undoable`) and the pure decision of which
reverse steps to queue (:func:`reverse_steps`); :func:`desktop.store.commands.undo_change` runs
them in one transaction.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from desktop.store.errors import ActionRefused
from desktop.store.rows import Row
from ticketing.domain import Status


class TicketField(enum.StrEnum):
    """What a ticket view changes with one choice (and Undo takes back)."""

    STATUS = "status"
    ASSIGNEE = "assignee"
    PRIORITY = "priority"


@dataclass(frozen=True)
class Facts:
    """The values of a ticket that such a change can touch, as the user saw them."""

    status: Status
    assignee_id: str | None
    priority: str

    @classmethod
    def of(cls, ticket: Row) -> Facts:
        return cls(Status(ticket["status"]), ticket.get("assignee_id"), str(ticket["priority"]))

    def value(self, field: TicketField) -> str | None:
        if field == TicketField.STATUS:
            return self.status.value
        return self.assignee_id if field == TicketField.ASSIGNEE else self.priority


@dataclass(frozen=True)
class Undoable:
    """A change queued as ``mutation_id`` (with ``args``): the ticket before and right after it."""

    ticket_id: str
    mutation_id: int
    args: dict[str, Any]
    field: TicketField
    before: Facts
    after: Facts


@dataclass(frozen=True)
class Undone:
    """How an undo went: ``withdrawn`` (never sent) or ``queued`` (the reverse will be sent)."""

    change: Undoable
    withdrawn: bool


#: The order reverse steps are queued in: the assignee first, since assigning can also have
#: started an Open ticket (its status is put back after).
_ORDER = (TicketField.ASSIGNEE, TicketField.STATUS, TicketField.PRIORITY)

_NAMES = {TicketField.STATUS: "status", TicketField.ASSIGNEE: "assignee", TicketField.PRIORITY: "priority"}


def reverse_steps(change: Undoable, current: Facts) -> list[tuple[TicketField, str | None]]:
    """The changes that bring back ``change.before``, given the ticket's ``current`` values.

    Raises :class:`ActionRefused` when the field the user changed no longer holds what they
    set (someone or something changed it since): undoing then would overwrite that.
    """
    if current.value(change.field) != change.after.value(change.field):
        now = "" if change.field == TicketField.ASSIGNEE else f" (it is now {current.value(change.field)})"
        message = f"Cannot undo: the {_NAMES[change.field]} has changed since{now}."
        raise ActionRefused("changed_since", message)
    steps: list[tuple[TicketField, str | None]] = []
    for field in _ORDER:
        before, after = change.before.value(field), change.after.value(field)
        if before != after and current.value(field) == after:
            steps.append((field, before))
    return steps
