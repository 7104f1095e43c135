"""Admin settings in the database, validated by ``ticketing.schemas.ServerSettings``."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from sync_server.db.models import Setting
from ticketing.domain import AgentVisibility
from ticketing.schemas import ServerSettings, SettingsPatch


def load(session: Session) -> ServerSettings:
    stored: dict[str, Any] = {s.key: s.value for s in session.scalars(select(Setting))}
    return ServerSettings.model_validate(stored)


def agent_visibility(session: Session) -> AgentVisibility:
    value = session.scalar(select(Setting.value).where(Setting.key == "agent_visibility"))
    return AgentVisibility(value) if value else AgentVisibility.ALL


def public_view(settings: ServerSettings) -> ServerSettings:
    """Settings as the API returns them: secrets replaced by whether they are set."""
    smtp = settings.smtp.model_copy(update={"password": None, "password_set": bool(settings.smtp.password)})
    return settings.model_copy(update={"smtp": smtp})


def apply_patch(
    session: Session, patch: SettingsPatch, actor_id: uuid.UUID
) -> tuple[ServerSettings, list[str]]:
    """Store the groups in ``patch``; returns the new settings and the keys that changed."""
    current = load(session)
    changed: list[str] = []
    for key in patch.model_fields_set:
        value = getattr(patch, key)
        if value is None:
            continue
        if key == "smtp" and value.password is None:
            value = value.model_copy(update={"password": current.smtp.password})
        if key == "smtp":
            value = value.model_copy(update={"password_set": bool(value.password)})
        document = value.value if isinstance(value, AgentVisibility) else value.model_dump(mode="json")
        stmt = insert(Setting).values(
            key=key, value=document, updated_by=actor_id, updated_at=dt.datetime.now(dt.UTC)
        )
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=[Setting.key],
                set_={
                    "value": stmt.excluded.value,
                    "updated_by": actor_id,
                    "updated_at": stmt.excluded.updated_at,
                },
            )
        )
        changed.append(key)
    session.flush()
    return load(session), changed
