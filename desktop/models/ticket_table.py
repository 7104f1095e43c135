"""A table of the tickets one query matches that stays smooth over 100k cached tickets.

The model holds only the ordered ids of its :class:`TicketQuery` (one background query) and a
bounded cache of rows. ``data()`` never queries: a row it lacks is shown as a placeholder and
noted; a zero-delay timer then reads the rows views asked for since (the visible page) in a
background task (:func:`desktop.store.queries.tickets_by_id`) and announces them with
``dataChanged``. Only rows a view paints are ever read, in the manner of Anki's browser table.

When the cache changes, the affected rows are marked stale (they keep showing until fresh
rows arrive, so nothing flickers) and the ids are queried again; removals, insertions and pure
reorders are reported as such, so views keep their selection.

Subclasses say which columns there are and how a row looks: :class:`QueueModel` (the agents'
queue) and :class:`MyTicketsModel` (a requester's own tickets).
"""

from __future__ import annotations

import contextlib
import enum
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from PySide6.QtCore import QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QPalette
from typing_extensions import override

from desktop.models.flat_table import TEXT_ROLES, FlatTableModel, Index
from desktop.store import queries, search
from desktop.store.database import ChangeSet, Store
from desktop.store.queries import TicketRow
from desktop.tasks import TaskRunner
from ticketing.schemas import TicketQuery

#: At most this many rows are read per background query; a screen shows a few dozen.
BATCH_SIZE = 100
#: Rows kept in memory; older ones are dropped and read again if scrolled back to.
CACHE_SIZE = 3000
#: Rows remembered as wanted; older wishes belong to rows scrolled past long ago.
WANTED_LIMIT = 600
#: Changes arriving within this time (a sync's pages) cause one refresh.
REFRESH_DELAY_MS = 150
PLACEHOLDER = "…"
#: More separate runs of rows leaving or arriving than this are announced as one reset.
MAX_CHANGE_RUNS = 16
#: The ``sort_key`` of a column that orders a search's results best match first (its cells
#: show each row's match: :attr:`TicketRow.match`).
RELEVANCE = "relevance"

# ``data()`` answers every cell a view paints: plain ints compare fastest.
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)


class TicketRole(enum.IntEnum):
    """Custom data roles (any column answers them)."""

    TICKET_ID = Qt.ItemDataRole.UserRole + 1  # str, also for rows not loaded yet
    TICKET = Qt.ItemDataRole.UserRole + 2  # TicketRow, or None while loading
    STATUS = Qt.ItemDataRole.UserRole + 3  # Status, or None while loading
    LOADED = Qt.ItemDataRole.UserRole + 4  # bool
    PENDING = Qt.ItemDataRole.UserRole + 5  # bool (changes not confirmed yet), None while loading


_TICKET_ID = int(TicketRole.TICKET_ID)


@dataclass(frozen=True)
class TicketColumn:
    """One column: its header, the :class:`TicketQuery` sort that orders by it (ascending), and
    the text a loaded row shows in it."""

    label: str
    sort_key: str
    text: Callable[[TicketRow], str]


@dataclass(frozen=True)
class _Loaded:
    ids: list[str]
    rows: dict[str, TicketRow]  # the first rows, if the model reads some with the ids


