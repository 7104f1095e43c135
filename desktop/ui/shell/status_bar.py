"""The status bar of every main window: who, online or not, pending work, problems, last sync,
and for a few seconds after a change that can be taken back, an Undo button.

Built from small widgets that each follow one fact of :class:`SyncStatus` (in the manner of
qutebrowser's status bar), fed by the account's :class:`SyncController`.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QStatusBar, QToolButton, QWidget

from desktop.models.formatting import relative_time, time_left
from desktop.palette import scheme_for
from desktop.sync.status import ErrorKind, SyncProgress, SyncStatus
from desktop.ui.shell.context import AppContext
from ticketing.files import human_size

#: What the connection indicator says for each failure that needs words.
_ERROR_TEXT: dict[ErrorKind, str] = {
    ErrorKind.OFFLINE: "Offline",
    ErrorKind.SERVER: "Server busy",
    ErrorKind.RATE_LIMITED: "Slowed down",
    ErrorKind.AUTH: "Log in again",
    ErrorKind.UPGRADE: "Update needed",
    ErrorKind.REFUSED: "Sync error",
    ErrorKind.INTERNAL: "Sync error",
}


class ConnectionLabel(QLabel):
    """Online / Offline / a failure that needs the user, with the error as tooltip."""

    def show_status(self, status: SyncStatus) -> None:
        if status.error_kind is not None:
            text = _ERROR_TEXT[status.error_kind]
        elif status.online:
            text = "Online"
        elif status.online is None:
            text = "Connecting…"
        else:
            text = "Offline"
        scheme = scheme_for(self.palette())
        colour = (
            scheme.success if text == "Online" else scheme.warning if text == "Connecting…" else scheme.danger
        )
        self.setText(f"<span style='color:{colour}'>●</span> {text}")
        self.setAccessibleName(f"Connection: {text}")
        self.setToolTip(status.last_error or text)


class SlowDownLabel(QLabel):
    """While the server has asked to slow down: that it did, and the seconds until the retry
    (counting down); hidden otherwise. Nothing is lost meanwhile: changes wait in the outbox."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._retry_at: dt.datetime | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.setToolTip("Your changes are kept and sent when the server is ready for them")
        self.hide()

    def show_status(self, status: SyncStatus) -> None:
        limited = status.error_kind == ErrorKind.RATE_LIMITED and status.retry_at is not None
        self._retry_at = status.retry_at if limited else None
        if self._retry_at is None:
            self._timer.stop()
            self.hide()
            return
        self._timer.start()
        self._render()
        self.show()

    def _render(self) -> None:
        if self._retry_at is None:
            return
        seconds = max(0, math.ceil((self._retry_at - dt.datetime.now(dt.UTC)).total_seconds()))
        text = f"The server asked to slow down; retrying in {seconds} s"
        self.setText(text)
        self.setAccessibleName(text)

    @Slot()
    def _on_timer_timeout(self) -> None:
        self._render()


class PendingLabel(QLabel):
    """How many local changes the server has not received yet."""

    def show_status(self, status: SyncStatus) -> None:
        text = f"{status.pending} pending" if status.pending else "All changes sent"
        self.setText(text)
        self.setAccessibleName(f"Pending changes: {status.pending}")
        self.setToolTip("Changes made here that the server has not confirmed yet")


class ProblemsButton(QPushButton):
    """The number of sync problems; hidden when there are none; click to list them."""

    def show_status(self, status: SyncStatus) -> None:
        self.setVisible(status.problems > 0)
        text = f"{status.problems} sync problem" + ("s" if status.problems != 1 else "")
        self.setText(text)
        self.setAccessibleName("Sync problems")
        self.setAccessibleDescription(str(status.problems))
        self.setToolTip("Changes the server did not accept: click to see them")


