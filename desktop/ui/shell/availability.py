"""Staff say whether automatic assignment may give them new tickets: File > "Available for new
tickets" and "Available"/"Away" in the status bar.

The server is the source of truth (``available`` of ``GET /api/me``): the switch is shown once
the window's account has loaded, and a change is sent (``PATCH /api/me``) in the background; a
refused change puts the switch back and says why.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMenu, QStatusBar

from desktop.ui.shell.context import AppContext
from desktop.ui.shell.error_text import action_error
from ticketing.schemas import MePatch, UserOut

AVAILABLE_TIP = "New tickets may be assigned to you automatically; untick when you are away"
STATE_TEXT = {True: "Available", False: "Away"}


class AvailabilitySwitch(QObject):
    """The staff member's availability: a checkable action and a status-bar label."""

    def __init__(
        self,
        context: AppContext,
        menu: QMenu,
        status_bar: QStatusBar,
        show_message: Callable[[str], None],
        parent: QObject,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._show_message = show_message
        self.action = QAction("&Available for new tickets", parent)
        self.action.setCheckable(True)
        self.action.setEnabled(False)
        self.action.setToolTip("Asking the server…")
        self.label = QLabel("")
        self.label.setAccessibleName("Availability")
        self.label.setToolTip("Whether automatic assignment gives you new tickets (File menu)")
        menu.addAction(self.action)
        status_bar.addPermanentWidget(self.label)
        self.action.triggered.connect(self._on_action_triggered)

    def show_user(self, user: UserOut) -> None:
        """The state the server holds."""
        self.action.setChecked(user.available)
        self.action.setEnabled(True)
        self.action.setToolTip(AVAILABLE_TIP)
        self.label.setText(STATE_TEXT[user.available])

    def show_unknown(self, error: BaseException) -> None:
        self.action.setEnabled(False)
        self.action.setToolTip(f"Needs a connection to the server ({action_error(error)})")

    @Slot(bool)
    def _on_action_triggered(self, checked: bool) -> None:
        self.action.setEnabled(False)  # one change at a time
        api = self._context.api
        patch = MePatch(available=checked)

        def failed(error: BaseException) -> None:
            self.action.setChecked(not checked)
            self.action.setEnabled(True)
            self._show_message(f"Could not change your availability: {action_error(error)}")

        self._context.tasks.run(lambda: api.update_me(patch), self._on_saved, failed, owner=self)

    def _on_saved(self, user: UserOut) -> None:
        self.show_user(user)
        state = "available for new tickets" if user.available else "away: no new tickets are assigned to you"
        self._show_message(f"You are {state}.")
