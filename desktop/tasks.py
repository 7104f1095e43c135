"""Run slow work (network, disk, big queries) off the UI thread; deliver results back on it.

The one way the windows start background work, in the manner of Anki's ``QueryOp`` and
Picard's ``run_task``: ``runner.run(work, on_done, on_error, owner=widget)``. ``work`` runs in a
pool thread and must not touch any widget; ``on_done``/``on_error`` run on the UI thread, and
only while ``owner`` (like Anki's ``CollectionOp(parent=...)``) still exists: a window closed
while its task ran simply never hears back. Work that belongs to the application rather than
to a window says so with ``owner=None``. Tests may create the runner with ``immediate=True`` so
that work runs at once and in order.
"""

from __future__ import annotations

import itertools
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class _Delivery:
    """Where a job's result goes, and for whom."""

    on_done: Callable[[Any], None] | None
    on_error: Callable[[BaseException], None] | None
    owner: QObject | None


class _Relay(QObject):
    """Lives on the UI thread and keeps the callbacks and owners there: a worker only ever holds
    the work and a job number, so no widget is ever released (and destroyed) on a worker thread,
    and whether the owner still exists is asked on the thread that deletes widgets."""

    finished = Signal(object, object, bool)  # job number, value, is_error

    def __init__(self) -> None:
        super().__init__()
        self._deliveries: dict[int, _Delivery] = {}
        self._numbers = itertools.count()
        self.finished.connect(self._on_finished)

    def register(self, delivery: _Delivery) -> int:
        number = next(self._numbers)
        self._deliveries[number] = delivery
        return number

    @Slot(object, object, bool)
    def _on_finished(self, number: int, value: Any, is_error: bool) -> None:
        delivery = self._deliveries.pop(number)
        if is_error and delivery.on_error is None:
            _log_error(value)  # nobody handles it, owner or not: it must not vanish
            return
        owner = delivery.owner
        if owner is not None and not shiboken6.isValid(owner):
            log.debug("dropped a background task's result: its %s is gone", type(owner).__name__)
            return
        callback = delivery.on_error if is_error else delivery.on_done
        if callback is not None:
            callback(value)


#: Relays are never destroyed: a job still running when its runner goes away must not be the
#: last owner of a QObject that lives on another thread.
_RELAYS: list[_Relay] = []


class _Job(QRunnable):
    def __init__(self, relay: _Relay, number: int, work: Callable[[], Any]) -> None:
        super().__init__()
        self._relay = relay
        self._number = number
        self._work: Callable[[], Any] | None = work

    def run(self) -> None:
        work, self._work = self._work, None
        assert work is not None, "a job runs once"
        try:
            value = work()
        except Exception as error:  # delivered to on_error on the UI thread
            log.debug("background task failed: %s", "".join(traceback.format_exception(error)))
            self._relay.finished.emit(self._number, error, True)
        else:
            self._relay.finished.emit(self._number, value, False)


def _log_error(error: BaseException) -> None:
    log.error("background task failed", exc_info=error)


class TaskRunner:
    """Starts background work and brings its result back to the UI thread."""

    def __init__(self, pool: QThreadPool | None = None, *, immediate: bool = False) -> None:
        self._pool = pool or QThreadPool.globalInstance()
        self._relay = _Relay()
        _RELAYS.append(self._relay)
        self._immediate = immediate

    def run(
        self,
        work: Callable[[], T],
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        *,
        owner: QObject | None,
    ) -> None:
        """Run ``work`` in the pool; then, on the UI thread, ``on_done(result)`` or
        ``on_error(error)`` (without one the error is logged).

        Both are dropped if ``owner`` was deleted by then (checked on delivery, on the UI thread).
        ``owner`` has no default so that no call forgets it: ``owner=None`` is work the
        application itself waits for (logging out, quitting), delivered as long as the app runs.
        """
        job = _Job(self._relay, self._relay.register(_Delivery(on_done, on_error, owner)), work)
        if self._immediate:
            job.run()
        else:
            self._pool.start(job)

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until queued work is done (for shutdown and tests only)."""
        return self._pool.waitForDone(msecs)
