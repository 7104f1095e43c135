"""Deliver the mail outbox over SMTP: claim due mails, send them, record each outcome.

:func:`deliver_due` is one pass (what ``python -m sync_server send-mail`` runs);
:class:`MailSender` runs passes in a background thread of the server process, every few seconds
and as soon as a committed change queues a mail (``LISTEN``/``NOTIFY``). No API request ever
waits for SMTP: requests only write outbox rows.

What a failure does:

- **Transient**, retried with exponential backoff (30 s doubling, at most an hour apart) for as
  long as it takes: the server cannot be reached or drops the connection, any 4xx answer
  (greylisting, "try again later"), and refusals that are the server's configuration rather than
  the mail's (STARTTLS unavailable, login refused, our sender address refused). A mail server
  that is down or misconfigured delays mail; it loses none.
- **Permanent**: a 5xx answer to this mail's recipient or content (no such mailbox, message
  rejected), or a mail that cannot be written at all. The row ends as ``failed`` with the
  server's answer in ``last_error`` and is never retried: the same mail would be refused again.
- **Not configured** (empty SMTP host): nothing is claimed; mail waits in the outbox.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.errors
import logging
import re
import smtplib
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Self

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from sync_server.db.session import make_session_factory
from sync_server.services import settings_store
from sync_server.services.mail import outbox
from sync_server.services.mail.outbox import LEASE, MailEvent, QueuedMail
from sync_server.services.mail.templates import one_line
from ticketing.schemas import SmtpSettings

log = logging.getLogger(__name__)

#: Seconds an SMTP command may take before the attempt counts as a transient failure.
SMTP_TIMEOUT = 30.0
#: Mails claimed per database round trip; they share one SMTP connection.
BATCH_SIZE = 20
#: A batch stops sending (and gives back what is left) this long before its lease ends, so no
#: other sender can claim a mail this one is still sending.
LEASE_MARGIN = dt.timedelta(minutes=3)
#: How often the background sender looks for due mail without being notified.
POLL_SECONDS = 5.0

_DOMAIN_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")
_FALLBACK_DOMAIN = "ticketdesk.invalid"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class DeliveryReport:
    """What one pass did."""

    configured: bool = True
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if not self.configured:
            return "SMTP is not configured (admin settings: SMTP host); mail waits in the outbox."
        return (
            f"Sent {self.sent}, retrying later {self.retrying}, failed for good {self.failed}, "
            f"cancelled {self.cancelled}."
        )


class _Transient(Exception):
    """This attempt failed; the mail goes back to the queue with a backoff."""


class _Permanent(Exception):
    """The server refused this mail for good."""


class _ConnectionLost(_Transient):
    """Transient, and the connection is gone: the rest of the batch waits too."""


# --- the message --------------------------------------------------------------------------------


def _domain(sender: str) -> str:
    domain = parseaddr(sender)[1].rpartition("@")[2]
    return domain if _DOMAIN_RE.match(domain) else _FALLBACK_DOMAIN


def thread_id(ticket_id: object, sender: str) -> str:
    """The Message-ID every mail about one ticket refers to (the first mail's own id)."""
    return f"<ticket-{ticket_id}@{_domain(sender)}>"


def build_message(mail: QueuedMail, sender: str) -> EmailMessage:
    """The MIME mail: text and HTML alternatives, threaded per ticket by its headers."""
    message = EmailMessage()
    message["Subject"] = one_line(mail.subject)
    message["From"] = one_line(sender)
    message["To"] = Address(display_name=one_line(mail.to_name), addr_spec=mail.to_address)
    message["Date"] = format_datetime(mail.created_at)
    if mail.ticket_id is None:
        message["Message-ID"] = f"<mail-{mail.id}@{_domain(sender)}>"
    else:
        anchor = thread_id(mail.ticket_id, sender)
        if mail.event == MailEvent.TICKET_CREATED:
            message["Message-ID"] = anchor
        else:
            message["Message-ID"] = f"<mail-{mail.id}@{_domain(sender)}>"
            message["In-Reply-To"] = anchor
            message["References"] = anchor
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to this
    message["X-Ticketdesk-Event"] = mail.event.value
    message.set_content(mail.body_text)
    message.add_alternative(mail.body_html, subtype="html")
    return message


# --- the SMTP connection ------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpTarget:
    """Where and how to send, from the admin's ``smtp`` settings."""

    host: str
    port: int
    starttls: bool
    username: str
    password: str
    sender: str

    @classmethod
    def from_settings(cls, smtp: SmtpSettings) -> SmtpTarget:
        return cls(
            host=smtp.host.strip(),
            port=smtp.port,
            starttls=smtp.starttls,
            username=smtp.username,
            password=smtp.password or "",
            sender=smtp.sender,
        )

    @property
    def configured(self) -> bool:
        return bool(self.host)

    @property
    def envelope_sender(self) -> str:
        return parseaddr(self.sender)[1]


class _Connection:
    """One SMTP session, opened on first use and reused for every mail of a pass."""

    def __init__(self, target: SmtpTarget, ssl_context: ssl.SSLContext | None, timeout: float) -> None:
        self._target = target
        self._ssl_context = ssl_context
        self._timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _open(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        target = self._target
        try:
            smtp = smtplib.SMTP(target.host, target.port, timeout=self._timeout)
        except (OSError, smtplib.SMTPException) as error:
            raise _ConnectionLost(f"cannot connect to {target.host}:{target.port}: {error}") from error
        try:
            smtp.ehlo()
            if target.starttls:
                # Certificates are verified (the default context) unless a test hands its own.
                smtp.starttls(context=self._ssl_context or ssl.create_default_context())
                smtp.ehlo()
            if target.username:
                smtp.login(target.username, target.password)
        except (OSError, smtplib.SMTPException) as error:
            smtp.close()
            raise _ConnectionLost(f"{target.host}:{target.port} refused the session: {error}") from error
        self._smtp = smtp
        return smtp

    def send(self, message: EmailMessage, recipient: str) -> None:
        """Send one mail; raises :class:`_Transient` or :class:`_Permanent` on failure."""
        smtp = self._open()
        try:
            smtp.send_message(message, from_addr=self._target.envelope_sender, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as error:
            code, answer = next(iter(error.recipients.values()), (0, b""))
            raise _refusal(code, answer, "recipient refused") from error
        except smtplib.SMTPSenderRefused as error:
            refusal = f"{error.smtp_code} {_text(error.smtp_error)}"
            raise _Transient(f"sender address refused: {refusal}") from error
        except smtplib.SMTPDataError as error:
            raise _refusal(error.smtp_code, error.smtp_error, "message refused") from error
        except smtplib.SMTPNotSupportedError as error:  # e.g. needs SMTPUTF8 the server lacks
            raise _Permanent(f"the server cannot take this mail: {error}") from error
        except (OSError, smtplib.SMTPException) as error:
            self._forget()
            raise _ConnectionLost(f"connection lost: {error}") from error

    def _forget(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def _text(answer: bytes | str) -> str:
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)


def _refusal(code: int, answer: bytes | str, what: str) -> Exception:
    """5xx is the server's final word on this mail; anything else may work later."""
    text = f"{what}: {code} {_text(answer)}"
    return _Permanent(text) if 500 <= code < 600 else _Transient(text)


# --- one pass -----------------------------------------------------------------------------------


def deliver_due(
    factory: sessionmaker[Session],
    *,
    clock: Callable[[], dt.datetime] = utc_now,
    ssl_context: ssl.SSLContext | None = None,
    batch_size: int = BATCH_SIZE,
    timeout: float = SMTP_TIMEOUT,
    stopping: Callable[[], bool] = lambda: False,
) -> DeliveryReport:
    """Deliver every mail that is due now, once; a failed mail waits for its next attempt.

    ``clock`` decides what "now" is (tests move it forward to make retries due); ``ssl_context``
    replaces the default, certificate-verifying one for STARTTLS (tests trust their own CA).
    Once ``stopping()`` says so, the pass ends after the mail being sent and gives back the rest
    of its claim, so another process sends them at once rather than after the lease.
    """
    with factory() as session, session.begin():
        target = SmtpTarget.from_settings(settings_store.load(session).smtp)
    report = DeliveryReport(configured=target.configured)
    if not target.configured:
        return report
    with _Connection(target, ssl_context, timeout) as connection:
        delivery = _Pass(factory, connection, target, clock, report, stopping)
        while not stopping():
            claimed_at = time.monotonic()
            with factory() as session, session.begin():
                batch, cancelled = outbox.claim_due(session, clock(), batch_size)
            report.cancelled += cancelled
            if not batch and not cancelled:
                break
            if not delivery.send_batch(batch, claimed_at):
                break
    return report


@dataclass
class _Pass:
    """One delivery pass: sends claimed batches and writes each outcome in its own transaction."""

    factory: sessionmaker[Session]
    connection: _Connection
    target: SmtpTarget
    clock: Callable[[], dt.datetime]
    report: DeliveryReport
    stopping: Callable[[], bool]

    def send_batch(self, batch: list[QueuedMail], claimed_at: float) -> bool:
        """Send one claimed batch; False when the server is out of reach or the process stops
        (end the pass)."""
        budget = (LEASE - LEASE_MARGIN).total_seconds()
        for index, mail in enumerate(batch):
            stop = self.stopping()
            if stop or time.monotonic() - claimed_at > budget:
                with self.factory() as session, session.begin():
                    outbox.release(session, [m.id for m in batch[index:]], self.clock())
                return not stop
            if not self._send(mail, batch[index:]):
                return False
        return True

    def _send(self, mail: QueuedMail, waiting: list[QueuedMail]) -> bool:
        """Send ``mail`` (the first of ``waiting``); False if the connection is gone."""
        report = self.report
        try:
            self.connection.send(build_message(mail, self.target.sender), mail.to_address)
        except (_Permanent, ValueError, TypeError, email.errors.MessageError) as error:
            log.warning("mail %s to %s failed for good: %s", mail.id, mail.to_address, error)
            with self.factory() as session, session.begin():
                outbox.mark_failed(session, mail.id, str(error))
            report.failed += 1
            report.errors.append(str(error))
        except _ConnectionLost as error:
            log.warning("mail server unavailable, %d mails wait: %s", len(waiting), error)
            with self.factory() as session, session.begin():
                for queued in waiting:
                    outbox.mark_retry(session, queued.id, self.clock(), str(error))
            report.retrying += len(waiting)
            report.errors.append(str(error))
            return False
        except _Transient as error:
            log.info("mail %s to %s will be retried: %s", mail.id, mail.to_address, error)
            with self.factory() as session, session.begin():
                outbox.mark_retry(session, mail.id, self.clock(), str(error))
            report.retrying += 1
            report.errors.append(str(error))
        else:
            with self.factory() as session, session.begin():
                outbox.mark_sent(session, mail.id, self.clock())
            report.sent += 1
        return True


# --- the background sender ----------------------------------------------------------------------


class MailSender:
    """Runs :func:`deliver_due` in a thread: every ``interval`` seconds and whenever a commit
    queued a mail (``NOTIFY`` on :data:`outbox.CHANNEL`). Any number of server processes
    may each run one; the outbox's row claims keep them from sending a mail twice."""

    def __init__(
        self,
        engine: Engine,
        *,
        interval: float = POLL_SECONDS,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._engine = engine
        self._factory = make_session_factory(engine)
        self._interval = interval
        self._ssl_context = ssl_context
        self._stopping = threading.Event()
        #: Set once the sender listens for notifications (tests wait for it).
        self.listening = threading.Event()
        #: Delivery passes finished so far.
        self.passes = 0
        self._thread = threading.Thread(target=self._run, name="mail-sender", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    async def astop(self) -> None:
        """:meth:`stop` without blocking an event loop (for the app's lifespan)."""
        await asyncio.to_thread(self.stop)

    def _run(self) -> None:
        listener: psycopg.Connection[TupleRow] | None = None
        try:
            while not self._stopping.is_set():
                if listener is None:
                    listener = self._listen()
                self._deliver()
                listener = self._wait(listener)
        finally:
            if listener is not None:
                listener.close()

    def _listen(self) -> psycopg.Connection[TupleRow] | None:
        url = self._engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        try:
            listener = psycopg.connect(url, autocommit=True)
            listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(outbox.CHANNEL)))
        except psycopg.Error as error:
            log.warning("mail sender cannot listen for new mail (polling instead): %s", error)
            return None
        self.listening.set()
        return listener

    def _deliver(self) -> None:
        try:
            report = deliver_due(self._factory, ssl_context=self._ssl_context, stopping=self._stopping.is_set)
        except Exception:  # the database is away, say: log it and try again at the next wake-up
            log.exception("mail delivery pass failed")
            return
        finally:
            self.passes += 1
        if report.sent or report.failed or report.retrying:
            log.info("mail: %s", report.summary())

    def _wait(self, listener: psycopg.Connection[TupleRow] | None) -> psycopg.Connection[TupleRow] | None:
        """Until a notification, the interval's end or :meth:`stop`; the listener, if it still works."""
        if listener is None:
            self._stopping.wait(self._interval)
            return None
        deadline = time.monotonic() + self._interval
        try:
            while not self._stopping.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return listener
                # short slices, so that stop() is noticed within a second
                for _notify in listener.notifies(timeout=min(remaining, 1.0), stop_after=1):
                    return listener
        except psycopg.Error as error:
            log.warning("mail sender lost its notification connection: %s", error)
            listener.close()
            self.listening.clear()
            return None
        return listener
