"""The sync endpoints: pull changes down, push mutations up (DESIGN.md, "Sync protocol")."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from sync_server.api.caller_cache import SyncCallerDep, authenticate_again
from sync_server.api.deps import ShortCallerDep, errors
from sync_server.api.limits import RATE_LIMITED, client_address
from sync_server.errors import DomainError, Unauthorized
from sync_server.services.sync import pull as pull_service
from sync_server.services.sync import push as push_service
from sync_server.services.sync.quiet_pull import quiet_pull
from ticketing.protocol import (
    MIN_SUPPORTED_PROTOCOL,
    PROTOCOL_VERSION,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
)

router = APIRouter(prefix="/api/sync", tags=["sync"])

#: Checks of a pull's caller: the cached one, then freshly authenticated ones (each check can
#: only fail again if the account or the settings change in between).
_ATTEMPTS = 3


class UpgradeRequired(DomainError):
    status_code = 426
    code = "upgrade_required"


def check_protocol(version: int) -> None:
    if version < MIN_SUPPORTED_PROTOCOL:
        raise UpgradeRequired(
            f"This app speaks sync protocol {version}; the server needs {MIN_SUPPORTED_PROTOCOL} or newer. "
            "Please update Ticketdesk."
        )
    if version > PROTOCOL_VERSION:
        raise UpgradeRequired(
            f"This app speaks sync protocol {version}, newer than the server's {PROTOCOL_VERSION}. "
            "Ask your administrator to update the server.",
            code="server_too_old",
        )


@router.post("/pull", response_model=PullResponse)
def pull(body: PullRequest, request: Request, caller: SyncCallerDep) -> Response:
    """One page of the changes the caller may see after its cursors. The server decides the
    buckets; buckets the client holds but may no longer see come back in `removed_buckets`."""
    check_protocol(body.protocol)
    factory = request.app.state.session_factory
    for _ in range(_ATTEMPTS):
        with factory() as session, session.begin():
            # the first use of the connection in this transaction fixes its isolation level
            session.connection(
                execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
            )
            principal, session_id = caller.caller.principal, caller.caller.session_id
            # one statement checks the caller and, for an up-to-date client, is the whole answer
            quiet = quiet_pull(session, principal, session_id, caller.access_hash, body)
            if quiet.authorized:
                page = quiet.page or pull_service.pull(session, principal, body)
                # written straight to JSON: a page of thousands of rows would cost more to
                # validate again than to read (the shape is PullResponse's; tests/sync checks it)
                return Response(page.to_json(), media_type="application/json")
        # revoked, expired, deactivated, or its role or buckets changed since it was cached
        caller = authenticate_again(request, caller.credentials, caller.access_hash)  # or 401
    raise Unauthorized("The account changed while it was being checked; try again.", code="invalid_token")


@router.post("/push", response_model=PushResponse, responses={**errors(403), **RATE_LIMITED})
def push(body: PushRequest, request: Request, response: Response, caller: ShortCallerDep) -> PushResponse:
    """Apply mutations in id order, each at most once; each gets applied, rejected or conflict.

    New tickets and comments count against the rate limits: the push stops before the first one
    over a limit and answers what it applied with a `Retry-After` header (429 if it applied
    nothing); the client sends the rest again after that many seconds."""
    check_protocol(body.protocol)
    answer = push_service.push(
        request.app.state.session_factory, caller.principal.user.id, body, address=client_address(request)
    )
    if answer.retry_after is not None:
        response.headers["Retry-After"] = str(answer.retry_after)
    return answer.response
