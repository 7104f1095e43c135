"""The agents' ticket queue as a table model that stays smooth over 100k cached tickets.

The model holds only the ordered ids of the current filter and sort (one background query) and
a bounded cache of rows. ``data()`` never queries: a row it lacks is shown as a placeholder and
noted; a zero-delay timer then fetches a batch of rows around the most recently asked-for row
in a background task (:func:`desktop.store.queries.tickets_by_id`) and announces them with
``dataChanged``. Only rows a view paints are ever read, in the manner of Anki's browser table.

When the cache changes, the affected rows are marked stale (they keep showing until fresh
rows arrive, so nothing flickers) and the ids are queried again; removals, insertions and pure
reorders are reported as such, so views keep their selection.
"""

from __future__ import annotations

import enum
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QGuiApplication, QPalette
from typing_extensions import override

from desktop.store import queries
from desktop.store.database import ChangeSet, Store
from desktop.store.queries import TicketRow
from desktop.tasks import TaskRunner
from ticketing.schemas import TicketQuery

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex

#: Rows fetched per background query; a screen shows a few dozen.
BATCH_SIZE = 100
#: Rows kept in memory; older ones are dropped and fetched again if scrolled back to.
CACHE_SIZE = 3000
#: Rows remembered as wanted; older wishes belong to rows scrolled past long ago.
WANTED_LIMIT = 600
#: Changes arriving within this time (a sync's pages) cause one refresh.
REFRESH_DELAY_MS = 150
PLACEHOLDER = "…"
#: More separate runs of rows leaving or arriving than this are announced as one reset.
MAX_CHANGE_RUNS = 16


class QueueColumn(enum.IntEnum):
    NUMBER = 0
    TITLE = 1
    STATUS = 2
    PRIORITY = 3
    CATEGORY = 4
    ASSIGNEE = 5
    REQUESTER = 6
    UPDATED = 7

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def sort_key(self) -> str:
        """The :class:`TicketQuery` ``sort`` name of this column (ascending)."""
        return _SORT_KEYS[self]


_LABELS: dict[QueueColumn, str] = {
    QueueColumn.NUMBER: "Number",
    QueueColumn.TITLE: "Title",
    QueueColumn.STATUS: "Status",
    QueueColumn.PRIORITY: "Priority",
    QueueColumn.CATEGORY: "Category",
    QueueColumn.ASSIGNEE: "Assignee",
    QueueColumn.REQUESTER: "Requester",
    QueueColumn.UPDATED: "Updated",
}

_SORT_KEYS: dict[QueueColumn, str] = {
    QueueColumn.NUMBER: "number",
    QueueColumn.TITLE: "title",
    QueueColumn.STATUS: "status",
    QueueColumn.PRIORITY: "priority",
    QueueColumn.CATEGORY: "category",
    QueueColumn.ASSIGNEE: "assignee",
    QueueColumn.REQUESTER: "submitter",
    QueueColumn.UPDATED: "updated_at",
}


class QueueRole(enum.IntEnum):
    """Custom data roles (any column answers them)."""

    TICKET_ID = Qt.ItemDataRole.UserRole + 1  # str, also for rows not loaded yet
    TICKET = Qt.ItemDataRole.UserRole + 2  # TicketRow, or None while loading
    STATUS = Qt.ItemDataRole.UserRole + 3  # Status, or None while loading
    LOADED = Qt.ItemDataRole.UserRole + 4  # bool


def sort_for(column: int, order: Qt.SortOrder) -> str:
    key = QueueColumn(column).sort_key
    return f"-{key}" if order == Qt.SortOrder.DescendingOrder else key


def column_for(sort: str) -> tuple[QueueColumn, Qt.SortOrder]:
    """The column and order that show ``sort`` (``-updated_at`` -> Updated, descending)."""
    key = sort.lstrip("-")
    order = Qt.SortOrder.DescendingOrder if sort.startswith("-") else Qt.SortOrder.AscendingOrder
    column = next((c for c in QueueColumn if c.sort_key == key), QueueColumn.UPDATED)
    return column, order


_DISPLAY: dict[QueueColumn, Callable[[TicketRow], str]] = {
    QueueColumn.NUMBER: lambda t: t.display_number,
    QueueColumn.TITLE: lambda t: t.title,
    QueueColumn.STATUS: lambda t: t.status.value,
    QueueColumn.PRIORITY: lambda t: t.priority_name or t.priority,
    QueueColumn.CATEGORY: lambda t: t.category_name or "—",
    QueueColumn.ASSIGNEE: lambda t: t.assignee_name or "Unassigned",
    QueueColumn.REQUESTER: lambda t: t.submitter_name or "—",
    QueueColumn.UPDATED: lambda t: t.updated_at.astimezone().strftime("%Y-%m-%d %H:%M"),
}


