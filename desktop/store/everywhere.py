"""The app's one search box over the cache: tickets, comments and articles in one ranked list,
read a page at a time with no cap.

What a user typed is parsed once by :mod:`ticketing.search_syntax` (the server's parser:
``status:``, ``priority:``, ``assignee:me``, ``#1042``/``TKT-1042``), and its words by
:func:`desktop.store.search.parse` (quoted FTS5 terms, the last word a prefix while typing).
One FTS5 ``MATCH`` of the whole document (so ``-word`` leaves a ticket out whatever column
holds the word) gives each document two bm25 scores from the same statistics: over the title
and body (weights 10 and 4 of :data:`desktop.store.search.WEIGHTS`) and over the comments
(weight 1). A document with a title/body score is a ``ticket`` (or ``article``) result; one
with a comments score is also a ``comment`` result, and only for the page's rows is the very
comment that matched found (in Python, over that ticket's cached comments), so the result
opens the ticket there with that comment's snippet. Scores of different kinds compare: they
come from one match (two column-filtered matches would each have their own IDF).

Paging is keyset over ``(rank, kind, doc_id)``: the next page starts strictly after the last
row of the previous one, so pages never overlap nor skip, however many there are. A ticket
number typed alone is pinned first. Nothing here filters by role: the cache holds only what
its account may see (a user's holds no internal notes, no other requester's ticket, no draft).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    Integer,
    Select,
    String,
    Table,
    bindparam,
    case,
    exists,
    literal,
    select,
    text,
    tuple_,
)
from sqlalchemy.sql.selectable import CTE

from desktop.store import schema, search, state
from desktop.store.database import Store
from desktop.store.rows import utc_text
from ticketing.domain import ArticleStatus, Status
from ticketing.search_syntax import ParsedQuery, SearchSyntaxError
from ticketing.search_syntax import parse as parse_syntax

PAGE_SIZE = 50
#: The rank of a ticket whose number was typed: before every scored match (bm25 is negative).
PINNED_RANK = -1.0e308


class ResultKind(enum.IntEnum):
    """What a result is; the value is its place among equal ranks (part of the paging key)."""

    TICKET = 0
    COMMENT = 1
    ARTICLE = 2

    @property
    def label(self) -> str:
        return ("Ticket", "Comment", "Article")[self.value]


ALL_KINDS = frozenset(ResultKind)


class DateField(enum.StrEnum):
    UPDATED = "updated"
    CREATED = "created"


@dataclass(frozen=True)
class SearchFilters:
    """What the dialog's controls add to the typed text. ``status`` is overridden by a typed
    ``status:``; dates are instants, ``date_from`` included, ``date_to`` excluded."""

    kinds: frozenset[ResultKind] = ALL_KINDS
    status: Status | None = None
    priority: str | None = None
    assignee_me: bool = False
    date_field: DateField = DateField.UPDATED
    date_from: dt.datetime | None = None
    date_to: dt.datetime | None = None


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the paging key of its last row (opaque to the UI)."""

    tier: int
    rank: float
    doc_id: int


@dataclass(frozen=True)
class _Row:
    """A found row's paging key and the id of its ticket or article."""

    tier: int
    rank: float
    kind: ResultKind
    doc_id: int
    ref_id: str


@dataclass(frozen=True)
class SearchResult:
    """One row of the results. ``id`` is the ticket's, the comment's or the article's id;
    ``ticket_id`` and ``ticket_number`` are the ticket's (``None`` for an article);
    ``snippet`` carries :data:`desktop.store.search.MARK_START`/``MARK_END`` markers;
    ``status`` is the ticket's status or the article's (``draft``/``published``)."""

    kind: ResultKind
    id: str
    ticket_id: str | None
    ticket_number: int | None
    title: str
    snippet: str
    rank: float
    status: str
    updated: str
    draft: bool = False
    tier: int = 0  # where the words were: see the module's docstring


