"""One server process's fan-out of live notices to its own SSE streams.

The :class:`~sync_server.services.live.listener.LiveListener` hands every notice it receives to
:meth:`LiveHub.publish` on the app's event loop; each open stream has a :class:`Subscription`
(a bounded asyncio queue) and picks from a notice only the buckets its caller subscribes to.
A small ring buffer of recent notices answers a reconnecting client's ``Last-Event-ID``: the
notices that came after it, or ``None`` ("pull everything") when the id is not in the buffer
(older than it, unknown, or from before this process started listening).
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field

from sync_server.services.live.notify import WILDCARD

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
    queue: asyncio.Queue[Notice] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    #: Set when a notice did not fit in the queue: the stream must tell its client to pull.
    overflowed: bool = False


class LiveHub:
    """Streams of this process and the notices they get; use on the event loop only."""

    def __init__(self, ring_size: int = RING_SIZE) -> None:
        self._recent: deque[Notice] = deque(maxlen=ring_size)
        self._subscriptions: set[Subscription] = set()

    def subscribe(self) -> Subscription:
        subscription = Subscription()
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

    def since(self, last_id: str) -> list[Notice] | None:
        """The notices published after the one with ``last_id``, in the order they came, or
        None if that notice is not in the buffer (the caller must pull everything)."""
        for index in range(len(self._recent) - 1, -1, -1):
            if str(self._recent[index].id) == last_id:
                return list(self._recent)[index + 1 :]
        return None
