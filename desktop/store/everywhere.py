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
    exists,
    literal,
    select,
    text,
    tuple_,
    union_all,
)
from sqlalchemy.sql.selectable import CTE, Subquery

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

    rank: float
    kind: ResultKind
    doc_id: int


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
    found = _statement(conn, parsed, words, filters)
    if found is None:
        return SearchPage()
    rows = conn.execute(_page(found, after, limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    results = _results(conn, words, [(float(r[0]), ResultKind(r[1]), int(r[2]), str(r[3])) for r in rows])
    last = rows[-1] if rows else None
    cursor = Cursor(float(last[0]), ResultKind(last[1]), int(last[2])) if more and last else None
    return SearchPage(results=results, next_cursor=cursor)


def _priority_keys(conn: Connection) -> dict[str, str]:
    return {str(key).lower(): str(key) for (key,) in conn.exec_driver_sql("SELECT key FROM priorities")}


# --- the ranked statement -------------------------------------------------------------------

d, t, a = schema.search_docs, schema.tickets, schema.articles

# One MATCH, two scores from the same statistics: title and body (weights 10, 4); comments (1).
# Each match's kind and ref_id are read here, once: joined again in each branch, SQLite would
# build a Bloom filter over every document (reading the whole table) for each. CROSS JOIN keeps
# the index as the outer loop.
_MATCHES = text(
    "SELECT d.doc_id AS doc_id, d.kind AS kind, d.ref_id AS ref_id, "
    "bm25(search_index, 10.0, 4.0, 0.0) AS main, bm25(search_index, 0.0, 0.0, 1.0) AS side "
    "FROM search_index CROSS JOIN search_docs d ON d.doc_id = search_index.rowid "
    "WHERE search_index MATCH :fts"
)


def _matches(expression: str) -> CTE:
    """The matches, materialized: the MATCH runs once whichever branches read it."""
    clause = _MATCHES.bindparams(bindparam("fts", expression, type_=String))
    columns = clause.columns(doc_id=Integer, kind=String, ref_id=String, main=Float, side=Float)
    return columns.cte("m").prefix_with("MATERIALIZED")


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


def _branch(
    m: CTE, rank: ColumnElement[Any], kind: ResultKind, *conditions: ColumnElement[bool]
) -> Select[Any]:
    key = (rank.label("rank"), literal(kind.value).label("kind"), m.c.doc_id, m.c.ref_id)
    return select(*key).select_from(m).where(*conditions)


def _kept(
    table: Table, ref_id: ColumnElement[str], conditions: list[ColumnElement[bool]]
) -> list[ColumnElement[bool]]:
    """``conditions`` on the row a match is of, looked up by its key per match (a join would
    let SQLite read the whole table into a Bloom filter first)."""
    if not conditions:
        return []
    return [exists().where(table.c.id == ref_id, *conditions)]


def _statement(
    conn: Connection, parsed: ParsedQuery, words: search.SearchQuery, filters: SearchFilters
) -> Subquery | None:
    """Every ``(rank, kind, doc_id, ref_id)`` the search finds, in no order (``None``: none)."""
    kinds = filters.kinds
    if parsed.filters_tickets:
        kinds = kinds - {ResultKind.ARTICLE}  # status, priority, assignee: tickets only
    ticket_where = _ticket_conditions(conn, parsed, filters)
    pinned = parsed.ticket_number if ResultKind.TICKET in kinds else None
    branches: list[Select[Any]] = []
    if words.match is not None and kinds:
        m = _matches(words.match)
        is_ticket = m.c.kind == search.KIND_TICKET
        ticket_kept = _kept(t, m.c.ref_id, ticket_where)
        if ResultKind.TICKET in kinds:
            not_pinned = (
                [] if pinned is None else [m.c.ref_id.not_in(select(t.c.id).where(t.c.number == pinned))]
            )
            branches.append(
                _branch(m, m.c.main, ResultKind.TICKET, m.c.main < 0, is_ticket, *not_pinned, *ticket_kept)
            )
        if ResultKind.COMMENT in kinds:
            branches.append(_branch(m, m.c.side, ResultKind.COMMENT, m.c.side < 0, is_ticket, *ticket_kept))
        if ResultKind.ARTICLE in kinds:
            article_kept = _kept(a, m.c.ref_id, _date_conditions(a, filters))
            is_article = m.c.kind == search.KIND_ARTICLE
            branches.append(_branch(m, m.c.main, ResultKind.ARTICLE, m.c.main < 0, is_article, *article_kept))
    if pinned is not None:
        key = (
            literal(PINNED_RANK, Float).label("rank"),
            literal(ResultKind.TICKET.value).label("kind"),
            d.c.doc_id,
            d.c.ref_id,
        )
        source = t.join(d, (d.c.kind == search.KIND_TICKET) & (d.c.ref_id == t.c.id))
        branches.append(select(*key).select_from(source).where(t.c.number == pinned, *ticket_where))
    if not branches:
        return None
    return union_all(*branches).subquery("found")


def _page(found: Subquery, after: Cursor | None, limit: int) -> Select[Any]:
    """One page of ``found`` in rank order, strictly after ``after``."""
    key = (found.c.rank, found.c.kind, found.c.doc_id)
    statement = select(*key, found.c.ref_id)
    if after is not None:
        statement = statement.where(
            tuple_(*key) > tuple_(literal(after.rank, Float), literal(int(after.kind)), literal(after.doc_id))
        )
    return statement.order_by(*key).limit(limit)


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


def _results(
    conn: Connection, words: search.SearchQuery, rows: list[tuple[float, ResultKind, int, str]]
) -> list[SearchResult]:
    """The rows of a page with their titles, snippets and, for a comment, which comment."""
    ticket_ids = sorted({ref for _r, kind, _d, ref in rows if kind is not ResultKind.ARTICLE})
    article_ids = sorted({ref for _r, kind, _d, ref in rows if kind is ResultKind.ARTICLE})
    tickets: dict[str, tuple[Any, ...]] = {}
    if ticket_ids:
        rows_found = conn.execute(_TICKETS, {"ids": ticket_ids})
        tickets = {str(row[0]): tuple(row) for row in rows_found}
    articles: dict[str, tuple[Any, ...]] = {}
    if article_ids:
        rows_found = conn.execute(_ARTICLES, {"ids": article_ids})
        articles = {str(row[0]): tuple(row) for row in rows_found}
    commented = sorted({ref for _r, kind, _d, ref in rows if kind is ResultKind.COMMENT})
    best_comments = _matching_comments(conn, words, commented)
    results: list[SearchResult] = []
    for rank, kind, _doc_id, ref in rows:
        if kind is ResultKind.ARTICLE:
            if ref not in articles:
                continue
            _id, title, status, updated, body = articles[ref]
            snippet = _snippet(words, body, title)
            draft = status == ArticleStatus.DRAFT.value
            results.append(
                SearchResult(
                    kind, ref, None, None, str(title), snippet, rank, str(status), str(updated), draft
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
            SearchResult(kind, result_id, ref, number, str(title), snippet, rank, str(status), str(updated))
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
