"""Names admins give to reference rows (categories, priorities, calendars, policies) are unique
regardless of case; one check for all of them."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sync_server.db.models import Category, PriorityLevel, SlaCalendar, SlaPolicy

Named = type[Category] | type[PriorityLevel] | type[SlaCalendar] | type[SlaPolicy]


def name_taken(session: Session, model: Named, name: str, own_id: uuid.UUID | None) -> bool:
    """Whether another row of ``model`` (not ``own_id``) has ``name``, ignoring case."""
    stmt = select(model.id).where(func.lower(model.name) == name.lower())
    if own_id is not None:
        stmt = stmt.where(model.id != own_id)
    return session.scalar(stmt) is not None