def _tooltip(ticket: TicketRow) -> str:
    notes = [f"{ticket.display_number}: {ticket.title}"]
    if ticket.pending:
        notes.append("Changes made here are waiting to be sent.")
    if ticket.has_problem:
        notes.append("A change to this ticket was not accepted (see sync problems).")
    return "\n".join(notes)


def _shown(ticket: TicketRow | None, column: QueueColumn, role: int) -> Any:
    """The standard roles of one cell."""
    if ticket is None:
        return _placeholder(column, role)
    if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
        return _DISPLAY[column](ticket)
    return _decoration(ticket, column, role)


def _placeholder(column: QueueColumn, role: int) -> Any:
    """What a row shows until its data arrives."""
    if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
        return PLACEHOLDER if column in (QueueColumn.NUMBER, QueueColumn.TITLE) else ""
    if role == Qt.ItemDataRole.ForegroundRole:
        return QGuiApplication.palette().brush(QPalette.ColorRole.PlaceholderText)
    return None


def _decoration(ticket: TicketRow, column: QueueColumn, role: int) -> Any:
    """Tooltip, font, colour and alignment of a loaded row."""
    result: Any = None
    if role == Qt.ItemDataRole.ToolTipRole:
        result = _tooltip(ticket)
    elif role == Qt.ItemDataRole.FontRole and (ticket.pending or ticket.is_draft):
        result = QFont()
        result.setItalic(True)
    elif role == Qt.ItemDataRole.ForegroundRole and column == QueueColumn.ASSIGNEE and not ticket.assignee_id:
        result = QGuiApplication.palette().brush(QPalette.ColorRole.PlaceholderText)
    elif role == Qt.ItemDataRole.TextAlignmentRole and column == QueueColumn.NUMBER:
        result = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return result


