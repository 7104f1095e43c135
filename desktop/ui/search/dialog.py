"""The search dialog (Ctrl+K from every main window): one box over the cache's tickets,
comments and articles, with kind, status and date filters.

Typing is debounced, each search runs in the background (:class:`SearchResultsModel`), and
results stream in page after page as the list is scrolled. Enter or a double click opens the
chosen result: the dialog says which through its signals and the main window opens it (a
ticket selected, at the comment that matched; an article in its viewer). A search the syntax
refuses (``status:opn``) shows why under the box, keeping what was typed.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from desktop.palette import scheme_for
from desktop.store.everywhere import DateField, ResultKind, SearchFilters, SearchResult
from desktop.ui.queue.filters import DateField as DateEdit
from desktop.ui.search.result_delegate import ResultDelegate
from desktop.ui.search.results_model import SearchRequest, SearchResultsModel
from desktop.ui.shell.context import AppContext
from ticketing.domain import Status

#: How long typing must pause before a search starts.
DEBOUNCE_MS = 150
PLACEHOLDER = 'Words, "a phrase", -word, status:open, priority:high, assignee:me, #1042'


def local_midnight(day: QDate) -> dt.datetime:
    """Midnight at the start of ``day`` in the computer's time zone, as an aware time."""
    return dt.datetime(day.year(), day.month(), day.day()).astimezone()


class SearchBox(QLineEdit):
    """The query line; Down moves into the results (so typing then choosing needs no mouse).

    Signals:
        down_pressed(): the Down key, for the dialog to move the selection to the results.
    """

    down_pressed = Signal()

    @override
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Down:
            self.down_pressed.emit()
            return
        super().keyPressEvent(event)


