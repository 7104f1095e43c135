"""A table of the tickets one query matches that stays smooth over 100k cached tickets.

The model never holds every matching id. It knows how many tickets match (a ``COUNT``) and the
pages of rows views painted lately (windows read by position along the sort's index:
:mod:`desktop.store.queue_window`), so a new filter or sort, or a jump to the end, reads one
count and one page whatever the queue's size. ``data()`` never queries: a row whose page is
missing shows a placeholder and is noted; a zero-delay timer then reads the page of the latest
wish in a background task and announces it with ``dataChanged``.

A ticket is found by id from the pages held or, for the others, by asking where it is now
(:meth:`TicketTableModel.locate`, in the background; ``located`` answers): that is how views
keep a selection by ticket id across a new sort or filter. When the cache changes, the model
counts again and rereads the pages on screen, together with the rows of the tickets views
asked it to :meth:`~TicketTableModel.track` (the selection); rows keep showing meanwhile. If
nothing on screen moved and no tracked ticket did, only the cells change; otherwise the rows
are replaced (a reset) with the tracked tickets' new rows already known, so views reselect
them at once.

A search (``query.q``) shows its results best match first (:attr:`TicketTableModel.ranked`)
until a column is clicked, which orders them by that column; clicking the column whose
``sort_key`` is :data:`RELEVANCE` (its cells show each row's match) orders them by relevance
again. Every read (count, windows, positions, a selection's ids) is told that order.

A row with activity the account has not seen (:attr:`TicketRow.unread`) is bold in every
column, whatever else its subclass makes of its font.

Subclasses say which columns there are and how a row looks: :class:`QueueModel` (the agents'
queue) and :class:`MyTicketsModel` (a requester's own tickets).
"""

from __future__ import annotations

import enum
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QPalette
from typing_extensions import override

from desktop.models.flat_table import TEXT_ROLES, FlatTableModel, Index
from desktop.models.recent_changes import RecentChanges
from desktop.palette import scheme_for
from desktop.store import queue_window
from desktop.store.database import ChangeSet, Store
from desktop.store.queries import TicketRow
from desktop.store.queue_window import Window
from desktop.tasks import TaskRunner
from ticketing.schemas import TicketQuery

#: Rows per page: what one background read brings (a screen shows a few dozen).
BATCH_SIZE = 100
#: Rows kept in memory (whole pages); older pages are dropped and read again if shown again.
CACHE_SIZE = 3000
#: Pages remembered as wanted; older wishes belong to pages scrolled past long ago.
WANTED_LIMIT = 6
#: Pages reread after a change: the ones painted last (what is on screen).
REFRESH_PAGES = 2
#: Changes arriving within this time (a sync's pages) cause one refresh.
REFRESH_DELAY_MS = 150
PLACEHOLDER = "…"
#: The ``sort_key`` of a column that orders a search's results best match first (its cells
#: show each row's match: :attr:`TicketRow.match`).
RELEVANCE = "relevance"

# ``data()`` answers every cell a view paints: plain ints compare fastest.
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_FONT = int(Qt.ItemDataRole.FontRole)


class TicketRole(enum.IntEnum):
    """Custom data roles (any column answers them)."""

    TICKET_ID = Qt.ItemDataRole.UserRole + 1  # str, or None while the row's page is not read
    TICKET = Qt.ItemDataRole.UserRole + 2  # TicketRow, or None while loading
    STATUS = Qt.ItemDataRole.UserRole + 3  # Status, or None while loading
    LOADED = Qt.ItemDataRole.UserRole + 4  # bool
    PENDING = Qt.ItemDataRole.UserRole + 5  # bool (changes not confirmed yet), None while loading
    CHANGED = Qt.ItemDataRole.UserRole + 6  # bool: someone else's change just arrived (marked)
    UNREAD = Qt.ItemDataRole.UserRole + 7  # bool (activity by others not seen yet), None while loading


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
    """A (re)count with the pages read with it."""

    query: TicketQuery
    ranked: bool
    total: int
    pages: dict[int, list[str]]
    rows: dict[str, TicketRow]
    positions: dict[str, int]
    located: bool  # positions answers the tracked ids (absent: not in the list)


def _load(
    store: Store,
    query: TicketQuery,
    pages: Sequence[int],
    locate: Sequence[str],
    size: int,
    *,
    total: int | None = None,
    ranked: bool = False,
) -> _Loaded:
    """Count (unless ``total`` is known), read ``pages`` and locate ``locate`` (runs in the
    background); ``ranked``: a search's results in relevance order."""
    first = queue_window.read_window(
        store, query, pages[0] * size, size, total=total, locate=locate, ranked=ranked
    )
    windows = [first] + [
        queue_window.read_window(store, query, page * size, size, total=first.total, ranked=ranked)
        for page in pages[1:]
    ]
    rows: dict[str, TicketRow] = {}
    for window in windows:
        rows.update(window.rows)
    found = {page: window.ids for page, window in zip(pages, windows, strict=True) if window.ids}
    return _Loaded(query, ranked, first.total, found, rows, first.positions, bool(locate))


