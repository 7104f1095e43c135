"""Reading knowledge-base articles from the cache as plain rows (a later window lists them).

The cache holds only the articles its account may read (staff: all; users: published), so
nothing here filters by role.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, Select, exists, select

from desktop.store import schema
from desktop.store.database import Store
from desktop.store.rows import tags_of
from ticketing.domain import ArticleStatus

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
