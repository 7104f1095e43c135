"""Request dependencies as ``Annotated`` aliases: the session, the caller, the admin."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from sync_server.errors import Forbidden, Unauthorized
from sync_server.services import settings_store
from sync_server.services.identity import accounts
from sync_server.services.identity.accounts import TokenLifetimes
from sync_server.services.identity.principal import Principal
from ticketing.schemas import ApiError


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent."""
    factory = request.app.state.session_factory
    with factory() as session, session.begin():
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]

_bearer = HTTPBearer(auto_error=False, description="The `access_token` from /api/auth/login.")
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


@dataclass(frozen=True)
class Caller:
    principal: Principal
    session_id: uuid.UUID


def get_caller(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized(
            "Log in and send 'Authorization: Bearer <access_token>'.", code="not_authenticated"
        )
    user, session_id = accounts.authenticate(session, credentials.credentials)
    return Caller(Principal(user, settings_store.agent_visibility(session)), session_id)


CallerDep = Annotated[Caller, Depends(get_caller)]


def get_short_caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Caller:
    """Authenticate in a transaction of its own, for endpoints that manage their transactions
    (sync): no transaction stays open while they work."""
    with request.app.state.session_factory() as session, session.begin():
        return get_caller(session, credentials)


ShortCallerDep = Annotated[Caller, Depends(get_short_caller)]


def get_short_admin(caller: ShortCallerDep) -> Principal:
    """An admin, authenticated in a transaction of its own (for slow admin endpoints)."""
    if not caller.principal.is_admin:
        raise Forbidden("Only admins can do this.")
    return caller.principal


ShortAdminDep = Annotated[Principal, Depends(get_short_admin)]


def get_principal(caller: CallerDep) -> Principal:
    return caller.principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_staff(principal: PrincipalDep) -> Principal:
    if not principal.is_staff:
        raise Forbidden("Only support staff can do this.")
    return principal


StaffDep = Annotated[Principal, Depends(get_staff)]


def get_admin(principal: PrincipalDep) -> Principal:
    if not principal.is_admin:
        raise Forbidden("Only admins can do this.")
    return principal


AdminDep = Annotated[Principal, Depends(get_admin)]


def get_lifetimes(request: Request) -> TokenLifetimes:
    lifetimes: TokenLifetimes = request.app.state.token_lifetimes
    return lifetimes


LifetimesDep = Annotated[TokenLifetimes, Depends(get_lifetimes)]

ERROR_DESCRIPTIONS = {
    400: "The body is not valid JSON, or a header (such as the protocol version) is malformed.",
    401: "Not logged in, or the token expired or was revoked.",
    403: "The caller's role may not do this.",
    404: "No such row, or not one the caller may see.",
    409: "The change conflicts with the current state: an illegal transition, a duplicate, or a"
    " category, priority or assignee that does not exist or is inactive.",
    413: "The file or request is larger than allowed.",
    422: "The request is malformed or a value is invalid; `fields` names each problem.",
    426: "The client's protocol version is not supported; upgrade the app (or the server).",
    503: "The database is unavailable; try again shortly.",
}


def errors(*codes: int) -> dict[int | str, dict[str, object]]:
    """OpenAPI ``responses`` for the error codes particular to a route (409, 413, a 403 that a
    service decides); the codes every route shares are added by ``sync_server.api.contract``."""
    return {code: {"model": ApiError, "description": ERROR_DESCRIPTIONS[code]} for code in sorted(codes)}
