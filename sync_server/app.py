"""The FastAPI application: routers, the protocol-version gate and the one error handler.

Every failure leaves as ``{"error": code, "detail": text}``: domain errors with their own status,
validation errors as 422 naming the fields, a method a path lacks as 405 with ``Allow``, and
anything unexpected as a logged 500 that shows no stack trace. What every operation shares of
its contract (documented errors, 405, OPTIONS) is in :mod:`sync_server.api.contract`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from sync_server import __version__
from sync_server.api import (
    attachments,
    audit,
    auth,
    catalog,
    contract,
    kb,
    live,
    presence,
    reports,
    search,
    settings_api,
    sla,
    sync,
    tickets,
    users,
)
from sync_server.api.caller_cache import CallerCache
from sync_server.api.deps import SessionDep
from sync_server.db.models import ServerMeta
from sync_server.db.session import make_session_factory
from sync_server.errors import DomainError
from sync_server.services.files.blob_store import BlobStore
from sync_server.services.identity.accounts import TokenLifetimes
from sync_server.services.jobs.runner import LeasedJob
from sync_server.services.live.hub import LiveHub
from sync_server.services.live.listener import LiveListener
from sync_server.services.live.presence import PresenceLimiter
from sync_server.services.mail.sender import MailSender
from sync_server.services.sla.escalation import JOB_NAME, escalation_pass
from sync_server.settings import ServerConfig
from ticketing.protocol import MIN_SUPPORTED_PROTOCOL, PROTOCOL_HEADER, PROTOCOL_VERSION
from ticketing.schemas import HealthOut

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def _error(
    status: int, code: str, detail: str, headers: dict[str, str] | None = None, **extra: object
) -> JSONResponse:
    body: dict[str, object] = {"error": code, "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    all_headers = dict(headers or {})
    if status == 401:
        all_headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(status_code=status, content=body, headers=all_headers or None)


def _field_name(loc: tuple[object, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        return _error(exc.status_code, exc.code, exc.detail, exc.headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [{"field": _field_name(tuple(e["loc"])), "message": e["msg"]} for e in exc.errors()]
        summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields[:5])
        return _error(422, "validation_error", f"Invalid request: {summary}", fields=fields)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            methods = contract.allowed_methods(app, request.url.path)
            if not methods or request.method in methods:  # no such path, or no such resource there
                return _error(404, "not_found", "Not Found")
            headers["Allow"] = ", ".join(methods)
            detail = f"{request.method} is not allowed here; this path allows {headers['Allow']}."
            return _error(405, "method_not_allowed", detail, headers)
        code = _HTTP_CODES.get(exc.status_code, "error")
        return _error(exc.status_code, code, str(exc.detail), headers)

    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("integrity error: %s", exc.orig)
        return _error(409, "conflict", "The change conflicts with data that already exists.")

    @app.exception_handler(DBAPIError)
    async def _database(_: Request, exc: DBAPIError) -> JSONResponse:
        log.error("database error: %s", exc.orig)
        return _error(503, "unavailable", "The database is unavailable; try again shortly.")

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return _error(500, "internal_error", "Something went wrong on the server; it has been logged.")


def _protocol_refusal(raw: str) -> Response | None:
    """The answer to a request naming a protocol version this server does not speak."""
    try:
        version = int(raw)
    except ValueError:
        return _error(400, "bad_request", f"{PROTOCOL_HEADER} must be a whole number.")
    if version < MIN_SUPPORTED_PROTOCOL:
        return _error(
            426,
            "upgrade_required",
            f"This app speaks protocol {version}; the server needs {MIN_SUPPORTED_PROTOCOL} or "
            "newer. Please update Ticketdesk.",
        )
    if version > PROTOCOL_VERSION:
        return _error(
            426,
            "server_too_old",
            f"This app speaks protocol {version}, newer than the server's {PROTOCOL_VERSION}. "
            "Ask your administrator to update the server.",
        )
    return None


class ProtocolGate:
    """Requests naming a protocol version this server does not speak get 426 and why; every
    other answer says which version the server speaks. A plain ASGI middleware: Starlette's
    ``BaseHTTPMiddleware`` runs each request through an extra task and a streamed copy of the
    response, about a tenth of the server's time per empty sync pull in the profile."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = Headers(scope=scope).get(PROTOCOL_HEADER)
        refusal = None if raw is None else _protocol_refusal(raw)
        if refusal is not None:
            await refusal(scope, receive, send)
            return

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[PROTOCOL_HEADER] = str(PROTOCOL_VERSION)
            await send(message)

        await self.app(scope, receive, send_with_version)


def install_protocol_gate(app: FastAPI) -> None:
    app.add_middleware(ProtocolGate)


