"""A ticket's service level on the server: computed by ``ticketing.sla`` from the policies, their
calendars and the ticket's stored history, answered fresh with each ticket read, and kept on the
ticket after each write for SQL (reports, the escalation job's schedule).

Nothing here decides a rule: which replies count, when clocks run and pause, and what is due
all come from :mod:`ticketing.sla`, which the desktop runs over its cache too. The stored
columns are a snapshot; ``sla_check_at`` says when it goes stale (the next warning or due
time of a running clock), and the escalation job evaluates the ticket again then.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sync_server.db.models import Comment, SlaCalendar, SlaPolicy, Ticket, TicketEvent, User
from sync_server.services.sla import calendars, policies
from ticketing.business_time import ALWAYS, Calendar
from ticketing.domain import Role, Status
from ticketing.sla import (
    NO_POLICY,
    Policy,
    SlaState,
    TicketSla,
    evaluate,
    history_from,
    is_staff_reply,
    matching_policy,
)

_ACTIVE = [s.value for s in Status if s.is_active]


@dataclass(frozen=True)
class Rules:
    """Every policy and the calendars they use, read once for a batch of tickets."""

    policies: tuple[Policy, ...]
    calendars: Mapping[str, Calendar]

    def policy_for(self, ticket: Ticket) -> Policy | None:
        return matching_policy(self.policies, ticket.priority, str(ticket.category_id))

    def calendar_of(self, policy: Policy | None) -> Calendar:
        if policy is None or policy.calendar_id is None:
            return ALWAYS
        return self.calendars.get(policy.calendar_id, ALWAYS)


def load_rules(session: Session) -> Rules:
    stored = session.scalars(select(SlaPolicy)).all()
    used = {p.calendar_id for p in stored}
    found = session.scalars(select(SlaCalendar).where(SlaCalendar.id.in_(used))).all() if used else []
    return Rules(
        policies=tuple(policies.rules(p) for p in stored),
        calendars={str(c.id): calendars.arithmetic(c) for c in found},
    )


def evaluate_tickets(
    session: Session, tickets: Sequence[Ticket], now: dt.datetime, rules: Rules | None = None
) -> dict[uuid.UUID, TicketSla]:
    """Each ticket's service level at ``now``, from two reads of history for all of them."""
    if not tickets:
        return {}
    rules = rules or load_rules(session)
    matched = {t.id: rules.policy_for(t) for t in tickets}
    with_policy = [t for t in tickets if matched[t.id] is not None]
    changes, replies = _histories(session, with_policy)
    answers: dict[uuid.UUID, TicketSla] = {}
    for ticket in tickets:
        policy = matched[ticket.id]
        if policy is None:
            answers[ticket.id] = NO_POLICY
            continue
        history = history_from(ticket.created_at, changes[ticket.id], replies[ticket.id])
        answers[ticket.id] = evaluate(policy, rules.calendar_of(policy), history, now)
    return answers


def _histories(
    session: Session, tickets: Iterable[Ticket]
) -> tuple[dict[uuid.UUID, list[tuple[dt.datetime, str]]], dict[uuid.UUID, list[tuple[dt.datetime, bool]]]]:
    submitters = {t.id: t.submitter_id for t in tickets}
    changes: dict[uuid.UUID, list[tuple[dt.datetime, str]]] = defaultdict(list)
    replies: dict[uuid.UUID, list[tuple[dt.datetime, bool]]] = defaultdict(list)
    if not submitters:
        return changes, replies
    ids = list(submitters)
    for ticket_id, at, status in session.execute(
        select(TicketEvent.ticket_id, TicketEvent.created_at, TicketEvent.new_value)
        .where(TicketEvent.ticket_id.in_(ids), TicketEvent.field == "status")
        .order_by(TicketEvent.created_at)
    ):
        if status is not None:
            changes[ticket_id].append((at, status))
    for ticket_id, at, author_id, role in session.execute(
        select(Comment.ticket_id, Comment.created_at, Comment.author_id, User.role)
        .join(User, User.id == Comment.author_id)
        .where(Comment.ticket_id.in_(ids), Comment.is_internal.is_(False))
        .order_by(Comment.created_at)
    ):
        replies[ticket_id].append((at, is_staff_reply(Role(role).is_staff, author_id, submitters[ticket_id])))
    return changes, replies


def next_check(sla: TicketSla, now: dt.datetime) -> dt.datetime | None:
    """When the stored state goes stale: the next warning or due moment of a running clock."""
    moments = [
        moment
        for target in sla.pending
        if target.state in (SlaState.OK, SlaState.WARNING)
        for moment in (target.warning_at, target.due_at)
        if moment > now
    ]
    return min(moments, default=None)


def store(ticket: Ticket, sla: TicketSla, now: dt.datetime, *, by_job: bool = False) -> None:
    """Keep ``sla`` on the ticket (no sync: staff caches compute it themselves).

    After a person's write, a ticket in warning or breach is looked at by the job's next pass
    (it escalates what was not yet), and a check already due stays: the job has yet to see
    what happened before this write, such as a target missed just before the reply came. The
    job itself (``by_job``) schedules only what is still to come."""
    ticket.sla_policy_id = uuid.UUID(sla.policy_id) if sla.policy_id else None
    ticket.first_response_due_at = sla.first_response_due_at
    ticket.next_response_due_at = sla.next_response_due_at
    ticket.resolution_due_at = sla.resolution_due_at
    ticket.sla_paused = sla.paused
    ticket.sla_state = sla.state.value if sla.state else None
    stale = ticket.sla_check_at is not None and ticket.sla_check_at <= now
    if not by_job and (stale or _reached(sla)):
        ticket.sla_check_at = min(ticket.sla_check_at, now) if stale and ticket.sla_check_at else now
    else:
        ticket.sla_check_at = next_check(sla, now)


def _reached(sla: TicketSla) -> bool:
    """A warning or a breach the job may not have escalated yet."""
    return any(t.state in (SlaState.WARNING, SlaState.BREACHED) for t in (*sla.targets, *sla.earlier_waits))


def refresh(session: Session, ticket: Ticket, now: dt.datetime) -> TicketSla:
    """Compute and keep a ticket's service level after a write to it (same transaction)."""
    session.flush()
    sla = evaluate_tickets(session, [ticket], now)[ticket.id]
    store(ticket, sla, now)
    return sla


def recheck_open_tickets(session: Session, now: dt.datetime) -> int:
    """After a policy or calendar changed: every open ticket is evaluated again by the
    escalation job's next passes (in batches, so an admin's save never waits for 100k tickets);
    reads answer fresh values at once."""
    result = session.execute(
        update(Ticket)
        .where(Ticket.status.in_(_ACTIVE))
        .values(sla_check_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