@dataclass(frozen=True)
class SearchPage:
    """A page of results, the cursor of the next one (``None``: this was the last), or the
    reason the text could not be searched (``error``, for the UI to show beside the box)."""

    results: list[SearchResult] = field(default_factory=list)
    next_cursor: Cursor | None = None
    error: str | None = None

    @property
    def has_more(self) -> bool:
        return self.next_cursor is not None


def search_page(
    store: Store,
    text: str,
    filters: SearchFilters = SearchFilters(),
    after: Cursor | None = None,
    limit: int = PAGE_SIZE,
) -> SearchPage:
    """One page of what ``text`` finds in the cache (see the module's docstring); never raises
    for what a user typed: a bad filter value is the page's ``error``."""
    with store.read() as conn:
        return search_page_in(conn, text, filters, after, limit)


def search_page_in(
    conn: Connection,
    text: str,
    filters: SearchFilters = SearchFilters(),
    after: Cursor | None = None,
    limit: int = PAGE_SIZE,
) -> SearchPage:
    """:func:`search_page` within a read transaction the caller holds."""
    try:
        parsed = parse_syntax(text, _priority_keys(conn))
    except SearchSyntaxError as error:
        return SearchPage(error=error.message)
    if filters.date_from and filters.date_to and filters.date_from >= filters.date_to:
        return SearchPage(error="The date range ends before it starts.")
    words = search.parse(parsed.text)
    if words.match is None and parsed.ticket_number is None:
        return SearchPage()
    rows: list[_Row] = []
    for tier in _tiers(conn, parsed, words, filters):
        if after is not None and tier.number < after.tier:
            continue  # pages before this one ended in a later tier
        within = after if after is not None and after.tier == tier.number else None
        rows += tier.rows(conn, within, limit + 1 - len(rows))
        if len(rows) > limit:
            break  # the page is full: later tiers are not even matched
    more = len(rows) > limit
    rows = rows[:limit]
    results = _results(conn, words, rows)
    last = rows[-1] if rows else None
    cursor = Cursor(last.tier, last.rank, last.doc_id) if more and last else None
    return SearchPage(results=results, next_cursor=cursor)


def _priority_keys(conn: Connection) -> dict[str, str]:
    return {str(key).lower(): str(key) for (key,) in conn.exec_driver_sql("SELECT key FROM priorities")}


# --- the ranked statements ------------------------------------------------------------------

d, t, a = schema.search_docs, schema.tickets, schema.articles

#: A tier's matches, each with its kind and ref_id read once (joined again later, SQLite would
#: build a Bloom filter over every document first) and its score; CROSS JOIN keeps the index
#: as the outer loop. Materialized: the MATCH runs once, whatever reads it.
_MATCHES = (
    "SELECT d.doc_id AS doc_id, d.kind AS kind, d.ref_id AS ref_id, "
    "bm25(search_index, {weights}) AS score "
    "FROM search_index CROSS JOIN search_docs d ON d.doc_id = search_index.rowid "
    "WHERE search_index MATCH :fts"
)
_BY_TEXT = "10.0, 4.0, 0.0"  # :data:`desktop.store.search.WEIGHTS` without the comments
_BY_COMMENTS = "0.0, 0.0, 1.0"
_BY_ALL = "10.0, 4.0, 1.0"
_STATEMENTS = {
    weights: text(_MATCHES.format(weights=weights)) for weights in (_BY_TEXT, _BY_COMMENTS, _BY_ALL)
}
#: A tier with no filter: ranked from the index alone, and only the page's rows looked up in
#: search_docs (looking every match up there first cost as much again as ranking them).
_RANKED = (
    "SELECT s.score, s.doc_id, d.kind, d.ref_id FROM (SELECT rowid AS doc_id, "
    "bm25(search_index, {weights}) AS score FROM search_index WHERE search_index MATCH :fts{after} "
    "ORDER BY score, doc_id LIMIT :limit) AS s CROSS JOIN search_docs d ON d.doc_id = s.doc_id "
    "ORDER BY s.score, s.doc_id"
)
_AFTER = " AND (bm25(search_index, {weights}), rowid) > (:rank, :doc_id)"
_RANKED_STATEMENTS = {
    (weights, after): text(
        _RANKED.format(weights=weights, after=_AFTER.format(weights=weights) if after else "")
    )
    for weights in (_BY_TEXT, _BY_COMMENTS, _BY_ALL)
    for after in (False, True)
}


