"""Admin settings: agent visibility, SMTP, attachment limits, rate limits, notifications."""

from __future__ import annotations

from fastapi import APIRouter

from sync_server.api.deps import AdminDep, SessionDep, errors
from sync_server.services import settings_store
from ticketing.schemas import ServerSettings, SettingsPatch

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
