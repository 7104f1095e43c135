"""Rate limits as request dependencies: ``Depends(limit(RateAction.TICKET))`` on a route.

The check runs in a short transaction of its own, committed before the route runs: an attempt
counts even when the work after it fails (an invalid upload still costs one), and the row lock
of a busy limit is never held while the route works. A refusal is a 429 with ``Retry-After``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from fastapi import Request
from sqlalchemy.orm import Session

from sync_server.api.deps import PrincipalDep
from sync_server.services import rate_limits
from sync_server.services.rate_limits import RateAction
from ticketing.schemas import ApiError

#: OpenAPI ``responses`` entry for a limited route (add it to ``errors(...)``).
RATE_LIMITED: dict[int | str, dict[str, object]] = {
    429: {
        "model": ApiError,
        "description": "Too many requests: wait `retry_after` seconds (also the `Retry-After` header).",
        "headers": {"Retry-After": {"description": "Whole seconds to wait.", "schema": {"type": "integer"}}},
    }
}


def client_address(request: Request) -> str:
    """The address the request came from: the one place that decides it, for rate limits, login
    throttling and the audit log. It is the TCP peer, or, when that peer is a trusted reverse
    proxy (``TICKETDESK_TRUSTED_PROXIES``), the client the proxy names in ``X-Forwarded-For``
    (``sync_server.app.install_trusted_proxies`` has put it in ``request.client``)."""
    return request.client.host if request.client is not None else "unknown"


@contextmanager
def own_transaction(request: Request) -> Iterator[Session]:
    """A transaction apart from the request's, committed (or rolled back) on leaving."""
    with request.app.state.session_factory() as session, session.begin():
        yield session


#: The name of the dependency :func:`limit` makes, by which the API contract finds limited routes.
RATE_LIMITED_DEPENDENCY = "check_rate_limit"


def limit(action: RateAction) -> Callable[[Request, PrincipalDep], None]:
    """A dependency counting one ``action`` for the caller and their address (429 when over)."""

    def check_rate_limit(request: Request, principal: PrincipalDep) -> None:
        with own_transaction(request) as session:
            rate_limits.enforce(session, action, user_id=principal.user.id, address=client_address(request))

    return check_rate_limit
