"""One article as it is read: title, facts (category, tags, author, last change), for staff its
status and the ticket it came from, and the sanitized body."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedWidget, QTextBrowser, QVBoxLayout, QWidget
from typing_extensions import override

from desktop.models.formatting import local_time
from desktop.palette import DRAFT_PILL, PENDING_PILL
from desktop.store.rows import stored_time
from desktop.ui.knowledge.loader import ArticleView
from desktop.ui.widgets.heading import heading_label
from desktop.ui.widgets.status_badge import Pill
from ticketing.knowledge import parse_article_url
from ticketing.richtext import sanitize_html

NOTHING_SELECTED = "Select an article on the left to read it."
MISSING = "This article is not available (it may have been unpublished)."
TICKET_SCHEME = "ticket"


class ArticleBody(QTextBrowser):
    """The body's browser: it follows no link itself and loads nothing an article names."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setAccessibleName("Article text")

    @override
    def loadResource(self, type: int, name: QUrl | str) -> Any:  # (Qt names the first "type")
        return None


class ArticleReader(QWidget):
    """Shows the article given to :meth:`show_article`.

    Signals:
        article_link_clicked(str): a link to another article (its id) was clicked.
        ticket_link_clicked(str): the "from ticket" link (the ticket's id) was clicked.
    """

    article_link_clicked = Signal(str)
    ticket_link_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view: ArticleView | None = None
        self.title = heading_label()
        self.status = Pill(DRAFT_PILL)
        self.pending = Pill(PENDING_PILL)
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.facts.setTextFormat(Qt.TextFormat.PlainText)
        self.facts.setAccessibleName("Article facts")
        self.source = QLabel()
        self.source.setAccessibleName("Source ticket")
        self.source.setTextFormat(Qt.TextFormat.RichText)
        self.source.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.body = ArticleBody()

        content = self.content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        badges = QHBoxLayout()
        badges.addWidget(self.status)
        badges.addWidget(self.pending)
        badges.addStretch(1)
        layout.addLayout(badges)
        layout.addWidget(self.facts)
        layout.addWidget(self.source)
        layout.addWidget(self.body, 1)

        self.empty = QLabel(NOTHING_SELECTED)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setAccessibleName("No article shown")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)

        self.body.anchorClicked.connect(self._on_body_anchor_clicked)
        self.source.linkActivated.connect(self._on_source_link_activated)

    @property
    def article_id(self) -> str | None:
        return None if self.view is None else self.view.article.id

    def show_nothing(self, text: str = NOTHING_SELECTED) -> None:
        self.view = None
        self.empty.setText(text)
        self.stack.setCurrentWidget(self.empty)

    def show_missing(self) -> None:
        self.show_nothing(MISSING)

    def show_article(self, view: ArticleView, *, staff: bool) -> None:
        article = view.article
        self.view = view
        self.title.setText(article.title)
        self.title.setAccessibleName(f"Title: {article.title}")
        self.status.set_text(
            "" if article.is_published or not staff else "Draft", "Draft: users do not see it"
        )
        self.pending.set_text(
            "Pending sync" if staff and article.pending else "", "Changes waiting for the server"
        )
        facts = [f"Category: {view.category_name or '—'}"]
        if article.tags:
            facts.append("Tags: " + ", ".join(article.tags))
        if view.author_name:
            facts.append(f"By {view.author_name}")
        facts.append(f"Updated {local_time(stored_time(article.updated_at))}")
        self.facts.setText("  ·  ".join(facts))
        if staff and article.source_ticket_id is not None:
            number = view.source_ticket_number or "a ticket not on this computer"
            self.source.setText(
                f"From ticket <a href='{TICKET_SCHEME}:{article.source_ticket_id}'>{number}</a>"
            )
            self.source.show()
        else:
            self.source.hide()
        self.body.setHtml(sanitize_html(article.body))
        self.stack.setCurrentWidget(self.content)

    @Slot(QUrl)
    def _on_body_anchor_clicked(self, url: QUrl) -> None:
        article_id = parse_article_url(url.toString())
        if article_id is not None:
            self.article_link_clicked.emit(article_id)
        elif url.scheme() in ("http", "https", "mailto"):
            QDesktopServices.openUrl(url)

    @Slot(str)
    def _on_source_link_activated(self, link: str) -> None:
        self.ticket_link_clicked.emit(link.removeprefix(f"{TICKET_SCHEME}:"))
