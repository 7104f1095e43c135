"""The mail outbox: queue a mail with the change it reports, and let senders claim and settle it.

A mail is a ``mail_outbox`` row written in the caller's transaction, so a change that rolls back
queues nothing and a committed change never loses its mail. Senders claim due rows with
``SELECT ... FOR UPDATE SKIP LOCKED`` and push their ``next_attempt_at`` a lease ahead in the
same short transaction; the SMTP conversation happens outside any transaction, and the result is
written afterwards. Two senders never claim one row; a sender that dies mid-send leaves the row
to be sent again once its lease is over (at-least-once, as with any mail queue).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from sync_server.db.models import MailOutbox, User
from sync_server.services.mail.templates import RenderedMail
from ticketing.domain import new_id

#: The ``LISTEN``/``NOTIFY`` channel a sender waits on; queuing a mail notifies it on commit.
CHANNEL = "ticketdesk_mail"

PENDING = "pending"
SENT = "sent"
FAILED = "failed"

#: How long a claimed row stays invisible to other senders while one sender delivers it.
LEASE = dt.timedelta(minutes=10)
#: The first retry waits this long; each further one twice as long, up to :data:`MAX_BACKOFF`.
FIRST_BACKOFF = dt.timedelta(seconds=30)
MAX_BACKOFF = dt.timedelta(hours=1)


class MailEvent(enum.StrEnum):
    """What a mail reports; each value is also the name of its admin switch in
    ``ticketing.schemas.NotificationSettings``."""

    TICKET_CREATED = "ticket_created"
    AGENT_REPLY = "agent_reply"
    TICKET_RESOLVED = "ticket_resolved"
    TICKET_ASSIGNED = "ticket_assigned"
    SLA_WARNING = "sla_warning"
    SLA_BREACHED = "sla_breached"


@dataclass(frozen=True)
class QueuedMail:
    """One claimed mail, detached from the database, with what the sender needs to build it."""

    id: uuid.UUID
    event: MailEvent
    to_address: str
    to_name: str
    subject: str
    body_text: str
    body_html: str
    ticket_id: uuid.UUID | None
    attempts: int
    created_at: dt.datetime


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed try: 30 s, 1 min, 2 min, ... at most an hour."""
    exponent = min(max(attempts - 1, 0), 20)  # 30 s * 2**20 is far beyond the cap already
    wait: dt.timedelta = FIRST_BACKOFF * (2**exponent)
    return min(wait, MAX_BACKOFF)


def enqueue(
    session: Session, event: MailEvent, recipient: User, ticket_id: uuid.UUID | None, mail: RenderedMail
) -> MailOutbox:
    """Queue one mail in the caller's transaction and wake the senders when it commits."""
    row = MailOutbox(
        id=new_id(),
        event=event.value,
        recipient_id=recipient.id,
        to_address=recipient.email,
        subject=mail.subject,
        body_text=mail.text,
        body_html=mail.html,
        ticket_id=ticket_id,
        status=PENDING,
    )
    session.add(row)
    session.flush()
    # Delivered only if the transaction commits; PostgreSQL folds repeats into one.
    session.execute(select(func.pg_notify(CHANNEL, "")))
    return row


def claim_due(
    session: Session, now: dt.datetime, limit: int, lease: dt.timedelta = LEASE
) -> tuple[list[QueuedMail], int]:
    """Claim up to ``limit`` due mails for ``lease``; returns them and how many were cancelled.

    A mail whose recipient was deactivated or turned notifications off since it was queued is
    not sent: it ends as failed with the reason, and counts as cancelled.
    """
    rows = session.execute(
        select(MailOutbox, User)
        .outerjoin(User, User.id == MailOutbox.recipient_id)
        .where(MailOutbox.status == PENDING, MailOutbox.next_attempt_at <= now)
        .order_by(MailOutbox.next_attempt_at, MailOutbox.id)
        .limit(limit)
        .with_for_update(of=MailOutbox, skip_locked=True)
    ).all()
    claimed: list[QueuedMail] = []
    cancelled = 0
    for mail, user in rows:
        reason = _cancel_reason(user)
        if reason is not None:
            mail.status = FAILED
            mail.last_error = reason
            cancelled += 1
            continue
        mail.next_attempt_at = now + lease
        claimed.append(
            QueuedMail(
                id=mail.id,
                event=MailEvent(mail.event),
                to_address=mail.to_address,
                to_name=user.name if user is not None else "",
                subject=mail.subject,
                body_text=mail.body_text,
                body_html=mail.body_html,
                ticket_id=mail.ticket_id,
                attempts=mail.attempts,
                created_at=mail.created_at,
            )
        )
    session.flush()
    return claimed, cancelled


def _cancel_reason(user: User | None) -> str | None:
    if user is None:
        return None  # a mail to an address without an account (none are queued today)
    if not user.is_active:
        return "cancelled: the account was deactivated before the mail was sent"
    if not user.notify_email:
        return "cancelled: the recipient turned email notifications off before it was sent"
    return None


def mark_sent(session: Session, mail_id: uuid.UUID, now: dt.datetime) -> None:
    session.execute(
        update(MailOutbox)
        .where(MailOutbox.id == mail_id, MailOutbox.status == PENDING)
        .values(status=SENT, sent_at=now, attempts=MailOutbox.attempts + 1, last_error=None)
    )


def mark_retry(session: Session, mail_id: uuid.UUID, now: dt.datetime, error: str) -> None:
    """A transient failure: try again after the backoff for this attempt."""
    mail = session.get(MailOutbox, mail_id, with_for_update=True)
    if mail is None or mail.status != PENDING:
        return
    mail.attempts += 1
    mail.last_error = error[:2000]
    mail.next_attempt_at = now + backoff(mail.attempts)
    session.flush()


def mark_failed(session: Session, mail_id: uuid.UUID, error: str) -> None:
    """A permanent failure (the mail server refused this mail for good): never retried."""
    session.execute(
        update(MailOutbox)
        .where(MailOutbox.id == mail_id, MailOutbox.status == PENDING)
        .values(status=FAILED, attempts=MailOutbox.attempts + 1, last_error=error[:2000])
    )


def release(session: Session, mail_ids: list[uuid.UUID], now: dt.datetime) -> None:
    """Give claimed mails back unsent (the sender ran out of lease): due again at once."""
    if mail_ids:
        session.execute(
            update(MailOutbox)
            .where(MailOutbox.id.in_(mail_ids), MailOutbox.status == PENDING)
            .values(next_attempt_at=now)
        )
