"""Rows to API shapes, for the resources whose shape is a plain copy of the row."""

from __future__ import annotations

from sync_server.db.models import Category, PriorityLevel, User
from ticketing.domain import Role
from ticketing.schemas import CategoryOut, PriorityOut, StaffMember, UserOut


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        name=user.name,
        role=Role(user.role),
        is_active=user.is_active,
        notify_email=user.notify_email,
        available=user.available,
        created_at=user.created_at,
        updated_at=user.updated_at,
    )


def staff_member(user: User) -> StaffMember:
    return StaffMember(id=user.id, name=user.name, role=Role(user.role), available=user.available)


def category_out(category: Category) -> CategoryOut:
    return CategoryOut.model_validate(category, from_attributes=True)


def priority_out(priority: PriorityLevel) -> PriorityOut:
    return PriorityOut.model_validate(priority, from_attributes=True)
