"""Admin settings: agent visibility, SMTP, attachment limits, rate limits, notifications."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from sync_server.api.deps import AdminDep, SessionDep, ShortAdminDep, errors
from sync_server.api.limits import RATE_LIMITED, own_transaction
from sync_server.services import rate_limits, settings_store
from sync_server.services.mail import smtp_check
from sync_server.services.mail.sender import SmtpTarget
from sync_server.services.rate_limits import RateAction
from ticketing.schemas import ServerSettings, SettingsPatch, SmtpTestIn, SmtpTestOut

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


@router.post("/smtp/test", response_model=SmtpTestOut, responses=RATE_LIMITED)
async def test_smtp(body: SmtpTestIn, request: Request, admin: ShortAdminDep) -> SmtpTestOut:
    """Send a test mail (to the admin, or to `to`) with the saved SMTP settings or with `smtp`,
    and answer, within seconds, what the server said at each step: connected, TLS, login
    accepted, message accepted, or the exact failure. Limited to a few tests a minute."""
    with own_transaction(request) as session:  # no transaction stays open while the mail goes
        rate_limits.enforce(session, RateAction.SMTP_TEST, user_id=admin.user.id)
        saved = settings_store.load(session).smtp
    smtp = body.smtp or saved
    if smtp.password is None:
        smtp = smtp.model_copy(update={"password": saved.password})
    target = SmtpTarget.from_settings(smtp)
    to_address = body.to or admin.user.email
    return await run_in_threadpool(smtp_check.send_test_mail, target, to_address)
