"""Accounts: the caller's own (`/api/me`) and, for admins, everyone's (`/api/users`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from sync_server.api.deps import AdminDep, CallerDep, SessionDep, StaffDep, errors
from sync_server.api.presenters import staff_member, user_out
from sync_server.db.models import User
from sync_server.services.identity import accounts
from ticketing.domain import Role
from ticketing.schemas import MePatch, StaffMember, UserCreate, UserOut, UserPatch

router = APIRouter(prefix="/api", tags=["users"])


@router.get("/me", response_model=UserOut)
def get_me(caller: CallerDep) -> UserOut:
    return user_out(caller.principal.user)


@router.patch("/me", response_model=UserOut, responses=errors(403))
def update_me(body: MePatch, session: SessionDep, caller: CallerDep) -> UserOut:
    """Change your name, your email notifications or your password (with the current one);
    staff also say whether they are available for automatically assigned tickets (users: 403)."""
    return user_out(accounts.update_me(session, caller.principal.user, body, caller.session_id))


@router.get("/users", response_model=list[UserOut], responses=errors(403))
def list_users(
    session: SessionDep,
    _admin: AdminDep,
    role: Role | None = None,
    include_inactive: Annotated[bool, Query()] = True,
) -> list[UserOut]:
    stmt = select(User).order_by(User.name, User.email)
    if role is not None:
        stmt = stmt.where(User.role == role.value)
    if not include_inactive:
        stmt = stmt.where(User.is_active.is_(True))
    return [user_out(u) for u in session.scalars(stmt)]


@router.get("/staff", response_model=list[StaffMember], responses=errors(403))
def list_staff(session: SessionDep, _staff: StaffDep) -> list[StaffMember]:
    """Active agents and admins, for the assign-to menu, and whether each is available."""
    stmt = (
        select(User)
        .where(User.role.in_([Role.AGENT.value, Role.ADMIN.value]), User.is_active.is_(True))
        .order_by(User.name)
    )
    return [staff_member(u) for u in session.scalars(stmt)]


@router.post("/users", response_model=UserOut, status_code=201, responses=errors(403, 409))
def create_user(body: UserCreate, session: SessionDep, admin: AdminDep) -> UserOut:
    """Create an account with any role (an agent, say)."""
    return user_out(accounts.create_user(session, body, actor_id=admin.user.id))


@router.get("/users/{user_id}", response_model=UserOut, responses=errors(403))
def get_user(user_id: uuid.UUID, session: SessionDep, _admin: AdminDep) -> UserOut:
    return user_out(accounts.get_user(session, user_id))


@router.patch("/users/{user_id}", response_model=UserOut, responses=errors(403))
def update_user(user_id: uuid.UUID, body: UserPatch, session: SessionDep, admin: AdminDep) -> UserOut:
    """Rename, change role, deactivate (ends their logins at once) or reset the password."""
    return user_out(accounts.update_user(session, admin.user, user_id, body))
