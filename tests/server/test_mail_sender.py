"""Delivering the mail outbox to real SMTP servers (aiosmtpd on loopback): MIME parts and thread
headers, retries after 451 and after a server that was down, 5xx refusals, two senders on one
database, STARTTLS with login, the background sender woken by NOTIFY, the ``send-mail`` command
and the ``serve`` process."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import ssl
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
import requests
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from sync_server.app import create_app
from sync_server.child_server import LiveServer, free_port
from sync_server.db.models import Category, MailOutbox, User
from sync_server.db.session import make_engine, make_session_factory
from sync_server.services import settings_store
from sync_server.services.helpdesk import tickets
from sync_server.services.identity.principal import Principal
from sync_server.services.mail import outbox
from sync_server.services.mail.outbox import FIRST_BACKOFF, MAX_BACKOFF, backoff
from sync_server.services.mail.sender import DeliveryReport, MailSender, deliver_due
from tests.helpers.api import Account, create_account, login, submit
from ticketing.domain import AgentVisibility, Role
from ticketing.schemas import SettingsPatch, SmtpSettings, TicketCreate

SENDER = "Ticketdesk <helpdesk@desk.example.org>"


# --- a real SMTP server -----------------------------------------------------------------------------


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps what it accepts and answers as told."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    #: Answers to give to the next DATA commands instead of accepting (e.g. "451 ...").
    data_answers: list[str] = field(default_factory=list)
    #: Recipients refused at RCPT with this answer.
    refused: dict[str, str] = field(default_factory=dict)
    logins: list[tuple[str, str]] = field(default_factory=list)
    #: Seconds each accepted mail takes, like a real server's round trips.
    delay: float = 0.0

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refused:
            return self.refused[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_answers:
            return self.data_answers.pop(0)
        if self.delay:
            await asyncio.sleep(self.delay)
        content = envelope.original_content or b""
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"].addresses[0].addr_spec == address]


@dataclass
class SmtpServer:
    inbox: Inbox
    port: int
    controller: Controller | None = None

    def start(self, **smtp_options: Any) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **smtp_options)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(Inbox(), free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def uma(client: TestClient, engine: Engine) -> Account:
    return login(client, engine, "uma@example.com", Role.USER, "Uma User")


@pytest.fixture
def alice(client: TestClient, engine: Engine) -> Account:
    return login(client, engine, "alice@example.com", Role.AGENT, "Alice Agent")


def configure_smtp(engine: Engine, port: int, **options: Any) -> None:
    """Store the admin's SMTP settings, as PATCH /api/settings does."""
    admin_id, _ = create_account(engine, f"admin-{uuid.uuid4().hex[:8]}@example.com", Role.ADMIN)
    smtp = SmtpSettings.model_validate(
        {"host": "127.0.0.1", "port": port, "starttls": False, "sender": SENDER, **options}
    )
    with make_session_factory(engine)() as session, session.begin():
        settings_store.apply_patch(session, SettingsPatch(smtp=smtp), uuid.UUID(admin_id))


def create_tickets(engine: Engine, user_id: str, count: int) -> None:
    """Tickets written straight through the write layer (the API would rate-limit so many)."""
    with make_session_factory(engine)() as session, session.begin():
        user = session.get(User, uuid.UUID(user_id))
        category = session.scalars(select(Category.id).order_by(Category.name)).first()
        assert user is not None and category is not None
        principal = Principal(user, AgentVisibility.ALL)
        for number in range(count):
            data = TicketCreate(title=f"Ticket {number}", description="<p>x</p>", category_id=category)
            tickets.create_ticket(session, principal, data)


def outbox_rows(engine: Engine) -> list[MailOutbox]:
    with make_session_factory(engine)() as session:
        return list(session.scalars(select(MailOutbox).order_by(MailOutbox.created_at, MailOutbox.id)))


def send(engine: Engine, *, at: dt.datetime | None = None, **options: Any) -> DeliveryReport:
    clock: Callable[[], dt.datetime] = (lambda: at) if at is not None else (lambda: dt.datetime.now(dt.UTC))
    return deliver_due(make_session_factory(engine), clock=clock, timeout=10.0, **options)


def later(delta: dt.timedelta) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + delta