@dataclass(frozen=True)
class _Tier:
    """One tier of the results: an FTS5 expression, the bm25 weights it is ranked by, which
    document kinds it lists as which result kind, and the filters."""

    number: int
    expression: str | None  # None: the pinned ticket number
    weights: str
    kinds: dict[str, ResultKind]  # search_docs.kind -> result kind
    ticket_where: list[ColumnElement[bool]]
    article_where: list[ColumnElement[bool]]
    pinned: int | None
    unfiltered: bool  # every document the expression matches is a result

    def rows(self, conn: Connection, after: Cursor | None, limit: int) -> list[_Row]:
        """Up to ``limit`` rows of this tier after ``after``, in rank order."""
        if self.unfiltered and self.expression is not None:
            statement = _RANKED_STATEMENTS[(self.weights, after is not None)]
            params: dict[str, Any] = {"fts": self.expression, "limit": limit}
            if after is not None:
                params.update(rank=after.rank, doc_id=after.doc_id)
            found = conn.execute(statement, params)
            return [
                _Row(self.number, float(r[0]), self.kinds[str(r[2])], int(r[1]), str(r[3])) for r in found
            ]
        return [
            _Row(self.number, float(r[0]), ResultKind(r[1]), int(r[2]), str(r[3]))
            for r in conn.execute(self.statement(after, limit))
        ]

    def statement(self, after: Cursor | None, limit: int) -> Select[Any]:
        """Up to ``limit`` rows ``(rank, kind, doc_id, ref_id)`` of this tier after ``after``."""
        if self.expression is None:
            pinned = (literal(PINNED_RANK, Float), literal(ResultKind.TICKET.value), d.c.doc_id, d.c.ref_id)
            source = t.join(d, (d.c.kind == search.KIND_TICKET) & (d.c.ref_id == t.c.id))
            return select(*pinned).select_from(source).where(t.c.number == self.pinned, *self.ticket_where)
        clause = _STATEMENTS[self.weights].bindparams(bindparam("fts", self.expression, type_=String))
        columns = clause.columns(doc_id=Integer, kind=String, ref_id=String, score=Float)
        m = columns.cte(f"tier{self.number}").prefix_with("MATERIALIZED")
        kind = case(*((m.c.kind == doc, result.value) for doc, result in self.kinds.items()))
        conditions: list[ColumnElement[bool]] = []
        if search.KIND_TICKET in self.kinds:
            conditions += _kept(m, search.KIND_TICKET, t, self.ticket_where)
            if self.pinned is not None:  # the pinned ticket is listed once, first
                conditions.append(m.c.ref_id.not_in(select(t.c.id).where(t.c.number == self.pinned)))
        if search.KIND_ARTICLE in self.kinds:
            conditions += _kept(m, search.KIND_ARTICLE, a, self.article_where)
        statement = select(m.c.score, kind, m.c.doc_id, m.c.ref_id)
        statement = statement.where(m.c.kind.in_(list(self.kinds)), *conditions)
        if after is not None:
            later = tuple_(literal(after.rank, Float), literal(after.doc_id))
            statement = statement.where(tuple_(m.c.score, m.c.doc_id) > later)
        return statement.order_by(m.c.score, m.c.doc_id).limit(limit)


