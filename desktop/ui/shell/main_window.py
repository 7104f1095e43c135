"""What every main window of a logged-in account shares: status bar, File menu, title, the
account's "Email me about my tickets" switch (staff: "Available for new tickets" too), the
knowledge base (its window, one per main window) and Go > Search everywhere (Ctrl+K).

The user portal, the agent console and the admin console subclass :class:`MainWindowBase` and
put their own central widget and menus on top.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QMetaMethod, Qt, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QWidget
from typing_extensions import override

from desktop.lazy import lazy_module
from desktop.ui.knowledge.window import KnowledgeBaseWindow
from desktop.ui.shell.availability import AvailabilitySwitch
from desktop.ui.shell.context import AppContext
from desktop.ui.shell.error_text import action_error
from desktop.ui.shell.notifier import Notifier
from desktop.ui.shell.problems_dialog import ProblemsDialog
from desktop.ui.shell.status_bar import SyncStatusBar
from desktop.ui.shell.unread_counter import UnreadCounter
from ticketing.schemas import MePatch, UserOut

if TYPE_CHECKING:
    from desktop.ui.search import dialog as search_dialog
    from desktop.ui.search.dialog import SearchDialog
    from desktop.ui.ticket import canned_reply_dialog
    from desktop.ui.ticket import detail as ticket_detail
    from desktop.ui.ticket.canned_reply_dialog import CannedRepliesDialog
else:  # the search dialog loads when first opened, not with every window
    search_dialog = lazy_module("desktop.ui.search.dialog")
    ticket_detail = lazy_module("desktop.ui.ticket.detail")
    canned_reply_dialog = lazy_module("desktop.ui.ticket.canned_reply_dialog")

EMAIL_TIP = "Send me an email when my tickets are answered, resolved or assigned to me"


class MainWindowBase(QMainWindow):
    """A main window for one logged-in account.

    Signals:
        logout_requested(): File > Log out; the application closes the window and logs out.
        quit_requested(): File > Quit; the application stops syncing and exits.

    Subclasses set their central widget and may add menus after ``super().__init__``;
    :attr:`file_menu` is there to extend.
    """

    logout_requested = Signal()
    quit_requested = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self._problems_dialog: ProblemsDialog | None = None
        self.knowledge_base: KnowledgeBaseWindow | None = None
        self._closing_for_app = False
        self.setWindowTitle(f"Ticketdesk — {context.user.name}")
        self.resize(1100, 720)

        self.sync_status = SyncStatusBar(context, self)
        self.setStatusBar(self.sync_status)

        self.sync_action = QAction("&Sync now", self)
        self.sync_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        self.sync_action.setToolTip("Send local changes and fetch new ones now")
        #: The account's ``notify_email``; enabled once the server has said what it is.
        self.email_action = QAction("&Email me about my tickets", self)
        self.email_action.setCheckable(True)
        self.email_action.setEnabled(False)
        self.email_action.setToolTip("Asking the server…")
        self._email_loading = False
        self.logout_action = QAction("&Log out", self)
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
        self.file_menu: QMenu = self.menuBar().addMenu("&File")
        self.file_menu.addAction(self.sync_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.email_action)
        self.canned_replies_action: QAction | None = None
        if context.user.is_staff:
            self.canned_replies_action = QAction("&Canned replies…", self)
            self.canned_replies_action.setToolTip("Write, change and delete canned replies")
            self.file_menu.addAction(self.canned_replies_action)
            self.canned_replies_action.triggered.connect(self._on_canned_replies_action_triggered)
        #: Staff: File > Available for new tickets, and Available/Away in the status bar.
        self.availability: AvailabilitySwitch | None = None
        if context.user.is_staff:
            self.availability = AvailabilitySwitch(
                context, self.file_menu, self.sync_status, self.show_message, self
            )
        #: File > Notifications and the tray icon (``tray.set_unread_count``, notifications).
        self.notifier = Notifier(self, self.file_menu)
        self.tray = self.notifier.tray
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.logout_action)
        self.file_menu.addAction(self.quit_action)
        self.search_action = QAction("&Search everywhere…", self)
        self.search_action.setShortcut(QKeySequence("Ctrl+K"))
        self.search_action.setToolTip("Search tickets, comments and articles on this computer")
        self.go_menu: QMenu = self.menuBar().addMenu("&Go")
        self.go_menu.addAction(self.search_action)
        self._search_dialog: SearchDialog | None = None
        self.knowledge_action = QAction("Open &knowledge base", self)
        self.knowledge_action.setShortcut(QKeySequence("Ctrl+Shift+K"))
        self.knowledge_action.setToolTip("Search and read the help articles (works offline)")
        self.knowledge_menu: QMenu = self.menuBar().addMenu("&Knowledge base")
        self.knowledge_menu.addAction(self.knowledge_action)
        self.new_article_action: QAction | None = None
        if context.user.is_staff:
            self.new_article_action = QAction("&New article…", self)
            self.new_article_action.setToolTip("Write a new knowledge-base article")
            self.knowledge_menu.addAction(self.new_article_action)
            self.new_article_action.triggered.connect(self._on_new_article_action_triggered)

        self.sync_action.triggered.connect(self._on_sync_action_triggered)
        self.search_action.triggered.connect(self._on_search_action_triggered)
        self.logout_action.triggered.connect(self._on_logout_action_triggered)
        self.quit_action.triggered.connect(self._on_quit_action_triggered)
        self.knowledge_action.triggered.connect(self._on_knowledge_action_triggered)
        self.sync_status.sync_requested.connect(self._on_sync_action_triggered)
        self.sync_status.problems_requested.connect(self._on_status_problems_requested)
        self.email_action.triggered.connect(self._on_email_action_triggered)
        self.file_menu.aboutToShow.connect(self._on_file_menu_about_to_show)
        self.load_email_preference()

        # unread tickets: "(3) Ticketdesk — ..." and the tray's tooltip, counted in the background
        self.unread_counter = UnreadCounter(context, self)
        self.unread_counter.count_changed.connect(self._on_unread_counter_count_changed)
        self.windowTitleChanged.connect(self._on_window_title_changed)  # a subclass's title too
        self._on_unread_counter_count_changed(self.unread_counter.count)

    def open_canned_replies(self) -> CannedRepliesDialog:
        """File > Canned replies… (staff): the dialog that manages them."""
        dialog = canned_reply_dialog.CannedRepliesDialog(self.context, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    @Slot()
    def _on_canned_replies_action_triggered(self) -> None:
        self.open_canned_replies()

    @Slot(int)
    def _on_unread_counter_count_changed(self, count: int) -> None:
        self._show_unread_count()
        self.tray.set_unread_count(count)

    @Slot(str)
    def _on_window_title_changed(self, _title: str) -> None:
        self._show_unread_count()

    def _show_unread_count(self) -> None:
        count = self.unread_counter.count
        title = re.sub(r"^\(\d+\) ", "", self.windowTitle())
        self.setWindowTitle(f"({count}) {title}" if count > 0 else title)

    def add_window_menu(self, title: str) -> QMenu:
        """A menu of this kind of window (View, Admin), placed after File and before the menus
        every window shares (Go, Knowledge base)."""
        menu = QMenu(title, self)
        self.menuBar().insertMenu(self.go_menu.menuAction(), menu)
        return menu

    def show_message(self, text: str, timeout_ms: int = 8000) -> None:
        """A passing message in the status bar (saved, sent, refused...)."""
        self.sync_status.showMessage(text, timeout_ms)

    def offer_undo(self, text: str, undo: Callable[[], None]) -> None:
        """Say what changed in the status bar, with an Undo button for a few seconds."""
        self.sync_status.offer_undo(text, undo)

    def show_problems(self) -> ProblemsDialog:
        """Open (or raise) the sync problems dialog."""
        if self._problems_dialog is None:
            self._problems_dialog = ProblemsDialog(self.context, self)
        self._problems_dialog.reload()
        self._problems_dialog.show()
        self._problems_dialog.raise_()
        return self._problems_dialog

    def open_knowledge_base(self) -> KnowledgeBaseWindow:
        """Open (or raise) this window's knowledge base."""
        if self.knowledge_base is None:
            self.knowledge_base = KnowledgeBaseWindow(self.context, self)
            self.knowledge_base.ticket_requested.connect(self._on_knowledge_base_ticket_requested)
        self.knowledge_base.show()
        self.knowledge_base.raise_()
        self.knowledge_base.activateWindow()
        return self.knowledge_base

    @Slot(str)
    def open_article(self, article_id: str) -> None:
        """Show an article in the knowledge base (a link in a reply, a ticket's article)."""
        self.open_knowledge_base().open_article(article_id)

    @Slot(str)
    def edit_article(self, article_id: str) -> None:
        """Open an article in the knowledge base's editor (staff)."""
        self.open_knowledge_base().edit_article(article_id)

    def select_ticket(self, ticket_id: str) -> bool:
        """Show ``ticket_id`` if this window lists it (the windows with a ticket list do)."""
        return False

    def open_search(self) -> SearchDialog:
        """Open (or raise) the search dialog, its box focused with what it held selected."""
        if self._search_dialog is None:
            self._search_dialog = search_dialog.SearchDialog(self.context, self)
            self._search_dialog.ticket_chosen.connect(self._on_search_ticket_chosen)
            self._search_dialog.article_chosen.connect(self._on_search_article_chosen)
        dialog = self._search_dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        dialog.box.setFocus()
        dialog.box.selectAll()
        return dialog

    def show_ticket_at(self, ticket_id: str, comment_id: str | None = None) -> None:
        """Show ``ticket_id`` in this window's ticket view, at ``comment_id`` if given: selected
        in the list if the list shows it, else shown on its own."""
        self.select_ticket(ticket_id)
        detail = getattr(self, "detail", None)
        if not isinstance(detail, ticket_detail.TicketDetailView):
            return
        if detail.ticket_id != ticket_id:
            detail.show_ticket(ticket_id)  # the list does not show it (filtered out)
        if comment_id:
            detail.show_comment(comment_id)

    def close_for_app(self) -> None:
        """Close without asking (the application logs out or quits)."""
        self._closing_for_app = True
        if self.knowledge_base is not None:
            self.knowledge_base.close()
        self.close()

    def load_email_preference(self) -> None:
        """Ask the server (in the background) whether this account gets email."""
        if self._email_loading:
            return
        self._email_loading = True
        self.context.tasks.run(
            self.context.api.me,
            self._on_email_preference_loaded,
            self._on_email_preference_unavailable,
            owner=self,
        )

    def _on_email_preference_loaded(self, user: UserOut) -> None:
        self._email_loading = False
        self.email_action.setChecked(user.notify_email)
        self.email_action.setEnabled(True)
        self.email_action.setToolTip(EMAIL_TIP)
        if self.availability is not None:
            self.availability.show_user(user)

    def _on_email_preference_unavailable(self, error: BaseException) -> None:
        self._email_loading = False
        self.email_action.setEnabled(False)
        self.email_action.setToolTip(f"Needs a connection to the server ({action_error(error)})")
        if self.availability is not None:
            self.availability.show_unknown(error)

    @Slot()
    def _on_file_menu_about_to_show(self) -> None:
        # offline when the window opened: ask again
        if not self.email_action.isEnabled() or (
            self.availability is not None and not self.availability.action.isEnabled()
        ):
            self.load_email_preference()

    @Slot(bool)
    def _on_email_action_triggered(self, checked: bool) -> None:
        self.email_action.setEnabled(False)  # one change at a time
        api = self.context.api
        body = MePatch(notify_email=checked).model_dump(mode="json", exclude_unset=True)

        def save() -> UserOut:
            return UserOut.model_validate(api.request("PATCH", "/api/me", body))

        def failed(error: BaseException) -> None:
            self.email_action.setChecked(not checked)
            self.email_action.setEnabled(True)
            self.show_message(f"Could not change email notifications: {action_error(error)}")

        self.context.tasks.run(save, self._on_email_preference_saved, failed, owner=self)

    def _on_email_preference_saved(self, user: UserOut) -> None:
        self._on_email_preference_loaded(user)
        state = "on" if user.notify_email else "off"
        self.show_message(f"Email notifications are {state}.")

    @Slot()
    def _on_knowledge_action_triggered(self) -> None:
        self.open_knowledge_base()

    @Slot()
    def _on_new_article_action_triggered(self) -> None:
        self.open_knowledge_base().new_article()

    @Slot(str)
    def _on_knowledge_base_ticket_requested(self, ticket_id: str) -> None:
        if self.select_ticket(ticket_id):
            self.raise_()
            self.activateWindow()
        else:
            self.show_message("This ticket is not in the list shown; clear the filters to find it.")

    @Slot()
    def _on_sync_action_triggered(self) -> None:
        self.context.sync.request_sync()
        self.show_message("Syncing…", 3000)

    @Slot()
    def _on_search_action_triggered(self) -> None:
        self.open_search()

    @Slot(str, str)
    def _on_search_ticket_chosen(self, ticket_id: str, comment_id: str) -> None:
        self.show_ticket_at(ticket_id, comment_id or None)

    @Slot(str)
    def _on_search_article_chosen(self, article_id: str) -> None:
        self.open_article(article_id)

    @Slot()
    def _on_logout_action_triggered(self) -> None:
        self.logout_requested.emit()

    @Slot()
    def _on_quit_action_triggered(self) -> None:
        self.quit_requested.emit()

    @Slot()
    def _on_status_problems_requested(self) -> None:
        self.show_problems()

    @override
    def closeEvent(self, event: QCloseEvent) -> None:
        managed = self.isSignalConnected(QMetaMethod.fromSignal(self.quit_requested))
        if managed and not self._closing_for_app:
            # the window's close button means Quit: the application stops syncing first
            event.ignore()
            self.quit_requested.emit()
            return
        super().closeEvent(event)
