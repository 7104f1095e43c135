"""Desktop notifications of a main window: when to look for news, and the switches per kind.

After a sync that reached the server and brought changes, the cache is asked (in the
background, :func:`desktop.store.notices.collect`) for the notices its new rows deserve; the
kinds switched off are dropped; a few are shown one by one through the window's
:class:`~desktop.ui.shell.tray.TrayIcon`, more than a few as one summary. Nothing is looked for
while offline (nothing arrives then either) and a local command never notifies: it is the
account's own change. File > Notifications holds a checkable action per kind for the role,
kept per account (:mod:`desktop.local.notice_settings`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from desktop.local.notice_settings import FILE_NAME, NoticeSettings
from desktop.local.paths import settings_file
from desktop.store import notices
from desktop.store.database import ChangeSet
from desktop.store.notice_rules import Notice, NoticeKind, enabled_only, kinds_for, summarize
from desktop.sync.status import SyncStatus
from desktop.ui.shell.tray import TrayIcon

if TYPE_CHECKING:
    from desktop.ui.shell.main_window import MainWindowBase

log = logging.getLogger(__name__)


def notice_settings(window: MainWindowBase) -> NoticeSettings:
    """The account's notification switches, in the folder the app writes to."""
    context = window.context
    account = f"{context.server_url}|{context.user.id}"  # as saved filters name an account
    return NoticeSettings(account, settings_file(FILE_NAME, context.data_dir))


class Notifier(QObject):
    """Looks for news after each sync that brought changes and shows it on ``window``'s tray.

    Signals:
        looked(list): a look at the cache finished; the notices shown (after the switches),
            empty if none (or if the look only set the marks).
    """

    looked = Signal(list)

    def __init__(self, window: MainWindowBase, menu: QMenu) -> None:
        super().__init__(window)
        self._window = window
        self._context = window.context
        self.tray = TrayIcon(window)
        self.settings = notice_settings(window)
        self.kinds = kinds_for(self._context.user.role)
        self._changed = False  # a pull changed tickets since the last look
        self._reset = False  # the cache was wiped: the next look starts over
        self._looked_once = False  # the first look sets the marks if the cache has none
        self._looking = False
        self._look_again = False

        self.menu = QMenu("&Notifications", window)
        self.menu.setToolTipsVisible(True)
        self.kind_actions: dict[NoticeKind, QAction] = {}
        for kind in self.kinds:
            action = self.menu.addAction(kind.label)
            action.setCheckable(True)
            action.setChecked(self.settings.is_enabled(kind))
            action.setToolTip("Show a desktop notification when this happens")
            action.toggled.connect(lambda on, kind=kind: self._on_kind_action_toggled(kind, on))
            self.kind_actions[kind] = action
        menu.addMenu(self.menu)

        sync = self._context.sync
        sync.data_changed.connect(self._on_sync_data_changed)
        sync.status_changed.connect(self._on_sync_status_changed)
        self._on_sync_status_changed(sync.status)  # a sync that ended before the window opened

    @property
    def idle(self) -> bool:
        """Whether every change seen so far has been looked at (the first look included)."""
        return self._looked_once and not (self._looking or self._changed or self._reset)

    def _on_kind_action_toggled(self, kind: NoticeKind, on: bool) -> None:
        try:
            self.settings.set_enabled(kind, on)
        except OSError as error:
            self._window.show_message(f"Could not save the notification setting: {error}")

    @Slot(object)
    def _on_sync_data_changed(self, change: ChangeSet) -> None:
        if change.queued:
            return  # the account's own command: never news to itself
        if change.everything:
            self._reset = True
        if change.tickets or change.everything:
            self._changed = True

    @Slot(object)
    def _on_sync_status_changed(self, status: SyncStatus) -> None:
        if status.syncing or status.online is not True or status.last_sync_at is None:
            return  # offline, or a sync still running: its changes are looked at once it ends
        if self._changed or self._reset or not self._looked_once:
            self.look()

    def look(self) -> None:
        """Look for news in the background (one look at a time; another follows if asked)."""
        if self._looking:
            self._look_again = True
            return
        self._looking = True
        self._changed = False
        reset, self._reset = self._reset, False
        store = self._context.store

        def work() -> list[Notice]:
            if reset:
                notices.forget_marks(store)
            return notices.collect(store)

        self._context.tasks.run(work, self._on_looked, self._on_look_failed, owner=self)

    def _on_looked(self, found: list[Notice]) -> None:
        self._finish()
        shown = enabled_only(found, self.settings.enabled(self.kinds))
        summary = summarize(shown)
        if summary is not None:
            self.tray.show_notice(summary.title, summary.message)
        else:
            for notice in shown:
                self.tray.show_notice(notice.title, notice.message, notice.ticket_id, notice.comment_id)
        self.looked.emit(shown)

    def _on_look_failed(self, error: BaseException) -> None:
        self._finish()
        log.error("looking for notifications failed", exc_info=error)  # a bug or a broken cache

    def _finish(self) -> None:
        self._looking = False
        self._looked_once = True
        if self._look_again:
            self._look_again = False
            self.look()
