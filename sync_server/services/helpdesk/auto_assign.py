"""Automatic assignment: who gets a new ticket, decided once, in the ticket's own transaction.

With the admin's ``assignment`` setting on ``least_open``, a new ticket in a chosen category (or
any, when none is chosen) goes to the active agent or admin marked available who holds the
fewest open tickets (any status but Resolved and Closed). Ties go to whoever automatic
assignment served least recently (``users.last_auto_assigned_at``, never first), then by id:
deterministic, and round-robin among equals.

Two tickets created at once must not both see the same "least" agent: a transaction-scoped
advisory lock makes the choices one at a time, and each counts the tickets the ones before it
committed (read committed: every statement after the lock sees them).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from sync_server.db.models import Ticket, User
from sync_server.services import settings_store
from ticketing.domain import AssignmentMode, Role, Status

#: The ``pg_advisory_xact_lock`` key of automatic assignment (any fixed number no one else uses).
ASSIGNMENT_LOCK_KEY = 0x7D_A551_6E
OPEN_STATUSES = tuple(status.value for status in Status if status.is_active)
STAFF_ROLES = tuple(role.value for role in Role if role.is_staff)


def pick_assignee(session: Session, category_id: uuid.UUID | None) -> User | None:
    """The staff member a new ticket in ``category_id`` goes to, or None (mode off, another
    category, nobody available). Holds the assignment lock until the transaction ends."""
    settings = settings_store.assignment_settings(session)
    if settings.mode == AssignmentMode.OFF:
        return None
    if settings.category_ids and category_id not in settings.category_ids:
        return None
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ASSIGNMENT_LOCK_KEY})
    open_tickets = (
        select(func.count(Ticket.id))
        .where(Ticket.assignee_id == User.id, Ticket.status.in_(OPEN_STATUSES))
        .correlate(User)
        .scalar_subquery()
    )
    stmt = (
        select(User)
        .where(User.role.in_(STAFF_ROLES), User.is_active.is_(True), User.available.is_(True))
        .order_by(open_tickets, User.last_auto_assigned_at.asc().nulls_first(), User.id)
        .limit(1)
    )
    return session.scalar(stmt)


def served(assignee: User, now: dt.datetime) -> None:
    """Remember when ``assignee`` last got a ticket automatically (the next tie goes elsewhere)."""
    assignee.last_auto_assigned_at = now