class SearchDialog(QDialog):
    """Search everywhere in the cache.

    Signals:
        ticket_chosen(str, str): a ticket's id and the id of the comment to show ("" for none).
        article_chosen(str): an article's id.
    """

    ticket_chosen = Signal(str, str)
    article_chosen = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Search everywhere")
        self.resize(760, 560)
        self.model = SearchResultsModel(context.store, context.tasks, self)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)

        self.box = SearchBox()
        self.box.setAccessibleName("Search everywhere")
        self.box.setPlaceholderText(PLACEHOLDER)
        self.box.setClearButtonEnabled(True)
        self.error = QLabel()
        self.error.setAccessibleName("Search problem")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {scheme_for(self.palette()).danger}")
        self.error.hide()
        self.kind_boxes: dict[ResultKind, QCheckBox] = {}
        for kind, text in (
            (ResultKind.TICKET, "&Tickets"),
            (ResultKind.COMMENT, "&Comments"),
            (ResultKind.ARTICLE, "&Articles"),
        ):
            toggle = QCheckBox(text)
            toggle.setChecked(True)
            toggle.setAccessibleName(text.replace("&", ""))
            self.kind_boxes[kind] = toggle
        self.status = QComboBox()
        self.status.setAccessibleName("Status filter")
        self.status.addItem("Any status", "")
        for status in Status:
            self.status.addItem(status.value, status.value)
        self.date_field = QComboBox()
        self.date_field.setAccessibleName("Date of")
        self.date_field.addItem("Updated", DateField.UPDATED.value)
        self.date_field.addItem("Created", DateField.CREATED.value)
        self.date_from = DateEdit()
        self.date_from.setAccessibleName("From")
        self.date_to = DateEdit()
        self.date_to.setAccessibleName("To")
        self.count = QLabel()
        self.count.setAccessibleName("Result count")
        self.results = QListView()
        self.results.setAccessibleName("Search results")
        self.results.setModel(self.model)
        self.results.setItemDelegate(ResultDelegate(self.results))
        self.results.setUniformItemSizes(True)
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)

        filters = QHBoxLayout()
        for toggle in self.kind_boxes.values():
            filters.addWidget(toggle)
        filters.addSpacing(12)
        filters.addWidget(self.status)
        filters.addSpacing(12)
        filters.addWidget(self.date_field)
        from_label, to_label = QLabel("&from"), QLabel("t&o")
        from_label.setBuddy(self.date_from)
        to_label.setBuddy(self.date_to)
        for widget in (from_label, self.date_from, to_label, self.date_to):
            filters.addWidget(widget)
        filters.addStretch(1)
        filters.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.addWidget(self.box)
        layout.addWidget(self.error)
        layout.addLayout(filters)
        layout.addWidget(self.results, 1)

        self.box.textChanged.connect(self._on_box_text_changed)
        self.box.returnPressed.connect(self._on_box_return_pressed)
        self.box.down_pressed.connect(self._on_box_down_pressed)
        self._timer.timeout.connect(self._on_timer_timeout)
        for toggle in self.kind_boxes.values():
            toggle.toggled.connect(self._on_filter_changed)
        self.status.currentIndexChanged.connect(self._on_filter_changed)
        self.date_field.currentIndexChanged.connect(self._on_filter_changed)
        self.date_from.dateChanged.connect(self._on_filter_changed)
        self.date_to.dateChanged.connect(self._on_filter_changed)
        self.results.activated.connect(self._on_results_activated)
        self.results.doubleClicked.connect(self._on_results_activated)
        self.model.page_loaded.connect(self._on_model_page_loaded)
        self.model.modelReset.connect(self._on_model_reset)

    # --- what is searched -------------------------------------------------------------------------

    def filters(self) -> SearchFilters:
        """The filters the controls say."""
        kinds = frozenset(kind for kind, toggle in self.kind_boxes.items() if toggle.isChecked())
        start, end = self.date_from.day(), self.date_to.day()
        return SearchFilters(
            kinds=kinds,
            status=Status(status) if (status := self.status.currentData()) else None,
            date_field=DateField(self.date_field.currentData()),  # Qt hands enums back as str
            date_from=local_midnight(start) if start is not None else None,
            date_to=local_midnight(end.addDays(1)) if end is not None else None,  # the whole day
        )

    def search_now(self) -> None:
        """Search what the box and the filters say now (no wait)."""
        self._timer.stop()
        self.model.set_request(SearchRequest(self.box.text(), self.filters()))

    def open_result(self, row: int) -> bool:
        """Open the result in ``row`` (through the signals); False if there is none."""
        result = self.model.result(row)
        if result is None:
            return False
        self._emit_chosen(result)
        return True

    def _emit_chosen(self, result: SearchResult) -> None:
        if result.kind is ResultKind.ARTICLE:
            self.article_chosen.emit(result.id)
        elif result.ticket_id is not None:
            comment = result.id if result.kind is ResultKind.COMMENT else ""
            self.ticket_chosen.emit(result.ticket_id, comment)

    # --- slots ----------------------------------------------------------------------------------

    @Slot(str)
    def _on_box_text_changed(self, _text: str) -> None:
        self._timer.start()

    @Slot()
    def _on_timer_timeout(self) -> None:
        self.search_now()

    @Slot()
    def _on_filter_changed(self) -> None:
        self.search_now()

    @Slot()
    def _on_box_return_pressed(self) -> None:
        if self._timer.isActive() or self.model.request.text != self.box.text():
            self.search_now()  # Enter before the pause: the answer opens nothing by surprise
            return
        current = self.results.currentIndex()
        self.open_result(current.row() if current.isValid() else 0)

    @Slot()
    def _on_box_down_pressed(self) -> None:
        if self.model.rowCount() > 0:
            self.results.setFocus()
            self.results.setCurrentIndex(self.model.index(0, 0))

    @Slot(QModelIndex)
    def _on_results_activated(self, index: QModelIndex | QPersistentModelIndex) -> None:
        self.open_result(index.row())

    @Slot()
    def _on_model_reset(self) -> None:
        if self.model.rowCount() > 0:
            self.results.setCurrentIndex(self.model.index(0, 0))

    @Slot()
    def _on_model_page_loaded(self) -> None:
        error = self.model.error
        self.error.setText(error or "")
        self.error.setVisible(error is not None)
        self.count.setText(self.model.count_text())
