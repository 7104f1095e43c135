"""Categories and priorities: the reference data tickets point at.

Neither is ever deleted while a ticket uses it; admins deactivate instead, which hides it from
new tickets and keeps old ones readable. Changes made by an admin (``actor_id``) go to the audit
log; the defaults a new database gets do not.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sync_server.db.models import Category, PriorityLevel
from sync_server.errors import Conflict, NotFound
from sync_server.services import audit
from sync_server.services.sync import changelog
from sync_server.services.unique_names import name_taken
from ticketing.domain import DEFAULT_CATEGORIES, DEFAULT_PRIORITIES, new_id
from ticketing.schemas import AuditAction, CategoryCreate, CategoryPatch, PriorityCreate, PriorityPatch
from ticketing.visibility import reference_buckets


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def list_categories(session: Session, include_inactive: bool) -> list[Category]:
    stmt = select(Category).order_by(Category.name)
    if not include_inactive:
        stmt = stmt.where(Category.is_active.is_(True))
    return list(session.scalars(stmt))


#: Admin actions collected while one request changes a category or priority.
AuditLog = list[tuple[AuditAction, dict[str, object]]]


def _audit(
    session: Session, actor_id: uuid.UUID | None, target_type: str, target_id: uuid.UUID, log: AuditLog
) -> None:
    """Write the admin's actions to the audit log (none for the defaults of a new database)."""
    if actor_id is None:
        return
    for action, details in log:
        audit.record(session, actor_id, action, target_type=target_type, target_id=target_id, details=details)


def create_category(session: Session, data: CategoryCreate, *, actor_id: uuid.UUID | None = None) -> Category:
    if name_taken(session, Category, data.name, None):
        raise Conflict(f"A category named '{data.name}' already exists.", code="name_taken")
    category = Category(id=new_id(), name=data.name)
    session.add(category)
    session.flush()
    changelog.record(session, "category", category.id, reference_buckets())
    _audit(
        session, actor_id, "category", category.id, [(AuditAction.CATEGORY_ADDED, {"name": category.name})]
    )
    return category


def update_category(
    session: Session, category_id: uuid.UUID, patch: CategoryPatch, *, actor_id: uuid.UUID | None = None
) -> Category:
    category = session.get(Category, category_id, with_for_update=True)
    if category is None:
        raise NotFound("No such category.")
    log: AuditLog = []
    if patch.name is not None and patch.name != category.name:
        if name_taken(session, Category, patch.name, category.id):
            raise Conflict(f"A category named '{patch.name}' already exists.", code="name_taken")
        log.append((AuditAction.CATEGORY_RENAMED, {"old": category.name, "new": patch.name}))
        category.name = patch.name
    if patch.is_active is not None and patch.is_active != category.is_active:
        active = AuditAction.CATEGORY_REACTIVATED if patch.is_active else AuditAction.CATEGORY_DEACTIVATED
        log.append((active, {"name": category.name}))
    if patch.is_active is not None:
        category.is_active = patch.is_active
    _audit(session, actor_id, "category", category.id, log)
    category.version += 1
    category.updated_at = _now()
    session.flush()
    changelog.record(session, "category", category.id, reference_buckets())
    return category


def active_category(session: Session, category_id: uuid.UUID, *, allow_inactive: bool = False) -> Category:
    """The category for a ticket; offline work may still use one deactivated meanwhile."""
    category = session.get(Category, category_id)
    if category is None or not (category.is_active or allow_inactive):
        raise Conflict("Choose one of the active categories.", code="invalid_category")
    return category


def list_priorities(session: Session, include_inactive: bool) -> list[PriorityLevel]:
    stmt = select(PriorityLevel).order_by(PriorityLevel.rank)
    if not include_inactive:
        stmt = stmt.where(PriorityLevel.is_active.is_(True))
    return list(session.scalars(stmt))


def active_priority(session: Session, key: str, *, allow_inactive: bool = False) -> PriorityLevel:
    priority = session.scalar(select(PriorityLevel).where(PriorityLevel.key == key))
    if priority is None or not (priority.is_active or allow_inactive):
        raise Conflict(f"'{key}' is not one of the active priorities.", code="invalid_priority")
    return priority


def create_priority(
    session: Session, data: PriorityCreate, *, actor_id: uuid.UUID | None = None
) -> PriorityLevel:
    if name_taken(session, PriorityLevel, data.name, None) or session.scalar(
        select(PriorityLevel.id).where(func.lower(PriorityLevel.key) == data.name.lower())
    ):
        raise Conflict(f"A priority named '{data.name}' already exists.", code="name_taken")
    priority = PriorityLevel(id=new_id(), key=data.name, name=data.name, rank=data.rank)
    session.add(priority)
    session.flush()
    changelog.record(session, "priority", priority.id, reference_buckets())
    added: dict[str, object] = {"name": priority.name, "rank": priority.rank}
    _audit(session, actor_id, "priority", priority.id, [(AuditAction.PRIORITY_ADDED, added)])
    return priority


def update_priority(
    session: Session, priority_id: uuid.UUID, patch: PriorityPatch, *, actor_id: uuid.UUID | None = None
) -> PriorityLevel:
    priority = session.get(PriorityLevel, priority_id, with_for_update=True)
    if priority is None:
        raise NotFound("No such priority.")
    log: AuditLog = []
    if patch.name is not None and patch.name != priority.name:
        if name_taken(session, PriorityLevel, patch.name, priority.id):
            raise Conflict(f"A priority named '{patch.name}' already exists.", code="name_taken")
        log.append((AuditAction.PRIORITY_RENAMED, {"old": priority.name, "new": patch.name}))
        priority.name = patch.name
    if patch.rank is not None and patch.rank != priority.rank:
        log.append(
            (AuditAction.PRIORITY_RERANKED, {"name": priority.name, "old": priority.rank, "new": patch.rank})
        )
        priority.rank = patch.rank
    if patch.is_active is not None and patch.is_active != priority.is_active:
        active = AuditAction.PRIORITY_REACTIVATED if patch.is_active else AuditAction.PRIORITY_DEACTIVATED
        log.append((active, {"name": priority.name}))
    if patch.is_active is not None:
        priority.is_active = patch.is_active
    _audit(session, actor_id, "priority", priority.id, log)
    priority.version += 1
    priority.updated_at = _now()
    session.flush()
    changelog.record(session, "priority", priority.id, reference_buckets())
    return priority


def ensure_defaults(session: Session) -> None:
    """A new database gets the default priorities and categories (once, never again)."""
    if session.scalar(select(func.count()).select_from(PriorityLevel)) == 0:
        for key, rank in DEFAULT_PRIORITIES:
            priority = PriorityLevel(id=new_id(), key=key, name=key, rank=rank)
            session.add(priority)
            session.flush()
            changelog.record(session, "priority", priority.id, reference_buckets())
    if session.scalar(select(func.count()).select_from(Category)) == 0:
        for name in DEFAULT_CATEGORIES:
            create_category(session, CategoryCreate(name=name))
