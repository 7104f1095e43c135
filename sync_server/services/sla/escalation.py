"""Escalation: a warning as a target nears its due time, and the policy's actions when it is
missed, each exactly once, from one process of the cluster.

A pass takes the tickets whose stored service level has gone stale (``sla_check_at`` passed:
a warning or due moment arrived, or a policy changed), evaluates them again with
:mod:`ticketing.sla`, keeps the answer, and escalates what newly reached its warning or its
breach. ``sla_escalations``' unique key (ticket, target, level, due time) is the "once": a
second process, a retried pass or a restart inserts nothing and does nothing. The lease
(:mod:`sync_server.services.jobs.lease`) only keeps the other processes from doing the work
twice; correctness does not depend on it.

**Working hours.** A running clock reaches its warning and due moments in the calendar's working
time, so a pass acts then; when it reaches one late (the job was down overnight), the notices
wait for the calendar's next working time instead of going out at midnight.

**What an escalation does.** A history line only staff read (``sla_warning`` or ``sla_breached``:
the desktop turns it into a notification for the assignee, or the whole team while the ticket
is unassigned) and a mail to the same people; on a breach, the policy's actions: the priority
one step up, the ticket reassigned, the admins told.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from sync_server.db.models import PriorityLevel, SlaEscalation, SlaPolicy, Ticket, User
from sync_server.services import clock
from sync_server.services.helpdesk import tickets
from sync_server.services.mail import notifications
from sync_server.services.sla import ticket_sla
from ticketing.business_time import Calendar
from ticketing.domain import Role, new_id
from ticketing.sla import SlaState, Target, TicketSla

log = logging.getLogger(__name__)

JOB_NAME = "sla_escalation"
#: Tickets evaluated per transaction.
BATCH_SIZE = 200
#: A moment reached this recently is acted on even if the working day just ended (a target due
#: at 17:00 is escalated at 17:00:05).
GRACE = dt.timedelta(minutes=15)

WARNING = "warning"
BREACH = "breach"


@dataclass
class PassReport:
    """What one pass did; ``more`` when a full batch was taken (run again at once)."""

    evaluated: int = 0
    warnings: int = 0
    breaches: int = 0
    deferred: int = 0
    more: bool = False


def run_pass(session: Session, now: dt.datetime) -> PassReport:
    """One batch of stale tickets, in the caller's transaction."""
    stale = session.scalars(
        select(Ticket)
        .where(Ticket.sla_check_at <= now)
        .order_by(Ticket.sla_check_at)
        .limit(BATCH_SIZE)
        .with_for_update(skip_locked=True)
    ).all()
    report = PassReport(evaluated=len(stale), more=len(stale) == BATCH_SIZE)
    rules = ticket_sla.load_rules(session)
    levels = ticket_sla.evaluate_tickets(session, stale, now, rules)
    for ticket in stale:
        sla = levels[ticket.id]
        ticket_sla.store(ticket, sla, now, by_job=True)
        if sla.policy_id is None:
            continue
        policy = session.get(SlaPolicy, uuid.UUID(sla.policy_id))
        if policy is None:
            continue
        case = _Case(session, ticket, policy, rules.calendar_of(rules.policy_for(ticket)))
        wait_until = _escalate(case, sla, now, report)
        if wait_until is not None:
            report.deferred += 1
            check = ticket.sla_check_at
            ticket.sla_check_at = wait_until if check is None else min(check, wait_until)
    return report


def escalation_pass(session: Session) -> bool:
    """The job's pass (:class:`sync_server.services.jobs.runner.LeasedJob`): answers whether
    more stale tickets wait."""
    report = run_pass(session, clock.now())
    if report.warnings or report.breaches or report.deferred:
        log.info(
            "SLA: %d evaluated, %d warnings, %d breaches, %d waiting for working hours",
            report.evaluated,
            report.warnings,
            report.breaches,
            report.deferred,
        )
    return report.more


def _due_escalations(sla: TicketSla) -> list[tuple[Target, str]]:
    """(target, level) reached by now: a breach for every missed target (met late too), a
    warning for a target still owed and not missed yet."""
    found: list[tuple[Target, str]] = []
    for target in (*sla.targets, *sla.earlier_waits):
        if target.state == SlaState.BREACHED:
            found.append((target, BREACH))
        elif target.state == SlaState.WARNING:
            found.append((target, WARNING))
    return found


@dataclass(frozen=True)
class _Case:
    """One ticket being escalated: what each step needs."""

    session: Session
    ticket: Ticket
    policy: SlaPolicy
    calendar: Calendar


