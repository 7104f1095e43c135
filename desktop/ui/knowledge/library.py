"""The knowledge base's list: a search box (debounced, full-text over the cache), a category
filter, for staff a status filter, and the articles found."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.models.formatting import local_time
from desktop.palette import DRAFT_PILL
from desktop.store.rows import stored_time
from desktop.ui.knowledge.loader import Library, LibraryQuery
from ticketing.domain import ArticleStatus

SEARCH_DELAY_MS = 250
COLUMNS = ("Title", "Category", "Status", "Updated")
STATUS_COLUMN = COLUMNS.index("Status")
ID_ROLE = Qt.ItemDataRole.UserRole


def empty_text(library: Library, *, staff: bool) -> str:
    """What an empty list says, and what to do about it."""
    if not library.any_articles:
        if staff:
            return (
                "There are no articles yet.\nClick “New article” to write one, or use “Create article"
                " from ticket” on a resolved ticket."
            )
        return "No articles have been published yet.\nAsk for help with a new ticket instead."
    if library.query.search.strip():
        return f"No article matches “{library.query.search.strip()}”.\nTry other words, or clear the filters."
    return "No article is in this category or status.\nChoose “All” to see every article."


class ArticleLibrary(QWidget):
    """Filters over the list of articles; the owner reads :meth:`query` and fills the list with
    :meth:`show_library`.

    Signals:
        query_changed(): the search (after a short pause in typing) or a filter changed.
        current_changed(object): the selected article's id (``None``: none).
    """

    query_changed = Signal()
    current_changed = Signal(object)

    def __init__(self, *, staff: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._staff = staff
        self.library: Library | None = None
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search articles…")
        self.search.setAccessibleName("Search articles")
        self.search.setClearButtonEnabled(True)
        self.category = QComboBox()
        self.category.setAccessibleName("Article category")
        self.category.addItem("All categories", None)
        self.status = QComboBox()
        self.status.setAccessibleName("Article status")
        self.status.addItem("All statuses", None)
        self.status.addItem("Drafts", ArticleStatus.DRAFT.value)
        self.status.addItem("Published", ArticleStatus.PUBLISHED.value)
        self.status.setVisible(staff)
        self.list = QTreeWidget()
        self.list.setAccessibleName("Articles")
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setAlternatingRowColors(True)
        self.list.setHeaderLabels(list(COLUMNS))
        self.list.setColumnHidden(STATUS_COLUMN, not staff)
        header = self.list.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.empty = QLabel()
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setAccessibleName("No articles")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.list)
        self.stack.addWidget(self.empty)

        filters = QHBoxLayout()
        filters.addWidget(self.category, 1)
        filters.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addLayout(filters)
        layout.addWidget(self.stack, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.search.textChanged.connect(self._on_search_text_changed)
        self.category.activated.connect(self._on_category_activated)
        self.status.activated.connect(self._on_status_activated)
        self.list.currentItemChanged.connect(self._on_list_current_item_changed)

    def query(self) -> LibraryQuery:
        status = self.status.currentData() if self._staff else None
        return LibraryQuery(
            search=self.search.text(),
            category_id=self.category.currentData(),
            status=None if status is None else ArticleStatus(status),
        )

    def clear_filters(self) -> None:
        """Show every article (an article opened from a link must be in the list)."""
        self._timer.stop()
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.category.setCurrentIndex(0)
        self.status.setCurrentIndex(0)

    @property
    def current_id(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else str(item.data(0, ID_ROLE))

    def _items(self) -> list[QTreeWidgetItem]:
        found = (self.list.topLevelItem(n) for n in range(self.list.topLevelItemCount()))
        return [item for item in found if item is not None]

    def article_ids(self) -> list[str]:
        return [str(item.data(0, ID_ROLE)) for item in self._items()]

    def show_library(self, library: Library) -> None:
        """Fill the filters' categories and the list; the selected article stays selected."""
        self.library = library
        self._fill_categories(library)
        keep = self.current_id
        self.list.blockSignals(True)
        self.list.clear()
        for article in library.articles:
            status = "Published" if article.is_published else "Draft"
            if article.pending:
                status += " · pending sync"
            item = QTreeWidgetItem(
                [article.title, library.category_name(article.category_id) or "—", status, ""]
            )
            item.setText(3, local_time(stored_time(article.updated_at)))
            item.setData(0, ID_ROLE, article.id)
            if not article.is_published:
                item.setForeground(STATUS_COLUMN, QBrush(QColor(DRAFT_PILL.background)))
            item.setToolTip(0, article.title)
            self.list.addTopLevelItem(item)
        self.list.blockSignals(False)
        if library.articles:
            self.stack.setCurrentWidget(self.list)
        else:
            self.empty.setText(empty_text(library, staff=self._staff))
            self.stack.setCurrentWidget(self.empty)
        if keep is not None and not self.select(keep):
            self.current_changed.emit(None)

    def select(self, article_id: str) -> bool:
        """Select ``article_id`` if the list shows it."""
        for item in self._items():
            if item.data(0, ID_ROLE) == article_id:
                self.list.blockSignals(True)
                self.list.setCurrentItem(item)
                self.list.blockSignals(False)
                self.list.scrollToItem(item)
                return True
        return False

    def _fill_categories(self, library: Library) -> None:
        chosen = self.category.currentData()
        self.category.blockSignals(True)
        self.category.clear()
        self.category.addItem("All categories", None)
        for category in library.categories:
            if category.is_active or category.id == chosen:
                self.category.addItem(category.name, category.id)
        self.category.setCurrentIndex(max(0, self.category.findData(chosen)))
        self.category.blockSignals(False)

    @Slot(str)
    def _on_search_text_changed(self, _text: str) -> None:
        self._timer.start()

    @Slot()
    def _on_timer_timeout(self) -> None:
        self.query_changed.emit()

    @Slot(int)
    def _on_category_activated(self, _index: int) -> None:
        self.query_changed.emit()

    @Slot(int)
    def _on_status_activated(self, _index: int) -> None:
        self.query_changed.emit()

    @Slot(QTreeWidgetItem, QTreeWidgetItem)
    def _on_list_current_item_changed(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        self.current_changed.emit(None if current is None else str(current.data(0, ID_ROLE)))
