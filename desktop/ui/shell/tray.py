"""The system tray icon of a main window: the unread count, desktop notifications, their clicks.

Wraps :class:`QSystemTrayIcon`. Where the desktop has no system tray (some Linux desktops,
the offscreen platform of the tests) nothing shows in a tray: a notice goes to the window's
status bar instead, and everything shown is still kept in :attr:`TrayIcon.notices_shown`.

``QSystemTrayIcon.messageClicked`` says nothing about which message was clicked, so the icon
remembers the ticket of the last one; clicking it opens that ticket in the window and brings
the window to the front (a summary names no ticket: its click only brings the window up).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Signal, Slot
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon
from typing_extensions import override

if TYPE_CHECKING:
    from desktop.ui.shell.main_window import MainWindowBase

APP_TIP = "Ticketdesk"


@dataclass(frozen=True)
class ShownNotice:
    """A notification as shown: what it said and the ticket a click opens (``None``: a
    summary)."""

    title: str
    message: str
    ticket_id: str | None
    comment_id: str | None = None
    in_tray: bool = False  # False: shown in the status bar (no system tray here)


def tray_available() -> bool:
    """Whether this desktop has a system tray to put an icon in."""
    return QSystemTrayIcon.isSystemTrayAvailable()


class TrayIcon(QObject):
    """The tray icon of ``window``.

    Signals:
        notice_shown(ShownNotice): a notification was shown (in the tray or the status bar).
        notice_clicked(object): a notification was clicked; its ticket id, or ``None``.
    """

    notice_shown = Signal(object)
    notice_clicked = Signal(object)

    def __init__(self, window: MainWindowBase) -> None:
        super().__init__(window)
        self._window = window
        self._unread = 0
        #: Every notification shown, oldest first.
        self.notices_shown: list[ShownNotice] = []
        self._last: ShownNotice | None = None
        self.icon = QSystemTrayIcon(QApplication.windowIcon(), self)
        self._menu = QMenu(window)
        self.open_action = self._menu.addAction("Open Ticketdesk")
        self.icon.setContextMenu(self._menu)
        self.icon.setToolTip(APP_TIP)
        self.icon.messageClicked.connect(self._on_icon_message_clicked)
        self.icon.activated.connect(self._on_icon_activated)
        self.open_action.triggered.connect(self._on_open_action_triggered)
        window.installEventFilter(self)
        if tray_available():
            self.icon.show()

    @property
    def unread_count(self) -> int:
        return self._unread

    def set_unread_count(self, count: int) -> None:
        """Show how many tickets have activity the account has not seen ("Ticketdesk: 3 unread")."""
        self._unread = max(0, count)
        self.icon.setToolTip(f"{APP_TIP}: {self._unread} unread" if self._unread else APP_TIP)

    def show_notice(
        self, title: str, message: str, ticket_id: str | None = None, comment_id: str | None = None
    ) -> ShownNotice:
        """Show a notification; a click on it opens ``ticket_id`` (``None``: just the window)."""
        in_tray = tray_available() and self.icon.isVisible() and QSystemTrayIcon.supportsMessages()
        shown = ShownNotice(title, message, ticket_id, comment_id, in_tray)
        self._last = shown
        self.notices_shown.append(shown)
        if in_tray:
            self.icon.showMessage(title, message, QSystemTrayIcon.MessageIcon.Information)
        else:
            self._window.show_message(f"{title}: {message}", 15_000)
        self.notice_shown.emit(shown)
        return shown

    @property
    def last_notice(self) -> ShownNotice | None:
        return self._last

    def open_last_notice(self) -> None:
        """What a click on the last notification does: open its ticket and raise the window."""
        last = self._last
        ticket_id = last.ticket_id if last is not None else None
        self._raise_window()
        if last is not None and ticket_id is not None:
            self._window.show_ticket_at(ticket_id, last.comment_id)
        self.notice_clicked.emit(ticket_id)

    def _raise_window(self) -> None:
        window = self._window
        if window.isMinimized():
            window.showNormal()
        window.show()
        window.raise_()
        window.activateWindow()

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.Close:
            self.icon.hide()  # a closed window (logout, quit) leaves no icon behind
        elif watched is self._window and event.type() == QEvent.Type.Show and tray_available():
            self.icon.show()
        return False

    @Slot()
    def _on_icon_message_clicked(self) -> None:
        self.open_last_notice()

    @Slot(QSystemTrayIcon.ActivationReason)
    def _on_icon_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self._raise_window()

    @Slot()
    def _on_open_action_triggered(self) -> None:
        self._raise_window()
