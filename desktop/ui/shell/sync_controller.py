"""The sync engine seen from Qt: its thread's callbacks and the cache's changes as UI signals.

:class:`desktop.sync.engine.SyncEngine` knows no Qt and reports from its own thread; the store
tells listeners about changes on whichever thread wrote. Windows must only be touched on the UI
thread, so this controller re-emits all of them through queued signals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from desktop.sync.status import SyncProgress, SyncStatus

if TYPE_CHECKING:  # built with the login window, before the cache and the engine are loaded
    from desktop.store.database import ChangeSet, Store
    from desktop.sync.engine import SyncEngine
    from ticketing.presence import PresenceOut


class SyncController(QObject):
    """Wraps one account's :class:`SyncEngine` for the windows.

    Signals (always emitted on the UI thread):
        status_changed(SyncStatus): online/offline, pending and problem counts, last sync, error.
        progress(SyncProgress): a running sync's phase and rows done/total.
        data_changed(ChangeSet): the cache changed (a local command or a pull).
        session_ending(): the app is about to quit or log out (last words: presence "left").
        presence(PresenceOut): a colleague is viewing, replying on or left a ticket (staff).

    The engine must be created with :meth:`engine_callbacks` as its ``on_status``,
    ``on_progress`` and ``on_presence`` (they are thread-safe), then handed over with
    :meth:`attach`.
    """

    status_changed = Signal(object)
    progress = Signal(object)
    data_changed = Signal(object)
    session_ending = Signal()
    presence = Signal(object)

    # crossing from any thread to the UI thread; connected with Qt.QueuedConnection
    _status_from_thread = Signal(object)
    _progress_from_thread = Signal(object)
    _change_from_thread = Signal(object)
    _presence_from_thread = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._engine: SyncEngine | None = None
        self._unlisten: Any = None
        self._status = SyncStatus()
        self._status_from_thread.connect(self._on_engine_status, Qt.ConnectionType.QueuedConnection)
        self._progress_from_thread.connect(self._on_engine_progress, Qt.ConnectionType.QueuedConnection)
        self._change_from_thread.connect(self._on_store_changed, Qt.ConnectionType.QueuedConnection)
        self._presence_from_thread.connect(self._on_live_presence, Qt.ConnectionType.QueuedConnection)

    # --- wiring ------------------------------------------------------------------------------

    def engine_callbacks(self) -> dict[str, Any]:
        """``on_status``/``on_progress``/``on_presence`` keyword arguments for a new
        :class:`SyncEngine`."""
        return {
            "on_status": self._status_from_thread.emit,
            "on_progress": self._progress_from_thread.emit,
            "on_presence": self._presence_from_thread.emit,
        }

    def attach(self, engine: SyncEngine, store: Store | None = None) -> None:
        """Follow ``engine`` and the cache it fills (``store`` defaults to the engine's)."""
        self.detach()
        self._engine = engine
        self._status = engine.status
        self._unlisten = (store or engine.store).add_listener(self._change_from_thread.emit)
        self.status_changed.emit(self._status)

    def detach(self) -> None:
        """Stop listening to the cache (the engine itself is stopped by :meth:`stop`)."""
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        self._engine = None

    @property
    def engine(self) -> SyncEngine | None:
        return self._engine

    @property
    def status(self) -> SyncStatus:
        """The last status the engine reported (as of the last event the UI processed)."""
        return self._status

    # --- commands -----------------------------------------------------------------------------

    def start(self) -> None:
        """Start syncing in the background (at once, then periodically and after changes)."""
        if self._engine is not None:
            self._engine.start()

    def stop(self) -> None:
        """Stop the background sync (waits for a sync in progress; call before logging out)."""
        if self._engine is not None:
            self._engine.stop()

    def end_session(self) -> None:
        """Say that the session ends (quit, log out) while the server can still be told."""
        self.session_ending.emit()

    def request_sync(self) -> None:
        """Sync now; also resumes syncing after a failure that needed the user."""
        if self._engine is not None:
            self._engine.request_sync()

    # --- slots (UI thread) ------------------------------------------------------------------

    @Slot(object)
    def _on_engine_status(self, status: SyncStatus) -> None:
        self._status = status
        self.status_changed.emit(status)

    @Slot(object)
    def _on_engine_progress(self, progress: SyncProgress) -> None:
        self.progress.emit(progress)

    @Slot(object)
    def _on_store_changed(self, change: ChangeSet) -> None:
        self.data_changed.emit(change)

    @Slot(object)
    def _on_live_presence(self, presence: PresenceOut) -> None:
        if self._engine is not None:  # not after logging out
            self.presence.emit(presence)
