"""One search request: parse ``q``, read a page of ranked hits, then fetch the titles, numbers
and snippets of that page only (``ts_headline`` is slow; it never runs on rows not shown)."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from sync_server.db.models import Article, Comment, PriorityLevel, Ticket
from sync_server.services.identity.principal import Principal
from sync_server.services.search import cursor, snippets, statements, syntax
from ticketing.domain import format_ticket_number
from ticketing.search_schemas import SearchKind, SearchQuery, SearchResponse, SearchResult

#: (ticket number, title, headline) of each hit on the page, by kind and id
_Details = dict[tuple[SearchKind, uuid.UUID], tuple[int | None, str, str]]


def _priority_keys(session: Session) -> dict[str, str]:
    return {key.lower(): key for key in session.scalars(select(PriorityLevel.key))}


def _details(
    session: Session, page: list[tuple[SearchKind, uuid.UUID]], query: ColumnElement[object]
) -> _Details:
    details: _Details = {}
    ids = {kind: [row_id for k, row_id in page if k == kind] for kind in SearchKind}
    if ids[SearchKind.TICKET]:
        rows = session.execute(
            select(
                Ticket.id, Ticket.number, Ticket.title, snippets.headline(Ticket.description, query)
            ).where(Ticket.id.in_(ids[SearchKind.TICKET]))
        )
        details.update({(SearchKind.TICKET, r[0]): (r[1], r[2], r[3]) for r in rows})
    if ids[SearchKind.COMMENT]:
        comments = session.execute(
            select(Comment.id, Ticket.number, Ticket.title, snippets.headline(Comment.content, query))
            .join(Ticket, Ticket.id == Comment.ticket_id)
            .where(Comment.id.in_(ids[SearchKind.COMMENT]))
        )
        details.update({(SearchKind.COMMENT, r[0]): (r[1], r[2], r[3]) for r in comments})
    if ids[SearchKind.ARTICLE]:
        articles = session.execute(
            select(Article.id, Article.title, snippets.headline(Article.body, query)).where(
                Article.id.in_(ids[SearchKind.ARTICLE])
            )
        )
        details.update({(SearchKind.ARTICLE, r[0]): (None, r[1], r[2]) for r in articles})
    return details


def search(session: Session, principal: Principal, request: SearchQuery) -> SearchResponse:
    """A page of what ``request.q`` finds among the rows the caller may read, best first."""
    after = cursor.decode(request.cursor) if request.cursor is not None else None
    parsed = syntax.parse(request.q, _priority_keys(session))
    statement = statements.hits(parsed, principal, request.kind, after, request.limit + 1)
    if statement is None:
        return SearchResponse(results=[], next_cursor=None)
    rows: list[tuple[SearchKind, uuid.UUID, float]] = [
        (SearchKind(kind), row_id, float(rank)) for kind, row_id, rank in session.execute(statement)
    ]
    more = len(rows) > request.limit
    rows = rows[: request.limit]
    query = statements.ts_query(parsed) if parsed.has_text else func.plainto_tsquery("")
    details = _details(session, [(kind, row_id) for kind, row_id, _ in rows], query)
    results = []
    for kind, row_id, rank in rows:
        number, title, headline = details[(kind, row_id)]
        results.append(
            SearchResult(
                kind=kind,
                id=row_id,
                ticket_number=None if number is None else format_ticket_number(number),
                title=title,
                snippet=snippets.to_html(headline),
                rank=rank,
            )
        )
    last = rows[-1] if more else None
    next_cursor = cursor.encode(cursor.Position(last[2], last[0], last[1])) if last else None
    return SearchResponse(results=results, next_cursor=next_cursor)
