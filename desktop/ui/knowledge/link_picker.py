"""A small window for staff to pick an article to link in a reply: it searches the cache as
they type (published articles first) and hands back the chosen one."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.store.article_queries import ArticleRow
from desktop.ui.knowledge.loader import load_picks
from desktop.ui.shell.context import AppContext

SEARCH_DELAY_MS = 150
ID_ROLE = Qt.ItemDataRole.UserRole
TITLE_ROLE = Qt.ItemDataRole.UserRole + 1


class ArticleLinkPicker(QDialog):
    """Search, pick, Insert (or Enter, or a double click).

    Signals:
        chosen(str, str): the article's id and title; the picker closes.
    """

    chosen = Signal(str, str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._generation = 0
        self.setWindowTitle("Insert article link")
        self.resize(520, 420)
        self.search = QLineEdit()
        self.search.setAccessibleName("Search articles")
        self.search.setPlaceholderText("Type to search articles…")
        self.search.setClearButtonEnabled(True)
        self.results = QListWidget()
        self.results.setAccessibleName("Articles found")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setAccessibleName("Picker note")
        self.insert_button = QPushButton("&Insert link")
        self.insert_button.setAccessibleName("Insert link")
        self.insert_button.setDefault(True)
        self.insert_button.setEnabled(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel")

        buttons = QHBoxLayout()
        buttons.addWidget(self.note, 1)
        buttons.addWidget(self.insert_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.results, 1)
        layout.addLayout(buttons)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.search.textChanged.connect(self._on_search_text_changed)
        self.search.returnPressed.connect(self._on_insert_button_clicked)
        self.results.currentItemChanged.connect(self._on_results_current_item_changed)
        self.results.itemActivated.connect(self._on_results_item_activated)
        self.insert_button.clicked.connect(self._on_insert_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.search_now()

    def search_now(self) -> None:
        """Search for what is typed now."""
        self._timer.stop()
        self._generation += 1
        generation, store, words = self._generation, self._context.store, self.search.text()
        self._context.tasks.run(
            lambda: load_picks(store, words), lambda found: self._on_found(generation, found), owner=self
        )

    def _on_found(self, generation: int, articles: list[ArticleRow]) -> None:
        if generation != self._generation:
            return
        self.results.clear()
        for article in articles:
            text = (
                article.title if article.is_published else f"{article.title}  (draft: users cannot open it)"
            )
            item = QListWidgetItem(text)
            item.setData(ID_ROLE, article.id)
            item.setData(TITLE_ROLE, article.title)
            self.results.addItem(item)
        if articles:
            self.results.setCurrentRow(0)
            self.note.setText("")
        else:
            self.note.setText(
                "No article matches." if self.search.text().strip() else "There are no articles yet."
            )
        self.insert_button.setEnabled(bool(articles))

    def choose(self, item: QListWidgetItem | None = None) -> None:
        """Hand back ``item`` (or the selected one) and close."""
        if item is None:
            if self.results.currentRow() < 0:
                return
            item = self.results.currentItem()
        self.chosen.emit(str(item.data(ID_ROLE)), str(item.data(TITLE_ROLE)))
        self.accept()

    @Slot(str)
    def _on_search_text_changed(self, _text: str) -> None:
        self._timer.start()

    @Slot()
    def _on_timer_timeout(self) -> None:
        self.search_now()

    @Slot(QListWidgetItem, QListWidgetItem)
    def _on_results_current_item_changed(self, current: QListWidgetItem | None, _previous: object) -> None:
        self.insert_button.setEnabled(current is not None)

    @Slot(QListWidgetItem)
    def _on_results_item_activated(self, item: QListWidgetItem) -> None:
        self.choose(item)

    @Slot()
    def _on_insert_button_clicked(self) -> None:
        self.choose()

    @Slot()
    def _on_cancel_button_clicked(self) -> None:
        self.reject()
