"""The knowledge base's window, for every role: the list of articles on the left, the one
selected on the right; for staff also New article and Edit.

Everything is read from the cache in the background (:mod:`desktop.ui.knowledge.loader`), so
it works offline; the window reads again when the cache announces a change of articles.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QSplitter, QToolBar, QVBoxLayout, QWidget
from typing_extensions import override

from desktop.store.database import ChangeSet
from desktop.store.queries import CategoryRow
from desktop.ui.knowledge.editor import ArticleEditor
from desktop.ui.knowledge.library import ArticleLibrary
from desktop.ui.knowledge.loader import ArticleView, Library, load_article, load_library
from desktop.ui.knowledge.reader import ArticleReader
from desktop.ui.shell.context import AppContext
from desktop.ui.shell.outcome import Outcome, show_outcome


class KnowledgeBaseWindow(QMainWindow):
    """Lists, searches and reads articles; staff also write them (:class:`ArticleEditor`).

    Signals:
        ticket_requested(str): staff clicked the "from ticket" link (the ticket's id).
    """

    ticket_requested = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._staff = context.user.is_staff
        self._list_generation = 0
        self._article_generation = 0
        self._wanted: str | None = None  # the article to show once read (open_article, selection)
        self._stale = False  # the cache changed while the window was hidden
        self.editors: dict[str | None, ArticleEditor] = {}  # by article id; None: a new one
        self.setWindowTitle("Knowledge base — Ticketdesk")
        self.resize(1100, 700)

        self.library = ArticleLibrary(staff=self._staff)
        self.reader = ArticleReader()
        self.message = QLabel()
        self.message.setAccessibleName("Knowledge base message")
        self.message.hide()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.library)
        self.splitter.addWidget(self.reader)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.addWidget(self.splitter)
        self.setCentralWidget(central)
        self.statusBar().addWidget(self.message, 1)

        self.new_action = QAction("&New article", self)
        self.new_action.setShortcut(QKeySequence(QKeySequence.StandardKey.New))
        self.new_action.setToolTip("Write a new article (a draft until you publish it)")
        self.edit_action = QAction("&Edit article", self)
        self.edit_action.setShortcut(QKeySequence("Ctrl+E"))
        self.edit_action.setToolTip("Edit, publish or unpublish the article shown")
        self.edit_action.setEnabled(False)
        self.find_action = QAction("&Find", self)
        self.find_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        self.addAction(self.find_action)
        self.toolbar: QToolBar | None = None
        if self._staff:  # users never see the editor's controls
            self.toolbar = self.addToolBar("Articles")
            self.toolbar.setObjectName("Articles")
            self.toolbar.setMovable(False)
            self.toolbar.addAction(self.new_action)
            self.toolbar.addAction(self.edit_action)

        self.library.query_changed.connect(self._on_library_query_changed)
        self.library.current_changed.connect(self._on_library_current_changed)
        self.reader.article_link_clicked.connect(self._on_reader_article_link_clicked)
        self.reader.ticket_link_clicked.connect(self._on_reader_ticket_link_clicked)
        self.new_action.triggered.connect(self._on_new_action_triggered)
        self.edit_action.triggered.connect(self._on_edit_action_triggered)
        self.find_action.triggered.connect(self._on_find_action_triggered)
        context.sync.data_changed.connect(self._on_sync_data_changed)
        self.reload()

    # --- reading -----------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the list again with the current filters."""
        self._list_generation += 1
        generation, store, query = self._list_generation, self._context.store, self.library.query()
        self._context.tasks.run(
            lambda: load_library(store, query),
            lambda library: self._on_library_loaded(generation, library),
            self._on_load_failed,
            owner=self,
        )

    def _on_library_loaded(self, generation: int, library: Library) -> None:
        if generation != self._list_generation:
            return
        self.library.show_library(library)
        if self._wanted is not None:
            self.library.select(self._wanted)

    def open_article(self, article_id: str) -> None:
        """Show ``article_id`` (selected in the list, all filters cleared so that it is there),
        or say that it is not available on this computer."""
        if self.library.query().filtered:
            self.library.clear_filters()
            self.reload()
        self.library.select(article_id)
        self._show_article(article_id)

    def _show_article(self, article_id: str | None) -> None:
        self._wanted = article_id
        self._article_generation += 1
        if article_id is None:
            self.reader.show_nothing()
            self.edit_action.setEnabled(False)
            return
        generation, store = self._article_generation, self._context.store
        self._context.tasks.run(
            lambda: load_article(store, article_id),
            lambda view: self._on_article_loaded(generation, view),
            self._on_load_failed,
            owner=self,
        )

    def _on_article_loaded(self, generation: int, view: ArticleView | None) -> None:
        if generation != self._article_generation:
            return
        if view is None:
            self.reader.show_missing()
        else:
            self.reader.show_article(view, staff=self._staff)
        self.edit_action.setEnabled(self._staff and view is not None)

    def _on_load_failed(self, error: BaseException) -> None:
        show_outcome(self.message, Outcome.failed(error, "read the knowledge base"))

    # --- writing (staff) ---------------------------------------------------------------------

    def new_article(self) -> ArticleEditor | None:
        """Open the editor on a new article (staff; ``None`` for anyone else)."""
        if not self._staff:
            return None
        library = self.library.library
        return self._open_editor(None, None, library.categories if library is not None else [])

    def edit_article(self, article_id: str) -> None:
        """Open the editor on ``article_id`` once it is read (raised if already open); the
        reader shows it too. Only staff get an editor; anyone else just reads the article."""
        self.open_article(article_id)
        if not self._staff:
            return
        if article_id in self.editors:
            self._raise(self.editors[article_id])
            return
        store = self._context.store

        def loaded(view: ArticleView | None) -> None:
            if view is None:
                self.reader.show_missing()
                return
            library = self.library.library
            self._open_editor(article_id, view, library.categories if library is not None else [])

        self._context.tasks.run(
            lambda: load_article(store, article_id), loaded, self._on_load_failed, owner=self
        )

    def _open_editor(
        self, key: str | None, view: ArticleView | None, categories: list[CategoryRow]
    ) -> ArticleEditor:
        editor = self.editors.get(key)
        if editor is None:
            editor = ArticleEditor(self._context, view, categories, self)
            editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            editor.saved.connect(self._on_editor_saved)
            editor.destroyed.connect(lambda _=None, e=editor: self._forget_editor(e))
            self.editors[key] = editor
        self._raise(editor)
        return editor

    def _forget_editor(self, editor: ArticleEditor) -> None:
        for key, open_editor in list(self.editors.items()):
            if open_editor is editor:
                del self.editors[key]

    @staticmethod
    def _raise(widget: QWidget) -> None:
        widget.show()
        widget.raise_()
        widget.activateWindow()

    @Slot(str)
    def _on_editor_saved(self, article_id: str) -> None:
        editor = self.editors.get(None)
        if editor is not None and editor.article_id == article_id:  # a new article has its id now
            del self.editors[None]
            self.editors[article_id] = editor
        self._show_article(article_id)
        self.library.select(article_id)

    # --- slots -------------------------------------------------------------------------------

    @Slot()
    def _on_library_query_changed(self) -> None:
        self.reload()

    @Slot(object)
    def _on_library_current_changed(self, article_id: str | None) -> None:
        self._show_article(article_id)

    @Slot(str)
    def _on_reader_article_link_clicked(self, article_id: str) -> None:
        self.open_article(article_id)

    @Slot(str)
    def _on_reader_ticket_link_clicked(self, ticket_id: str) -> None:
        self.ticket_requested.emit(ticket_id)

    @Slot()
    def _on_new_action_triggered(self) -> None:
        self.new_article()

    @Slot()
    def _on_edit_action_triggered(self) -> None:
        article_id = self.reader.article_id
        if article_id is not None:
            self.edit_article(article_id)

    @Slot()
    def _on_find_action_triggered(self) -> None:
        self.library.search.setFocus()
        self.library.search.selectAll()

    @override
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self.reload()
            if self._wanted is not None:
                self._show_article(self._wanted)

    @Slot(object)
    def _on_sync_data_changed(self, change: ChangeSet) -> None:
        if not self.isVisible():  # closed: read again when shown
            self._stale = self._stale or bool(change)
            return
        if change.articles or change.everything or change.reference or change.outbox:
            self.reload()  # outbox: an article's "pending sync" mark may have gone
            if self._wanted is not None and (
                change.everything or change.reference or self._wanted in change.articles
            ):
                self._show_article(self._wanted)
