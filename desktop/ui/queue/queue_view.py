"""The ticket queue table: a :class:`QTableView` tuned for a lazily filled :class:`QueueModel`.

Rows have a fixed height (so 100k rows cost nothing to lay out), the status column paints
pills, and the selection and current ticket are kept by id when the model's rows are replaced
(a new filter, a sort, or a sync that changes which tickets match): the model does not hold
every id, so the view tells it which tickets to track and asks where they went.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, Signal, Slot
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget
from typing_extensions import override

from desktop.models.queue_model import QueueColumn, QueueModel, column_for
from desktop.store.queue_window import RowSelection, runs_of
from desktop.ui.widgets.match_column import MatchColumn
from desktop.ui.widgets.status_badge import StatusBadgeDelegate

#: Starting widths in average characters (the user may resize; the last column stretches).
_WIDTHS: dict[QueueColumn, int] = {
    QueueColumn.NUMBER: 11,
    QueueColumn.TITLE: 34,
    QueueColumn.STATUS: 15,
    QueueColumn.PRIORITY: 9,
    QueueColumn.CATEGORY: 16,
    QueueColumn.ASSIGNEE: 14,
    QueueColumn.REQUESTER: 14,
    QueueColumn.UPDATED: 17,
    QueueColumn.MATCH: 40,
    QueueColumn.DUE: 19,
}


class QueueView(QTableView):
    """The queue table over a :class:`QueueModel`.

    Signals:
        current_ticket_changed(object): the id of the ticket under the cursor, or ``None``.
        selection_changed(): the set of selected tickets changed.
    """

    current_ticket_changed = Signal(object)
    selection_changed = Signal()

    def __init__(self, model: QueueModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._queue = model
        self._kept_selection: list[str] = []
        self._kept_current: str | None = None
        self._kept_everything = False
        self._kept_scroll = 0
        self._shown_query = model.query
        self._locating: tuple[list[str], str | None] | None = None  # waiting for `located`
        self._current: str | None = None  # the ticket last announced as current
        self._changing = False  # the model is moving rows: cursor moves are Qt's, not the user's
        self._focusing = False  # Qt makes the first row current on focus: not the user's pick
        # before setModel(): these must run ahead of the selection model's own handlers, which
        # move the cursor when the current row goes
        model.modelAboutToBeReset.connect(self._on_model_about_to_be_reset)
        model.layoutAboutToBeChanged.connect(self._on_model_about_to_change)
        model.rowsAboutToBeRemoved.connect(self._on_model_about_to_change)
        self.setModel(model)
        self.setAccessibleName("Tickets")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setShowGrid(False)
        self.setTabKeyNavigation(False)  # Tab leaves the table, arrows move within it
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setItemDelegateForColumn(QueueColumn.STATUS, StatusBadgeDelegate(self))
        vertical = self.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(max(26, self.fontMetrics().height() + 12))
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionsMovable(True)
        header.setStretchLastSection(True)
        char = self.fontMetrics().averageCharWidth()
        for column, width in _WIDTHS.items():
            header.resizeSection(column, width * char)
        # the countdown beside the priority, where agents look for what is urgent
        header.moveSection(header.visualIndex(QueueColumn.DUE), header.visualIndex(QueueColumn.PRIORITY) + 1)
        model.start_countdown()
        column, order = column_for(model.query.sort)
        header.setSortIndicator(column, order)
        self.setSortingEnabled(True)
        # shown while searching, next to the title
        self.match_column = MatchColumn(self, model, QueueColumn.MATCH, after=QueueColumn.TITLE)

        model.modelReset.connect(self._on_model_reset)  # after the selection model clears itself
        model.layoutChanged.connect(self._on_model_changed)
        model.rowsRemoved.connect(self._on_model_changed)
        model.located.connect(self._on_model_located)
        selection = self.selectionModel()
        selection.selectionChanged.connect(self._on_selection_selection_changed)
        selection.currentRowChanged.connect(self._on_selection_current_row_changed)

    # --- what is selected -------------------------------------------------------------------

    def current_ticket_id(self) -> str | None:
        index = self.currentIndex()
        return self._queue.ticket_id(index.row()) if index.isValid() else None

    def selected_rows(self) -> tuple[tuple[int, int], ...]:
        """The selected rows as sorted (first, last) runs (cheap for big selections)."""
        runs: list[tuple[int, int]] = []
        selection = self.selectionModel().selection()
        for position in range(selection.count()):
            selected = selection.at(position)
            runs.append((selected.top(), selected.bottom()))
        runs.sort()
        merged: list[tuple[int, int]] = []
        for first, last in runs:
            if merged and first <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(last, merged[-1][1]))
            else:
                merged.append((first, last))
        return tuple(merged)

    def selection(self) -> RowSelection:
        """What is selected, for bulk actions: rows of the model's query, with the ids of the
        rows in memory; every row selected means every matching ticket."""
        ranges = self.selected_rows()
        count = sum(last - first + 1 for first, last in ranges)
        total = self._queue.rowCount()
        known = {
            row: ticket
            for row, ticket in self._queue.known_ids().items()
            if any(first <= row <= last for first, last in ranges)
        }
        return RowSelection(
            self._queue.query,
            ranges,
            known,
            everything=total > 0 and count == total,
            ranked=self._queue.ranked,
        )

    def selected_ids(self) -> list[str]:
        """Ids of the selected rows in table order, of the rows in memory (all of a selection
        the user made by clicking; a big one resolves with :meth:`selection`)."""
        selection = self.selection()
        return [ticket for _row, ticket in sorted(selection.known.items())]

    def select_ids(self, ticket_ids: list[str], current: str | None = None) -> None:
        """Select these tickets (those still in the list) and make ``current`` the current one;
        tickets whose rows the model does not know yet are selected once it has found them."""
        if not ticket_ids and current is None:
            return
        wanted = list(dict.fromkeys([*ticket_ids, *([current] if current else [])]))
        if any(self._queue.row_of(ticket) is None for ticket in wanted):
            self._locating = (list(ticket_ids), current)
            self._queue.locate(wanted)
            return
        self._select_rows(ticket_ids, current)

    def _select_rows(self, ticket_ids: list[str], current: str | None) -> None:
        last = self._queue.columnCount() - 1
        selection = QItemSelection()
        rows = {row for ticket in ticket_ids if (row := self._queue.row_of(ticket)) is not None}
        for first, final in runs_of(rows):
            selection.select(self._queue.index(first, 0), self._queue.index(final, last))
        model = self.selectionModel()
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        model.select(selection, flags)
        row = self._queue.row_of(current) if current is not None else None
        if row is not None:
            model.setCurrentIndex(self._queue.index(row, 0), QItemSelectionModel.SelectionFlag.NoUpdate)
            self.scrollTo(self._queue.index(row, 0))
        elif current is not None and current == self._current:
            model.clearCurrentIndex()  # it left the list; it stays open until another is picked
        self._track()

    def _track(self) -> None:
        current = self.current_ticket_id() or self._current
        self._queue.track([*self.selected_ids(), *([current] if current else [])])

    # --- keeping the selection across model changes ----------------------------------------------

    @Slot()
    def _on_model_about_to_be_reset(self) -> None:
        self._changing = True
        selection = self.selection()
        self._kept_everything = selection.everything
        self._kept_selection = self.selected_ids()
        self._kept_current = self.current_ticket_id() or self._current
        self._kept_scroll = self.verticalScrollBar().value()

    @Slot()
    def _on_model_reset(self) -> None:
        kept, current = self._kept_selection, self._kept_current
        self._kept_selection, self._kept_current = [], None
        refresh = self._queue.reset_was_refresh
        before, self._shown_query = self._shown_query, self._queue.query
        same_set = refresh or before.model_copy(update={"sort": self._shown_query.sort}) == self._shown_query
        if refresh:
            self.verticalScrollBar().setValue(self._kept_scroll)
        if self._kept_everything and same_set:
            self.selectAll()
            self._after_model_change()
            return
        self._changing = False
        if kept or current is not None:
            self.select_ids(kept, current)
        if self._locating is None:
            self._after_model_change()
            # a reset clears the selection without a signal: those who show it must hear
            self.selection_changed.emit()

    @Slot(object)
    def _on_model_located(self, _found: dict[str, int]) -> None:
        if self._locating is None:
            return
        ticket_ids, current = self._locating
        self._locating = None
        self._changing = True
        self._select_rows(ticket_ids, current)
        self._after_model_change()
        self.selection_changed.emit()  # also when none was found: the reset cleared it silently

    @Slot()
    def _on_model_about_to_change(self) -> None:
        self._changing = True

    @Slot()
    def _on_model_changed(self) -> None:
        self._after_model_change()

    def _after_model_change(self) -> None:
        """A ticket that left the list stays the current ticket (its detail stays open) until
        the user picks another; Qt's move of the cursor to a neighbour is undone."""
        self._changing = False
        if self.current_ticket_id() is not None:
            self._announce_current()

    @Slot(QItemSelection, QItemSelection)
    def _on_selection_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        if not self._changing:
            self._track()
        self.selection_changed.emit()

    @override
    def focusInEvent(self, event: QFocusEvent) -> None:
        """A view without a current row makes its first row current when it gains focus; while
        the tickets kept across a reset are still being located, that is not the user moving on
        (the selection would be lost, and the first ticket opened instead)."""
        self._focusing = True
        try:
            super().focusInEvent(event)
        finally:
            self._focusing = False

    @Slot(QModelIndex, QModelIndex)
    def _on_selection_current_row_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        if self._focusing and self._locating is not None:
            return  # located tickets come back shortly and take the cursor
        if not self._changing:
            self._locating = None  # the user moved on: a late answer must not move them back
            self._announce_current()

    def _announce_current(self) -> None:
        current = self.current_ticket_id()
        if current != self._current:
            self._current = current
            self.current_ticket_changed.emit(current)
        self._track()
