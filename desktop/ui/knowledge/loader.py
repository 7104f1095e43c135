"""What the knowledge-base views show, read from the cache in one background task each (no Qt
here: these functions run in the task pool)."""

from __future__ import annotations

from dataclasses import dataclass, field

from desktop.store import article_queries, queries
from desktop.store.article_queries import ArticleRow
from desktop.store.database import Store
from ticketing.domain import ArticleStatus


@dataclass(frozen=True)
class LibraryQuery:
    """The list's filters: words to search, a category, a status (staff only)."""

    search: str = ""
    category_id: str | None = None
    status: ArticleStatus | None = None

    @property
    def filtered(self) -> bool:
        return bool(self.search.strip()) or self.category_id is not None or self.status is not None


@dataclass(frozen=True)
class Library:
    """One reading of the list: the articles the query finds (best match first while
    searching, else newest change first), the categories to filter by and to name, and
    whether the cache holds any article at all (for the empty state)."""

    query: LibraryQuery
    articles: list[ArticleRow] = field(default_factory=list)
    categories: list[queries.CategoryRow] = field(default_factory=list)
    any_articles: bool = False

    def category_name(self, category_id: str | None) -> str:
        return next((c.name for c in self.categories if c.id == category_id), "")


def _ranked(store: Store, articles: list[ArticleRow], words: str) -> list[ArticleRow]:
    """Those of ``articles`` whose title or body has ``words`` (the cache's full-text index),
    best match first."""
    rank = {article_id: n for n, article_id in enumerate(article_queries.matching_ids(store, words))}
    return sorted((a for a in articles if a.id in rank), key=lambda a: rank[a.id])


def load_library(store: Store, query: LibraryQuery) -> Library:
    articles = article_queries.list_articles(store, status=query.status)
    any_articles = bool(articles) or (query.status is not None and bool(article_queries.list_articles(store)))
    if query.category_id is not None:
        articles = [a for a in articles if a.category_id == query.category_id]
    if query.search.strip():
        articles = _ranked(store, articles, query.search)
    categories = queries.categories(store, include_inactive=True)
    return Library(query, articles, categories, any_articles)


@dataclass(frozen=True)
class ArticleView:
    """One article with the names the reader shows beside it."""

    article: ArticleRow
    category_name: str
    author_name: str
    source_ticket_number: str | None  # None: no source ticket, or not in this cache


def load_article(store: Store, article_id: str) -> ArticleView | None:
    """The article with its names, or ``None`` if the cache lacks it (a user's cache has only
    published articles: one unpublished since the link was written is gone)."""
    article = article_queries.article(store, article_id)
    if article is None:
        return None
    categories = {c.id: c.name for c in queries.categories(store, include_inactive=True)}
    author = article_queries.user_names(store, [article.author_id]).get(article.author_id, "")
    number = None
    if article.source_ticket_id is not None:
        number = article_queries.ticket_number(store, article.source_ticket_id)
    return ArticleView(article, categories.get(article.category_id or "", ""), author, number)


def load_picks(store: Store, words: str) -> list[ArticleRow]:
    """Articles for the reply's link picker: those matching ``words`` (all, without words),
    published before drafts, then best match (or newest change) first."""
    articles = article_queries.list_articles(store)
    if words.strip():
        articles = _ranked(store, articles, words)
    return sorted(articles, key=lambda a: not a.is_published)  # stable: keeps the order within each