def install_trusted_proxies(app: FastAPI, proxies: Sequence[str]) -> None:
    """Behind the reverse proxies named in ``proxies`` (IPs or networks), a request's client is
    the right-most ``X-Forwarded-For`` address that is not itself one of them; a request from any
    other peer keeps its TCP peer, whatever it sends. Uvicorn's own middleware does exactly
    this; it is installed here, with our list, so that every way of serving the app (and the
    tests' in-process clients) decides the same. Rate limits, login throttling and the audit
    log read the result through :func:`sync_server.api.limits.client_address`."""
    if proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(proxies))


#: Longest wait at start-up for the live listener's LISTEN.
LISTEN_WAIT_SECONDS = 5.0


def _lifespan(
    engine: Engine, send_mail: bool, run_jobs: bool
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Start the live-notice listener (and the mail sender and the cluster's background jobs,
    if asked) with the app and stop them on shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        listener = LiveListener(engine, app.state.live_hub, asyncio.get_running_loop())
        listener.start()
        app.state.live_listener = listener
        # serve once it listens (so a notice of the first change is not lost), unless the
        # database is unreachable: then it keeps trying in the background
        await asyncio.to_thread(listener.listening.wait, LISTEN_WAIT_SECONDS)
        sender = MailSender(engine) if send_mail else None
        if sender is not None:
            sender.start()
        escalation = (
            LeasedJob(engine, JOB_NAME, escalation_pass, ServerConfig().sla_check_seconds)
            if run_jobs
            else None
        )
        if escalation is not None:
            escalation.start()
        try:
            yield
        finally:
            if escalation is not None:
                await asyncio.to_thread(escalation.stop)
            if sender is not None:
                await sender.astop()
            await asyncio.to_thread(listener.stop)

    return lifespan


def create_app(
    engine: Engine,
    lifetimes: TokenLifetimes | None = None,
    *,
    data_dir: Path | None = None,
    send_mail: bool = False,
    run_jobs: bool = False,
    live_heartbeat: float | None = None,
    trusted_proxies: Sequence[str] | None = None,
) -> FastAPI:
    """The API over ``engine``; uploaded files live under ``data_dir`` (the server's data folder
    by default), which nothing serves. ``send_mail`` runs the mail sender while the app runs
    (the ``serve`` command does; apps built in tests only queue mail); ``run_jobs`` runs the
    cluster's background jobs (SLA escalation) under their leases (``serve`` does). Live streams send a
    heartbeat every ``live_heartbeat`` seconds (``TICKETDESK_LIVE_HEARTBEAT_SECONDS``).
    ``X-Forwarded-For`` is believed only from ``trusted_proxies`` (``TICKETDESK_TRUSTED_PROXIES``,
    none by default)."""
    app = FastAPI(
        lifespan=_lifespan(engine, send_mail, run_jobs),
        title="Ticketdesk sync server",
        version=__version__,
        description="REST and sync API of the Ticketdesk help desk. Errors are "
        '`{"error": code, "detail": text}`.',
    )
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.callers = CallerCache()
    app.state.live_hub = LiveHub()
    app.state.live_heartbeat = (
        ServerConfig().live_heartbeat_seconds if live_heartbeat is None else live_heartbeat
    )
    app.state.presence_ttl = ServerConfig().presence_ttl_seconds
    app.state.presence_limiter = PresenceLimiter()
    app.state.blob_store = BlobStore(data_dir or ServerConfig().data_dir)
    app.state.token_lifetimes = lifetimes or TokenLifetimes(
        access=dt.timedelta(minutes=15), refresh=dt.timedelta(days=60)
    )
    install_error_handlers(app)
    install_protocol_gate(app)
    install_trusted_proxies(
        app, ServerConfig().trusted_proxies if trusted_proxies is None else trusted_proxies
    )
    for module in (
        auth,
        users,
        tickets,
        attachments,
        catalog,
        settings_api,
        sync,
        audit,
        reports,
        kb,
        search,
        live,
        presence,
        sla,
    ):
        contract.document_errors(module.router.routes)
        app.include_router(module.router)

    @app.get("/api/health", response_model=HealthOut, tags=["server"])
    def health(session: SessionDep) -> HealthOut:
        """Whether the server and its database answer, and which protocol it speaks."""
        epoch = session.scalar(select(ServerMeta.value).where(ServerMeta.key == "db_epoch")) or ""
        return HealthOut(server_version=__version__, protocol_version=PROTOCOL_VERSION, db_epoch=epoch)

    contract.document_errors(app.router.routes)
    contract.install_method_handling(app, lambda detail: _error(404, "not_found", detail))
    return app
