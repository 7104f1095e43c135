"""Reading articles for the REST API, always through ``readable_articles``.

``q`` is a case-insensitive substring of the title or body (ILIKE), a filter of the list;
ranked full-text search is ``GET /api/search`` (``sync_server/services/search``).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from sync_server.db.models import Article
from sync_server.services.identity.principal import Principal
from sync_server.services.sync.readable import article_condition
from ticketing.domain import ArticleStatus
from ticketing.schemas import ArticleOut, ArticleQuery


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _conditions(f: ArticleQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if f.status is not None:
        conditions.append(Article.status == f.status.value)
    if f.category_id is not None:
        conditions.append(Article.category_id == f.category_id)
    if f.tag is not None:
        conditions.append(Article.tags.contains([f.tag]))
    if f.q and f.q.strip():
        pattern = _like_pattern(f.q.strip())
        conditions.append(
            or_(Article.title.ilike(pattern, escape="\\"), Article.body.ilike(pattern, escape="\\"))
        )
    return conditions


def article_out(article: Article) -> ArticleOut:
    return ArticleOut(
        id=article.id,
        title=article.title,
        body=article.body,
        category_id=article.category_id,
        tags=list(article.tags),
        status=ArticleStatus(article.status),
        author_id=article.author_id,
        source_ticket_id=article.source_ticket_id,
        created_at=article.created_at,
        updated_at=article.updated_at,
        version=article.version,
    )


def list_articles(session: Session, principal: Principal, f: ArticleQuery) -> tuple[list[ArticleOut], int]:
    """The articles the principal may read, filtered, newest change first, and their count."""
    where = and_(article_condition(principal.buckets), *_conditions(f))
    total = session.scalar(select(func.count()).select_from(Article).where(where)) or 0
    rows = session.scalars(
        select(Article)
        .where(where)
        .order_by(Article.updated_at.desc(), Article.id.desc())
        .limit(f.limit)
        .offset(f.offset)
    )
    return [article_out(article) for article in rows], total
