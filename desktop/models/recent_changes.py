"""Which tickets of a table just changed under the reader's eyes, so their rows are marked.

A live update that silently rewrites a row is easy to miss, and one that reorders the queue
is disorienting: the row that another person (or this account on another device) just changed
is painted in :attr:`desktop.palette.Scheme.changed_row` for :data:`MARK_MS`, then goes back to
normal. Changes this window made itself are not marked, nor their echo from the server a
moment later: a ticket changed here is quiet for :data:`OWN_QUIET_S`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.store.database import ChangeSet

#: How long a changed row stays marked.
MARK_MS = 3000
#: How long after a change made here the server's echo of it is not marked.
OWN_QUIET_S = 30.0


class RecentChanges(QObject):
    """Tickets marked as just changed; ``expired(set of ids)`` when marks go.

    Feed it every :class:`ChangeSet` (:meth:`note`); ask :meth:`is_marked` while painting.
    """

    expired = Signal(object)

    def __init__(self, parent: QObject | None = None, *, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self._clock = clock
        self._marked: dict[str, float] = {}  # ticket id -> when its mark goes
        self._own: dict[str, float] = {}  # ticket id -> until when its echo is quiet
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer_timeout)

    def note(self, change: ChangeSet) -> frozenset[str]:
        """Take in one change; answers the tickets it newly marks."""
        now = self._clock()
        if change.queued:
            for ticket_id in change.tickets:
                self._own[ticket_id] = now + OWN_QUIET_S
            return frozenset()
        if not change.remote or change.everything:  # a reset is no one's change to point at
            return frozenset()
        self._own = {ticket_id: until for ticket_id, until in self._own.items() if until > now}
        fresh = frozenset(change.tickets - self._own.keys())
        until = now + MARK_MS / 1000
        for ticket_id in fresh:
            self._marked[ticket_id] = until
        if fresh:
            self._schedule()
        return fresh

    def is_marked(self, ticket_id: str) -> bool:
        return ticket_id in self._marked

    @property
    def marked(self) -> frozenset[str]:
        return frozenset(self._marked)

    def _schedule(self) -> None:
        if not self._marked:
            return
        due = min(self._marked.values()) - self._clock()
        self._timer.start(max(0, int(due * 1000) + 1))

    def _on_timer_timeout(self) -> None:
        now = self._clock()
        gone = {ticket_id for ticket_id, until in self._marked.items() if until <= now}
        for ticket_id in gone:
            del self._marked[ticket_id]
        self._schedule()
        if gone:
            self.expired.emit(gone)
