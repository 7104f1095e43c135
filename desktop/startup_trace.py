"""Startup milestones for ``bench/cold_start.py``: off unless ``TICKETDESK_STARTUP_TRACE`` is set.

A cold start can only be timed from outside the process (interpreter start and imports
included), but only the app knows when a window has really been painted. With the variable set
(to anything but ``""`` or ``0``), the app writes one line per milestone to stderr::

    ticketdesk-startup <milestone> <time.time()>

``login-shown``: the login window's first paint is done. ``queue-rows-shown``: the agent
queue has painted a screen whose visible rows are all read from the cache (not placeholders).
The benchmark compares these wall-clock stamps with the time it launched the process. Without
the variable nothing is installed and nothing is printed.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QTableView, QWidget
from typing_extensions import override

ENV = "TICKETDESK_STARTUP_TRACE"
PREFIX = "ticketdesk-startup"
LOGIN_SHOWN = "login-shown"
QUEUE_ROWS_SHOWN = "queue-rows-shown"


def enabled() -> bool:
    return os.environ.get(ENV, "") not in ("", "0")


def mark(milestone: str) -> None:
    print(f"{PREFIX} {milestone} {time.time():.6f}", file=sys.stderr, flush=True)


class _FirstPaint(QObject):
    """Marks ``milestone`` once, after the first paint of ``widget`` for which ``ready()``."""

    def __init__(self, widget: QWidget, milestone: str, ready: Callable[[], bool]) -> None:
        super().__init__(widget)
        self._milestone = milestone
        self._ready = ready
        self._done = False
        widget.installEventFilter(self)

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self._done and event.type() == QEvent.Type.Paint and self._ready():
            self._done = True
            watched.removeEventFilter(self)
            QTimer.singleShot(0, lambda: mark(self._milestone))  # once this paint is finished
        return False


def mark_first_paint(widget: QWidget, milestone: str, ready: Callable[[], bool] = lambda: True) -> None:
    """Mark ``milestone`` after ``widget``'s first paint (when ``ready()``), if tracing."""
    if enabled():
        _FirstPaint(widget, milestone, ready)


def mark_rows_shown(view: QTableView, milestone: str, loaded_role: int) -> None:
    """Mark ``milestone`` after ``view`` paints a screen whose visible rows all answer
    ``True`` for ``loaded_role`` in column 0 (rows not read yet are placeholders)."""

    def ready() -> bool:
        model = view.model()
        rows = model.rowCount()
        if rows == 0:
            return False
        first = max(view.rowAt(0), 0)
        bottom = view.rowAt(view.viewport().height() - 1)
        last = rows - 1 if bottom < 0 else bottom
        return all(bool(model.data(model.index(row, 0), loaded_role)) for row in range(first, last + 1))

    mark_first_paint(view.viewport(), milestone, ready)
