"""Writing an article (support staff only): title, rich-text body, category and tags, saved
offline with :mod:`desktop.store.article_commands`, then published or unpublished.

A draft made from a ticket quotes its requester; the editor says so in a banner and asks before
publishing it. A refused save (an empty title, a bad tag) is explained and the text stays;
closing with changes not saved asks whether to save them, discard them or keep editing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from desktop.palette import LIGHT
from desktop.store import article_commands, queries
from desktop.store.database import ChangeSet, Store
from desktop.ui.knowledge.loader import ArticleView, load_article
from desktop.ui.shell.context import AppContext
from desktop.ui.shell.outcome import Outcome, show_outcome
from desktop.ui.widgets.rich_text_editor import RichTextEditor
from ticketing.schemas import normalize_tags

FROM_TICKET_WARNING = (
    "This draft quotes the requester's ticket. Rewrite it without their personal details before publishing."
)


@dataclass(frozen=True)
class ArticleFields:
    """What the editor holds, checked: the values a save sends."""

    title: str
    body: str
    category_id: str | None
    tags: list[str]


def parse_tags(text: str) -> list[str]:
    """Comma-separated tags as an article keeps them (``ValueError`` says what is wrong)."""
    return normalize_tags([tag for tag in text.split(",") if tag.strip()])


def save_fields(store: Store, article_id: str | None, fields: ArticleFields) -> str:
    """Create the article (``article_id`` is ``None``) or edit it; its id."""
    if article_id is None:
        return article_commands.create_article(
            store, title=fields.title, body=fields.body, category_id=fields.category_id, tags=fields.tags
        )
    article_commands.edit_article(
        store,
        article_id,
        title=fields.title,
        body=fields.body,
        category_id=fields.category_id,
        tags=fields.tags,
    )
    return article_id


class ArticleEditor(QDialog):
    """Edits one article (or a new one); not modal, so the reader and tickets stay usable.

    Signals:
        saved(str): the article (its id) was saved or its status changed, locally.
    """

    saved = Signal(str)

    def __init__(
        self,
        context: AppContext,
        view: ArticleView | None,
        categories: list[queries.CategoryRow],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self.view = view
        #: The article's id once it exists (a new article gets one from its first save).
        self._article_id = None if view is None else view.article.id
        self.setWindowTitle("New article" if view is None else f"Edit article — {view.article.title}")
        self.resize(760, 640)
        self.title = QLineEdit()
        self.title.setAccessibleName("Article title")
        self.title.setMaxLength(200)
        self.category = QComboBox()
        self.category.setAccessibleName("Article category")
        self.category.addItem("No category", None)
        current = None if view is None else view.article.category_id
        for category in categories:
            if category.is_active or category.id == current:
                self.category.addItem(category.name, category.id)
        self.tags = QLineEdit()
        self.tags.setAccessibleName("Article tags")
        self.tags.setPlaceholderText("printer, vpn, …  (separated by commas)")
        self.body = RichTextEditor("Article body")
        self.warning = QLabel(FROM_TICKET_WARNING)
        self.warning.setWordWrap(True)
        self.warning.setAccessibleName("Warning")
        self.warning.setStyleSheet(
            f"background: {LIGHT.internal_background}; border: 2px solid {LIGHT.internal_border};"
            f" color: {LIGHT.text}; padding: 8px; font-weight: bold;"
        )
        self.state = QLabel()
        self.state.setAccessibleName("Article status")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Editor message")
        self.message.hide()
        self.save_button = QPushButton("&Save")
        self.save_button.setAccessibleName("Save")
        self.save_button.setToolTip(
            "Save the article on this computer; it goes to the server with the next sync"
        )
        self.publish_button = QPushButton("&Publish")
        self.publish_button.setAccessibleName("Publish")
        self.publish_button.setToolTip("Save and publish: every user can read it")
        self.unpublish_button = QPushButton("&Unpublish")
        self.unpublish_button.setAccessibleName("Unpublish")
        self.unpublish_button.setToolTip("Make it a draft again: users no longer see it")
        self.close_button = QPushButton("Close")
        self.close_button.setAccessibleName("Close")

        form = QFormLayout()
        form.addRow("&Title:", self.title)
        form.addRow("&Category:", self.category)
        form.addRow("Ta&gs:", self.tags)
        buttons = QHBoxLayout()
        buttons.addWidget(self.state)
        buttons.addStretch(1)
        for button in (self.save_button, self.publish_button, self.unpublish_button, self.close_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.warning)
        layout.addLayout(form)
        layout.addWidget(self.body, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

        if view is not None:
            article = view.article
            self.title.setText(article.title)
            self.category.setCurrentIndex(max(0, self.category.findData(article.category_id)))
            self.tags.setText(", ".join(article.tags))
            self.body.set_html(article.body)
        self._show_state()
        #: What the fields held when last loaded or saved: closing with anything else asks.
        self._saved_snapshot = self._snapshot()
        self._close_after_save = False

        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.publish_button.clicked.connect(self._on_publish_button_clicked)
        self.unpublish_button.clicked.connect(self._on_unpublish_button_clicked)
        self.close_button.clicked.connect(self._on_close_button_clicked)
        context.sync.data_changed.connect(self._on_sync_data_changed)

    @property
    def article_id(self) -> str | None:
        return self._article_id

    @property
    def quotes_a_ticket(self) -> bool:
        """A draft from a ticket: it holds the requester's words until someone rewrites it."""
        return self.view is not None and self.view.article.source_ticket_id is not None and not self.published

    @property
    def published(self) -> bool:
        return self.view is not None and self.view.article.is_published

    def _show_state(self) -> None:
        self.warning.setVisible(self.quotes_a_ticket)
        if self.view is None:
            self.state.setText("New draft, not saved yet")
        else:
            self.state.setText("Published" if self.published else "Draft: users do not see it")
        self.publish_button.setVisible(not self.published)
        self.unpublish_button.setVisible(self.published)

    def fields(self) -> ArticleFields | None:
        """The editor's values, or ``None`` after saying what is wrong (nothing typed is lost)."""
        title = self.title.text().strip()
        if not title:
            self._show(Outcome("An article needs a title.", refused=True))
            self.title.setFocus()
            return None
        try:
            tags = parse_tags(self.tags.text())
        except ValueError as error:
            self._show(Outcome(f"Tags: {error}.", refused=True))
            self.tags.setFocus()
            return None
        return ArticleFields(title, self.body.html(), self.category.currentData(), tags)

    def _snapshot(self) -> tuple[Any, ...]:
        return (self.title.text(), self.body.html(), self.category.currentData(), self.tags.text())

    @property
    def has_unsaved_changes(self) -> bool:
        return self._snapshot() != self._saved_snapshot

    def save(self) -> None:
        fields = self.fields()
        if fields is not None:
            article_id = self.article_id
            self._run(
                lambda store: save_fields(store, article_id, fields),
                "Saved; it will be sent with the next sync.",
            )
        else:
            self._close_after_save = False  # refused: the editor stays open with the text

    @override
    def reject(self) -> None:
        """Close (the Close button, Escape, the window's close box), after asking what to do
        with changes not saved yet."""
        if not self.has_unsaved_changes:
            super().reject()
            return
        answer = QMessageBox.question(
            self,
            "Save this article?",
            "The article has changes that are not saved. Save them before closing?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Discard:
            super().reject()
        elif answer == QMessageBox.StandardButton.Save:
            self._close_after_save = True
            self.save()

    def publish(self) -> None:
        """Save, then publish (after asking, for a draft that quotes a ticket)."""
        fields = self.fields()
        if fields is None or not self._confirm_publish():
            return
        article_id = self.article_id

        def work(store: Store) -> str:
            saved_id = save_fields(store, article_id, fields)
            article_commands.publish(store, saved_id)
            return saved_id

        self._run(work, "Published; users see it after the next sync.")

    def unpublish(self) -> None:
        article_id = self.article_id
        if article_id is None:
            return

        def work(store: Store) -> str:
            article_commands.unpublish(store, article_id)
            return article_id

        self._run(work, "Unpublished: it is a draft again; users no longer see it after the next sync.")

    def _confirm_publish(self) -> bool:
        if not self.quotes_a_ticket:
            return True
        answer = QMessageBox.question(
            self,
            "Publish this draft?",
            f"{FROM_TICKET_WARNING}\n\nEvery user will be able to read it. Publish it now?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _run(self, work: Callable[[Store], str], done_text: str) -> None:
        store = self._context.store
        self._set_busy(True)
        snapshot = self._snapshot()

        def done(article_id: str) -> None:
            self._article_id = article_id
            self._saved_snapshot = snapshot
            self._set_busy(False)
            self._show(Outcome.done(done_text))
            self._reload(article_id)
            self.saved.emit(article_id)
            if self._close_after_save:
                self._close_after_save = False
                self.reject()  # closes now, unless more was typed while it saved

        def failed(error: BaseException) -> None:
            self._close_after_save = False
            self._set_busy(False)
            self._show(Outcome.failed(error, "save the article"))

        self._context.tasks.run(lambda: work(store), done, failed, owner=self)

    def _reload(self, article_id: str) -> None:
        """Read the article's status back (the typed fields stay as they are)."""
        store = self._context.store
        self._context.tasks.run(lambda: load_article(store, article_id), self._on_article_loaded, owner=self)

    def _on_article_loaded(self, view: ArticleView | None) -> None:
        if view is not None:
            self.view = view
            self.setWindowTitle(f"Edit article — {view.article.title}")
            self._show_state()

    def _set_busy(self, busy: bool) -> None:
        for button in (self.save_button, self.publish_button, self.unpublish_button):
            button.setEnabled(not busy)

    def _show(self, outcome: Outcome) -> None:
        show_outcome(self.message, outcome)

    @Slot()
    def _on_save_button_clicked(self) -> None:
        self.save()

    @Slot()
    def _on_publish_button_clicked(self) -> None:
        self.publish()

    @Slot()
    def _on_unpublish_button_clicked(self) -> None:
        self.unpublish()

    @Slot()
    def _on_close_button_clicked(self) -> None:
        self.close()

    @Slot(object)
    def _on_sync_data_changed(self, change: ChangeSet) -> None:
        article_id = self.article_id
        if article_id is not None and (change.everything or article_id in change.articles):
            self._reload(article_id)  # published or unpublished elsewhere: the buttons follow
