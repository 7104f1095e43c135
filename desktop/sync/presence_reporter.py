"""What this app announces about the ticket it shows, and when (``POST /api/presence``).

A ticket that stays open for :data:`SETTLE` seconds is announced as "viewing" (so running down
the queue with the arrow keys announces nothing, and cannot run into the server's rate limit);
switching away or closing it announces "left", for an announced ticket only;
typing in the reply box announces "replying" once (not per key), and after
:data:`~ticketing.presence.REPLY_IDLE` seconds without typing, or when the reply box is empty
again (sent or cleared), "viewing" again. While a ticket stays open the current state is
repeated every :data:`~ticketing.presence.PRESENCE_REFRESH` seconds so that it does not expire
at the others. Pure Python with an injectable clock: the ticket view calls :meth:`tick` from a
timer and sends what the methods return.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from ticketing.presence import PRESENCE_REFRESH, REPLY_IDLE, PresenceState

#: Seconds a ticket must stay open before others hear it is viewed.
SETTLE = 0.6


@dataclass(frozen=True)
class Announcement:
    ticket_id: str
    state: PresenceState


class PresenceReporter:
    """The shown ticket's state and when it was last announced."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        *,
        refresh: float = PRESENCE_REFRESH,
        idle: float = REPLY_IDLE,
        settle: float = SETTLE,
    ) -> None:
        self._clock = clock
        self.refresh = refresh
        self.idle = idle
        self.settle = settle
        self.ticket_id: str | None = None
        self.state = PresenceState.LEFT
        self._announced = False  # the others have heard of the shown ticket
        self._opened_at = 0.0
        self._sent_at = 0.0
        self._typed_at = 0.0

    def _announce(self) -> list[Announcement]:
        assert self.ticket_id is not None
        self._sent_at = self._clock()
        self._announced = True
        return [Announcement(self.ticket_id, self.state)]

    def open(self, ticket_id: str | None) -> list[Announcement]:
        """``ticket_id`` is shown now (``None``: no ticket); it is announced once it settles."""
        if ticket_id == self.ticket_id:
            return []
        said = self.leave()
        self.ticket_id = ticket_id
        self._opened_at = self._clock()
        self.state = PresenceState.VIEWING if ticket_id is not None else PresenceState.LEFT
        return said

    def leave(self) -> list[Announcement]:
        """The shown ticket is no longer shown (switched away, closed, the app quits)."""
        said = (
            [Announcement(self.ticket_id, PresenceState.LEFT)] if self.ticket_id and self._announced else []
        )
        self.ticket_id, self._announced, self.state = None, False, PresenceState.LEFT
        return said

    def typed(self, has_text: bool) -> list[Announcement]:
        """The reply box changed; ``has_text``: something is written in it."""
        if self.ticket_id is None:
            return []
        if not has_text:
            if self.state == PresenceState.REPLYING:
                self.state = PresenceState.VIEWING
                return self._announce()
            return []
        self._typed_at = self._clock()
        if self.state != PresenceState.REPLYING:
            self.state = PresenceState.REPLYING
            return self._announce()
        return []

    def tick(self) -> list[Announcement]:
        """Called every second or so: an idle replier is viewing again; a refresh when due."""
        if self.ticket_id is None:
            return []
        now = self._clock()
        if not self._announced:
            return self._announce() if now - self._opened_at >= self.settle else []
        if self.state == PresenceState.REPLYING and now - self._typed_at >= self.idle:
            self.state = PresenceState.VIEWING
            return self._announce()
        if now - self._sent_at >= self.refresh:
            return self._announce()
        return []
