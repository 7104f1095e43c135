""" "Maybe this helps": published articles and the user's own solved tickets that match what the
new-ticket form holds, shown beside it while the user types, and what the user did with them.

The panel asks the cache (``desktop.store.suggestions``) off the UI thread, 300 ms after the
last keystroke, so it works offline and never holds typing up; an answer to an older text is
dropped. It keeps the form session's counts (``desktop.store.deflection.FormSession``) and
queues them when the form says the session ended. Opening a suggestion only says so
(``article_opened``, ``ticket_opened``): the portal shows it in its knowledge base or its list,
and the form with its draft stays open.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QSize, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.store import deflection, search, suggestions
from desktop.store.suggestions import KIND_ARTICLE, Suggestion
from desktop.ui.shell.context import AppContext

DEBOUNCE_MS = 300
PANEL_WIDTH = 300
_KEY = Qt.ItemDataRole.UserRole
_KIND_WORDS = {KIND_ARTICLE: "Article"}


class SuggestionsPanel(QWidget):
    """The suggestions beside the new-ticket form.

    Signals:
        article_opened(str): the user opened this article (the portal shows it).
        ticket_opened(str): the user opened this ticket of theirs (the portal selects it).
        suggestions_shown(int): a new answer is on screen, with this many suggestions.
    """

    article_opened = Signal(str)
    ticket_opened = Signal(str)
    suggestions_shown = Signal(int)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._title = ""
        self._description = ""
        self._asked = 0  # which text the latest query was for: older answers are dropped
        self.session: deflection.FormSession | None = None
        self.setFixedWidth(PANEL_WIDTH)
        self.setAccessibleName("Suggestions")

        self.heading = QLabel("<b>Maybe this helps</b>")
        self.heading.setAccessibleName("Suggestions heading")
        self.empty = QLabel("Articles and your solved tickets that match what you write appear here.")
        self.empty.setWordWrap(True)
        self.empty.setAccessibleName("No suggestions")
        self.empty.setStyleSheet("color: palette(mid);")
        self.list = QListWidget()
        self.list.setAccessibleName("Suggestions list")
        self.list.setWordWrap(True)
        self.list.setUniformItemSizes(False)
        self.list.setSpacing(2)
        self.open_button = QPushButton("&Open suggestion")
        self.open_button.setAccessibleName("Open suggestion")
        self.open_button.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.empty)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.open_button)
        self._show_empty(True)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._on_debounce_timeout)
        self.list.itemActivated.connect(self._on_list_item_activated)
        self.list.currentItemChanged.connect(self._on_list_current_item_changed)
        self.open_button.clicked.connect(self._on_open_button_clicked)

    # --- the text and the answers ------------------------------------------------------------

    def set_text(self, title: str, description: str) -> None:
        """What the form holds now (plain text): looked up once typing pauses."""
        self._title, self._description = title, description
        self._debounce.start()

    def suggestions(self) -> list[tuple[str, str]]:
        """(kind, id) of the suggestions on screen, in order."""
        return [self.list.item(row).data(_KEY) for row in range(self.list.count())]

    def _show_empty(self, empty: bool) -> None:
        self.empty.setVisible(empty)
        self.list.setVisible(not empty)
        self.open_button.setVisible(not empty)

    @Slot()
    def _on_debounce_timeout(self) -> None:
        self._asked += 1
        asked, store, title, description = self._asked, self._context.store, self._title, self._description
        self._context.tasks.run(
            lambda: suggestions.suggestions(store, title, description),
            lambda found: self._on_suggestions_found(asked, found),
            owner=self,
        )

    def _on_suggestions_found(self, asked: int, found: list[Suggestion]) -> None:
        if asked != self._asked:
            return  # the user typed on meanwhile: a newer answer is coming
        self.list.clear()
        for suggestion in found:
            self._add(suggestion)
        self._show_empty(not found)
        self.open_button.setEnabled(bool(found))
        if found and self.session is not None:
            self.session.saw([s.key for s in found])
        self.suggestions_shown.emit(len(found))

    def _add(self, suggestion: Suggestion) -> None:
        kind = _KIND_WORDS.get(suggestion.kind, "Your solved ticket")
        snippet = search.snippet_html(suggestion.snippet)
        label = QLabel(
            f"<b>{html.escape(suggestion.title)}</b><br>"
            f"<span style='color: palette(mid);'>{kind}</span>"
            + (
                f" · {snippet}"
                if snippet and search.snippet_plain(suggestion.snippet) != suggestion.title
                else ""
            )
        )
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setWordWrap(True)
        label.setAccessibleName(f"{kind}: {suggestion.title}")
        label.setContentsMargins(4, 3, 4, 3)
        label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        item = QListWidgetItem()
        item.setData(_KEY, suggestion.key)
        item.setToolTip(search.snippet_plain(suggestion.snippet) or suggestion.title)
        width = PANEL_WIDTH - 40
        item.setSizeHint(QSize(width, label.heightForWidth(width) + 6))
        self.list.addItem(item)
        self.list.setItemWidget(item, label)

    # --- opening one -----------------------------------------------------------------------------

    @Slot(QListWidgetItem)
    def _on_list_item_activated(self, item: QListWidgetItem) -> None:
        self.open(item.data(_KEY))

    @Slot(QListWidgetItem, QListWidgetItem)
    def _on_list_current_item_changed(self, current: QListWidgetItem | None, _previous: object) -> None:
        self.open_button.setEnabled(current is not None)

    @Slot()
    def _on_open_button_clicked(self) -> None:
        item = self.list.currentItem() or self.list.item(0)
        if item is not None:
            self.open(item.data(_KEY))

    def open(self, key: tuple[str, str]) -> None:
        """Open a suggestion (counted once per session however often it is opened)."""
        kind, row_id = key
        if self.session is not None:
            self.session.open((kind, row_id))
        if kind == KIND_ARTICLE:
            self.article_opened.emit(row_id)
        else:
            self.ticket_opened.emit(row_id)

    # --- the form session ------------------------------------------------------------------------

    def begin_session(self) -> None:
        """The form was shown: count from now on (a session already running goes on)."""
        if self.session is None:
            self.session = deflection.FormSession()
            self.session.saw(self.suggestions())

    def end_session(
        self, *, submitted: str | None, category_id: str | None, priority: str | None, quitting: bool = False
    ) -> None:
        """The form was submitted (``submitted``: the new ticket's id) or left: queue the
        session's counts if it showed anything, off the UI thread (``quitting``: at once, one
        small write, since the app is going and its background work with it)."""
        session, self.session = self.session, None
        if session is None:
            return
        args = session.record(submitted=submitted, category_id=category_id, priority=priority)
        if args is None:
            return
        store = self._context.store
        if quitting:
            deflection.record_deflection(store, args)
            return
        # owner=None: the form may be gone by the time the record is written; it must still be
        self._context.tasks.run(lambda: deflection.record_deflection(store, args), owner=None)
