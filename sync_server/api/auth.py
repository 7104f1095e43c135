"""Log in, refresh a login, log out."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from sync_server.api.deps import LifetimesDep, SessionDep, errors
from sync_server.api.limits import RATE_LIMITED, client_address, own_transaction
from sync_server.api.presenters import user_out
from sync_server.errors import Unauthorized
from sync_server.services.identity import accounts, login_throttle
from ticketing.schemas import LoginIn, RefreshIn, TokenOut

router = APIRouter(prefix="/api/auth", tags=["auth"])


def _token_out(issued: accounts.IssuedTokens) -> TokenOut:
    return TokenOut(
        access_token=issued.access_token,
        refresh_token=issued.refresh_token,
        expires_in=issued.expires_in,
        user=user_out(issued.user),
    )


@router.post("/login", response_model=TokenOut, responses={**errors(401), **RATE_LIMITED})
def login(body: LoginIn, request: Request, session: SessionDep, lifetimes: LifetimesDep) -> TokenOut:
    """Trade an email and password for an access token and a refresh token.

    Attempts are limited per account and per address (`login_per_minute`), and failures slow
    further attempts down sharply: 429 with `Retry-After`, whether or not the account exists."""
    email, address = accounts.normalize_email(body.email), client_address(request)
    with own_transaction(request) as own:
        login_throttle.before_attempt(own, email, address)
    try:
        issued = accounts.login(session, email, body.password, body.client_name, lifetimes)
    except Unauthorized as error:
        if error.code == "invalid_credentials":
            with own_transaction(request) as own:  # counted though this request's work rolls back
                login_throttle.record_failure(own, email, address)
        raise
    return _token_out(issued)


@router.post("/refresh", response_model=TokenOut, responses=errors(401))
def refresh(body: RefreshIn, request: Request, lifetimes: LifetimesDep) -> TokenOut:
    """Trade a refresh token for a new pair.

    The refresh token just traded stays good until the new pair is first used, and gives the
    same pair again: a client whose answer was lost asks again and carries on. Presented after
    that (or any older one), it is taken for a stolen copy: the whole login ends (401
    `token_reused`) and the admin audit log records it."""
    try:
        with own_transaction(request) as session:
            issued = accounts.refresh(session, body.refresh_token, lifetimes)
    except accounts.RefreshTokenReused as reused:
        with own_transaction(request) as session:  # the refusal rolled the first one back
            accounts.revoke_reused_login(session, reused.session_id, client_address(request))
        raise
    return _token_out(issued)


@router.post("/logout", status_code=204, response_class=Response)
def logout(body: RefreshIn, session: SessionDep) -> Response:
    """Revoke a login (its refresh token and its access token) at once."""
    accounts.logout(session, body.refresh_token)  # the current token or the one before it
    return Response(status_code=204)