def _escalate(case: _Case, sla: TicketSla, now: dt.datetime, report: PassReport) -> dt.datetime | None:
    """Act on what is due; answers when to come back for what must wait for working hours."""
    session, ticket, calendar = case.session, case.ticket, case.calendar
    wait_until: dt.datetime | None = None
    for target, level in _due_escalations(sla):
        reached = target.due_at if level == BREACH else target.warning_at
        if not calendar.is_working(now) and now - reached > GRACE:
            if not _done(session, ticket, target, level):
                wait_until = _next_working(calendar, now)
            continue
        if not _claim(session, ticket, target, level, now):
            continue
        if level == BREACH:
            _breached(case, target)
            report.breaches += 1
        else:
            _warned(case, target)
            report.warnings += 1
    return wait_until


def _done(session: Session, ticket: Ticket, target: Target, level: str) -> bool:
    return (
        session.scalar(
            select(SlaEscalation.id).where(
                SlaEscalation.ticket_id == ticket.id,
                SlaEscalation.target == target.kind.value,
                SlaEscalation.level == level,
                SlaEscalation.due_at == target.due_at,
            )
        )
        is not None
    )


def _claim(session: Session, ticket: Ticket, target: Target, level: str, now: dt.datetime) -> bool:
    """Record the escalation; False when it was done already (by any process, ever)."""
    inserted = session.execute(
        insert(SlaEscalation)
        .values(
            id=new_id(),
            ticket_id=ticket.id,
            target=target.kind.value,
            level=level,
            due_at=target.due_at,
            created_at=now,
            notified_at=now,
        )
        .on_conflict_do_nothing(index_elements=["ticket_id", "target", "level", "due_at"])
        .returning(SlaEscalation.id)
    ).scalar_one_or_none()
    return inserted is not None


def _next_working(calendar: Calendar, now: dt.datetime) -> dt.datetime:
    begin, _ = next(iter(calendar.intervals(now)))
    return max(begin, now)


def _local(calendar: Calendar, at: dt.datetime) -> str:
    return at.astimezone(calendar.zone).strftime("%Y-%m-%d %H:%M %Z")


def _team(session: Session, ticket: Ticket) -> list[User]:
    """Who hears about the ticket: its assignee, or every active staff member while unassigned."""
    if ticket.assignee_id is not None:
        assignee = session.get(User, ticket.assignee_id)
        return [assignee] if assignee is not None else []
    staff = [r.value for r in Role if r.is_staff]
    return list(session.scalars(select(User).where(User.role.in_(staff), User.is_active.is_(True))))


def _admins(session: Session) -> list[User]:
    return list(session.scalars(select(User).where(User.role == Role.ADMIN.value, User.is_active.is_(True))))


def _warned(case: _Case, target: Target) -> None:
    session, ticket, calendar = case.session, case.ticket, case.calendar
    tickets.system_change(session, ticket, ("sla_warning", target.kind.value, target.due_at.isoformat()))
    notifications.sla_escalation(
        session,
        ticket,
        _team(session, ticket),
        target=_target_words(target),
        due=_local(calendar, target.due_at),
        breached=False,
    )


def _breached(case: _Case, target: Target) -> None:
    session, ticket, calendar, policy = case.session, case.ticket, case.calendar, case.policy
    tickets.system_change(
        session,
        ticket,
        ("sla_breached", target.kind.value, target.due_at.isoformat()),
        priority=_one_step_up(session, ticket.priority) if policy.breach_raise_priority else None,
        assignee_id=_reassign_to(session, policy),
    )
    recipients = _team(session, ticket)
    if policy.breach_notify_admins:
        recipients += _admins(session)
    notifications.sla_escalation(
        session,
        ticket,
        recipients,
        target=_target_words(target),
        due=_local(calendar, target.due_at),
        breached=True,
    )


def _one_step_up(session: Session, key: str) -> str | None:
    """The next more urgent active priority, if there is one."""
    rank = session.scalar(select(PriorityLevel.rank).where(PriorityLevel.key == key))
    if rank is None:
        return None
    return session.scalar(
        select(PriorityLevel.key)
        .where(PriorityLevel.rank > rank, PriorityLevel.is_active.is_(True))
        .order_by(PriorityLevel.rank)
        .limit(1)
    )


def _reassign_to(session: Session, policy: SlaPolicy) -> uuid.UUID | None:
    """The policy's chosen agent, while that account is active staff."""
    if policy.breach_reassign_to is None:
        return None
    user = session.get(User, policy.breach_reassign_to)
    if user is None or not user.is_active or not Role(user.role).is_staff:
        return None
    return user.id


def _target_words(target: Target) -> str:
    return target.kind.value.replace("_", " ")
