"""Accounts and logins: create and change users, log in, refresh, log out, authenticate.

A login is an ``auth_sessions`` row holding the hashes of a short-lived access token and a
long-lived refresh token. Every request looks its session up, so logging out, deactivating a
user or changing a password takes effect at once rather than when a token expires.

A refresh rotates both tokens, and an answer lost on the way must not log anyone out: until
the new pair is first used, the refresh token before it gives the *same* pair again (the pair
is derived from that token and a salt kept here). Once the new pair was used, presenting an
older refresh token means a copy of it is in other hands: the whole login is revoked and the
admin audit log says so (refresh-token reuse detection, OAuth 2.0 security best practice).
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sync_server.db.models import AuthSession, RetiredRefreshToken, User
from sync_server.errors import Conflict, Forbidden, NotFound, Unauthorized
from sync_server.services import audit
from sync_server.services.identity.passwords import (
    derived_token,
    hash_password,
    new_token,
    token_digest,
    verify_password,
)
from sync_server.services.sync import changelog
from ticketing.domain import Role, new_id
from ticketing.schemas import AuditAction, MePatch, UserCreate, UserPatch
from ticketing.visibility import user_buckets

ENTITY = "user"
ACCESS_PREFIX, REFRESH_PREFIX = "tda", "tdr"


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
    if patch.available is not None:
        if not Role(user.role).is_staff:
            raise Forbidden("Only support staff can mark themselves available or away.", code="staff_only")
        user.available = patch.available  # not synced: only the server's assignment reads it
    if patch.new_password is not None:
        if not verify_password(user.password_hash, patch.current_password or ""):
            raise Forbidden("The current password is not correct.", code="wrong_password")
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


def _set_pair(auth: AuthSession, access: str, refresh: str, lifetimes: TokenLifetimes) -> None:
    now = _now()
    auth.access_hash = token_digest(access)
    auth.refresh_hash = token_digest(refresh)
    auth.access_expires_at = now + lifetimes.access
    auth.refresh_expires_at = now + lifetimes.refresh
    auth.last_used_at = now


def _derived_pair(parent: str, salt: bytes) -> tuple[str, str]:
    """The pair a rotation made from the refresh token ``parent``: the same every time."""
    return (
        derived_token(ACCESS_PREFIX, parent, salt, "access"),
        derived_token(REFRESH_PREFIX, parent, salt, "refresh"),
    )


def login(
    session: Session, email: str, password: str, client_name: str, lifetimes: TokenLifetimes
) -> IssuedTokens:
    """A new login session. A login whose answer was lost is simply never used: logging in again
    makes another one, and the lost one expires."""
    user = session.scalar(select(User).where(User.email == normalize_email(email)))
    if not verify_password(user.password_hash if user else None, password) or user is None:
        raise Unauthorized("Wrong email or password.", code="invalid_credentials")
    if not user.is_active:
        raise Unauthorized("This account has been deactivated.", code="account_disabled")
    auth = AuthSession(id=new_id(), user_id=user.id, client_name=client_name)
    access, refresh_token = new_token(ACCESS_PREFIX), new_token(REFRESH_PREFIX)
    _set_pair(auth, access, refresh_token, lifetimes)
    session.add(auth)
    session.flush()
    return IssuedTokens(access, refresh_token, int(lifetimes.access.total_seconds()), user)


class RefreshTokenReused(Unauthorized):
    """A rotated-away refresh token came back after its successor was used: someone else holds a
    copy. The caller revokes ``session_id`` (:func:`revoke_reused_login`) in a transaction of its
    own, since this refusal rolls the request's back."""

    def __init__(self, session_id: uuid.UUID) -> None:
        super().__init__(
            "This login was ended because an old copy of its token was used; please log in again.",
            code="token_reused",
        )
        self.session_id = session_id