class LastSyncLabel(QLabel):
    """``Synced 5 min ago``; refreshes itself every half minute."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._status = SyncStatus()
        self._timer = QTimer(self)
        self._timer.setInterval(30_000)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._timer.start()

    def show_status(self, status: SyncStatus) -> None:
        self._status = status
        self._render()

    def _render(self) -> None:
        text = f"Synced {relative_time(self._status.last_sync_at)}"
        self.setText(text)
        self.setAccessibleName(text)

    @Slot()
    def _on_timer_timeout(self) -> None:
        self._render()


#: What the bar says each phase is doing.
_PHASES = {"pull": "Receiving", "push": "Sending"}


class SyncProgressBar(QProgressBar):
    """Rows done of total while a sync runs; busy indicator while the total is unknown."""

    def __init__(self, parent: QWidget | None = None, *, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self._clock = clock
        self.setMinimumWidth(180)
        self.setMaximumWidth(340)
        self.setAccessibleName("Sync progress")
        self.setTextVisible(True)
        # where the current phase started, for the time estimate
        self._phase = ""
        self._first_done = 0
        self._started = clock()
        self.hide()

    def show_status(self, status: SyncStatus) -> None:
        self.setVisible(status.syncing)

    def show_progress(self, progress: SyncProgress) -> None:
        self.show()
        if progress.phase == "upload" and progress.total > 0:
            # bytes may pass what a progress bar counts (2**31): show a percentage
            self.setRange(0, 100)
            self.setValue(min(100, progress.done * 100 // progress.total))
            self.setFormat("Uploading %p%")
            sent, size = human_size(progress.done), human_size(progress.total)
            self.setToolTip(f"Sync: uploading a file, {sent} of {size}")
            return
        if progress.phase != self._phase or progress.done < self._first_done:
            self._phase, self._first_done, self._started = progress.phase, progress.done, self._clock()
        if progress.total > 0:
            self.setRange(0, progress.total)
            self.setValue(min(progress.done, progress.total))
            left = time_left(
                progress.done - self._first_done,
                progress.total - self._first_done,
                self._clock() - self._started,
            )
            rows = f"{progress.done:,} of {progress.total:,}"
            self.setFormat(
                f"{_PHASES.get(progress.phase, progress.phase)} {rows}" + (f" · {left}" if left else "")
            )
            self.setToolTip(f"Sync: {progress.phase} {rows} rows" + (f", {left}" if left else ""))
        else:
            self.setRange(0, 0)  # busy
            self.setToolTip(f"Sync: {progress.phase}")


#: How long the status bar offers to undo a change.
UNDO_SECONDS = 8


class UndoOffer(QWidget):
    """What was just changed and an Undo button for it, for :data:`UNDO_SECONDS`; hidden otherwise."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._undo: Callable[[], None] | None = None
        self.label = QLabel()
        self.label.setAccessibleName("Last change")
        self.button = QPushButton("&Undo")
        self.button.setAccessibleName("Undo")
        self.button.setToolTip("Take this change back (Ctrl+Z while the ticket is open)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.button)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.button.clicked.connect(self._on_button_clicked)
        self.hide()

    def offer(self, text: str, undo: Callable[[], None], seconds: float = UNDO_SECONDS) -> None:
        self._undo = undo
        self.label.setText(text)
        self.label.setAccessibleDescription(text)
        self._timer.start(int(seconds * 1000))
        self.show()

    def withdraw(self) -> None:
        self._undo = None
        self._timer.stop()
        self.hide()

    @property
    def offered(self) -> bool:
        return self._undo is not None

    @Slot()
    def _on_timer_timeout(self) -> None:
        self.withdraw()

    @Slot()
    def _on_button_clicked(self) -> None:
        undo = self._undo
        self.withdraw()
        if undo is not None:
            undo()


class SyncStatusBar(QStatusBar):
    """The status bar every main window shows.

    Signals:
        problems_requested(): the user clicked the sync problems count.
        sync_requested(): the user clicked "Sync now".
    """

    problems_requested = Signal()
    sync_requested = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        user = context.user
        self.user_label = QLabel(f"{user.name} ({user.role.value})")
        self.user_label.setAccessibleName(f"Logged in as {user.name}, {user.role.value}")
        self.user_label.setToolTip(f"{user.email} on {context.server_url}")
        self.connection = ConnectionLabel()
        self.slow_down = SlowDownLabel()
        self.pending = PendingLabel()
        self.problems = ProblemsButton()
        self.problems.setFlat(True)
        self.last_sync = LastSyncLabel()
        self.progress_bar = SyncProgressBar()
        self.sync_button = QToolButton()
        self.sync_button.setText("Sync now")
        self.sync_button.setAccessibleName("Sync now")
        self.sync_button.setToolTip("Send local changes and fetch new ones now (F5)")
        self.undo_offer = UndoOffer()
        self.addWidget(self.undo_offer, 1)

        for widget in (
            self.user_label,
            self.connection,
            self.slow_down,
            self.pending,
            self.problems,
            self.last_sync,
            self.progress_bar,
            self.sync_button,
        ):
            self.addPermanentWidget(widget)

        self.problems.clicked.connect(self._on_problems_clicked)
        self.sync_button.clicked.connect(self._on_sync_button_clicked)
        context.sync.status_changed.connect(self._on_sync_status_changed)
        context.sync.progress.connect(self._on_sync_progress)
        self._on_sync_status_changed(context.sync.status)

    def offer_undo(self, text: str, undo: Callable[[], None]) -> None:
        """Say what changed, with an Undo button that calls ``undo``, for a few seconds."""
        self.clearMessage()  # a passing message would hide the offer
        self.undo_offer.offer(text, undo)

    @Slot(object)
    def _on_sync_status_changed(self, status: SyncStatus) -> None:
        for widget in (
            self.connection,
            self.slow_down,
            self.pending,
            self.problems,
            self.last_sync,
            self.progress_bar,
        ):
            widget.show_status(status)

    @Slot(object)
    def _on_sync_progress(self, progress: SyncProgress) -> None:
        self.progress_bar.show_progress(progress)

    @Slot()
    def _on_problems_clicked(self) -> None:
        self.problems_requested.emit()

    @Slot()
    def _on_sync_button_clicked(self) -> None:
        self.sync_requested.emit()
