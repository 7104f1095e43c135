"""The search's SQL: one ranked select per kind, each behind the caller's read rules
(``readable``), united and paged in (rank DESC, kind, id) order. Bound parameters only."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Float,
    Select,
    Text,
    and_,
    cast,
    func,
    literal,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.orm import InstrumentedAttribute

from sync_server.db import search_vectors
from sync_server.db.models import Article, Comment, Ticket
from sync_server.services.identity.principal import Principal
from sync_server.services.search.cursor import Position
from sync_server.services.search.syntax import ParsedQuery
from sync_server.services.sync.readable import article_condition, comment_condition, ticket_condition
from ticketing.search_schemas import SearchKind

#: (kind, id, rank) rows
_Hits = Select[str, uuid.UUID, float]

#: The rank of the ticket that ``#1042`` names: above any text match.
JUMP_RANK = 1.0e9


def ts_query(parsed: ParsedQuery) -> ColumnElement[object]:
    """``websearch_to_tsquery`` of the words, AND the last word as a prefix."""
    query: ColumnElement[object] = func.websearch_to_tsquery(
        literal(search_vectors.CONFIG).cast(REGCONFIG), parsed.words
    )
    if parsed.prefix is not None:
        prefix = func.to_tsquery(literal(search_vectors.CONFIG).cast(REGCONFIG), parsed.prefix + ":*")
        query = query.op("&&")(prefix)
    return query


def _kind(kind: SearchKind) -> ColumnElement[str]:
    return cast(literal(kind.value), Text).label("kind")


def _ticket_filters(parsed: ParsedQuery, principal: Principal) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if parsed.status is not None:
        conditions.append(Ticket.status == parsed.status.value)
    if parsed.priority is not None:
        conditions.append(Ticket.priority == parsed.priority)
    if parsed.assignee_me:
        conditions.append(Ticket.assignee_id == principal.user.id)
    return conditions


def _rank(
    vector: ColumnElement[Any] | InstrumentedAttribute[Any], query: ColumnElement[object]
) -> ColumnElement[float]:
    return cast(func.ts_rank_cd(vector, query), Float)


def _tickets(parsed: ParsedQuery, principal: Principal, query: ColumnElement[object]) -> _Hits:
    conditions = [ticket_condition(principal.buckets), Ticket.search_vector.op("@@")(query)]
    if parsed.ticket_number is not None:
        conditions.append(Ticket.number != parsed.ticket_number)
    return select(
        _kind(SearchKind.TICKET),
        Ticket.id.label("id"),
        _rank(Ticket.search_vector, query).label("rank"),
    ).where(*conditions, *_ticket_filters(parsed, principal))


def _filtered(parsed: ParsedQuery, principal: Principal) -> _Hits:
    """Filters without words (``status:open assignee:me``): the tickets they keep, all alike."""
    return select(
        _kind(SearchKind.TICKET), Ticket.id.label("id"), cast(literal(0.0), Float).label("rank")
    ).where(ticket_condition(principal.buckets), *_ticket_filters(parsed, principal))


def _jump(parsed: ParsedQuery, principal: Principal) -> _Hits:
    return select(
        _kind(SearchKind.TICKET),
        Ticket.id.label("id"),
        cast(literal(JUMP_RANK), Float).label("rank"),
    ).where(ticket_condition(principal.buckets), Ticket.number == parsed.ticket_number)


def _comments(parsed: ParsedQuery, principal: Principal, query: ColumnElement[object]) -> _Hits:
    return (
        select(
            _kind(SearchKind.COMMENT),
            Comment.id.label("id"),
            _rank(Comment.search_vector, query).label("rank"),
        )
        .join(Ticket, Ticket.id == Comment.ticket_id)
        .where(comment_condition(principal), Comment.search_vector.op("@@")(query))
        .where(*_ticket_filters(parsed, principal))
    )


def _articles(principal: Principal, query: ColumnElement[object]) -> _Hits:
    return select(
        _kind(SearchKind.ARTICLE),
        Article.id.label("id"),
        _rank(Article.search_vector, query).label("rank"),
    ).where(article_condition(principal.buckets), Article.search_vector.op("@@")(query))


def hits(
    parsed: ParsedQuery, principal: Principal, kind: SearchKind | None, after: Position | None, limit: int
) -> _Hits | None:
    """(kind, id, rank) of the page after ``after``, ``limit`` rows; None if nothing can match."""
    query = ts_query(parsed)
    wanted = set(SearchKind) if kind is None else {kind}
    parts: list[_Hits] = []
    if parsed.ticket_number is not None and SearchKind.TICKET in wanted:
        parts.append(_jump(parsed, principal))
    if parsed.has_text:
        if SearchKind.TICKET in wanted:
            parts.append(_tickets(parsed, principal, query))
        if SearchKind.COMMENT in wanted:
            parts.append(_comments(parsed, principal, query))
        if SearchKind.ARTICLE in wanted and not parsed.filters_tickets:
            parts.append(_articles(principal, query))
    elif parsed.filters_tickets and SearchKind.TICKET in wanted:
        parts.append(_filtered(parsed, principal))
    if not parts:
        return None
    united: CompoundSelect[str, uuid.UUID, float] | _Hits = union_all(*parts) if len(parts) > 1 else parts[0]
    page = united.subquery("hits")
    statement = select(page.c.kind, page.c.id, page.c.rank)
    if after is not None:
        statement = statement.where(
            or_(
                page.c.rank < after.rank,
                and_(
                    page.c.rank == after.rank, tuple_(page.c.kind, page.c.id) > (after.kind.value, after.id)
                ),
            )
        )
    return statement.order_by(page.c.rank.desc(), page.c.kind, page.c.id).limit(limit)