def refresh(session: Session, refresh_token: str, lifetimes: TokenLifetimes) -> IssuedTokens:
    """Trade a refresh token for a new pair (see the module docstring for the grace rule)."""
    digest = token_digest(refresh_token)
    row = session.execute(
        select(AuthSession, User)
        .join(User, User.id == AuthSession.user_id)
        .where(or_(AuthSession.refresh_hash == digest, AuthSession.previous_refresh_hash == digest))
        .with_for_update(of=AuthSession)
    ).one_or_none()
    if row is None:
        retired = session.scalar(
            select(RetiredRefreshToken.session_id).where(RetiredRefreshToken.token_hash == digest)
        )
        if retired is not None:
            raise RefreshTokenReused(retired)
        raise Unauthorized("This login is no longer valid; please log in again.", code="invalid_token")
    auth, user = row
    if auth.revoked_at is not None or auth.refresh_expires_at <= _now():
        raise Unauthorized("This login has expired; please log in again.", code="invalid_token")
    if not user.is_active:
        raise Unauthorized("This account has been deactivated.", code="account_disabled")
    if auth.refresh_hash == digest:
        access, new_refresh = _rotate(session, auth, refresh_token, lifetimes)
    elif auth.pair_used_at is None and auth.rotation_salt is not None:
        access, new_refresh = _derived_pair(refresh_token, auth.rotation_salt)
        _set_pair(auth, access, new_refresh, lifetimes)  # the same pair, with fresh expiry times
    else:
        raise RefreshTokenReused(auth.id)
    session.flush()
    return IssuedTokens(access, new_refresh, int(lifetimes.access.total_seconds()), user)


def _rotate(
    session: Session, auth: AuthSession, refresh_token: str, lifetimes: TokenLifetimes
) -> tuple[str, str]:
    """Replace the pair by one derived from ``refresh_token``, which stays good for the same
    pair until that is used; the token before it retires."""
    if auth.previous_refresh_hash is not None:
        session.execute(
            delete(RetiredRefreshToken).where(
                RetiredRefreshToken.session_id == auth.id,
                RetiredRefreshToken.retired_at < _now() - lifetimes.refresh,  # expired anyway
            )
        )
        session.add(RetiredRefreshToken(token_hash=auth.previous_refresh_hash, session_id=auth.id))
        auth.previous_refresh_hash = None
        session.flush()  # the unique hash moves to the retired table before it is reused
    auth.rotation_salt = secrets.token_bytes(16)
    auth.previous_refresh_hash = token_digest(refresh_token)
    auth.pair_used_at = None
    access, new_refresh = _derived_pair(refresh_token, auth.rotation_salt)
    _set_pair(auth, access, new_refresh, lifetimes)
    return access, new_refresh


def revoke_reused_login(session: Session, session_id: uuid.UUID, address: str) -> None:
    """End a login whose old refresh token came back, and say so in the admin audit log (once:
    more old copies presented later change nothing)."""
    auth = session.get(AuthSession, session_id, with_for_update=True)
    if auth is None or auth.revoked_at is not None:
        return  # ended already: logged once, when it was ended
    auth.revoked_at = _now()
    user = session.get(User, auth.user_id)
    assert user is not None, "a login belongs to an account"
    details = {**_who(user), "client_name": auth.client_name, "address": address}
    audit.record(
        session,
        user.id,
        AuditAction.LOGIN_TOKEN_REUSED,
        target_type="login",
        target_id=auth.id,
        details=details,
    )


def logout(session: Session, refresh_token: str) -> None:
    """End the login of ``refresh_token`` (the current one, or the one before it whose answer
    may have been lost)."""
    digest = token_digest(refresh_token)
    session.execute(
        update(AuthSession)
        .where(
            or_(AuthSession.refresh_hash == digest, AuthSession.previous_refresh_hash == digest),
            AuthSession.revoked_at.is_(None),
        )
        .values(revoked_at=_now())
    )


def authenticate(session: Session, access_token: str) -> tuple[User, uuid.UUID]:
    """The active user behind a valid, unrevoked access token, and their session id. The first
    use of a pair ends the grace of the refresh token before it."""
    row = session.execute(
        select(User, AuthSession.id, AuthSession.pair_used_at)
        .join(AuthSession, AuthSession.user_id == User.id)
        .where(
            AuthSession.access_hash == token_digest(access_token),
            AuthSession.revoked_at.is_(None),
            AuthSession.access_expires_at > _now(),
        )
    ).one_or_none()
    if row is None:
        raise Unauthorized("Missing, expired or revoked access token.", code="invalid_token")
    user, session_id, pair_used_at = row
    if not user.is_active:
        raise Unauthorized("This account has been deactivated.", code="account_disabled")
    if pair_used_at is None:
        session.execute(
            update(AuthSession)
            .where(AuthSession.id == session_id, AuthSession.pair_used_at.is_(None))
            .values(pair_used_at=_now())
        )
    return user, session_id


def staff_member(session: Session, user_id: uuid.UUID) -> User:
    """An active agent or admin, for assignment."""
    user = session.get(User, user_id)
    if user is None or not Role(user.role).is_staff:
        raise Conflict("Tickets can only be assigned to an agent or admin.", code="invalid_assignee")
    if not user.is_active:
        raise Conflict(f"{user.name} is deactivated and cannot be assigned tickets.", code="invalid_assignee")
    return user