def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def parts(message: EmailMessage) -> dict[str, str]:
    return {part.get_content_type(): str(part.get_content()) for part in message.iter_parts()}


# --- delivery ---------------------------------------------------------------------------------------


def test_mails_arrive_with_text_and_html_and_thread_per_ticket(
    smtp: SmtpServer, client: TestClient, engine: Engine, uma: Account, alice: Account
) -> None:
    configure_smtp(engine, smtp.port)
    key = submit(uma, "Printer jams", description="<p>It jams on <b>page two</b>.</p>")["number"]
    alice.post(f"/api/tickets/{key}/comments", json={"content": "<p>Try the <i>other</i> tray.</p>"})
    alice.patch(f"/api/tickets/{key}", json={"status": "Resolved"})
    other = submit(uma, "Second ticket")["number"]
    assert other == "TKT-1002"

    report = send(engine)
    assert (report.sent, report.retrying, report.failed) == (4, 0, 0)
    first, reply, resolved, second = smtp.inbox.messages
    assert [m["Subject"] for m in smtp.inbox.messages] == [
        "[TKT-1001] Printer jams",
        "Re: [TKT-1001] Printer jams",
        "Re: [TKT-1001] Printer jams",
        "[TKT-1002] Second ticket",
    ]
    for message in smtp.inbox.messages:
        assert message.get_content_type() == "multipart/alternative"
        assert set(parts(message)) == {"text/plain", "text/html"}
        assert str(message["To"]) == "Uma User <uma@example.com>"
        assert message["From"] == SENDER
        assert message["Auto-Submitted"] == "auto-generated"
    assert smtp.inbox.envelopes[0] == ("helpdesk@desk.example.org", ["uma@example.com"])
    assert "It jams on page two." in parts(first)["text/plain"]
    assert "<b>page two</b>" in parts(first)["text/html"]
    assert "Try the other tray." in parts(reply)["text/plain"]

    anchor = first["Message-ID"]
    assert anchor.endswith("@desk.example.org>")
    for follow_up in (reply, resolved):
        assert follow_up["In-Reply-To"] == anchor
        assert follow_up["References"] == anchor
    assert second["Message-ID"] != anchor and second["In-Reply-To"] is None
    assert len({m["Message-ID"] for m in smtp.inbox.messages}) == 4

    rows = outbox_rows(engine)
    assert [(r.status, r.attempts) for r in rows] == [("sent", 1)] * 4
    assert all(r.sent_at is not None and r.last_error is None for r in rows)
    assert send(engine, at=later(dt.timedelta(days=1))).sent == 0  # nothing is sent twice
    assert len(smtp.inbox.messages) == 4


def test_a_451_is_retried_after_the_backoff_and_delivered_once(
    smtp: SmtpServer, engine: Engine, uma: Account
) -> None:
    configure_smtp(engine, smtp.port)
    smtp.inbox.data_answers = ["451 4.3.0 Try again later"]
    submit(uma)

    now = dt.datetime.now(dt.UTC)
    first = send(engine, at=now)
    assert (first.sent, first.retrying) == (0, 1)
    assert smtp.inbox.messages == []
    [row] = outbox_rows(engine)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error is not None and "451" in row.last_error
    assert row.next_attempt_at == now + FIRST_BACKOFF

    assert send(engine, at=now + FIRST_BACKOFF - dt.timedelta(seconds=1)).sent == 0  # not due yet
    assert send(engine, at=now + FIRST_BACKOFF).sent == 1
    assert send(engine, at=now + dt.timedelta(days=1)).sent == 0
    assert len(smtp.inbox.messages) == 1
    [row] = outbox_rows(engine)
    assert (row.status, row.attempts) == ("sent", 2)


def test_retries_back_off_exponentially_up_to_a_cap(smtp: SmtpServer, engine: Engine, uma: Account) -> None:
    assert [backoff(n).total_seconds() for n in range(1, 10)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
    ]
    assert backoff(10_000) == MAX_BACKOFF

    configure_smtp(engine, smtp.port)
    smtp.inbox.refused["uma@example.com"] = "450 4.2.1 Mailbox busy"
    submit(uma)
    now = dt.datetime.now(dt.UTC)
    waits = []
    for _ in range(4):
        assert send(engine, at=now).retrying == 1
        [row] = outbox_rows(engine)
        waits.append(row.next_attempt_at - now)
        now = row.next_attempt_at
    assert waits == [backoff(1), backoff(2), backoff(3), backoff(4)]
    del smtp.inbox.refused["uma@example.com"]
    assert send(engine, at=now).sent == 1