class QueueModel(QAbstractTableModel):
    """Ticket ids of one query, rows fetched in batches for the rows views paint.

    Signals:
        loading_changed(bool): the id list is being (re)queried, or is done.
        ids_loaded(int): a new id list is in place; its length.
        load_failed(str): querying the cache failed.
    """

    loading_changed = Signal(bool)
    ids_loaded = Signal(int)
    load_failed = Signal(str)

    def __init__(
        self,
        store: Store,
        tasks: TaskRunner,
        query: TicketQuery | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._tasks = tasks
        self._query = query or TicketQuery()
        self._ids: list[str] = []
        self._rows: OrderedDict[str, TicketRow] = OrderedDict()
        self._stale: set[str] = set()
        self._missing: set[str] = set()  # asked for, but gone from the cache
        self._wanted: OrderedDict[int, None] = OrderedDict()
        self._fetching = False
        self._loading = False
        self._load_again = False
        self._new_query = False  # the next id list answers another query: no diffing
        self._generation = 0  # bumped when the id list changes, so late batches are placed right
        self._version = 0  # bumped when the cache changes, so batches read before are not kept
        self._pending_change = ChangeSet()
        #: How many ticket rows were read from the cache so far (tests and benchmarks).
        self.materialized = 0
        self._fetch_timer = QTimer(self)
        self._fetch_timer.setSingleShot(True)
        self._fetch_timer.setInterval(0)
        self._fetch_timer.timeout.connect(self._on_fetch_timer_timeout)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self._on_refresh_timer_timeout)

    # --- what views and controllers ask -----------------------------------------------------

    @property
    def query(self) -> TicketQuery:
        return self._query

    @property
    def loading(self) -> bool:
        return self._loading

    def ids(self) -> list[str]:
        return list(self._ids)

    def ticket_id(self, row: int) -> str | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, ticket_id: str) -> int | None:
        try:
            return self._ids.index(ticket_id)
        except ValueError:
            return None

    def cached_ticket(self, ticket_id: str) -> TicketRow | None:
        """The row if it is in memory (maybe stale); never reads the cache."""
        return self._rows.get(ticket_id)

    def cached_count(self) -> int:
        return len(self._rows)

    # --- changing what is shown -------------------------------------------------------------

    def set_query(self, query: TicketQuery) -> None:
        """Show the tickets matching ``query`` (its sort included)."""
        self._query = query
        self._new_query = True
        self.reload()

    def reload(self) -> None:
        """Query the ids again (in the background); rows shown are kept until they change."""
        if self._loading:
            self._load_again = True
            return
        self._set_loading(True)
        query, store = self._query, self._store  # the task holds these, never the model
        self._tasks.run(
            lambda: queries.ticket_ids(store, query),
            self._alive(self._on_ids_loaded),
            self._alive(self._on_load_failed),
        )

    def on_data_changed(self, change: ChangeSet) -> None:
        """The cache changed (connect to ``SyncController.data_changed``): refresh soon."""
        if not change:
            return
        merged = self._pending_change
        self._pending_change = ChangeSet(
            tickets=merged.tickets | change.tickets,
            reference=merged.reference or change.reference,
            outbox=merged.outbox or change.outbox,
            everything=merged.everything or change.everything,
        )
        self._refresh_timer.start()

    def flush_changes(self) -> None:
        """Apply waiting change notifications now (instead of after the short delay)."""
        if self._refresh_timer.isActive():
            self._refresh_timer.stop()
            self._on_refresh_timer_timeout()

    # --- QAbstractTableModel ----------------------------------------------------------------

    @override
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    @override
    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(QueueColumn)

    @override
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal and 0 <= section < len(QueueColumn)
        if horizontal and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return QueueColumn(section).label
        return None

    @override
    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    @override
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._ids):
            return None
        ticket_id = self._ids[index.row()]
        if role == QueueRole.TICKET_ID:
            return ticket_id
        ticket = self._rows.get(ticket_id)
        if ticket is None or ticket_id in self._stale:
            self._want(index.row(), ticket_id)
        if ticket is not None:
            self._rows.move_to_end(ticket_id)
        return self._data(ticket, QueueColumn(index.column()), role)

    def _data(self, ticket: TicketRow | None, column: QueueColumn, role: int) -> Any:
        if role == QueueRole.TICKET:
            return ticket
        if role == QueueRole.STATUS:
            return None if ticket is None else ticket.status
        if role == QueueRole.LOADED:
            return ticket is not None
        return _shown(ticket, column, role)

    @override
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(QueueColumn):
            return
        sort = sort_for(column, order)
        if sort != self._query.sort:
            self.set_query(self._query.model_copy(update={"sort": sort}))

    # --- fetching rows ----------------------------------------------------------------------

    def _want(self, row: int, ticket_id: str) -> None:
        if ticket_id in self._missing:
            return
        self._wanted[row] = None
        self._wanted.move_to_end(row)
        while len(self._wanted) > WANTED_LIMIT:
            self._wanted.popitem(last=False)
        if not self._fetching and not self._fetch_timer.isActive():
            self._fetch_timer.start()

    def _on_fetch_timer_timeout(self) -> None:
        self._fetch_next()

    def _fetch_next(self) -> None:
        while self._wanted and not self._fetching:
            row, _ = self._wanted.popitem(last=True)  # the latest wish is what is on screen now
            start = max(0, min(row - BATCH_SIZE // 4, len(self._ids) - BATCH_SIZE))
            end = min(len(self._ids), start + BATCH_SIZE)
            for other in range(start, end):
                self._wanted.pop(other, None)
            ids = [
                i
                for i in self._ids[start:end]
                if (i not in self._rows or i in self._stale) and i not in self._missing
            ]
            if ids:
                self._start_fetch(ids, start, end)

    def _start_fetch(self, ids: list[str], start: int, end: int) -> None:
        self._fetching = True
        generation, version, store = self._generation, self._version, self._store

        def done(found: dict[str, TicketRow]) -> None:
            self._fetching = False
            self._on_rows_fetched(
                ids, found=found, start=start, end=end, generation=generation, version=version
            )
            self._fetch_next()

        def failed(error: BaseException) -> None:
            self._fetching = False
            self.load_failed.emit(f"Could not read tickets from the offline cache: {error}")

        self._tasks.run(lambda: queries.tickets_by_id(store, ids), self._alive(done), self._alive(failed))

    def _on_rows_fetched(
        self,
        ids: Sequence[str],
        *,
        found: dict[str, TicketRow],
        start: int,
        end: int,
        generation: int,
        version: int,
    ) -> None:
        self.materialized += len(found)
        if version != self._version:
            return  # read before the cache changed; the refresh asks again
        for ticket_id in ids:
            ticket = found.get(ticket_id)
            self._stale.discard(ticket_id)
            if ticket is None:
                self._missing.add(ticket_id)
                self._rows.pop(ticket_id, None)
            else:
                self._rows[ticket_id] = ticket
                self._rows.move_to_end(ticket_id)
        while len(self._rows) > CACHE_SIZE:
            dropped, _ = self._rows.popitem(last=False)
            self._stale.discard(dropped)
        if generation == self._generation and end > start:
            self._emit_rows_changed(start, end - 1)
        else:
            self._emit_rows_changed(0, len(self._ids) - 1)

    def _emit_rows_changed(self, first: int, last: int) -> None:
        if last >= first >= 0:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(QueueColumn) - 1))

    # --- refreshing after changes -----------------------------------------------------------

    def _on_refresh_timer_timeout(self) -> None:
        change, self._pending_change = self._pending_change, ChangeSet()
        self._version += 1
        self._missing.clear()
        if change.everything:
            self._rows.clear()
            self._stale.clear()
        elif change.reference or change.outbox:
            self._stale.update(self._rows)  # names or pending marks may have changed anywhere
        else:
            self._stale.update(t for t in change.tickets if t in self._rows)
        if change.tickets or change.reference or change.everything:
            self.reload()
        else:
            self._emit_rows_changed(0, len(self._ids) - 1)

    def _on_ids_loaded(self, ids: list[str]) -> None:
        self._set_loading(False)
        if self._load_again:
            self._load_again = False
            self.reload()
            return
        self._apply_ids(ids)
        self.ids_loaded.emit(len(self._ids))

    def _on_load_failed(self, error: BaseException) -> None:
        self._set_loading(False)
        self._load_again = False
        self.load_failed.emit(f"Could not read tickets from the offline cache: {error}")

    def _apply_ids(self, new: list[str]) -> None:
        old = self._ids
        refresh, self._new_query = not self._new_query, False
        self._wanted.clear()
        if new == old:
            self._emit_rows_changed(0, len(old) - 1)
            return
        self._generation += 1
        if len(new) == len(old) and set(new) == set(old):
            self._reorder(new)
        elif refresh and (removed := _left_out(new, old)) is not None:
            self._remove(removed)
        elif refresh and (added := _left_out(old, new)) is not None:
            self._insert(added, new)
        else:
            self.beginResetModel()
            self._ids = new
            self.endResetModel()
        self._emit_rows_changed(0, len(self._ids) - 1)  # stale rows ask for fresh data

    def _reorder(self, new: list[str]) -> None:
        self.layoutAboutToBeChanged.emit()
        position = {ticket_id: row for row, ticket_id in enumerate(new)}
        before = self.persistentIndexList()
        after = [self.index(position[self._ids[i.row()]], i.column()) for i in before]
        self._ids = new
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()

    def _remove(self, blocks: list[tuple[int, int]]) -> None:
        for first, last in reversed(blocks):
            self.beginRemoveRows(QModelIndex(), first, last)
            del self._ids[first : last + 1]
            self.endRemoveRows()

    def _insert(self, blocks: list[tuple[int, int]], new: list[str]) -> None:
        for first, last in blocks:
            self.beginInsertRows(QModelIndex(), first, last)
            self._ids[first:first] = new[first : last + 1]
            self.endInsertRows()

    # --- plumbing ---------------------------------------------------------------------------

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)

    def _alive(self, callback: Callable[[T], None]) -> Callable[[T], None]:
        """``callback``, skipped if this model was deleted while the task ran."""

        def call(value: T) -> None:
            if shiboken6.isValid(self):
                callback(value)

        return call


def _left_out(short: list[str], long: list[str]) -> list[tuple[int, int]] | None:
    """The rows of ``long`` missing from ``short`` as a few (first, last) runs, if ``short`` is
    ``long`` with those rows left out (order kept); ``None`` if not, or if the runs are so many
    that one reset is cheaper than announcing each."""
    if len(short) >= len(long):
        return None
    missing: list[int] = []
    position = 0
    for row, ticket_id in enumerate(long):
        if position < len(short) and short[position] == ticket_id:
            position += 1
        else:
            missing.append(row)
    if position != len(short):
        return None
    runs = _blocks(missing)
    return runs if len(runs) <= MAX_CHANGE_RUNS else None


def _blocks(rows: list[int]) -> list[tuple[int, int]]:
    """Ascending row numbers as (first, last) runs of consecutive rows."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs
