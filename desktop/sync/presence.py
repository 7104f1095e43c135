"""Who else has which ticket open, as heard on the live stream, until it expires.

:class:`PresenceTracker` keeps the latest ``event: presence`` of each colleague on each ticket
and forgets it ``expires_in`` seconds after it arrived (each announcement is repeated every few
seconds while its ticket stays open) or at once on "left". Pure Python with an injectable
clock: the ticket view ticks it with a timer, tests with a fake clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from ticketing.presence import PresenceOut, PresenceState


@dataclass(frozen=True)
class Colleague:
    """Someone else on a ticket: what they are doing there, and until when (clock seconds)."""

    user_id: str
    name: str
    state: PresenceState
    expires_at: float


class PresenceTracker:
    """Presence on every ticket, without this app's own account (``me``)."""

    def __init__(self, me: str | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self._me = me
        self._clock = clock
        self._entries: dict[tuple[str, str], Colleague] = {}

    def heard(self, presence: PresenceOut) -> bool:
        """Take in one announcement; True if what any ticket shows may have changed."""
        ticket_id, user_id = str(presence.ticket_id), str(presence.user_id)
        if user_id == self._me:
            return False
        key = (ticket_id, user_id)
        if presence.state == PresenceState.LEFT or presence.expires_in <= 0:
            return self._entries.pop(key, None) is not None
        before = self._entries.get(key)
        entry = Colleague(user_id, presence.name, presence.state, self._clock() + presence.expires_in)
        self._entries[key] = entry
        return before is None or (before.name, before.state) != (entry.name, entry.state)

    def expire(self) -> bool:
        """Forget entries whose time has passed; True if any was."""
        now = self._clock()
        gone = [key for key, entry in self._entries.items() if entry.expires_at <= now]
        for key in gone:
            del self._entries[key]
        return bool(gone)

    def on_ticket(self, ticket_id: str) -> list[Colleague]:
        """The colleagues on ``ticket_id`` now, repliers first, then by name."""
        now = self._clock()
        found = [e for (ticket, _), e in self._entries.items() if ticket == ticket_id and e.expires_at > now]
        return sorted(found, key=lambda e: (e.state != PresenceState.REPLYING, e.name.casefold(), e.user_id))

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
