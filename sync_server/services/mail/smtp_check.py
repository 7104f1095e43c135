"""Send a test mail and say, step by step, what the SMTP server answered.

An admin who saves wrong SMTP settings should learn it at once, not when users miss their
mail: :func:`send_test_mail` connects, upgrades to TLS, logs in and sends one short message
with the settings given, and reports each step with the server's own words (``220 ...``,
``235 Authentication successful``, ``250 Ok: queued``) or the exact failure (connection
refused, certificate not trusted, ``535 credentials invalid``, ``550 relaying denied``).
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from sync_server.services.mail.sender import SmtpTarget, utc_now
from ticketing.schemas import SmtpStepName, SmtpTestOut, SmtpTestStep

#: Seconds a test may wait for each answer: an admin is waiting for it.
TIMEOUT = 10.0


def _said(code: int, answer: bytes | str) -> str:
    text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else answer
    return f"{code} {' '.join(text.split())}".strip()


def _failure(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        return _said(error.smtp_code, error.smtp_error)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, answer = next(iter(error.recipients.values()), (0, b"refused"))
        return f"recipient refused: {_said(code, answer)}"
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"the server's certificate is not trusted: {error.verify_message}"
    if isinstance(error, TimeoutError | socket.timeout):
        return f"no answer within {TIMEOUT:.0f} s"
    return str(error) or type(error).__name__


def _message(target: SmtpTarget, to_address: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = "Ticketdesk test mail"
    message["From"] = target.sender
    message["To"] = to_address
    message["Date"] = format_datetime(utc_now())
    message["Message-ID"] = make_msgid(domain=target.envelope_sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(
        "This is a test mail from Ticketdesk: the SMTP settings work.\n"
        f"Sent through {target.host}:{target.port}.\n"
    )
    return message


def _send(smtp: smtplib.SMTP, target: SmtpTarget, to_address: str) -> str:
    """MAIL, RCPT and DATA one by one, so that the answer to DATA can be shown."""
    code, answer = smtp.mail(target.envelope_sender)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, answer, target.envelope_sender)
    code, answer = smtp.rcpt(to_address)
    if code not in (250, 251):
        raise smtplib.SMTPRecipientsRefused({to_address: (code, answer)})
    code, answer = smtp.data(_message(target, to_address).as_bytes())
    return _said(code, answer)


class _Session(smtplib.SMTP):
    """An SMTP session that keeps the server's greeting, to show it."""

    greeting = ""

    def connect(
        self, host: str = "localhost", port: int = 0, source_address: Any = None
    ) -> tuple[int, bytes]:
        code, message = super().connect(host, port, source_address)
        self.greeting = _said(code, message)
        return code, message


class _Steps:
    def __init__(self) -> None:
        self.steps: list[SmtpTestStep] = []

    def ok(self, step: SmtpStepName, detail: str) -> None:
        self.steps.append(SmtpTestStep(step=step, ok=True, detail=detail))

    def failed(self, step: SmtpStepName, error: BaseException | str) -> None:
        detail = error if isinstance(error, str) else _failure(error)
        self.steps.append(SmtpTestStep(step=step, ok=False, detail=detail))


def send_test_mail(
    target: SmtpTarget, to_address: str, *, ssl_context: ssl.SSLContext | None = None
) -> SmtpTestOut:
    """Try every step with ``target`` and send one test message to ``to_address``."""
    steps = _Steps()
    result = _run(target, to_address, ssl_context, steps)
    return SmtpTestOut(ok=result, to=to_address, steps=steps.steps)


def _run(target: SmtpTarget, to_address: str, ssl_context: ssl.SSLContext | None, steps: _Steps) -> bool:
    if not target.configured:
        steps.failed("connect", "no SMTP host is set")
        return False
    step: SmtpStepName = "connect"
    try:
        smtp = _Session(target.host, target.port, timeout=TIMEOUT)
    except (OSError, smtplib.SMTPException) as error:
        steps.failed(step, error)
        return False
    try:
        smtp.ehlo()
        steps.ok("connect", f"connected to {target.host}:{target.port}: {smtp.greeting}")
        if target.starttls:
            step = "starttls"
            code, answer = smtp.starttls(context=ssl_context or ssl.create_default_context())
            smtp.ehlo()
            sock = smtp.sock
            version = sock.version() if isinstance(sock, ssl.SSLSocket) else None
            steps.ok("starttls", f"{_said(code, answer)} ({version or 'TLS'}, certificate verified)")
        if target.username:
            step = "login"
            code, answer = smtp.login(target.username, target.password)
            steps.ok("login", f"login accepted: {_said(code, answer)}")
        step = "send"
        steps.ok("send", f"message accepted for {to_address}: {_send(smtp, target, to_address)}")
    except smtplib.SMTPNotSupportedError as error:
        steps.failed(step, f"the server does not offer this: {error}")
        return False
    except (OSError, ValueError, smtplib.SMTPException) as error:
        steps.failed(step, error)
        return False
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return True
