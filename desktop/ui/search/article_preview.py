"""A read-only view of one article, opened from a search result until the knowledge base's own
window is there (``open_article`` on the main window replaces it: this module then goes)."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from desktop.store import article_queries
from desktop.store.article_queries import ArticleRow
from desktop.ui.shell.context import AppContext
from ticketing.domain import ArticleStatus
from ticketing.richtext import sanitize_html


def article_html(article: ArticleRow) -> str:
    """The article as the preview shows it: its title, a draft note, its body sanitized again."""
    draft = "<p><i>Draft: not published to users.</i></p>" if article.status is ArticleStatus.DRAFT else ""
    return f"<h2>{escape(article.title)}</h2>{draft}{sanitize_html(article.body)}"


class ArticlePreviewDialog(QDialog):
    """Shows one article, read from the cache in the background."""

    def __init__(self, context: AppContext, article_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Article")
        self.resize(640, 520)
        self.article_id = article_id
        self.browser = QTextBrowser()
        self.browser.setAccessibleName("Article")
        self.browser.setOpenExternalLinks(False)
        self.browser.setPlainText("Loading…")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        buttons.rejected.connect(self.reject)
        store = context.store
        context.tasks.run(
            lambda: article_queries.article(store, article_id),
            self._on_article_read,
            lambda error: self.browser.setPlainText(f"The article could not be read: {error}"),
            owner=self,
        )

    def _on_article_read(self, article: ArticleRow | None) -> None:
        if article is None:
            self.browser.setPlainText("This article is no longer available on this computer.")
            return
        self.setWindowTitle(f"Article — {article.title}")
        self.browser.setHtml(article_html(article))