def test_a_refused_recipient_fails_for_good_and_the_others_are_delivered(
    smtp: SmtpServer, client: TestClient, engine: Engine, uma: Account
) -> None:
    configure_smtp(engine, smtp.port)
    ivy = login(client, engine, "ivy@example.com", Role.USER, "Ivy User")
    smtp.inbox.refused["ivy@example.com"] = "550 5.1.1 No such user here"
    submit(ivy, "Ivy's ticket")
    submit(uma, "Uma's ticket")

    report = send(engine)
    assert (report.sent, report.failed, report.retrying) == (1, 1, 0)
    assert [m["Subject"] for m in smtp.inbox.messages] == ["[TKT-1002] Uma's ticket"]
    refused, delivered = outbox_rows(engine)
    assert (refused.status, refused.attempts) == ("failed", 1)
    assert refused.last_error is not None and "550" in refused.last_error
    assert delivered.status == "sent"

    del smtp.inbox.refused["ivy@example.com"]
    assert send(engine, at=later(dt.timedelta(days=30))).sent == 0  # a failed mail is never retried
    assert len(smtp.inbox.messages) == 1


def test_content_refused_with_5xx_fails_for_good(smtp: SmtpServer, engine: Engine, uma: Account) -> None:
    configure_smtp(engine, smtp.port)
    smtp.inbox.data_answers = ["554 5.7.1 Looks like spam"]
    submit(uma)
    report = send(engine)
    assert (report.sent, report.failed) == (0, 1)
    [row] = outbox_rows(engine)
    assert row.status == "failed" and "554" in (row.last_error or "")
    assert send(engine, at=later(dt.timedelta(days=1))).sent == 0


def test_names_and_titles_beyond_ascii_arrive_intact(
    smtp: SmtpServer, client: TestClient, engine: Engine
) -> None:
    configure_smtp(engine, smtp.port)
    zoe = login(client, engine, "zoe@example.com", Role.USER, "Zoë Müller-Łukasz")
    submit(zoe, "Café ☕ crashes — again", description="<p>Ça plante: 日本語</p>")
    assert send(engine).sent == 1
    [message] = smtp.inbox.messages
    assert message["Subject"] == "[TKT-1001] Café ☕ crashes — again"
    assert message["To"].addresses[0].display_name == "Zoë Müller-Łukasz"
    assert "Ça plante: 日本語" in parts(message)["text/plain"]
    assert "Ça plante: 日本語" in parts(message)["text/html"]


def test_a_server_that_is_down_delays_mail_but_loses_none(engine: Engine, uma: Account) -> None:
    server = SmtpServer(Inbox(), free_port())  # nothing listens on its port yet
    configure_smtp(engine, server.port)
    for number in range(3):
        submit(uma, f"Ticket {number}")

    now = dt.datetime.now(dt.UTC)
    report = send(engine, at=now)
    assert (report.sent, report.retrying) == (0, 3)
    assert "cannot connect" in report.errors[0]
    assert {(r.status, r.attempts) for r in outbox_rows(engine)} == {("pending", 1)}

    server.start()
    try:
        assert send(engine, at=now).sent == 0  # each waits for its backoff
        assert send(engine, at=now + FIRST_BACKOFF).sent == 3
        assert sorted(m["Subject"] for m in server.inbox.messages) == [
            "[TKT-1001] Ticket 0",
            "[TKT-1002] Ticket 1",
            "[TKT-1003] Ticket 2",
        ]
    finally:
        server.stop()


def test_without_an_smtp_host_mail_waits_in_the_outbox(
    smtp: SmtpServer, engine: Engine, uma: Account
) -> None:
    submit(uma)
    report = send(engine)
    assert not report.configured and report.sent == 0
    [row] = outbox_rows(engine)
    assert (row.status, row.attempts) == ("pending", 0)

    configure_smtp(engine, smtp.port)
    assert send(engine).sent == 1
    assert len(smtp.inbox.messages) == 1


