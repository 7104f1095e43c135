"""The "My tickets" table: the tickets an account submitted, read from the cache off the UI thread.

Like Anki's browser table, the model holds ticket ids in order and fetches rows in batches;
a row not fetched yet shows a placeholder until its batch arrives. :meth:`reload` reads the
ids (and the first batch) again, e.g. after the cache changed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from typing_extensions import override

from desktop.store import queries
from desktop.store.database import Store
from desktop.tasks import TaskRunner
from desktop.ui.callbacks import alive
from desktop.ui.formatting import local_time, relative_time
from ticketing.schemas import TicketQuery

BATCH_SIZE = 200
PLACEHOLDER = "…"

Index = QModelIndex | QPersistentModelIndex


class Column(enum.IntEnum):
    NUMBER = 0
    TITLE = 1
    STATUS = 2
    PRIORITY = 3
    CATEGORY = 4
    UPDATED = 5
    SYNC = 6


HEADERS: dict[Column, str] = {
    Column.NUMBER: "Number",
    Column.TITLE: "Title",
    Column.STATUS: "Status",
    Column.PRIORITY: "Priority",
    Column.CATEGORY: "Category",
    Column.UPDATED: "Last update",
    Column.SYNC: "Sync",
}

#: The cache's sort key for each column (the REST API's vocabulary).
SORT_KEYS: dict[Column, str] = {
    Column.NUMBER: "number",
    Column.TITLE: "title",
    Column.STATUS: "status",
    Column.PRIORITY: "priority",
    Column.CATEGORY: "category",
    Column.UPDATED: "updated_at",
    Column.SYNC: "updated_at",
}


class Role(enum.IntEnum):
    """Custom data roles of this model."""

    TICKET_ID = Qt.ItemDataRole.UserRole + 1
    TICKET = Qt.ItemDataRole.UserRole + 2  # the TicketRow, or None while loading
    PENDING = Qt.ItemDataRole.UserRole + 3


@dataclass(frozen=True)
class _Loaded:
    generation: int
    ids: list[str]
    rows: dict[str, queries.TicketRow]


def sync_text(row: queries.TicketRow) -> str:
    if row.has_problem:
        return "Problem"
    if row.pending:
        return "Pending"
    return ""


class MyTicketsModel(QAbstractTableModel):
    """Tickets submitted by one account, newest change first by default.

    Signals:
        loaded(): a :meth:`reload` finished (ids and the first batch are in).
    """

    loaded = Signal()

    def __init__(
        self, store: Store, tasks: TaskRunner, submitter_id: str, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._tasks = tasks
        self._submitter_id = submitter_id
        self._search = ""
        self._sort = "-updated_at"
        self._ids: list[str] = []
        self._rows: dict[str, queries.TicketRow] = {}
        self._requested: set[int] = set()  # batch numbers being fetched
        self._generation = 0

    # --- what to show -------------------------------------------------------------------------

    def query(self) -> TicketQuery:
        return TicketQuery(
            submitter_id=self._submitter_id,
            q=self._search or None,
            sort=self._sort,
        )

    def set_search(self, text: str) -> None:
        text = text.strip()[:200]
        if text != self._search:
            self._search = text
            self.reload()

    @override
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = SORT_KEYS.get(Column(column), "updated_at") if 0 <= column < len(Column) else "updated_at"
        self._sort = key if order == Qt.SortOrder.AscendingOrder else f"-{key}"
        self.reload()

    def reload(self) -> None:
        """Read ids and the first batch again, off the UI thread."""
        self._generation += 1
        generation, store, query = self._generation, self._store, self.query()

        def work() -> _Loaded:
            ids = queries.ticket_ids(store, query)
            return _Loaded(generation, ids, queries.tickets_by_id(store, ids[:BATCH_SIZE]))

        self._tasks.run(work, alive(self, self._on_reload_done))

    def _on_reload_done(self, result: _Loaded) -> None:
        if result.generation != self._generation:
            return  # a newer reload is on its way
        if result.ids == self._ids:
            self._rows.update(result.rows)
            self._requested.clear()
            if self._ids:
                self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(Column) - 1))
        else:
            self.beginResetModel()
            self._ids = result.ids
            self._rows = dict(result.rows)
            self._requested.clear()
            self.endResetModel()
        self.loaded.emit()

    def _fetch_batch(self, batch: int) -> None:
        if batch in self._requested:
            return
        self._requested.add(batch)
        generation, store = self._generation, self._store
        ids = self._ids[batch * BATCH_SIZE : (batch + 1) * BATCH_SIZE]

        def done(rows: dict[str, queries.TicketRow]) -> None:
            if generation != self._generation:
                return
            self._rows.update(rows)
            first, last = batch * BATCH_SIZE, min(len(self._ids), (batch + 1) * BATCH_SIZE) - 1
            if first <= last:
                self.dataChanged.emit(self.index(first, 0), self.index(last, len(Column) - 1))

        self._tasks.run(lambda: queries.tickets_by_id(store, ids), alive(self, done))

    # --- lookups ----------------------------------------------------------------------------

    def ticket_id(self, row: int) -> str | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, ticket_id: str) -> int | None:
        try:
            return self._ids.index(ticket_id)
        except ValueError:
            return None

    def ticket(self, row: int) -> queries.TicketRow | None:
        ticket_id = self.ticket_id(row)
        return None if ticket_id is None else self._rows.get(ticket_id)

    # --- Qt model ---------------------------------------------------------------------------

    @override
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    @override
    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    @override
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(Column):
            return HEADERS[Column(section)]
        return None

    @override
    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    @override
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (
            not index.isValid()
            or not 0 <= index.row() < len(self._ids)
            or not 0 <= index.column() < len(Column)
        ):
            return None
        ticket_id = self._ids[index.row()]
        if role == Role.TICKET_ID:
            return ticket_id
        row = self._rows.get(ticket_id)
        if row is None:
            self._fetch_batch(index.row() // BATCH_SIZE)
            return PLACEHOLDER if role == Qt.ItemDataRole.DisplayRole else None
        return self._row_data(row, Column(index.column()), role)

    def _row_data(self, row: queries.TicketRow, column: Column, role: int) -> Any:
        if role == Role.TICKET:
            return row
        if role == Role.PENDING:
            return row.pending
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._display(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(row, column)
        return None

    @staticmethod
    def _foreground(row: queries.TicketRow, column: Column) -> QColor | None:
        if column == Column.SYNC and (row.pending or row.has_problem):
            return QColor("#cf222e") if row.has_problem else QColor("#9a6700")
        if column == Column.NUMBER and row.is_draft:
            return QColor("#9a6700")
        return None

    @staticmethod
    def _display(row: queries.TicketRow, column: Column) -> str:
        values: dict[Column, str] = {
            Column.NUMBER: row.display_number,
            Column.TITLE: row.title,
            Column.STATUS: row.status.value,
            Column.PRIORITY: row.priority_name or row.priority,
            Column.CATEGORY: row.category_name or "—",
            Column.UPDATED: relative_time(row.updated_at),
            Column.SYNC: sync_text(row),
        }
        return values[column]

    @staticmethod
    def _tooltip(row: queries.TicketRow, column: Column) -> str | None:
        if column == Column.NUMBER and row.is_draft:
            return "Created on this computer; it gets its number when the server receives it."
        if column == Column.UPDATED:
            return local_time(row.updated_at)
        if column == Column.SYNC and row.has_problem:
            return "The server did not accept a change: see Sync problems in the status bar."
        if column == Column.SYNC and row.pending:
            return "Changes made here have not reached the server yet."
        if column == Column.TITLE:
            return row.title
        return None
