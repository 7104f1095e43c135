"""The admin audit log: who changed accounts, settings and the catalog, what, and when.

:func:`record` adds an entry in the caller's transaction, so an action and its entry commit (or
roll back) together. Entries name what changed, never a secret: a new SMTP password is logged as
"changed", without its value. :func:`page` reads them back newest first.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from sync_server.db.models import AdminAuditEntry, User
from ticketing.domain import new_id
from ticketing.schemas import AuditAction, AuditEntryOut, AuditQuery


def record(
    session: Session,
    actor_id: uuid.UUID,
    action: AuditAction,
    *,
    target_type: str,
    target_id: uuid.UUID | str | None,
    details: dict[str, Any] | None = None,
) -> AdminAuditEntry:
    """Log one admin action in the current transaction. ``details`` must be JSON and hold no
    secret (passwords are never passed here)."""
    entry = AdminAuditEntry(
        id=new_id(),
        actor_id=actor_id,
        action=action.value,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        details=details or {},
        created_at=func.clock_timestamp(),  # entries of one transaction keep their order
    )
    session.add(entry)
    session.flush()
    return entry


# --- reading ----------------------------------------------------------------------------------


def _user(details: dict[str, Any]) -> str:
    return f"{details.get('name', '?')} ({details.get('email', '?')})"


def _change(details: dict[str, Any]) -> str:
    return f"{details.get('old')} -> {details.get('new')}"


def _settings(details: dict[str, Any]) -> str:
    fields = details.get("fields", {})
    return "Changed settings: " + (", ".join(sorted(fields)) or ", ".join(details.get("groups", [])))


_SUMMARIES: dict[AuditAction, Callable[[dict[str, Any]], str]] = {
    AuditAction.USER_CREATED: lambda d: f"Created the {d.get('role', '')} account {_user(d)}",
    AuditAction.USER_RENAMED: lambda d: f"Renamed the account {d.get('email', '?')}: {_change(d)}",
    AuditAction.USER_ROLE_CHANGED: lambda d: f"Changed the role of {_user(d)}: {_change(d)}",
    AuditAction.USER_DEACTIVATED: lambda d: f"Deactivated {_user(d)}",
    AuditAction.USER_REACTIVATED: lambda d: f"Reactivated {_user(d)}",
    AuditAction.USER_PASSWORD_RESET: lambda d: f"Reset the password of {_user(d)}",
    AuditAction.SETTINGS_CHANGED: _settings,
    AuditAction.CATEGORY_ADDED: lambda d: f"Added the category {d.get('name')}",
    AuditAction.CATEGORY_RENAMED: lambda d: f"Renamed a category: {_change(d)}",
    AuditAction.CATEGORY_DEACTIVATED: lambda d: f"Deactivated the category {d.get('name')}",
    AuditAction.CATEGORY_REACTIVATED: lambda d: f"Reactivated the category {d.get('name')}",
    AuditAction.PRIORITY_ADDED: lambda d: f"Added the priority {d.get('name')} (rank {d.get('rank')})",
    AuditAction.PRIORITY_RENAMED: lambda d: f"Renamed a priority: {_change(d)}",
    AuditAction.PRIORITY_RERANKED: lambda d: f"Re-ranked the priority {d.get('name')}: {_change(d)}",
    AuditAction.PRIORITY_DEACTIVATED: lambda d: f"Deactivated the priority {d.get('name')}",
    AuditAction.PRIORITY_REACTIVATED: lambda d: f"Reactivated the priority {d.get('name')}",
    AuditAction.SLA_CALENDAR_ADDED: lambda d: f"Added the business calendar {d.get('name')}",
    AuditAction.SLA_CALENDAR_CHANGED: lambda d: (
        f"Changed the business calendar {d.get('name')}: {', '.join(d.get('fields', []))}"
    ),
    AuditAction.SLA_POLICY_ADDED: lambda d: f"Added the SLA policy {d.get('name')}",
    AuditAction.SLA_POLICY_CHANGED: lambda d: (
        f"Changed the SLA policy {d.get('name')}: {', '.join(d.get('fields', []))}"
    ),
    AuditAction.CANNED_REPLY_ADDED: lambda d: f"Added the team canned reply {d.get('title')}",
    AuditAction.CANNED_REPLY_CHANGED: lambda d: (
        f"Changed the canned reply {d.get('title')} ({d.get('scope')}): {', '.join(d.get('fields', []))}"
    ),
    AuditAction.CANNED_REPLY_DELETED: lambda d: f"Deleted the team canned reply {d.get('title')}",
    AuditAction.LOGIN_TOKEN_REUSED: lambda d: (
        f"Ended a login of {_user(d)} on {d.get('client_name') or 'an unnamed device'}: an old copy of"
        f" its refresh token was presented from {d.get('address', '?')}"
    ),
}


def summary(action: AuditAction, details: dict[str, Any]) -> str:
    """The entry in words, for the admin console."""
    return _SUMMARIES[action](details)


def _conditions(query: AuditQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.action:
        conditions.append(AdminAuditEntry.action.in_([a.value for a in query.action]))
    if query.actor_id is not None:
        conditions.append(AdminAuditEntry.actor_id == query.actor_id)
    return conditions


def page(session: Session, query: AuditQuery) -> tuple[list[AuditEntryOut], int]:
    """One page of entries matching ``query``, newest first, and how many match in all."""
    conditions = _conditions(query)
    total = session.scalar(select(func.count()).select_from(AdminAuditEntry).where(*conditions)) or 0
    stmt = (
        select(AdminAuditEntry, User.name)
        .join(User, User.id == AdminAuditEntry.actor_id)
        .where(*conditions)
        .order_by(AdminAuditEntry.created_at.desc(), AdminAuditEntry.id.desc())
        .limit(query.limit)
        .offset(query.offset)
    )
    items = []
    for entry, actor_name in session.execute(stmt):
        action = AuditAction(entry.action)
        details: dict[str, Any] = entry.details or {}
        items.append(
            AuditEntryOut(
                id=entry.id,
                actor_id=entry.actor_id,
                actor_name=actor_name,
                action=action,
                target_type=entry.target_type,
                target_id=entry.target_id,
                summary=summary(action, details),
                details=details,
                created_at=entry.created_at,
            )
        )
    return items, total