def test_a_mail_whose_recipient_opted_out_or_left_meanwhile_is_not_sent(
    smtp: SmtpServer, client: TestClient, engine: Engine, uma: Account
) -> None:
    configure_smtp(engine, smtp.port)
    ivy = login(client, engine, "ivy@example.com", Role.USER, "Ivy User")
    submit(uma)
    submit(ivy)
    uma.patch("/api/me", json={"notify_email": False})
    ada = login(client, engine, "ada@example.com", Role.ADMIN, "Ada")
    assert ada.patch(f"/api/users/{ivy.id}", json={"is_active": False}).status_code == 200

    report = send(engine)
    assert (report.sent, report.cancelled) == (0, 2)
    assert smtp.inbox.messages == []
    assert all(
        r.status == "failed" and (r.last_error or "").startswith("cancelled") for r in outbox_rows(engine)
    )


def test_two_senders_on_one_database_send_each_mail_once(
    smtp: SmtpServer, engine: Engine, database_url: str, uma: Account
) -> None:
    configure_smtp(engine, smtp.port)
    create_tickets(engine, uma.id, 40)
    smtp.inbox.delay = 0.02  # so that the two passes overlap
    second_engine = make_engine(database_url)  # as a second server process would have
    start = threading.Barrier(2)
    reports: list[DeliveryReport] = []

    def sender(on: Engine) -> None:
        start.wait()
        reports.append(deliver_due(make_session_factory(on), batch_size=3, timeout=10.0))

    threads = [threading.Thread(target=sender, args=(on,)) for on in (engine, second_engine)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        second_engine.dispose()

    assert sum(r.sent for r in reports) == 40
    assert all(r.sent > 0 for r in reports), [r.sent for r in reports]  # both really took part
    subjects = [m["Subject"] for m in smtp.inbox.messages]
    assert len(subjects) == 40 and len(set(subjects)) == 40
    assert {r.status for r in outbox_rows(engine)} == {"sent"}


def test_a_claimed_mail_is_skipped_by_other_senders(engine: Engine, uma: Account) -> None:
    create_tickets(engine, uma.id, 10)
    factory = make_session_factory(engine)
    now = dt.datetime.now(dt.UTC)
    with factory() as first, first.begin():
        held, _ = outbox.claim_due(first, now, 4)  # locked until this transaction ends
        with factory() as second, second.begin():
            rest, _ = outbox.claim_due(second, now, 100)
        assert len(held) == 4 and len(rest) == 6
        assert not {m.id for m in held} & {m.id for m in rest}
    with factory() as third, third.begin():
        assert outbox.claim_due(third, now, 100) == ([], 0)  # all leased now
        again, _ = outbox.claim_due(third, now + outbox.LEASE, 100)
    assert len(again) == 10  # a lease that ran out makes a mail due again


# --- STARTTLS and login -----------------------------------------------------------------------------


@dataclass
class TlsSetup:
    server: SmtpServer
    client_context: ssl.SSLContext
    authority: trustme.CA


@pytest.fixture
def tls_smtp() -> Iterator[TlsSetup]:
    """An SMTP server that requires STARTTLS (certificate from a test CA) and AUTH LOGIN."""
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_context)
    client_context = ssl.create_default_context()
    authority.configure_trust(client_context)

    inbox = Inbox()

    def authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        username, password = data.login.decode(), data.password.decode()
        inbox.logins.append((mechanism, username))
        success = (username, password) == ("helpdesk", "s3cret-pass")
        return AuthResult(success=success, handled=False)  # not handled: aiosmtpd answers 235 or 535

    server = SmtpServer(inbox, free_port())
    server.start(
        tls_context=server_context,
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        auth_exclude_mechanism=["PLAIN"],
        authenticator=authenticate,
    )
    yield TlsSetup(server, client_context, authority)
    server.stop()


