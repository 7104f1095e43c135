"""The end user's main window: their tickets on the left, the chosen one on the right, a
search box and "New ticket"."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from desktop.local.drafts import DraftStore
from desktop.models.my_tickets_model import Column, MyTicketsModel
from desktop.palette import scheme_for
from desktop.store.database import ChangeSet
from desktop.store.undo import Undoable
from desktop.ui.shell.context import AppContext
from desktop.ui.shell.main_window import MainWindowBase
from desktop.ui.ticket.detail import TicketDetailView
from desktop.ui.ticket.form import TicketForm
from desktop.ui.widgets.match_column import MatchColumn
from desktop.ui.widgets.status_badge import StatusBadgeDelegate

SEARCH_DELAY_MS = 250

#: Starting widths of the list's columns (the title takes the rest; users can resize).
COLUMN_WIDTHS: dict[Column, int] = {
    Column.NUMBER: 80,
    Column.STATUS: 100,
    Column.PRIORITY: 68,
    Column.CATEGORY: 112,
    Column.UPDATED: 104,
    Column.SYNC: 60,
    Column.MATCH: 280,
}


class UserPortal(MainWindowBase):
    """ "My tickets" for a requester (and the fallback window for any role).

    Signals: see :class:`MainWindowBase`.
    """

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self._form: TicketForm | None = None
        self._select_after_load: str | None = None
        self._locating: str | None = None  # a ticket to select once the model finds its row

        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setAccessibleName("Notice")
        scheme = scheme_for(self.palette())
        self.banner.setStyleSheet(
            f"background: {scheme.notice_background}; color: {scheme.notice_text};"
            " padding: 6px; border-radius: 4px;"
        )
        self.banner.hide()
        heading = QLabel("<h2>My tickets</h2>")
        heading.setAccessibleName("My tickets")
        self.search = QLineEdit()
        self.search.setAccessibleName("Search my tickets")
        self.search.setPlaceholderText("Search titles, descriptions, replies or a number (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.new_button = QPushButton("&New ticket")
        self.new_button.setAccessibleName("New ticket")
        self.new_button.setToolTip("Write a new ticket (Ctrl+N)")

        self.model = MyTicketsModel(context.store, context.tasks, context.user.id, self)
        self.table = QTableView()
        self.table.setAccessibleName("My tickets list")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setItemDelegateForColumn(Column.STATUS, StatusBadgeDelegate(self.table))
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(Column.UPDATED, Qt.SortOrder.DescendingOrder)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(Column.TITLE, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(48)
        for column, width in COLUMN_WIDTHS.items():
            self.table.setColumnWidth(column, width)
        # shown while searching, next to the title
        self.match_column = MatchColumn(self.table, self.model, Column.MATCH, after=Column.TITLE)
        self.empty = QLabel("You have no tickets yet.\nClick “New ticket” to ask for help.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setAccessibleName("No tickets")
        self.list_stack = QStackedWidget()
        self.list_stack.addWidget(self.table)
        self.list_stack.addWidget(self.empty)

        self.detail = TicketDetailView(context)

        top = QHBoxLayout()
        top.addWidget(heading)
        top.addStretch(1)
        top.addWidget(self.new_button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(top)
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.list_stack, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter
        self._split_done = False
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)

        QWidget.setTabOrder(self.search, self.new_button)
        QWidget.setTabOrder(self.new_button, self.table)
        QWidget.setTabOrder(self.table, self.detail)

        self.new_action = QAction("&New ticket…", self)
        self.new_action.setShortcut(QKeySequence(QKeySequence.StandardKey.New))
        self.find_action = QAction("&Find", self)
        self.find_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        self.addAction(self.find_action)
        self.file_menu.insertAction(self.sync_action, self.new_action)
        self.file_menu.insertSeparator(self.sync_action)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._on_search_timer_timeout)
        self.search.textChanged.connect(self._on_search_text_changed)
        self.new_button.clicked.connect(self._on_new_button_clicked)
        self.new_action.triggered.connect(self._on_new_button_clicked)
        self.find_action.triggered.connect(self._on_find_action_triggered)
        self.model.ids_loaded.connect(self._on_model_ids_loaded)
        self.model.located.connect(self._on_model_located)
        self.model.modelAboutToBeReset.connect(self._on_model_about_to_be_reset)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.detail.undo_offered.connect(self._on_detail_undo_offered)
        self.detail.article_requested.connect(self.open_article)
        self.detail.article_edit_requested.connect(self.edit_article)
        self.detail.undo_started.connect(self._on_detail_undo_started)
        context.sync.data_changed.connect(self._on_sync_data_changed)
        self.model.reload()

    @override
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._split_done:  # the list gets 60 % once the layout has its real size
            self._split_done = True
            QTimer.singleShot(0, self._on_first_show_split)

    @Slot()
    def _on_first_show_split(self) -> None:
        width = self.splitter.width()
        self.splitter.setSizes([width * 3 // 5, width - width * 3 // 5])

    def show_banner(self, text: str) -> None:
        """A notice above the list (e.g. why an agent sees the portal)."""
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    def open_ticket_form(self) -> TicketForm:
        """Show the new-ticket form (one at a time; its draft comes back)."""
        if self._form is None:
            context = self.context
            drafts = DraftStore(context.server_url, context.user.id, context.data_dir)
            self._form = TicketForm(context, self, drafts=drafts)
            self._form.ticket_created.connect(self._on_form_ticket_created)
            self._form.suggestions.ticket_opened.connect(self._on_form_suggestion_ticket_opened)
            self._form.suggestions.article_opened.connect(self.open_article)
        self._form.show()
        self._form.raise_()
        self._form.activateWindow()
        self._form.title.setFocus()
        return self._form

    def select_ticket(self, ticket_id: str) -> bool:
        row = self.model.row_of(ticket_id)
        if row is None:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    # --- slots ----------------------------------------------------------------------------------

    @Slot()
    def _on_new_button_clicked(self) -> None:
        self.open_ticket_form()

    @Slot()
    def _on_find_action_triggered(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    @Slot(str)
    def _on_search_text_changed(self, _text: str) -> None:
        self._search_timer.start()

    @Slot()
    def _on_search_timer_timeout(self) -> None:
        self.model.set_search(self.search.text())

    @Slot(str)
    def _on_form_ticket_created(self, ticket_id: str) -> None:
        self.show_message("Ticket saved. It is sent to the help desk with the next sync.")
        self._select_after_load = ticket_id
        self.model.reload()

    @Slot(str)
    def _on_form_suggestion_ticket_opened(self, ticket_id: str) -> None:
        """A solved ticket suggested beside the form: show it here; the form and its draft stay."""
        self.select_ticket(ticket_id)
        self.raise_()
        self.activateWindow()

    @Slot()
    def _on_model_about_to_be_reset(self) -> None:
        if self._select_after_load is None:
            self._select_after_load = self.detail.ticket_id

    @Slot(int)
    def _on_model_ids_loaded(self, _count: int) -> None:
        has_rows = self.model.rowCount() > 0
        searching = bool(self.search.text().strip())
        self.empty.setText(
            "No ticket matches your search."
            if searching
            else "You have no tickets yet.\nClick “New ticket” to ask for help."
        )
        self.list_stack.setCurrentWidget(self.table if has_rows else self.empty)
        wanted, self._select_after_load = self._select_after_load, None
        if wanted is not None and not self.select_ticket(wanted):
            self._locating = wanted
            self.model.locate([wanted])  # not on a page read yet: the answer comes in located

    @Slot(object)
    def _on_model_located(self, found: dict[str, int]) -> None:
        wanted, self._locating = self._locating, None
        if wanted is None:
            return
        if wanted in found and found[wanted] >= self.model.rowCount():
            self._select_after_load = wanted  # found by a newer count than the rows shown
        elif wanted in found:
            self.select_ticket(wanted)
        elif wanted == self.detail.ticket_id:
            self.detail.show_ticket(None)  # the ticket left the list (a search that hides it)

    @Slot(QItemSelection, QItemSelection)
    def _on_table_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        index: QModelIndex | None = rows[0] if rows else None
        ticket_id = self.model.ticket_id(index.row()) if index is not None else None
        if ticket_id is not None or self._select_after_load is None:
            self.detail.show_ticket(ticket_id)
            self.model.track([] if ticket_id is None else [ticket_id])  # its row, kept known

    @Slot(str, object)
    def _on_detail_undo_offered(self, text: str, change: Undoable) -> None:
        self.offer_undo(text, lambda: self.detail.undo(change))  # closing a ticket, say

    @Slot(object)
    def _on_detail_undo_started(self, _change: Undoable) -> None:
        self.sync_status.undo_offer.withdraw()

    @Slot(object)
    def _on_sync_data_changed(self, change: ChangeSet) -> None:
        self.model.on_data_changed(change)  # outbox changes too: pending and problem marks
