"""The search dialog's results as a list model: pages read in the background, stale answers
dropped.

The model holds the pages read so far and the cursor of the next. A new search starts again
from the first page; each background read carries the search's generation, and an answer for
an older generation (the user typed on meanwhile) is dropped. A view asks for more rows as it
scrolls to the end (``canFetchMore``/``fetchMore``), which reads the next page after the last
row (keyset paging: no page is missed or read twice).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from typing_extensions import override

from desktop.store import everywhere, search
from desktop.store.database import Store
from desktop.store.everywhere import Cursor, SearchFilters, SearchPage, SearchResult
from desktop.tasks import TaskRunner


class ResultRole(enum.IntEnum):
    """Custom data roles of a result row."""

    RESULT = Qt.ItemDataRole.UserRole + 1  # SearchResult


@dataclass(frozen=True)
class SearchRequest:
    """What is searched: the typed text and the dialog's filters."""

    text: str
    filters: SearchFilters


class SearchResultsModel(QAbstractListModel):
    """The results of the current search, page after page.

    Signals:
        page_loaded(): a page came in (:attr:`count`, :attr:`has_more` and :attr:`error` are
            current); also after a search that cannot run (its error) or has no words.
    """

    page_loaded = Signal()

    def __init__(self, store: Store, tasks: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._tasks = tasks
        self._results: list[SearchResult] = []
        self._request = SearchRequest("", SearchFilters())
        self._next: Cursor | None = None
        self._generation = 0
        self._loading = False
        self.error: str | None = None

    @property
    def request(self) -> SearchRequest:
        return self._request

    @property
    def count(self) -> int:
        return len(self._results)

    @property
    def has_more(self) -> bool:
        return self._next is not None

    @property
    def loading(self) -> bool:
        return self._loading

    def count_text(self) -> str:
        """ "No results", "1 result", "37 results", or "50+ results" while more pages exist."""
        if self.count == 0:
            return "" if self._loading or not self._request.text.strip() else "No results"
        plus = "+" if self.has_more else ""
        return f"{self.count}{plus} result{'' if self.count == 1 and not plus else 's'}"

    def result(self, row: int) -> SearchResult | None:
        return self._results[row] if 0 <= row < len(self._results) else None

    def set_request(self, request: SearchRequest) -> None:
        """Search ``request`` from its first page (the rows shown stay until it answers)."""
        self._request = request
        self._generation += 1
        self._load(None)

    # --- Qt model -------------------------------------------------------------------------------

    @override
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._results)

    @override
    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._results):
            return None
        result = self._results[index.row()]
        if role == ResultRole.RESULT:
            return result
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return f"{result.kind.label}: {result.title} — {search.snippet_plain(result.snippet)}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return search.snippet_plain(result.snippet)
        return None

    @override
    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> bool:
        return not parent.isValid() and self._next is not None and not self._loading

    @override
    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> None:
        if self.canFetchMore(parent):
            self._load(self._next)

    # --- reading --------------------------------------------------------------------------------

    def _load(self, after: Cursor | None) -> None:
        generation, request, store = self._generation, self._request, self._store
        self._loading = True
        self._tasks.run(
            lambda: everywhere.search_page(store, request.text, request.filters, after),
            lambda page: self._on_page_read(generation, after, page),
            lambda error: self._on_page_read(generation, after, SearchPage(error=str(error))),
            owner=self,
        )

    def _on_page_read(self, generation: int, after: Cursor | None, page: SearchPage) -> None:
        if generation != self._generation:
            return  # an answer to a search the user has typed past
        self._loading = False
        self.error = page.error
        if after is None:
            self.beginResetModel()
            self._results = list(page.results)
            self._next = page.next_cursor
            self.endResetModel()
        elif page.results:
            first = len(self._results)
            self.beginInsertRows(QModelIndex(), first, first + len(page.results) - 1)
            self._results += page.results
            self._next = page.next_cursor
            self.endInsertRows()
        else:
            self._next = page.next_cursor
        self.page_loaded.emit()
