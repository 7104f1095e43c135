"""The write layer's one clock, so tests can say when a change happened.

``now()`` is the current UTC time unless a test holds the clock with :func:`frozen`; the
time is then whatever the test set (and moved with :meth:`FrozenClock.advance`). The held
time is process-wide, not per thread, because a request served by a ``TestClient`` runs on
another thread than the test that sets it.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

_lock = threading.Lock()


@dataclass
class FrozenClock:
    """A clock that shows ``at`` until moved."""

    at: dt.datetime

    def set(self, at: dt.datetime) -> None:
        self.at = at

    def advance(self, **delta: float) -> dt.datetime:
        """Move on by ``timedelta(**delta)`` and answer the new time."""
        self.at += dt.timedelta(**delta)
        return self.at


#: The held clocks, innermost last (a list so that no ``global`` statement is needed).
_held: list[FrozenClock] = []


def now() -> dt.datetime:
    """The current time, in UTC."""
    held = _held[-1] if _held else None
    return held.at if held is not None else dt.datetime.now(dt.UTC)


@contextmanager
def frozen(at: dt.datetime) -> Iterator[FrozenClock]:
    """Hold the clock at ``at`` (an aware date-time) until the block ends."""
    if at.tzinfo is None:
        raise ValueError("a frozen clock needs an aware date-time")
    clock = FrozenClock(at)
    with _lock:
        _held.append(clock)
    try:
        yield clock
    finally:
        with _lock:
            _held.remove(clock)
