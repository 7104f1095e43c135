"""``GET /api/sync/events``: live notices as Server-Sent Events (DESIGN.md, "Live notices").

A notice only says "pull these buckets": data still travels by pull, so a missed notice costs
latency, never correctness. Each stream hears only the buckets its caller subscribes to (the
same :attr:`Principal.buckets` a pull uses), re-checked with the token at every heartbeat: a
revoked or expired token, or a deactivated account, ends the stream. Nothing here counts
against the caller's rate limits.

Staff streams also carry ``event: presence`` (who else has a ticket open, see
:mod:`sync_server.services.live.presence`): without an ``id:``, as they are never replayed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated

import orjson
from fastapi import APIRouter, Header, Request
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from sync_server.api.deps import BearerDep, ShortCallerDep, get_short_caller
from sync_server.errors import DomainError
from sync_server.services.live.hub import LiveHub, Notice
from sync_server.services.live.notify import WILDCARD
from sync_server.services.live.presence import PresenceNotice
from ticketing.presence import PRESENCE_EVENT

router = APIRouter(prefix="/api/sync", tags=["sync"])

#: Event name of a notice; its data is ``{"buckets": [...]}``.
CHANGED = "changed"


def changed_event(buckets: frozenset[str], event_id: int | None) -> ServerSentEvent:
    data = orjson.dumps({"buckets": sorted(buckets)}).decode()
    return ServerSentEvent(data=data, event=CHANGED, id=None if event_id is None else str(event_id))


def presence_event(notice: PresenceNotice) -> ServerSentEvent:
    return ServerSentEvent(data=notice.presence.model_dump_json(), event=PRESENCE_EVENT)


@router.get(
    "/events",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "The stream of notices."}},
)
async def events(
    request: Request,
    caller: ShortCallerDep,
    credentials: BearerDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> EventSourceResponse:
    """Server-Sent Events: `event: changed`, `id: <event id>`, `data: {"buckets": [...]}`
    whenever a bucket the caller subscribes to changes, and a comment as a heartbeat every few
    seconds. Reconnect with `Last-Event-ID`: the notices missed since then follow at once, or,
    when the server no longer knows that id, one `changed` naming all the caller's buckets
    (pull everything). Staff also get `event: presence`, `data: {"ticket_id", "user_id",
    "name", "state", "expires_in"}` (no `id:`) when another staff member opens, replies on or
    leaves a ticket they may read."""
    hub: LiveHub = request.app.state.live_hub
    heartbeat: float = request.app.state.live_heartbeat
    principal = caller.principal
    buckets = principal.buckets
    # before reading the buffer, so nothing falls in between
    subscription = hub.subscribe(principal.user.id, staff=principal.is_staff, buckets=buckets)

    async def stream() -> AsyncIterator[ServerSentEvent]:
        nonlocal buckets
        try:
            if last_event_id is not None:
                missed = hub.since(last_event_id)
                if missed is None:
                    yield changed_event(buckets, hub.latest_id)
                else:
                    heard = frozenset().union(*(n.visible_to(buckets) for n in missed))
                    if heard:
                        yield changed_event(heard, missed[-1].id)
            next_beat = time.monotonic() + heartbeat
            while True:
                notice: Notice | PresenceNotice | None = None
                if subscription.overflowed:
                    subscription.overflowed = False
                    notice = Notice(hub.latest_id, frozenset({WILDCARD}))
                else:
                    try:
                        async with asyncio.timeout(max(next_beat - time.monotonic(), 0.0)):
                            notice = await subscription.queue.get()
                    except TimeoutError:
                        notice = None
                if notice is None:
                    try:  # the token and the account again; the role may have changed too
                        again = await run_in_threadpool(get_short_caller, request, credentials)
                    except DomainError:
                        return
                    buckets = again.principal.buckets
                    subscription.buckets, subscription.staff = buckets, again.principal.is_staff
                    next_beat = time.monotonic() + heartbeat
                    yield ServerSentEvent(comment="ping")
                    continue
                if isinstance(notice, PresenceNotice):
                    if notice.audible_to(subscription.staff, buckets, subscription.user_id):
                        yield presence_event(notice)
                    continue
                heard = notice.visible_to(buckets)
                if heard:
                    yield changed_event(heard, notice.id)
        finally:
            hub.unsubscribe(subscription)

    # our own heartbeats (they re-check the token); sse-starlette's ping is pushed out of the way
    return EventSourceResponse(stream(), ping=24 * 3600, headers={"Cache-Control": "no-store"})
