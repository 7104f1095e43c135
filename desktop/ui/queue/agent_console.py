"""The agents' main window: key numbers, filters, bulk actions, the queue and the selected
ticket side by side.

It only wires parts that each do one job (:class:`MetricsBar`, :class:`FilterBar`,
:class:`BulkActions`, :class:`QueueView` over :class:`QueueModel`, the shared
:class:`TicketDetailView`) and routes the cache's change notifications to them.
Shortcuts: Ctrl+F search, F5 sync now (File menu), Ctrl+1..3 the built-in saved filters.
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMessageBox, QSplitter, QVBoxLayout, QWidget

from desktop.local import saved_filters
from desktop.local.paths import settings_file
from desktop.local.saved_filters import BUILTIN_FILTERS, SavedFilterBook
from desktop.models.queue_model import QueueModel
from desktop.store.database import ChangeSet
from desktop.store.undo import Undoable
from desktop.ui.analytics.my_figures import MyFiguresDialog
from desktop.ui.queue.bulk_actions import BulkActions, BulkOutcome
from desktop.ui.queue.filters import FilterBar
from desktop.ui.queue.metrics_bar import MetricsBar
from desktop.ui.queue.queue_view import QueueView
from desktop.ui.queue.reference_data import Reference, ReferenceData
from desktop.ui.shell.context import AppContext
from desktop.ui.shell.main_window import MainWindowBase
from desktop.ui.ticket.detail import TicketDetailView
from ticketing.schemas import TicketQuery


def account_key(context: AppContext) -> str:
    """Names this account on this server in per-account files (saved filters)."""
    return f"{context.server_url}|{context.user.id}"


def saved_filter_book(context: AppContext) -> SavedFilterBook:
    """The account's saved filters, in the folder the app writes to."""
    return SavedFilterBook(account_key(context), settings_file(saved_filters.FILE_NAME, context.data_dir))


