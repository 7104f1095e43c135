"""Accounts and logins: create and change users, log in, refresh, log out, authenticate.

A login is an ``auth_sessions`` row holding the hashes of a short-lived access token and a
long-lived refresh token. Every request looks its session up, so logging out, deactivating a
user or changing a password takes effect at once rather than when a token expires.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sync_server.db.models import AuthSession, User
from sync_server.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from sync_server.services import audit, changelog
from sync_server.services.passwords import hash_password, new_token, token_digest, verify_password
from ticketing.domain import Role, new_id
from ticketing.schemas import AuditAction, MePatch, UserCreate, UserPatch
from ticketing.visibility import user_buckets

ENTITY = "user"


@dataclass(frozen=True)
class TokenLifetimes:
    access: dt.timedelta
    refresh: dt.timedelta


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    user: User


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def _log_user(session: Session, user: User, previous_role: Role | None = None) -> None:
    previous = user_buckets(user.id, previous_role) if previous_role else ()
    changelog.record(session, ENTITY, user.id, user_buckets(user.id, Role(user.role)), previous)


def create_user(session: Session, data: UserCreate, *, actor_id: uuid.UUID | None = None) -> User:
    """A new account; ``actor_id``: the admin who made it (logged), None for the command line."""
    email = normalize_email(str(data.email))
    if session.scalar(select(User.id).where(User.email == email)):
        raise Conflict(f"An account with the email {email} already exists.", code="email_taken")
    user = User(
        id=new_id(),
        email=email,
        name=data.name,
        role=data.role.value,
        password_hash=hash_password(data.password),
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent request took the email first
        raise Conflict(f"An account with the email {email} already exists.", code="email_taken") from exc
    _log_user(session, user)
    if actor_id is not None:
        audit.record(
            session,
            actor_id,
            AuditAction.USER_CREATED,
            target_type=ENTITY,
            target_id=user.id,
            details=_who(user),
        )
    return user


def _who(user: User) -> dict[str, str]:
    """How the audit log names an account."""
    return {"name": user.name, "email": user.email, "role": user.role}


def get_user(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def revoke_sessions(session: Session, user_id: uuid.UUID, keep: uuid.UUID | None = None) -> None:
    stmt = (
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=_now())
    )
    if keep is not None:
        stmt = stmt.where(AuthSession.id != keep)
    session.execute(stmt)


def update_user(session: Session, admin: User, user_id: uuid.UUID, patch: UserPatch) -> User:
    """Admin changes to an account; an admin cannot demote or deactivate themselves."""
    user = session.get(User, user_id, with_for_update=True)
    if user is None:
        raise NotFound("No such user.")
    if user.id == admin.id and (
        (patch.role is not None and patch.role != Role.ADMIN) or patch.is_active is False
    ):
        raise Forbidden("You cannot remove your own admin role or deactivate yourself.")
    previous_role = Role(user.role)
    log: list[tuple[AuditAction, dict[str, str]]] = []
    if patch.name is not None and patch.name != user.name:
        log.append((AuditAction.USER_RENAMED, {**_who(user), "old": user.name, "new": patch.name}))
    if patch.role is not None and patch.role.value != user.role:
        log.append((AuditAction.USER_ROLE_CHANGED, {**_who(user), "old": user.role, "new": patch.role.value}))
    if patch.is_active is not None and patch.is_active != user.is_active:
        active = AuditAction.USER_REACTIVATED if patch.is_active else AuditAction.USER_DEACTIVATED
        log.append((active, _who(user)))
    if patch.password is not None:
        log.append((AuditAction.USER_PASSWORD_RESET, _who(user)))
    if patch.name is not None:
        user.name = patch.name
    if patch.role is not None:
        user.role = patch.role.value
    if patch.is_active is not None:
        user.is_active = patch.is_active
        if not patch.is_active:
            revoke_sessions(session, user.id)
    if patch.password is not None:
        user.password_hash = hash_password(patch.password)
        revoke_sessions(session, user.id)
    for action, details in log:
        audit.record(session, admin.id, action, target_type=ENTITY, target_id=user.id, details=details)
    if patch.model_fields_set - {"password"}:
        user.version += 1
        user.updated_at = _now()
        session.flush()
        _log_user(session, user, previous_role)
    return user


def update_me(session: Session, user: User, patch: MePatch, current_session: uuid.UUID) -> User:
    if patch.new_password is not None:
        if not verify_password(user.password_hash, patch.current_password or ""):
            raise Invalid("The current password is not correct.", code="wrong_password")
        user.password_hash = hash_password(patch.new_password)
        revoke_sessions(session, user.id, keep=current_session)
    if patch.name is not None:
        user.name = patch.name
    if patch.notify_email is not None:
        user.notify_email = patch.notify_email
    if patch.name is not None or patch.notify_email is not None:
        user.version += 1
        user.updated_at = _now()
        session.flush()
        _log_user(session, user)
    return user


def _issue(session: Session, auth: AuthSession, lifetimes: TokenLifetimes) -> tuple[str, str]:
    access, refresh = new_token("tda"), new_token("tdr")
    now = _now()
    auth.access_hash = token_digest(access)
    auth.refresh_hash = token_digest(refresh)
    auth.access_expires_at = now + lifetimes.access
    auth.refresh_expires_at = now + lifetimes.refresh
    auth.last_used_at = now
    return access, refresh


def login(
    session: Session, email: str, password: str, client_name: str, lifetimes: TokenLifetimes
) -> IssuedTokens:
    user = session.scalar(select(User).where(User.email == normalize_email(email)))
    if not verify_password(user.password_hash if user else None, password) or user is None:
        raise Unauthorized("Wrong email or password.", code="invalid_credentials")
    if not user.is_active:
        raise Unauthorized("This account has been deactivated.", code="account_disabled")
    auth = AuthSession(id=new_id(), user_id=user.id, client_name=client_name)
    access, refresh = _issue(session, auth, lifetimes)
    session.add(auth)
    session.flush()
    return IssuedTokens(access, refresh, int(lifetimes.access.total_seconds()), user)


def refresh(session: Session, refresh_token: str, lifetimes: TokenLifetimes) -> IssuedTokens:
    """Trade a refresh token for a new pair; the old refresh token stops working."""
    row = session.execute(
        select(AuthSession, User)
        .join(User, User.id == AuthSession.user_id)
        .where(AuthSession.refresh_hash == token_digest(refresh_token))
        .with_for_update(of=AuthSession)
    ).one_or_none()
    if row is None:
        raise Unauthorized("This login is no longer valid; please log in again.", code="invalid_token")
    auth, user = row
    if auth.revoked_at is not None or auth.refresh_expires_at <= _now():
        raise Unauthorized("This login has expired; please log in again.", code="invalid_token")
    if not user.is_active:
        raise Unauthorized("This account has been deactivated.", code="account_disabled")
    access, new_refresh = _issue(session, auth, lifetimes)
    session.flush()
    return IssuedTokens(access, new_refresh, int(lifetimes.access.total_seconds()), user)


def logout(session: Session, refresh_token: str) -> None:
    session.execute(
        update(AuthSession)
        .where(AuthSession.refresh_hash == token_digest(refresh_token), AuthSession.revoked_at.is_(None))
        .values(revoked_at=_now())
    )


def authenticate(session: Session, access_token: str) -> tuple[User, uuid.UUID]:
    """The active user behind a valid, unrevoked access token, and their session id."""
    row = session.execute(
        select(User, AuthSession.id)
        .join(AuthSession, AuthSession.user_id == User.id)
        .where(
            AuthSession.access_hash == token_digest(access_token),
            AuthSession.revoked_at.is_(None),
            AuthSession.access_expires_at > _now(),
        )
    ).one_or_none()
    if row is None:
        raise Unauthorized("Missing, expired or revoked access token.", code="invalid_token")
    user, session_id = row
    if not user.is_active:
        raise Unauthorized("This account has been deactivated.", code="account_disabled")
    return user, session_id


def staff_member(session: Session, user_id: uuid.UUID) -> User:
    """An active agent or admin, for assignment."""
    user = session.get(User, user_id)
    if user is None or not Role(user.role).is_staff:
        raise Invalid("Tickets can only be assigned to an agent or admin.", code="invalid_assignee")
    if not user.is_active:
        raise Invalid(f"{user.name} is deactivated and cannot be assigned tickets.", code="invalid_assignee")
    return user
