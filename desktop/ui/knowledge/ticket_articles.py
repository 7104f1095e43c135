"""The articles of one ticket, for staff in the ticket view: links to those made from it, and
"Create article from ticket" once the ticket is Resolved or Closed."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from desktop.store.article_queries import ArticleRow
from ticketing.knowledge import article_url, parse_article_url


class TicketArticles(QWidget):
    """Shown by the ticket view to staff only.

    Signals:
        create_requested(): "Create article from ticket" was clicked.
        article_requested(str): a linked article (its id) was clicked.
    """

    create_requested = Signal()
    article_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ids: list[str] = []
        self.links = QLabel()
        self.links.setAccessibleName("Articles from this ticket")
        self.links.setTextFormat(Qt.TextFormat.RichText)
        self.links.setWordWrap(True)
        self.links.setTextInteractionFlags(
            Qt.TextInteractionFlag.LinksAccessibleByMouse | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        self.create_button = QPushButton("Create article from ticket")
        self.create_button.setAccessibleName("Create article from ticket")
        self.create_button.setToolTip(
            "A draft article with this ticket's question and solution, for you to rewrite and publish"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.links, 1)
        layout.addWidget(self.create_button)
        self.create_button.clicked.connect(self._on_create_button_clicked)
        self.links.linkActivated.connect(self._on_links_link_activated)

    def show_articles(self, articles: list[ArticleRow], *, can_create: bool) -> None:
        """Link ``articles``; offer the button if the ticket may become an article."""
        self.create_button.setVisible(can_create)
        self._ids = [a.id for a in articles]
        if articles:
            links = ", ".join(
                f"<a href='{article_url(a.id)}'>{escape(a.title)}</a>"
                + ("" if a.is_published else " (draft)")
                for a in articles
            )
            self.links.setText(f"Articles from this ticket: {links}")
        else:
            self.links.setText("")
        self.links.setVisible(bool(articles))
        self.setVisible(can_create or bool(articles))

    def article_ids(self) -> list[str]:
        """The linked articles' ids, in the order shown."""
        return list(self._ids)

    @Slot()
    def _on_create_button_clicked(self) -> None:
        self.create_requested.emit()

    @Slot(str)
    def _on_links_link_activated(self, link: str) -> None:
        article_id = parse_article_url(link)
        if article_id is not None:
            self.article_requested.emit(article_id)
