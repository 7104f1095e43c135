"""Run slow work (network, disk, big queries) off the UI thread; deliver results back on it.

The one way the windows start background work, in the manner of Anki's ``QueryOp`` and
Picard's ``run_task``: ``runner.run(work, on_done, on_error)``. ``work`` runs in a pool thread
and must not touch any widget; ``on_done``/``on_error`` run on the UI thread. Tests may create
the runner with ``immediate=True`` so that work runs at once and in order.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

T = TypeVar("T")


class _Relay(QObject):
    """Lives on the UI thread; its signal crosses from the worker thread back to it."""

    finished = Signal(object, object, object)  # callback, value, is_error

    def __init__(self) -> None:
        super().__init__()
        self.finished.connect(self._on_finished)

    @Slot(object, object, object)
    def _on_finished(self, callback: Callable[[Any], None] | None, value: Any, _is_error: bool) -> None:
        if callback is not None:
            callback(value)


class _Job(QRunnable):
    def __init__(
        self,
        relay: _Relay,
        work: Callable[[], Any],
        on_done: Callable[[Any], None] | None,
        on_error: Callable[[BaseException], None] | None,
    ) -> None:
        super().__init__()
        self._relay = relay
        self._work = work
        self._on_done = on_done
        self._on_error = on_error

    def run(self) -> None:
        try:
            value = self._work()
        except Exception as error:  # delivered to on_error on the UI thread
            log.debug("background task failed: %s", "".join(traceback.format_exception(error)))
            self._relay.finished.emit(self._on_error or _log_error, error, True)
        else:
            self._relay.finished.emit(self._on_done, value, False)


def _log_error(error: BaseException) -> None:
    log.error("background task failed", exc_info=error)


class TaskRunner:
    """Starts background work and brings its result back to the UI thread."""

    def __init__(self, pool: QThreadPool | None = None, *, immediate: bool = False) -> None:
        self._pool = pool or QThreadPool.globalInstance()
        self._relay = _Relay()
        self._immediate = immediate

    def run(
        self,
        work: Callable[[], T],
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        job = _Job(self._relay, work, on_done, on_error)
        if self._immediate:
            job.run()
        else:
            self._pool.start(job)

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until queued work is done (for shutdown and tests only)."""
        return self._pool.waitForDone(msecs)
