"""One server process's fan-out of live notices to its own SSE streams.

The :class:`~sync_server.services.live.listener.LiveListener` hands every notice it receives to
:meth:`LiveHub.publish` on the app's event loop; each open stream has a :class:`Subscription`
(a bounded asyncio queue) and picks from a notice only the buckets its caller subscribes to.
A small ring buffer of recent notices answers a reconnecting client's ``Last-Event-ID``: the
notices that came after it, or ``None`` ("pull everything") when the id is not in the buffer
(older than it, unknown, or from before this process started listening).

Presence notices (:mod:`sync_server.services.live.presence`) take the same queues but never the
ring buffer: :meth:`LiveHub.publish_presence` puts one only into the queues of streams whose
caller may hear it (staff who may read the ticket, see :class:`Subscription`), and drops it for
a stream whose queue is full (presence is refreshed every few seconds anyway).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import deque
from dataclasses import dataclass, field

from sync_server.services.live.notify import WILDCARD
from sync_server.services.live.presence import PresenceNotice

#: Recent notices kept per process for ``Last-Event-ID``.
RING_SIZE = 512
#: Notices waiting per stream; a stream that falls further behind is told to pull everything.
QUEUE_SIZE = 256


@dataclass(frozen=True)
class Notice:
    """Buckets changed by one committed transaction; ``id`` None when not known (a listener that
    reconnected may have missed notices and announces a wildcard)."""

    id: int | None
    buckets: frozenset[str]

    def visible_to(self, subscribed: frozenset[str]) -> frozenset[str]:
        """The buckets of this notice that ``subscribed`` may hear about."""
        if WILDCARD in self.buckets:
            return subscribed
        return self.buckets & subscribed


@dataclass(eq=False)  # each stream its own: hashed by identity
class Subscription:
    """One stream's queue, and who its caller is (kept current by the stream at each
    heartbeat), by which presence notices are picked."""

    queue: asyncio.Queue[Notice | PresenceNotice] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    #: Set when a notice did not fit in the queue: the stream must tell its client to pull.
    overflowed: bool = False
    user_id: uuid.UUID | None = None
    staff: bool = False
    buckets: frozenset[str] = frozenset()


class LiveHub:
    """Streams of this process and the notices they get; use on the event loop only."""

    def __init__(self, ring_size: int = RING_SIZE) -> None:
        self._recent: deque[Notice] = deque(maxlen=ring_size)
        self._subscriptions: set[Subscription] = set()

    def subscribe(
        self, user_id: uuid.UUID | None = None, *, staff: bool = False, buckets: frozenset[str] = frozenset()
    ) -> Subscription:
        subscription = Subscription(user_id=user_id, staff=staff, buckets=buckets)
        self._subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)

    @property
    def streams(self) -> int:
        return len(self._subscriptions)

    @property
    def latest_id(self) -> int | None:
        return self._recent[-1].id if self._recent else None

    def publish(self, notice: Notice) -> None:
        if notice.id is None:  # notices may have been missed: the buffer cannot answer any more
            self._recent.clear()
        else:
            self._recent.append(notice)
        for subscription in self._subscriptions:
            try:
                subscription.queue.put_nowait(notice)
            except asyncio.QueueFull:
                subscription.overflowed = True

    def publish_presence(self, notice: PresenceNotice) -> None:
        """Pass a presence notice to the streams that may hear it; never kept for replay."""
        for subscription in self._subscriptions:
            if notice.audible_to(subscription.staff, subscription.buckets, subscription.user_id):
                # a full queue drops it: the next announcement comes within seconds
                with contextlib.suppress(asyncio.QueueFull):
                    subscription.queue.put_nowait(notice)

    def since(self, last_id: str) -> list[Notice] | None:
        """The notices published after the one with ``last_id``, in the order they came, or
        None if that notice is not in the buffer (the caller must pull everything)."""
        for index in range(len(self._recent) - 1, -1, -1):
            if str(self._recent[index].id) == last_id:
                return list(self._recent)[index + 1 :]
        return None