class TicketTableModel(FlatTableModel):
    """Ticket ids of one query, rows fetched for the rows views paint.

    Signals:
        loading_changed(bool): the id list is being (re)queried, or is done.
        ids_loaded(int): a new id list is in place (with the first rows, if any are read with
            it); its length.
        load_failed(str): querying the cache failed.
    """

    loading_changed = Signal(bool)
    ids_loaded = Signal(int)
    load_failed = Signal(str)

    #: The columns, in order (subclasses).
    columns: tuple[TicketColumn, ...] = ()
    #: Rows read together with the ids, so that a short list shows complete at once.
    prefetch_rows: ClassVar[int] = 0

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
        self._last_wish = -1  # the row wished last, until wishes are taken
        self._fetching = False
        self._fetch_due = False  # the fetch timer runs
        self._loading = False
        self._load_again = False
        self._new_query = False  # the next id list answers another query: no diffing
        self._generation = 0  # bumped when the id list changes, so late batches are placed right
        self._version = 0  # bumped when the cache changes, so batches read before are not kept
        self._pending_change = ChangeSet()
        self._ranked = True  # a search's results by relevance, until a column is clicked
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

    # --- how rows look (subclasses) ---------------------------------------------------------

    def decoration(self, ticket: TicketRow, column: int, role: int) -> Any:
        """Tooltip, font, colour, alignment... of a loaded cell (``None``: Qt's default)."""
        return None

    # --- what views and controllers ask -----------------------------------------------------

    @property
    def query(self) -> TicketQuery:
        return self._query

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def searching(self) -> bool:
        """A search text is part of the query."""
        return bool(self._query.q and self._query.q.strip())

    @property
    def ranked(self) -> bool:
        """The rows are a search's results, best match first (not ``query.sort``'s order)."""
        return self.searching and self._ranked

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
        """Show the tickets matching ``query`` (its sort included; a new search text is
        ordered by relevance until a column is clicked)."""
        if query.q != self._query.q:
            self._forget_matches()
        self._query = query
        self._new_query = True
        self.reload()

    def reload(self) -> None:
        """Query the ids again (in the background); rows shown are kept until they change."""
        if self._loading:
            self._load_again = True
            return
        self._set_loading(True)
        query, store, prefetch, ranked = self._query, self._store, self.prefetch_rows, self.ranked

        def work() -> _Loaded:  # never the model here
            ids = queries.ticket_ids(store, query, ranked=ranked)
            return _Loaded(ids, _read_rows(store, query, ids[:prefetch]) if prefetch else {})

        self._tasks.run(work, self._on_ids_loaded, self._on_load_failed, owner=self)

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

    # --- Qt model ---------------------------------------------------------------------------

    @override
    def row_count(self) -> int:
        return len(self._ids)

    @override
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # every painted cell comes here: the common answers first, no query, nothing slow
        row, ids = index.row(), self._ids
        if not 0 <= row < len(ids):
            return None
        ticket_id = ids[row]
        if role == _TICKET_ID:
            return ticket_id
        ticket = self._rows.get(ticket_id)
        if (
            (ticket is None or ticket_id in self._stale)
            and row != self._last_wish
            and ticket_id not in self._missing
        ):
            self._want(row)
        if ticket is None:
            return self._placeholder(index.column(), role)
        self._rows.move_to_end(ticket_id)
        return self._cell(ticket, index.column(), role)

    def _cell(self, ticket: TicketRow, column: int, role: int) -> Any:
        if not 0 <= column < len(self.columns):
            return None
        if role in TEXT_ROLES:
            return self.columns[column].text(ticket)
        if role >= TicketRole.TICKET:
            return self._custom(ticket, role)
        return self.decoration(ticket, column, role)

    @staticmethod
    def _custom(ticket: TicketRow, role: int) -> Any:
        answers: dict[int, Any] = {
            TicketRole.TICKET: ticket,
            TicketRole.STATUS: ticket.status,
            TicketRole.LOADED: True,
            TicketRole.PENDING: ticket.pending,
        }
        return answers.get(role)

    @staticmethod
    def _placeholder(column: int, role: int) -> Any:
        """What a row shows until its data arrives."""
        if role in TEXT_ROLES:
            return PLACEHOLDER if column < 2 else ""
        if role == _FOREGROUND:
            return QGuiApplication.palette().brush(QPalette.ColorRole.PlaceholderText)
        return False if role == TicketRole.LOADED else None

    @override
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        key = self.columns[column].sort_key
        if key == RELEVANCE:
            self._rank_search()
            return
        sort = f"-{key}" if order == Qt.SortOrder.DescendingOrder else key
        was_ranked, self._ranked = self.ranked, False
        if sort != self._query.sort:
            self.set_query(self._query.model_copy(update={"sort": sort}))
        elif was_ranked:  # the search's results in this column's order
            self._new_query = True
            self.reload()

    # --- fetching rows ----------------------------------------------------------------------

    def _want(self, row: int) -> None:
        self._last_wish = row  # a row's other cells need not wish it again
        wanted = self._wanted
        if row in wanted:
            wanted.move_to_end(row)
        else:
            wanted[row] = None
            if len(wanted) > WANTED_LIMIT:
                wanted.popitem(last=False)
        if not self._fetching and not self._fetch_due:
            self._fetch_due = True
            self._fetch_timer.start()  # after this paint: its cells are all wished by then

    def _on_fetch_timer_timeout(self) -> None:
        self._fetch_due = False
        self._fetch_next()

    def _fetch_next(self) -> None:
        """Read the page of the latest wish: the wished rows near it, at most a batch."""
        self._last_wish = -1
        while self._wanted and not self._fetching:
            latest = next(reversed(self._wanted))  # the latest wish is what is on screen now
            near = [row for row in self._wanted if abs(row - latest) < BATCH_SIZE]
            first = min(near)
            last = min(max(near), first + BATCH_SIZE - 1)
            if latest > last:
                first, last = latest - BATCH_SIZE + 1, latest
            for row in range(first, last + 1):
                self._wanted.pop(row, None)
            ids = [
                i
                for i in self._ids[first : last + 1]
                if (i not in self._rows or i in self._stale) and i not in self._missing
            ]
            if ids:
                self._start_fetch(ids, first, last + 1)

    def _start_fetch(self, ids: list[str], start: int, end: int) -> None:
        self._fetching = True
        generation, version, store, query = self._generation, self._version, self._store, self._query

        def done(found: dict[str, TicketRow]) -> None:
            self._fetching = False
            self._on_rows_fetched(
                ids, found=found, start=start, end=end, generation=generation, version=version
            )
            self._fetch_next()

        def failed(error: BaseException) -> None:
            self._fetching = False
            self.load_failed.emit(f"Could not read tickets from the offline cache: {error}")

        self._tasks.run(lambda: _read_rows(store, query, ids), done, failed, owner=self)

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
        self._keep_rows(ids, found)
        if generation == self._generation and end > start:
            self._emit_rows_changed(start, end - 1)
        else:
            self._emit_rows_changed(0, len(self._ids) - 1)

    def _keep_rows(self, ids: Sequence[str], found: dict[str, TicketRow]) -> None:
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

    def _emit_rows_changed(self, first: int, last: int) -> None:
        if last >= first >= 0:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(self.columns) - 1))

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

    def _on_ids_loaded(self, loaded: _Loaded) -> None:
        self._set_loading(False)
        if self._load_again:
            self._load_again = False
            self.reload()
            return
        if loaded.rows:
            self.materialized += len(loaded.rows)
            self._keep_rows(list(loaded.rows), loaded.rows)
        self._apply_ids(loaded.ids)
        self.ids_loaded.emit(len(self._ids))

    def _on_load_failed(self, error: BaseException) -> None:
        self._set_loading(False)
        self._load_again = False
        self.load_failed.emit(f"Could not read tickets from the offline cache: {error}")

    def _apply_ids(self, new: list[str]) -> None:
        old = self._ids
        refresh, self._new_query = not self._new_query, False
        self._wanted.clear()
        self._last_wish = -1
        if new == old:
            self._emit_rows_changed(0, len(old) - 1)
            return
        self._generation += 1
        if len(new) == len(old):  # a new sort, or as many tickets came as went
            self._rearrange(new)
        elif refresh and (removed := _left_out(new, old)) is not None:
            self._remove(removed)
        elif refresh and (added := _left_out(old, new)) is not None:
            self._insert(added, new)
        else:
            self.beginResetModel()
            self._ids = new
            self.endResetModel()
        self._emit_rows_changed(0, len(self._ids) - 1)  # stale rows ask for fresh data

    def _rearrange(self, new: list[str]) -> None:
        """The same number of rows in another order (and maybe a few replaced): a layout
        change, so views keep their selection; a ticket that went loses its indexes."""
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        old = self._ids
        position = _positions({old[i.row()] for i in before}, new)
        after = [
            self.index(position[old[i.row()]], i.column()) if old[i.row()] in position else QModelIndex()
            for i in before
        ]
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

    # --- search -----------------------------------------------------------------------------

    def _rank_search(self) -> None:
        """The match column was clicked: a search's results best match first again."""
        if self.searching and not self.ranked:
            self._ranked = True
            self._new_query = True
            self.reload()

    def _forget_matches(self) -> None:
        """Another search text: rows in memory show their old match until read again, and
        batches read for the old text are not kept."""
        self._ranked = True
        self._version += 1
        self._stale.update(self._rows)

    # --- plumbing ---------------------------------------------------------------------------

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)


def _read_rows(store: Store, query: TicketQuery, ids: Sequence[str]) -> dict[str, TicketRow]:
    """The rows of ``ids``, with their match if ``query`` searches (in a background task)."""
    rows = queries.tickets_by_id(store, ids)
    return search.with_matches(store, query.q, rows) if query.q else rows


def _positions(wanted: set[str], ids: list[str]) -> dict[str, int]:
    """The rows of the ``wanted`` ids that are in ``ids``."""
    if len(wanted) <= 16:  # a few (a selection, the current row): list.index scans in C
        found: dict[str, int] = {}
        for ticket_id in wanted:
            with contextlib.suppress(ValueError):
                found[ticket_id] = ids.index(ticket_id)
        return found
    return {ticket_id: row for row, ticket_id in enumerate(ids) if ticket_id in wanted}


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
