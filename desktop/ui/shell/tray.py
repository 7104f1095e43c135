"""The system tray icon: how many tickets are unread, in its tooltip.

Shown only where the desktop has a system tray (``QSystemTrayIcon.isSystemTrayAvailable()``);
elsewhere it keeps the count and shows nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QSystemTrayIcon


def tooltip(count: int) -> str:
    return f"Ticketdesk: {count} unread" if count > 0 else "Ticketdesk"


class TrayIcon(QObject):
    """The application's icon in the system tray, with the unread count in its tooltip."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.icon = QSystemTrayIcon(QGuiApplication.windowIcon(), self)
        self.icon.setToolTip(tooltip(0))
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.icon.show()

    def set_unread_count(self, count: int) -> None:
        self.icon.setToolTip(tooltip(count))
