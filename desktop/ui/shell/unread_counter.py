"""How many tickets the account has not seen, counted off the UI thread whenever the cache
changes, for the window title and the tray (:func:`desktop.store.unread.unread_count`)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from desktop.store import unread
from desktop.store.database import ChangeSet
from desktop.ui.shell.context import AppContext


class UnreadCounter(QObject):
    """The unread count of one account's cache.

    Signals:
        count_changed(int): the count is now this (announced only when it changes).
    """

    count_changed = Signal(int)

    def __init__(self, context: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.count = 0
        self._counting = False
        self._again = False  # the cache changed while a count ran: count once more after it
        context.sync.data_changed.connect(self._on_sync_data_changed)
        self.refresh()

    def refresh(self) -> None:
        """Count again in the background (at most one count at a time)."""
        if self._counting:
            self._again = True
            return
        self._counting = True
        store = self.context.store
        self.context.tasks.run(
            lambda: unread.unread_count(store), self._on_counted, self._on_count_failed, owner=self
        )

    def _on_counted(self, count: int) -> None:
        self._counting = False
        if count != self.count:
            self.count = count
            self.count_changed.emit(count)
        if self._again:
            self._again = False
            self.refresh()

    def _on_count_failed(self, _error: BaseException) -> None:
        self._counting = False  # the next change counts again

    def _on_sync_data_changed(self, change: ChangeSet) -> None:
        if change.tickets or change.everything:
            self.refresh()
