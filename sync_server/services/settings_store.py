"""Admin settings in the database, validated by ``ticketing.schemas.ServerSettings``.

Every change is written to the admin audit log with the fields it changed (old and new values,
except the SMTP password, which is only said to have changed).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from sync_server.db.models import Category, Setting
from sync_server.errors import Invalid
from sync_server.services import audit
from ticketing.domain import AgentVisibility
from ticketing.schemas import (
    AssignmentSettings,
    AuditAction,
    RateLimitSettings,
    ReportSettings,
    ServerSettings,
    SettingsPatch,
)

#: Fields whose values never go to the audit log (``group.field``).
SECRET_FIELDS = frozenset({"smtp.password"})
#: Fields derived from others, not changed by anyone.
DERIVED_FIELDS = frozenset({"smtp.password_set"})


def load(session: Session) -> ServerSettings:
    stored: dict[str, Any] = {s.key: s.value for s in session.scalars(select(Setting))}
    return ServerSettings.model_validate(stored)


def agent_visibility(session: Session) -> AgentVisibility:
    value = session.scalar(select(Setting.value).where(Setting.key == "agent_visibility"))
    return AgentVisibility(value) if value else AgentVisibility.ALL


def rate_limit_settings(session: Session) -> RateLimitSettings:
    """The ``rate_limits`` group alone (read on every limited request)."""
    value = session.scalar(select(Setting.value).where(Setting.key == "rate_limits"))
    return RateLimitSettings.model_validate(value) if value else RateLimitSettings()


def public_view(settings: ServerSettings) -> ServerSettings:
    """Settings as the API returns them: secrets replaced by whether they are set."""
    smtp = settings.smtp.model_copy(update={"password": None, "password_set": bool(settings.smtp.password)})
    return settings.model_copy(update={"smtp": smtp})


def apply_patch(
    session: Session, patch: SettingsPatch, actor_id: uuid.UUID
) -> tuple[ServerSettings, list[str]]:
    """Store the groups in ``patch``; returns the new settings and the keys that changed."""
    current = load(session)
    if patch.reports is not None:
        _check_time_zone(session, patch.reports.time_zone)
    if patch.assignment is not None:
        _check_categories(session, patch.assignment.category_ids)
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
    updated = load(session)
    fields = changed_fields(current, updated)
    if fields:
        groups = sorted({name.split(".", 1)[0] for name in fields})
        details = {"groups": groups, "fields": fields}
        audit.record(
            session,
            actor_id,
            AuditAction.SETTINGS_CHANGED,
            target_type="settings",
            target_id=None,
            details=details,
        )
    return updated, changed


def _flatten(settings: ServerSettings) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for group, value in settings.model_dump(mode="json").items():
        if isinstance(value, dict):
            flat.update({f"{group}.{name}": item for name, item in value.items()})
        else:
            flat[group] = value
    return flat


def changed_fields(before: ServerSettings, after: ServerSettings) -> dict[str, dict[str, Any]]:
    """``group.field`` -> ``{"old", "new"}`` for each field that differs; a secret only says
    ``{"changed": true}``."""
    old, new = _flatten(before), _flatten(after)
    changes: dict[str, dict[str, Any]] = {}
    for name in sorted(new):
        if name in DERIVED_FIELDS or old.get(name) == new[name]:
            continue
        changes[name] = (
            {"changed": True} if name in SECRET_FIELDS else {"old": old.get(name), "new": new[name]}
        )
    return changes


def report_time_zone(session: Session) -> str:
    """The time zone the reports count days in (the ``reports`` group alone)."""
    value = session.scalar(select(Setting.value).where(Setting.key == "reports"))
    return ReportSettings.model_validate(value).time_zone if value else ReportSettings().time_zone


def _check_time_zone(session: Session, name: str) -> None:
    """The schema checked the name against Python's zone database; the reports count days with
    PostgreSQL's, which must know it too."""
    known = session.scalar(text("SELECT 1 FROM pg_timezone_names WHERE name = :name"), {"name": name})
    if known is None:
        message = f"unknown time zone {name!r} to the database server"
        raise Invalid(
            f"Invalid request: reports.time_zone: {message}",
            code="validation_error",
            fields=[{"field": "reports.time_zone", "message": message}],
        )


def assignment_settings(session: Session) -> AssignmentSettings:
    """The ``assignment`` group alone (read when a ticket is created)."""
    value = session.scalar(select(Setting.value).where(Setting.key == "assignment"))
    return AssignmentSettings.model_validate(value) if value else AssignmentSettings()


def _check_categories(session: Session, category_ids: list[uuid.UUID]) -> None:
    """Automatic assignment may name only categories that exist (a deactivated one may stay)."""
    if not category_ids:
        return
    known = set(session.scalars(select(Category.id).where(Category.id.in_(category_ids))))
    unknown = [str(category_id) for category_id in category_ids if category_id not in known]
    if unknown:
        message = "unknown category id " + ", ".join(unknown)
        raise Invalid(
            f"Invalid request: assignment.category_ids: {message}",
            code="validation_error",
            fields=[{"field": "assignment.category_ids", "message": message}],
        )
