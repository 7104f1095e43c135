"""Reading knowledge-base articles from the cache as plain rows, for the knowledge-base window,
the ticket view's linked articles and the reply's link picker.

The cache holds only the articles its account may read (staff: all; users: published), so
nothing here filters by role.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, Select, exists, select

from desktop.store import schema, search
from desktop.store.database import Store
from desktop.store.rows import tags_of
from ticketing.domain import ArticleStatus, format_ticket_number

a = schema.articles


@dataclass(frozen=True)
class ArticleRow:
    id: str
    title: str
    body: str
    category_id: str | None
    tags: tuple[str, ...]
    status: ArticleStatus
    author_id: str
    source_ticket_id: str | None
    created_at: str
    updated_at: str
    version: int
    pending: bool  # a change made here is not confirmed by the server yet

    @property
    def is_published(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED


def _select() -> Select[Any]:
    pending = exists().where(schema.outbox.c.ticket_id == a.c.id).label("pending")
    return select(a, pending)


def _row(values: Row[Any]) -> ArticleRow:
    r = values._mapping
    return ArticleRow(
        id=r["id"],
        title=r["title"],
        body=r["body"],
        category_id=r["category_id"],
        tags=tuple(tags_of(r["tags"])),
        status=ArticleStatus(r["status"]),
        author_id=r["author_id"],
        source_ticket_id=r["source_ticket_id"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
        version=r["version"],
        pending=bool(r["pending"]),
    )


def article_in(conn: Connection, article_id: str) -> ArticleRow | None:
    found = conn.execute(_select().where(a.c.id == str(article_id))).one_or_none()
    return None if found is None else _row(found)


def article(store: Store, article_id: str) -> ArticleRow | None:
    with store.read() as conn:
        return article_in(conn, article_id)


def list_articles(
    store: Store, *, status: ArticleStatus | None = None, source_ticket_id: str | None = None
) -> list[ArticleRow]:
    """Articles newest change first, optionally of one status or made from one ticket."""
    stmt = _select().order_by(a.c.updated_at.desc(), a.c.id.desc())
    if status is not None:
        stmt = stmt.where(a.c.status == status.value)
    if source_ticket_id is not None:
        stmt = stmt.where(a.c.source_ticket_id == str(source_ticket_id))
    with store.read() as conn:
        return [_row(values) for values in conn.execute(stmt)]


def matching_ids(store: Store, words: str) -> list[str]:
    """The articles whose title or body has ``words`` (full-text, prefixes while typing), best
    first; ``[]`` for a search without words."""
    with store.read() as conn:
        return search.article_ids(conn, words)


def user_names(store: Store, user_ids: Iterable[str]) -> dict[str, str]:
    """The names of the accounts the cache knows among ``user_ids`` (articles' authors)."""
    wanted = sorted({str(user_id) for user_id in user_ids})
    if not wanted:
        return {}
    u = schema.users
    with store.read() as conn:
        return {r.id: r.name for r in conn.execute(select(u.c.id, u.c.name).where(u.c.id.in_(wanted)))}


def ticket_number(store: Store, ticket_id: str) -> str | None:
    """``TKT-1042`` (or ``Draft``) for a ticket in the cache; ``None`` if the cache lacks it."""
    t = schema.tickets
    with store.read() as conn:
        found = conn.execute(select(t.c.number).where(t.c.id == str(ticket_id))).one_or_none()
    return None if found is None else format_ticket_number(found.number)
