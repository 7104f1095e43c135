"""Admin settings: agent visibility, SMTP, attachment limits, rate limits, notifications."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from sync_server.api.deps import AdminDep, SessionDep, ShortCallerDep, errors
from sync_server.api.limits import RATE_LIMITED, own_transaction
from sync_server.errors import Forbidden, RateLimited
from sync_server.services import rate_limits, settings_store, smtp_check
from sync_server.services.mail_sender import SmtpTarget
from ticketing.schemas import ServerSettings, SettingsPatch, SmtpTestIn, SmtpTestOut

#: Test mails an admin may send: a few in a row, then one a minute.
SMTP_TESTS = rate_limits.Rate(5, dt.timedelta(minutes=5))

router = APIRouter(prefix="/api/settings", tags=["settings"])


@router.get("", response_model=ServerSettings, responses=errors(403))
def get_settings(session: SessionDep, _admin: AdminDep) -> ServerSettings:
    """The settings; the SMTP password is never returned (`password_set` says if one is)."""
    return settings_store.public_view(settings_store.load(session))


@router.patch("", response_model=ServerSettings, responses=errors(403))
def update_settings(body: SettingsPatch, session: SessionDep, admin: AdminDep) -> ServerSettings:
    """Replace the groups given; groups left out stay as they are."""
    settings, _changed = settings_store.apply_patch(session, body, admin.user.id)
    return settings_store.public_view(settings)


@router.post("/smtp/test", response_model=SmtpTestOut, responses={**errors(403), **RATE_LIMITED})
async def test_smtp(body: SmtpTestIn, request: Request, caller: ShortCallerDep) -> SmtpTestOut:
    """Send a test mail (to the admin, or to `to`) with the saved SMTP settings or with `smtp`,
    and answer, within seconds, what the server said at each step: connected, TLS, login
    accepted, message accepted, or the exact failure. Limited to a few tests a minute."""
    admin = caller.principal
    if not admin.is_admin:
        raise Forbidden("Only admins can do this.")
    with own_transaction(request) as session:  # no transaction stays open while the mail goes
        wait = rate_limits.hit(session, rate_limits.account_key("smtp_test", admin.user.id), SMTP_TESTS)
        if wait:
            seconds = max(1, round(wait))
            raise RateLimited(f"Too many test mails; try again in {seconds} s.", retry_after=seconds)
        saved = settings_store.load(session).smtp
    smtp = body.smtp or saved
    if smtp.password is None:
        smtp = smtp.model_copy(update={"password": saved.password})
    target = SmtpTarget.from_settings(smtp)
    to_address = body.to or admin.user.email
    return await run_in_threadpool(smtp_check.send_test_mail, target, to_address)