def test_starttls_and_login_deliver(tls_smtp: TlsSetup, engine: Engine, uma: Account) -> None:
    configure_smtp(engine, tls_smtp.server.port, starttls=True, username="helpdesk", password="s3cret-pass")
    submit(uma)
    report = send(engine, ssl_context=tls_smtp.client_context)
    assert report.sent == 1, report.errors
    assert tls_smtp.server.inbox.logins == [("LOGIN", "helpdesk")]
    assert [m["Subject"] for m in tls_smtp.server.inbox.messages] == ["[TKT-1001] Printer jams"]


def test_a_wrong_password_or_an_untrusted_certificate_delays_mail(
    tls_smtp: TlsSetup, engine: Engine, uma: Account
) -> None:
    configure_smtp(engine, tls_smtp.server.port, starttls=True, username="helpdesk", password="wrong")
    submit(uma)
    now = dt.datetime.now(dt.UTC)
    refused = send(engine, at=now, ssl_context=tls_smtp.client_context)
    assert (refused.sent, refused.retrying) == (0, 1)
    assert "535" in refused.errors[0]

    configure_smtp(engine, tls_smtp.server.port, starttls=True, username="helpdesk", password="s3cret-pass")
    # the production context verifies certificates: the test CA is not trusted
    untrusted = send(engine, at=now + FIRST_BACKOFF)
    assert (untrusted.sent, untrusted.retrying) == (0, 1)
    assert "CERTIFICATE_VERIFY_FAILED" in untrusted.errors[0]
    assert tls_smtp.server.inbox.messages == []

    trusted = send(engine, at=now + dt.timedelta(hours=1), ssl_context=tls_smtp.client_context)
    assert trusted.sent == 1
    [row] = outbox_rows(engine)
    assert (row.status, row.attempts) == ("sent", 3)


def test_starttls_never_falls_back_to_plain_text(smtp: SmtpServer, engine: Engine, uma: Account) -> None:
    configure_smtp(engine, smtp.port, starttls=True)  # this server offers no STARTTLS
    submit(uma)
    report = send(engine)
    assert (report.sent, report.retrying) == (0, 1)
    assert "STARTTLS" in report.errors[0]
    assert smtp.inbox.messages == []


# --- the background sender, the command and the server process -------------------------------------


def test_the_background_sender_wakes_on_a_committed_mail(
    smtp: SmtpServer, client: TestClient, engine: Engine, uma: Account
) -> None:
    configure_smtp(engine, smtp.port)
    sender = MailSender(engine, interval=600)  # only a notification can wake it in time
    sender.start()
    try:
        wait_until(lambda: sender.listening.is_set() and sender.passes >= 1)
        submit(uma, "Wake up")
        wait_until(lambda: len(smtp.inbox.messages) == 1)
        assert smtp.inbox.messages[0]["Subject"] == "[TKT-1001] Wake up"
        assert sender.passes >= 2
    finally:
        sender.stop()
    assert outbox_rows(engine)[0].status == "sent"


def test_apps_built_in_process_send_no_mail_unless_asked(engine: Engine) -> None:
    def sender_running() -> bool:
        return any(thread.name == "mail-sender" for thread in threading.enumerate())

    with TestClient(create_app(engine)):
        assert not sender_running()
    with TestClient(create_app(engine, send_mail=True)):
        assert sender_running()
    wait_until(lambda: not sender_running())