class TicketTableModel(FlatTableModel):
    """A count and pages of one query's tickets, read for the rows views paint.

    Signals:
        loading_changed(bool): the count is being (re)read, or is done.
        ids_loaded(int): a new count (with its first pages) is in place; the row count.
        located(object): a dict of ticket id -> row, the answer to :meth:`locate` (tickets not
            in the list are absent).
        load_failed(str): querying the cache failed.
    """

    loading_changed = Signal(bool)
    ids_loaded = Signal(int)
    located = Signal(object)
    load_failed = Signal(str)

    #: The columns, in order (subclasses).
    columns: tuple[TicketColumn, ...] = ()

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
        self._total = 0
        self._pages: OrderedDict[int, list[str]] = OrderedDict()  # most recently painted last
        self._rows: dict[str, TicketRow] = {}
        self._stale: set[int] = set()  # pages shown until fresh ones arrive
        self._missing: set[int] = set()  # pages asked for that came back empty
        self._positions: dict[str, int] = {}  # rows of tickets located since the last load
        self._tracked: tuple[str, ...] = ()
        self._wanted: OrderedDict[int, None] = OrderedDict()
        self._last_wish = -1  # the page wished last, until wishes are taken
        self._fetching = False
        self._fetch_due = False  # the fetch timer runs
        self._loading = False
        self._load_again = False
        self._new_query = True  # the next load answers another query: no comparing
        self._generation = 0  # bumped when the rows are replaced, so late pages are dropped
        self._version = 0  # bumped when the cache changes, so pages read before are not kept
        self._pending_change = ChangeSet()
        self._ranked = True  # a search's results by relevance, until a column is clicked
        self._counted: tuple[TicketQuery, int] | None = None  # the filter and version counted
        #: Whether the latest reset kept the rows' place (a refresh) or shows another query.
        self.reset_was_refresh = False
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
        #: Rows another person's change just updated, painted marked for a moment.
        self.recent = RecentChanges(self)
        self.recent.expired.connect(self._on_marks_expired)

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

    def ticket_id(self, row: int) -> str | None:
        """The id of ``row`` if known: its page is in memory, or its ticket was located
        (``None`` otherwise: it is not read)."""
        if not 0 <= row < self._total:
            return None
        ids = self._pages.get(row // BATCH_SIZE)
        offset = row % BATCH_SIZE
        if ids is not None:
            return ids[offset] if offset < len(ids) else None
        return next((ticket_id for ticket_id, at in self._positions.items() if at == row), None)

    def row_of(self, ticket_id: str) -> int | None:
        """The row of ``ticket_id`` if known here: in a page in memory, or located lately."""
        for page, ids in self._pages.items():
            if ticket_id in ids:
                return page * BATCH_SIZE + ids.index(ticket_id)
        row = self._positions.get(ticket_id)
        return row if row is not None and row < self._total else None

    def known_ids(self) -> dict[int, str]:
        """Row -> id of every row known without a query: in a page in memory, or located."""
        known = {row: ticket_id for ticket_id, row in self._positions.items() if row < self._total}
        known.update(
            (page * BATCH_SIZE + offset, ticket_id)
            for page, ids in self._pages.items()
            for offset, ticket_id in enumerate(ids)
        )
        return known

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
            self._ranked = True
        self._query = query
        self._new_query = True
        self._reload(keep_count=True)

    def track(self, ticket_ids: Iterable[str]) -> None:
        """Keep these tickets' rows known across refreshes (a view's selection and current
        ticket): each refresh locates them with the pages it reads."""
        self._tracked = tuple(dict.fromkeys(ticket_ids))[: queue_window.MAX_LOCATE]

    def locate(self, ticket_ids: Iterable[str]) -> None:
        """Find the rows of these tickets in the background; ``located`` answers."""
        wanted = list(dict.fromkeys(ticket_ids))
        known = {t: row for t in wanted if (row := self.row_of(t)) is not None}
        if len(known) == len(wanted):
            QTimer.singleShot(0, self, lambda: self.located.emit(known))
            return
        generation, query, store, ranked = self._generation, self._query, self._store, self.ranked

        def work() -> dict[str, int]:
            with store.read() as conn:
                return queue_window.positions(conn, query, wanted, ranked=ranked)

        def done(found: dict[str, int]) -> None:
            if generation == self._generation:
                self._positions.update(found)
                self.located.emit(found)

        self._tasks.run(work, done, self._on_load_failed, owner=self)

    def reload(self) -> None:
        """Count again and reread the pages on screen (in the background); rows shown are
        kept until they change."""
        self._reload(keep_count=False)  # asked for after a write, perhaps before its notice

    def _reload(self, *, keep_count: bool) -> None:
        if self._loading:
            self._load_again = True
            return
        self._set_loading(True)
        new_query = self._new_query
        pages = [0] if new_query else self._screen_pages()
        locate = () if new_query else self._tracked
        query, store, ranked = self._query, self._store, self.ranked  # never the model in the work
        # a new sort of the same tickets: the count stands
        version = self._version
        total = self._total if keep_count and self._counted == (_unsorted(query), version) else None

        def work() -> _Loaded:
            return _load(store, query, pages, locate, BATCH_SIZE, total=total, ranked=ranked)

        def done(loaded: _Loaded) -> None:
            self._on_loaded(loaded, version)

        self._tasks.run(work, done, self._on_load_failed, owner=self)

    def on_data_changed(self, change: ChangeSet) -> None:
        """The cache changed (connect to ``SyncController.data_changed``): refresh soon."""
        if not change:
            return
        self.recent.note(change)
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
        return self._total

    @override
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # every painted cell comes here: the common answers first, no query, nothing slow
        row = index.row()
        if not 0 <= row < self._total:
            return None
        page = row // BATCH_SIZE
        ids = self._pages.get(page)
        if (ids is None or page in self._stale) and page != self._last_wish and page not in self._missing:
            self._want(page)
        offset = row % BATCH_SIZE
        ticket_id = ids[offset] if ids is not None and offset < len(ids) else None
        if role == _TICKET_ID:
            return ticket_id
        ticket = self._rows.get(ticket_id) if ticket_id is not None else None
        if ticket is None:
            return self._placeholder(index.column(), role)
        self._pages.move_to_end(page)
        return self._cell(ticket, index.column(), role)

    def _cell(self, ticket: TicketRow, column: int, role: int) -> Any:
        if not 0 <= column < len(self.columns):
            return None
        if role in TEXT_ROLES:
            return self.columns[column].text(ticket)
        if role >= TicketRole.TICKET:
            return self._custom(ticket, role)
        if role == _BACKGROUND and self.recent.is_marked(ticket.id):
            return QBrush(QColor(scheme_for(QGuiApplication.palette()).changed_row))
        result = self.decoration(ticket, column, role)
        if role == _FONT and ticket.unread:  # unread rows are bold, in every ticket table
            font = result if isinstance(result, QFont) else QFont()
            font.setBold(True)
            return font
        return result

    def _custom(self, ticket: TicketRow, role: int) -> Any:
        answers: dict[int, Any] = {
            TicketRole.TICKET: ticket,
            TicketRole.STATUS: ticket.status,
            TicketRole.LOADED: True,
            TicketRole.PENDING: ticket.pending,
            TicketRole.CHANGED: self.recent.is_marked(ticket.id),
            TicketRole.UNREAD: ticket.unread,
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
            self._reload(keep_count=True)

    # --- fetching pages ---------------------------------------------------------------------

    def _want(self, page: int) -> None:
        self._last_wish = page  # the page's other cells need not wish it again
        wanted = self._wanted
        if page in wanted:
            wanted.move_to_end(page)
        else:
            wanted[page] = None
            if len(wanted) > WANTED_LIMIT:
                wanted.popitem(last=False)
        if not self._fetching and not self._fetch_due:
            self._fetch_due = True
            self._fetch_timer.start()  # after this paint: its cells are all wished by then

    def _on_fetch_timer_timeout(self) -> None:
        self._fetch_due = False
        self._fetch_next()

    def _fetch_next(self) -> None:
        """Read the page of the latest wish (what is on screen now)."""
        self._last_wish = -1
        while self._wanted and not self._fetching:
            page, _ = self._wanted.popitem(last=True)
            if (page not in self._pages or page in self._stale) and page not in self._missing:
                self._start_fetch(page)

    def _start_fetch(self, page: int) -> None:
        self._fetching = True
        generation, version, store, query, total, ranked = (
            self._generation,
            self._version,
            self._store,
            self._query,
            self._total,
            self.ranked,
        )

        def done(window: Window) -> None:
            self._fetching = False
            self._on_page_fetched(page, window, generation=generation, version=version)
            self._fetch_next()

        def failed(error: BaseException) -> None:
            self._fetching = False
            self.load_failed.emit(f"Could not read tickets from the offline cache: {error}")

        self._tasks.run(
            lambda: queue_window.read_window(
                store, query, page * BATCH_SIZE, BATCH_SIZE, total=total, ranked=ranked
            ),
            done,
            failed,
            owner=self,
        )

    def _on_page_fetched(self, page: int, window: Window, *, generation: int, version: int) -> None:
        self.materialized += len(window.rows)
        if version != self._version or generation != self._generation:
            return  # read before the cache or the rows changed; whoever changed them asks again
        if not window.ids:
            self._missing.add(page)
        self._keep_page(page, window.ids, window.rows)
        self._emit_rows_changed(page * BATCH_SIZE, page * BATCH_SIZE + BATCH_SIZE - 1)

    def _keep_page(self, page: int, ids: list[str], rows: dict[str, TicketRow]) -> None:
        old = self._pages.pop(page, None)
        for ticket_id in old or ():
            self._rows.pop(ticket_id, None)
        self._stale.discard(page)
        if ids:
            self._pages[page] = ids
            for ticket_id in ids:
                if (ticket := rows.get(ticket_id)) is not None:
                    self._rows[ticket_id] = ticket
        while len(self._pages) > max(1, CACHE_SIZE // BATCH_SIZE):
            dropped, dropped_ids = self._pages.popitem(last=False)
            self._stale.discard(dropped)
            for ticket_id in dropped_ids:
                self._rows.pop(ticket_id, None)

    def _emit_rows_changed(self, first: int, last: int) -> None:
        last = min(last, self._total - 1)
        if last >= first >= 0:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(self.columns) - 1))

    def _on_marks_expired(self, ticket_ids: set[str]) -> None:
        for ticket_id in ticket_ids:
            if (row := self.row_of(ticket_id)) is not None:
                self._emit_rows_changed(row, row)

    def _screen_pages(self) -> list[int]:
        """The pages painted last, most recent first (page 0 if none)."""
        pages = list(reversed(self._pages))[:REFRESH_PAGES]
        return pages or [0]

    # --- refreshing after changes -----------------------------------------------------------

    def _on_refresh_timer_timeout(self) -> None:
        change, self._pending_change = self._pending_change, ChangeSet()
        self._version += 1
        self._missing.clear()
        if change.everything:
            self._new_query = True  # nothing shown before can be trusted
        if change.tickets or change.reference or change.everything or change.outbox:
            self._stale.update(self._pages)  # names or pending marks may have changed anywhere
            self.reload()

    def _on_loaded(self, loaded: _Loaded, version: int) -> None:
        self._set_loading(False)
        if self._load_again or loaded.query != self._query or loaded.ranked != self.ranked:
            self._load_again = False
            self.reload()
            return
        new_query, self._new_query = self._new_query, False
        self._counted = (_unsorted(loaded.query), version)
        self.materialized += len(loaded.rows)
        self._wanted.clear()
        self._last_wish = -1
        self._missing.clear()
        if not new_query and self._in_place(loaded):
            for page, ids in loaded.pages.items():
                self._keep_page(page, ids, loaded.rows)
            self._positions = dict(loaded.positions)  # others may have moved unseen
            self._emit_rows_changed(0, self._total - 1)  # stale rows ask for fresh data
        else:
            self.reset_was_refresh = not new_query
            self.beginResetModel()
            self._generation += 1
            self._total = loaded.total
            self._pages.clear()
            self._rows.clear()
            self._stale.clear()
            self._positions = dict(loaded.positions)
            for page, ids in loaded.pages.items():
                self._keep_page(page, ids, loaded.rows)
            self.endResetModel()
        self.ids_loaded.emit(self._total)

    def _in_place(self, loaded: _Loaded) -> bool:
        """Whether a refresh left every row views know where it was: the same count, the same
        tickets on the pages reread, the tracked tickets on the same rows."""
        if loaded.total != self._total:
            return False
        if any(self._pages.get(page, ids) != ids for page, ids in loaded.pages.items()):
            return False
        if loaded.located:
            before = {t: row for t in self._tracked if (row := self.row_of(t)) is not None}
            if any(loaded.positions.get(t) != row for t, row in before.items()):
                return False
        return True

    def _on_load_failed(self, error: BaseException) -> None:
        self._set_loading(False)
        self._load_again = False
        self.load_failed.emit(f"Could not read tickets from the offline cache: {error}")

    # --- search -----------------------------------------------------------------------------

    def _rank_search(self) -> None:
        """The match column was clicked: a search's results best match first again."""
        if self.searching and not self.ranked:
            self._ranked = True
            self._new_query = True
            self._reload(keep_count=True)

    # --- plumbing ---------------------------------------------------------------------------

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)


def _unsorted(query: TicketQuery) -> TicketQuery:
    """``query``'s filters alone (what its count depends on)."""
    return query.model_copy(update={"sort": "-updated_at"})
