"""Who gets an email about a ticket event, decided inside the transaction of the change.

The write layer (``services.tickets``) calls these after it changed a ticket, so REST requests
and pushed sync mutations queue the same mails, and a change that is refused or rolled back
queues none. The rules:

- ticket created: to the submitter (a confirmation with the number);
- public reply by support staff who are not the submitter: to the submitter;
- status changed to Resolved by someone else: to the submitter;
- assigned to an agent by someone else: to that agent;
- a service-level warning or breach: to the assignee, or to all support staff while the
  ticket is unassigned (and to admins on a breach when the policy says so).

Internal notes never send mail. Each event has an admin switch (``NotificationSettings``), each
account its own ``notify_email``, and an inactive account gets nothing.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync_server.db.models import Comment, PriorityLevel, Ticket, User
from sync_server.services import settings_store
from sync_server.services.mail import outbox, templates
from sync_server.services.mail.outbox import MailEvent
from sync_server.services.mail.templates import RenderedMail, TicketFacts
from ticketing.domain import Role, Status, format_ticket_number


def _enabled(session: Session, event: MailEvent) -> bool:
    """The admin's switch for this kind of mail."""
    switches = settings_store.load(session).notifications
    return bool(getattr(switches, event.value))


def _reachable(user: User | None) -> User | None:
    """The account if it should get mail at all: active and not opted out."""
    if user is None or not user.is_active or not user.notify_email:
        return None
    return user


def _facts(session: Session, ticket: Ticket) -> TicketFacts:
    priority = session.scalar(select(PriorityLevel.name).where(PriorityLevel.key == ticket.priority))
    return TicketFacts(
        number=format_ticket_number(ticket.number),
        title=ticket.title,
        status=ticket.status,
        priority=priority or ticket.priority,
    )


def _queue(session: Session, event: MailEvent, recipient: User, ticket: Ticket, mail: RenderedMail) -> None:
    outbox.enqueue(session, event, recipient, ticket.id, mail)


def ticket_created(session: Session, ticket: Ticket) -> None:
    """A confirmation to the submitter, with the ticket's number."""
    submitter = _reachable(session.get(User, ticket.submitter_id))
    if submitter is None or not _enabled(session, MailEvent.TICKET_CREATED):
        return
    mail = templates.ticket_created(_facts(session, ticket), submitter.name, ticket.description)
    _queue(session, MailEvent.TICKET_CREATED, submitter, ticket, mail)


def comment_added(session: Session, ticket: Ticket, comment: Comment, author: User) -> None:
    """A public reply from support staff (not the submitter themselves) goes to the submitter."""
    if comment.is_internal or not Role(author.role).is_staff or author.id == ticket.submitter_id:
        return
    submitter = _reachable(session.get(User, ticket.submitter_id))
    if submitter is None or not _enabled(session, MailEvent.AGENT_REPLY):
        return
    mail = templates.agent_reply(_facts(session, ticket), submitter.name, author.name, comment.content)
    _queue(session, MailEvent.AGENT_REPLY, submitter, ticket, mail)


def ticket_changed(
    session: Session, ticket: Ticket, actor: User, *, old_status: str, old_assignee: uuid.UUID | None
) -> None:
    """After an update: Resolved goes to the submitter, a new assignee hears about it; nobody
    is mailed about their own action."""
    if ticket.status != old_status and ticket.status == Status.RESOLVED.value:
        _resolved(session, ticket, actor)
    if ticket.assignee_id is not None and ticket.assignee_id not in (old_assignee, actor.id):
        _assigned(session, ticket, actor.name, ticket.assignee_id)


#: Who the assignment mail says assigned the ticket, when nobody did by hand.
AUTOMATIC_ASSIGNER = "Automatic assignment"


def ticket_auto_assigned(session: Session, ticket: Ticket) -> None:
    """A new ticket given to its assignee automatically: they hear about it as about any
    assignment (unless they created it themselves)."""
    if ticket.assignee_id is not None and ticket.assignee_id != ticket.submitter_id:
        _assigned(session, ticket, AUTOMATIC_ASSIGNER, ticket.assignee_id)


def _resolved(session: Session, ticket: Ticket, actor: User) -> None:
    if actor.id == ticket.submitter_id:
        return
    submitter = _reachable(session.get(User, ticket.submitter_id))
    if submitter is None or not _enabled(session, MailEvent.TICKET_RESOLVED):
        return
    mail = templates.ticket_resolved(_facts(session, ticket), submitter.name, actor.name)
    _queue(session, MailEvent.TICKET_RESOLVED, submitter, ticket, mail)


def _assigned(session: Session, ticket: Ticket, actor_name: str, assignee_id: uuid.UUID) -> None:
    assignee = _reachable(session.get(User, assignee_id))
    if assignee is None or not _enabled(session, MailEvent.TICKET_ASSIGNED):
        return
    submitter = session.get(User, ticket.submitter_id)
    mail = templates.ticket_assigned(
        _facts(session, ticket),
        assignee.name,
        actor_name,
        submitter.name if submitter is not None else "",
        ticket.description,
    )
    _queue(session, MailEvent.TICKET_ASSIGNED, assignee, ticket, mail)


def sla_escalation(
    session: Session,
    ticket: Ticket,
    recipients: list[User],
    *,
    target: str,
    due: str,
    breached: bool,
) -> int:
    """A warning or breach mail to each reachable recipient; answers how many were queued."""
    event = MailEvent.SLA_BREACHED if breached else MailEvent.SLA_WARNING
    if not _enabled(session, event):
        return 0
    facts = _facts(session, ticket)
    queued = 0
    for recipient in {r.id: r for r in recipients}.values():
        if _reachable(recipient) is None:
            continue
        mail = templates.sla_escalation(facts, recipient.name, target, due, breached=breached)
        _queue(session, event, recipient, ticket, mail)
        queued += 1
    return queued