def test_the_send_mail_command_delivers_what_is_due(
    smtp: SmtpServer, engine: Engine, database_url: str, uma: Account
) -> None:
    configure_smtp(engine, smtp.port)
    submit(uma)
    result = subprocess.run(
        [sys.executable, "-m", "sync_server", "send-mail", "--database-url", database_url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Sent 1," in result.stdout
    assert [m["Subject"] for m in smtp.inbox.messages] == ["[TKT-1001] Printer jams"]


def test_the_serve_process_sends_mail_in_the_background(
    smtp: SmtpServer, engine: Engine, live_server: LiveServer
) -> None:
    configure_smtp(engine, smtp.port)
    _, password = create_account(engine, "uma@example.com", Role.USER, "Uma User")
    session = requests.Session()
    tokens = session.post(
        f"{live_server.url}/api/auth/login",
        json={"email": "uma@example.com", "password": password},
        timeout=10,
    ).json()
    session.headers["Authorization"] = f"Bearer {tokens['access_token']}"
    category = session.get(f"{live_server.url}/api/categories", timeout=10).json()[0]["id"]
    created = session.post(
        f"{live_server.url}/api/tickets",
        json={"title": "Sent by the server", "description": "<p>x</p>", "category_id": category},
        timeout=10,
    )
    assert created.status_code == 201, created.text
    wait_until(lambda: len(smtp.inbox.messages) == 1, timeout=30)
    assert smtp.inbox.messages[0]["Subject"] == "[TKT-1001] Sent by the server"


def test_a_sender_that_died_mid_send_leaves_the_mail_to_another_after_its_lease(
    smtp: SmtpServer, engine: Engine, uma: Account
) -> None:
    configure_smtp(engine, smtp.port)
    submit(uma)
    # A sender claimed the mail (its lease runs ten minutes) and then vanished.
    claimed_until = later(dt.timedelta(minutes=10))
    with make_session_factory(engine)() as session, session.begin():
        session.execute(update(MailOutbox).values(next_attempt_at=claimed_until))
    assert send(engine).sent == 0  # still leased
    assert send(engine, at=claimed_until).sent == 1
    assert len(smtp.inbox.messages) == 1


def test_a_stopped_sender_thread_ends(engine: Engine) -> None:
    sender = MailSender(engine, interval=600)
    sender.start()
    wait_until(sender.listening.is_set)
    sender.stop()
    wait_until(lambda: not any(t.name == "mail-sender" for t in threading.enumerate()))


def test_mail_to_an_internal_domain_goes_to_the_configured_smtp_server(
    smtp: SmtpServer, client: TestClient, engine: Engine
) -> None:
    """``ann@corp.local`` is delivered like any address: handed to the admin's SMTP server,
    which knows the company's domains (no DNS look-up of ours decides anything)."""
    configure_smtp(engine, smtp.port)
    ann = login(client, engine, "ann@corp.local", Role.USER, "Ann Field")
    submit(ann, "VPN drops")
    assert send(engine).sent == 1
    assert smtp.inbox.envelopes == [("helpdesk@desk.example.org", ["ann@corp.local"])]


# --- "Send test mail" ---------------------------------------------------------------------------


@pytest.fixture
def ada(client: TestClient, engine: Engine) -> Account:
    return login(client, engine, "ada@example.com", Role.ADMIN, "Ada Admin")


def _steps(answer: Any) -> list[tuple[str, bool]]:
    body = answer.json()
    return [(step["step"], step["ok"]) for step in body["steps"]]


def test_a_test_mail_reports_each_step_and_arrives(smtp: SmtpServer, engine: Engine, ada: Account) -> None:
    configure_smtp(engine, smtp.port)
    answer = ada.post("/api/settings/smtp/test", json={})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["ok"] is True and body["to"] == "ada@example.com"
    assert _steps(answer) == [("connect", True), ("send", True)]
    assert body["steps"][0]["detail"].startswith(f"connected to 127.0.0.1:{smtp.port}: 220 ")
    assert body["steps"][1]["detail"] == "message accepted for ada@example.com: 250 Message accepted"
    [message] = smtp.inbox.messages
    assert message["Subject"] == "Ticketdesk test mail" and message["From"] == SENDER
    assert smtp.inbox.envelopes == [("helpdesk@desk.example.org", ["ada@example.com"])]


def test_a_test_mail_tries_settings_not_yet_saved_and_any_address(
    smtp: SmtpServer, engine: Engine, ada: Account
) -> None:
    unsaved = {"host": "127.0.0.1", "port": smtp.port, "starttls": False, "sender": SENDER}
    answer = ada.post("/api/settings/smtp/test", json={"to": "ops@corp.local", "smtp": unsaved})
    assert answer.json()["ok"] is True, answer.text
    assert smtp.inbox.envelopes == [("helpdesk@desk.example.org", ["ops@corp.local"])]
    assert ada.get("/api/settings").json()["smtp"]["host"] == ""  # nothing was saved


def test_a_test_mail_over_starttls_with_login(
    tls_smtp: TlsSetup, engine: Engine, ada: Account, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca_file = tmp_path / "ca.pem"
    tls_smtp.authority.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))  # the server trusts the test CA like a real one
    configure_smtp(engine, tls_smtp.server.port, starttls=True, username="helpdesk", password="s3cret-pass")
    answer = ada.post("/api/settings/smtp/test", json={})
    assert _steps(answer) == [("connect", True), ("starttls", True), ("login", True), ("send", True)]
    details = [step["detail"] for step in answer.json()["steps"]]
    assert "certificate verified" in details[1] and "TLS" in details[1]
    assert details[2].startswith("login accepted: 235")
    assert len(tls_smtp.server.inbox.messages) == 1

    wrong = {"host": "127.0.0.1", "port": tls_smtp.server.port, "starttls": True, "username": "helpdesk",
             "password": "wrong", "sender": SENDER}  # fmt: skip
    refused = ada.post("/api/settings/smtp/test", json={"smtp": wrong})
    assert refused.json()["ok"] is False
    assert _steps(refused) == [("connect", True), ("starttls", True), ("login", False)]
    assert refused.json()["steps"][-1]["detail"].startswith("535")


def test_a_test_mail_names_the_exact_failure(
    smtp: SmtpServer, tls_smtp: TlsSetup, engine: Engine, ada: Account
) -> None:
    def attempt(**smtp_settings: Any) -> list[dict[str, Any]]:
        settings = {"host": "127.0.0.1", "starttls": False, "sender": SENDER, **smtp_settings}
        answer = ada.post("/api/settings/smtp/test", json={"smtp": settings})
        assert answer.status_code == 200 and answer.json()["ok"] is False, answer.text
        steps: list[dict[str, Any]] = answer.json()["steps"]
        return steps

    down = attempt(port=free_port())
    assert (down[-1]["step"], "refused" in down[-1]["detail"].lower()) == ("connect", True)

    untrusted = attempt(port=tls_smtp.server.port, starttls=True)  # a certificate of an unknown CA
    assert untrusted[-1]["step"] == "starttls"
    assert "certificate is not trusted" in untrusted[-1]["detail"]

    smtp.inbox.refused["nobody@example.com"] = "550 5.1.1 No such user here"
    refused = ada.post("/api/settings/smtp/test", json={"to": "nobody@example.com", "smtp": {
        "host": "127.0.0.1", "port": smtp.port, "starttls": False, "sender": SENDER}})  # fmt: skip
    assert refused.json()["steps"][-1] == {
        "step": "send",
        "ok": False,
        "detail": "recipient refused: 550 5.1.1 No such user here",
    }
    unset = ada.post("/api/settings/smtp/test", json={}).json()
    assert unset["steps"] == [{"step": "connect", "ok": False, "detail": "no SMTP host is set"}]


def test_only_admins_send_test_mails_and_only_a_few(
    smtp: SmtpServer, engine: Engine, ada: Account, alice: Account
) -> None:
    configure_smtp(engine, smtp.port)
    assert alice.post("/api/settings/smtp/test", json={}).status_code == 403
    answers = [ada.post("/api/settings/smtp/test", json={}).status_code for _ in range(6)]
    assert answers == [200] * 5 + [429]
    limited = ada.post("/api/settings/smtp/test", json={})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert len(smtp.inbox.messages) == 5


def test_a_sender_stopped_mid_batch_gives_back_the_mail_it_claimed(
    smtp: SmtpServer, engine: Engine, uma: Account
) -> None:
    """A server stopped while sending finishes the mail in hand and releases the rest of its
    claim at once, so another process sends them now rather than after the lease."""
    configure_smtp(engine, smtp.port)
    create_tickets(engine, uma.id, 8)
    smtp.inbox.delay = 0.3
    sender = MailSender(engine, interval=600)
    sender.start()
    wait_until(lambda: len(smtp.inbox.messages) >= 1)
    sender.stop()
    sent = len(smtp.inbox.messages)
    assert 1 <= sent < 8
    rows = outbox_rows(engine)
    assert sum(r.status == "sent" for r in rows) == sent
    now = dt.datetime.now(dt.UTC)
    waiting = [r for r in rows if r.status != "sent"]
    assert waiting and all(r.next_attempt_at <= now for r in waiting)  # due again at once
    assert send(engine).sent == 8 - sent  # another sender takes them straight away
    assert len(smtp.inbox.messages) == 8