def _ticket_conditions(
    conn: Connection, parsed: ParsedQuery, filters: SearchFilters
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    status = parsed.status or filters.status
    if status is not None:
        conditions.append(t.c.status == status.value)
    priority = parsed.priority or filters.priority
    if priority is not None:
        conditions.append(t.c.priority == priority)
    if parsed.assignee_me or filters.assignee_me:
        conditions.append(t.c.assignee_id == state.get(conn, state.USER_ID))
    return conditions + _date_conditions(t, filters)


def _date_conditions(table: Table, filters: SearchFilters) -> list[ColumnElement[bool]]:
    column = table.c[f"{filters.date_field.value}_at"]
    conditions: list[ColumnElement[bool]] = []
    if filters.date_from is not None:
        conditions.append(column >= utc_text(filters.date_from))
    if filters.date_to is not None:
        conditions.append(column < utc_text(filters.date_to))
    return conditions


def _kept(
    m: CTE, kind: str, table: Table, conditions: list[ColumnElement[bool]]
) -> list[ColumnElement[bool]]:
    """``conditions`` on the row of each match of ``kind``, looked up by its key per match (a
    join would let SQLite read the whole table into a Bloom filter first)."""
    if not conditions:
        return []
    return [(m.c.kind != kind) | exists().where(table.c.id == m.c.ref_id, *conditions)]


def _tiers(
    conn: Connection, parsed: ParsedQuery, words: search.SearchQuery, filters: SearchFilters
) -> list[_Tier]:
    """The tiers the search reads, best first: the ticket whose number was typed; the words in
    a title; in a title and body (not a title alone); in the comments; spread over a ticket's
    text and its comments. Each tier's rows are ranked by bm25 with :data:`search.WEIGHTS`."""
    kinds = filters.kinds
    if parsed.filters_tickets:
        kinds = kinds - {ResultKind.ARTICLE}  # status, priority, assignee: tickets only
    ticket_where = _ticket_conditions(conn, parsed, filters)
    article_where = _date_conditions(a, filters)
    pinned = parsed.ticket_number if ResultKind.TICKET in kinds else None

    def tier(
        number: int,
        expression: str | None,
        weights: str,
        doc_kinds: dict[str, ResultKind],
        matches: frozenset[str] = frozenset({search.KIND_TICKET}),
    ) -> _Tier:
        """``matches``: the document kinds ``expression`` can match at all."""
        unfiltered = not (ticket_where or article_where or pinned is not None) and matches <= set(doc_kinds)
        return _Tier(number, expression, weights, doc_kinds, ticket_where, article_where, pinned, unfiltered)

    tiers: list[_Tier] = []
    if pinned is not None:
        tiers.append(tier(0, None, _BY_ALL, {search.KIND_TICKET: ResultKind.TICKET}))
    if words.terms is None:
        return tiers
    terms, excluded = f"({words.terms})", f" NOT ({words.excluded})" if words.excluded else ""
    texts: dict[str, ResultKind] = {}
    if ResultKind.TICKET in kinds:
        texts[search.KIND_TICKET] = ResultKind.TICKET
    if ResultKind.ARTICLE in kinds:
        texts[search.KIND_ARTICLE] = ResultKind.ARTICLE
    in_title, in_text = f"{{title}} : {terms}", f"{{title body}} : {terms}"
    in_comments = f"comments : {terms}"
    if texts:
        both = frozenset({search.KIND_TICKET, search.KIND_ARTICLE})
        tiers.append(tier(1, f"({in_title}){excluded}", _BY_TEXT, texts, both))
        tiers.append(tier(2, f"(({in_text}) NOT ({in_title})){excluded}", _BY_TEXT, texts, both))
    if ResultKind.COMMENT in kinds:
        tiers.append(
            tier(3, f"({in_comments}){excluded}", _BY_COMMENTS, {search.KIND_TICKET: ResultKind.COMMENT})
        )
    if ResultKind.TICKET in kinds:
        spread = f"({terms} NOT ({in_text}) NOT ({in_comments})){excluded}"
        tiers.append(tier(4, spread, _BY_ALL, {search.KIND_TICKET: ResultKind.TICKET}))
    return tiers


# --- the page's details ---------------------------------------------------------------------


_TICKETS = text(
    "SELECT t.id, t.number, t.title, t.status, t.updated_at, d.body FROM tickets t "
    "JOIN search_docs d ON d.kind = 'ticket' AND d.ref_id = t.id WHERE t.id IN :ids"
).bindparams(bindparam("ids", expanding=True))
_ARTICLES = text(
    "SELECT a.id, a.title, a.status, a.updated_at, d.body FROM articles a "
    "JOIN search_docs d ON d.kind = 'article' AND d.ref_id = a.id WHERE a.id IN :ids"
).bindparams(bindparam("ids", expanding=True))
_COMMENTS = text(
    "SELECT id, ticket_id, content, created_at FROM comments WHERE ticket_id IN :ids "
    "ORDER BY ticket_id, created_at, id"
).bindparams(bindparam("ids", expanding=True))


def _results(conn: Connection, words: search.SearchQuery, rows: list[_Row]) -> list[SearchResult]:
    """The rows of a page with their titles, snippets and, for a comment, which comment."""
    ticket_ids = sorted({row.ref_id for row in rows if row.kind is not ResultKind.ARTICLE})
    article_ids = sorted({row.ref_id for row in rows if row.kind is ResultKind.ARTICLE})
    tickets: dict[str, tuple[Any, ...]] = {}
    if ticket_ids:
        rows_found = conn.execute(_TICKETS, {"ids": ticket_ids})
        tickets = {str(row[0]): tuple(row) for row in rows_found}
    articles: dict[str, tuple[Any, ...]] = {}
    if article_ids:
        rows_found = conn.execute(_ARTICLES, {"ids": article_ids})
        articles = {str(row[0]): tuple(row) for row in rows_found}
    commented = sorted({row.ref_id for row in rows if row.kind is ResultKind.COMMENT})
    best_comments = _matching_comments(conn, words, commented)
    results: list[SearchResult] = []
    for row in rows:
        rank, kind, ref, tier = row.rank, row.kind, row.ref_id, row.tier
        if kind is ResultKind.ARTICLE:
            if ref not in articles:
                continue
            _id, title, status, updated, body = articles[ref]
            snippet = _snippet(words, body, title)
            draft = status == ArticleStatus.DRAFT.value
            results.append(
                SearchResult(
                    kind, ref, None, None, str(title), snippet, rank, str(status), str(updated), draft, tier
                )
            )
            continue
        if ref not in tickets:
            continue
        _id, number, title, status, updated, body = tickets[ref]
        result_id, snippet = ref, _snippet(words, body, title)
        if kind is ResultKind.COMMENT:
            if ref not in best_comments:  # the comment left since the index was written
                continue
            result_id, snippet = best_comments[ref]
        results.append(
            SearchResult(
                kind, result_id, ref, number, str(title), snippet, rank, str(status), str(updated), tier=tier
            )
        )
    return results


def _snippet(words: search.SearchQuery, body: object, title: object) -> str:
    return (
        search.marked(str(body or ""), words, window=search.SNIPPET_WORDS)
        or search.marked(str(title or ""), words, window=None)
        or search.document_text(title, rich=False)
    )


def _matching_comments(
    conn: Connection, words: search.SearchQuery, ticket_ids: Sequence[str]
) -> dict[str, tuple[str, str]]:
    """``(comment id, snippet)`` of the comment of each ticket that best matches ``words``:
    the most distinct words found, then the most matches, then the latest."""
    best: dict[str, tuple[tuple[int, int, str], str, str]] = {}
    if not ticket_ids:
        return {}
    comments = conn.execute(_COMMENTS, {"ids": list(ticket_ids)})
    for comment_id, ticket_id, content, created_at in comments:
        plain = search.document_text(content, rich=True)
        snippet = search.marked(plain, words, window=search.SNIPPET_WORDS)
        if snippet is None:
            continue
        found = _found_words(plain, words)
        score = (len(found), snippet.count(search.MARK_START), str(created_at))
        current = best.get(str(ticket_id))
        if current is None or score > current[0]:
            best[str(ticket_id)] = (score, str(comment_id), snippet)
    return {ticket_id: (comment_id, snippet) for ticket_id, (_s, comment_id, snippet) in best.items()}


def _found_words(plain: str, words: search.SearchQuery) -> set[str]:
    found: set[str] = set()
    for token in search.words_of(plain):
        word = search.fold(token)
        if word in words.words:
            found.add(word)
        elif words.prefix is not None and word.startswith(words.prefix):
            found.add("\x00prefix")
    return found