class AgentConsole(MainWindowBase):
    """The queue, its filters and the selected ticket, for agents (and admins).

    Signals: see :class:`MainWindowBase`.
    """

    def __init__(
        self, context: AppContext, parent: QWidget | None = None, *, filters: SavedFilterBook | None = None
    ) -> None:
        super().__init__(context, parent)
        store, tasks = context.store, context.tasks
        self.last_outcome: BulkOutcome | None = None
        self.reference = ReferenceData(store, tasks, self)
        self.metrics = MetricsBar(store, tasks)
        self.filters = FilterBar(filters or saved_filter_book(context))
        self.bulk = BulkActions(context)
        self.model = QueueModel(store, tasks, parent=self)
        self.queue = QueueView(self.model)
        self.count_label = QLabel("Loading…")
        self.count_label.setAccessibleName("Tickets shown")
        self.detail = TicketDetailView(context)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.bulk)
        left_layout.addWidget(self.queue, 1)
        left_layout.addWidget(self.count_label)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)

        self.queue_page = QWidget()
        page = QVBoxLayout(self.queue_page)
        page.addWidget(self.metrics)
        page.addWidget(self.filters)
        page.addWidget(self.splitter, 1)
        self.setCentralWidget(self.queue_page)
        self._build_view_menu()
        self._set_tab_order()

        self.filters.query_changed.connect(self._on_filters_query_changed)
        self.metrics.filter_requested.connect(self._on_metrics_filter_requested)
        self.reference.changed.connect(self._on_reference_changed)
        self.model.ids_loaded.connect(self._on_model_ids_loaded)
        self.model.loading_changed.connect(self._on_model_loading_changed)
        self.model.load_failed.connect(self._on_model_load_failed)
        self.queue.current_ticket_changed.connect(self._on_queue_current_ticket_changed)
        self.queue.selection_changed.connect(self._on_queue_selection_changed)
        self.bulk.finished.connect(self._on_bulk_finished)
        self.bulk.failed.connect(self._on_bulk_failed)
        self.detail.action_done.connect(self._on_detail_action_done)
        self.detail.undo_offered.connect(self._on_detail_undo_offered)
        self.detail.article_requested.connect(self.open_article)
        self.detail.article_edit_requested.connect(self.edit_article)
        self.detail.undo_started.connect(self._on_detail_undo_started)
        context.sync.data_changed.connect(self._on_sync_data_changed)

        # the queue's query first: the pool has a thread per core, and the key numbers count
        # over every ticket (a scan of the whole cache) while the first screen waits for its ids
        self.model.set_query(self.filters.query())
        self.reference.reload()
        self.metrics.reload()

    def _build_view_menu(self) -> None:
        menu = self.add_window_menu("&View")
        self.find_action = QAction("&Find tickets", self)
        self.find_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        self.find_action.triggered.connect(self._on_find_action_triggered)
        menu.addAction(self.find_action)
        menu.addSeparator()
        self.saved_filter_actions: list[QAction] = []
        for position, saved in enumerate(BUILTIN_FILTERS):
            action = QAction(saved.name, self)
            action.setShortcut(QKeySequence(f"Ctrl+{position + 1}"))
            action.triggered.connect(lambda _checked=False, p=position: self.filters.apply_saved(p))
            menu.addAction(action)
            self.saved_filter_actions.append(action)
        menu.addSeparator()
        clear = QAction("&Clear filters", self)
        clear.triggered.connect(self.filters.clear)
        menu.addAction(clear)
        menu.addSeparator()
        self.my_figures_action = QAction("My &figures…", self)
        self.my_figures_action.triggered.connect(self._on_my_figures_action_triggered)
        menu.addAction(self.my_figures_action)

    def _set_tab_order(self) -> None:
        """Reading order: numbers, filters, bulk actions, the queue, then the ticket."""
        chain: list[QWidget] = [
            *self.metrics.buttons.values(),
            self.filters.saved,
            self.filters.save_button,
            self.filters.delete_button,
            self.filters.search,
            self.filters.status,
            self.filters.priority,
            self.filters.category,
            self.filters.assignee,
            self.filters.created_from,
            self.filters.created_to,
            self.filters.breaching,
            self.filters.clear_button,
            self.bulk.assign_me_button,
            self.bulk.assign_button,
            self.bulk.status_button,
            self.bulk.priority_button,
            self.queue,
            self.detail,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    # --- what the queue shows -------------------------------------------------------------------

    def apply_query(self, query: TicketQuery) -> None:
        """Filter the queue (the current sort is kept)."""
        self.model.set_query(query.model_copy(update={"sort": self.model.query.sort}))

    def select_ticket(self, ticket_id: str) -> bool:
        """Make ``ticket_id`` the current, selected ticket if the queue shows it; True if its row
        is known now (otherwise the queue finds it in the background and selects it if there)."""
        known = self.model.row_of(ticket_id) is not None
        self.queue.select_ids([ticket_id], ticket_id)
        return known

    # --- slots ----------------------------------------------------------------------------------

    @Slot()
    def _on_filters_query_changed(self) -> None:
        self.apply_query(self.filters.query())

    @Slot(object)
    def _on_metrics_filter_requested(self, query: TicketQuery) -> None:
        self.filters.set_query(query)

    @Slot(object)
    def _on_reference_changed(self, reference: Reference) -> None:
        self.filters.set_reference(reference)
        self.bulk.set_reference(reference)

    @Slot(int)
    def _on_model_ids_loaded(self, count: int) -> None:
        self.count_label.setText(f"{count:,} ticket" + ("" if count == 1 else "s"))
        self.count_label.setAccessibleName(f"Tickets shown: {count}")

    @Slot(bool)
    def _on_model_loading_changed(self, loading: bool) -> None:
        if loading:
            self.count_label.setText("Loading…")

    @Slot(str)
    def _on_model_load_failed(self, text: str) -> None:
        self.show_message(text)

    @Slot(object)
    def _on_queue_current_ticket_changed(self, ticket_id: str | None) -> None:
        self.detail.show_ticket(ticket_id)

    @Slot()
    def _on_queue_selection_changed(self) -> None:
        self.bulk.set_selection(self.queue.selection())

    @Slot(object)
    def _on_bulk_finished(self, outcome: BulkOutcome) -> None:
        self.last_outcome = outcome
        self.show_message(outcome.summary())
        if outcome.refusals:
            box = QMessageBox(
                QMessageBox.Icon.Warning, "Some tickets were not changed", outcome.summary(), parent=self
            )
            box.setInformativeText("The workflow refused these tickets; the others were changed.")
            box.setDetailedText(outcome.details())
            box.setAccessibleName("Some tickets were not changed")
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()

    @Slot(str)
    def _on_bulk_failed(self, text: str) -> None:
        self.show_message(text)

    @Slot(str)
    def _on_detail_action_done(self, text: str) -> None:
        self.show_message(text)

    @Slot(str, object)
    def _on_detail_undo_offered(self, text: str, change: Undoable) -> None:
        self.offer_undo(text, lambda: self.detail.undo(change))

    @Slot(object)
    def _on_detail_undo_started(self, _change: Undoable) -> None:
        self.sync_status.undo_offer.withdraw()

    @Slot()
    def _on_my_figures_action_triggered(self) -> None:
        self.open_my_figures()

    def open_my_figures(self) -> MyFiguresDialog:
        """The agent's own figures (their row of the agents report), loading."""
        dialog = MyFiguresDialog(self.context, self.reference.current, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        dialog.refresh()
        return dialog

    @Slot()
    def _on_find_action_triggered(self) -> None:
        self.filters.focus_search()

    @Slot(object)
    def _on_sync_data_changed(self, change: ChangeSet) -> None:
        self.model.on_data_changed(change)
        self.metrics.on_data_changed(change)
        self.reference.on_data_changed(change)
