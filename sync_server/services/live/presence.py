"""Who has a ticket open, passed between server processes and never stored.

:func:`announce` checks that the caller may read the ticket and sends one ``pg_notify`` on
:data:`PRESENCE_CHANNEL` (apart from the change log's channel: nothing is written to any table,
nothing is replayed by ``Last-Event-ID``). Every process's listener hands the parsed
:class:`PresenceNotice` to its hub, which passes it only to the streams of staff who may read
the ticket: the notice carries the ticket's buckets (:func:`ticketing.visibility.ticket_buckets`)
and each stream's subscription is checked against them, so an agent restricted to assigned
tickets hears only of those, and a requester never hears of staff on their ticket.

Announcements are limited per account in each process (:class:`PresenceLimiter`): an app sends
one every few seconds, and a limit kept in memory costs no write per announcement.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from sync_server.db.models import Ticket
from sync_server.errors import NotFound, RateLimited
from sync_server.services.identity.principal import Principal
from sync_server.services.rate_limits import whole_seconds
from sync_server.services.sync.readable import readable_tickets
from ticketing import visibility
from ticketing.presence import PresenceOut, PresenceState

log = logging.getLogger(__name__)

#: The NOTIFY channel of presence notices (the change log's is ``notify.CHANNEL``).
PRESENCE_CHANNEL = "ticketdesk_presence"

_NOTIFY = text("SELECT pg_notify(CAST(:channel AS text), CAST(:payload AS text))")


@dataclass(frozen=True)
class PresenceNotice:
    """One announcement and the buckets of its ticket (who may hear it)."""

    presence: PresenceOut
    buckets: frozenset[str]

    def audible_to(self, staff: bool, subscribed: frozenset[str], user_id: uuid.UUID | None) -> bool:
        """Whether a stream of this caller gets it: staff only, who may read the ticket, and
        not the announcer themself."""
        return staff and user_id != self.presence.user_id and visibility.can_see(subscribed, self.buckets)


def encode(notice: PresenceNotice) -> str:
    body = notice.presence.model_dump(mode="json")
    body["buckets"] = sorted(notice.buckets)
    return orjson.dumps(body).decode()


def parse(payload: str) -> PresenceNotice | None:
    """The notice in a NOTIFY payload, or None if it is not one of ours."""
    try:
        body = orjson.loads(payload)
        buckets = frozenset(str(b) for b in body.pop("buckets"))
        presence = PresenceOut.model_validate(body)
    except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError, ValueError):
        log.warning("ignoring a malformed presence notice: %.200s", payload)
        return None
    return PresenceNotice(presence, buckets)


def announce(
    session: Session, principal: Principal, ticket_id: uuid.UUID, state: PresenceState, ttl: float
) -> PresenceNotice:
    """Tell every server process that ``principal`` is in ``state`` on ``ticket_id``; sent when
    ``session``'s transaction commits. Raises :class:`NotFound` for a ticket they may not read."""
    row = session.execute(
        readable_tickets(principal)
        .where(Ticket.id == ticket_id)
        .with_only_columns(Ticket.submitter_id, Ticket.assignee_id)
    ).one_or_none()
    if row is None:
        raise NotFound("No such ticket.")
    presence = PresenceOut(
        ticket_id=ticket_id,
        user_id=principal.user.id,
        name=principal.user.name,
        state=state,
        expires_in=0.0 if state == PresenceState.LEFT else ttl,
    )
    notice = PresenceNotice(presence, visibility.ticket_buckets(row.submitter_id, row.assignee_id))
    session.execute(_NOTIFY, {"channel": PRESENCE_CHANNEL, "payload": encode(notice)})
    return notice


class PresenceLimiter:
    """At most ``burst`` announcements in a row per account, then one every ``interval``
    seconds (a generic cell rate limit kept in this process's memory)."""

    def __init__(
        self, burst: int = 20, interval: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._burst = burst
        self._interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._tat: dict[uuid.UUID, float] = {}

    def hit(self, account: uuid.UUID) -> None:
        """Count one announcement; raises :class:`RateLimited` (counting nothing) when over."""
        with self._lock:
            now = self._clock()
            tat = max(self._tat.get(account, now), now) + self._interval
            if tat - now > self._burst * self._interval:
                wait = tat - now - self._burst * self._interval
                raise RateLimited(
                    f"Too many presence announcements; try again in {whole_seconds(wait)} s.",
                    retry_after=whole_seconds(wait),
                )
            self._tat[account] = tat
            if len(self._tat) > 10_000:  # forget accounts whose cell has run out
                self._tat = {key: value for key, value in self._tat.items() if value > now}
