"""The app's one search box over the cache: tickets, comments and articles in one ranked list,
read a page at a time with no cap.

What a user typed is parsed once by :mod:`ticketing.search_syntax` (the server's parser:
``status:``, ``priority:``, ``assignee:me``, ``#1042``/``TKT-1042``), and its words by
:func:`desktop.store.search.parse` (quoted FTS5 terms, the last word a prefix while typing).
Results come in tiers, best first: the ticket whose number was typed alone; the words in a
title; in title and body; in the comments (``comment`` results); spread over a ticket's text and
its comments. Filters typed without words (``status:open assignee:me``) list the tickets they
keep, most recently updated first, as the server's search does. Each tier is one FTS5
column-filtered ``MATCH`` ranked by bm25 with the weights of
:data:`desktop.store.search.WEIGHTS`, and a tier is read only while the page is not full (a
common word's first page ranks its title matches only). ``-word`` leaves a document out whatever
column holds the word. For a comment result, the very comment that matched is found only for the
page's rows (in Python, over that ticket's cached comments), so the result opens the ticket
there with that comment's snippet.

Paging is keyset over ``(tier, rank, doc_id)``: the next page starts strictly after the last
row of the previous one, so pages never overlap nor skip, however many there are. Filters are
checked per match by the index's rowid before bm25 runs, and only a page's rows are looked up
in ``search_docs``. Nothing here filters by role: the cache holds only what its account may
see (a user's holds no internal notes, no other requester's ticket, no draft).
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
    func,
    literal,
    literal_column,
    select,
    text,
    tuple_,
)

from desktop.store import schema, search, state
from desktop.store.database import Store
from desktop.store.rows import utc_text
from ticketing.domain import ArticleStatus, Status
from ticketing.search_syntax import ParsedQuery, SearchSyntaxError
from ticketing.search_syntax import parse as parse_syntax

PAGE_SIZE = 50
#: Ranked candidates read at a time when filters on tickets or articles apply.
FILTER_BATCH = 400
#: The rank of a ticket whose number was typed: before every scored match (bm25 is negative).
PINNED_RANK = -1.0e308
#: The tier of the tickets that typed filters keep when no word was typed.
LISTING_TIER = 5


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
    if words.match is None and parsed.ticket_number is None and not parsed.filters_tickets:
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
fts = schema.search_index

_BY_TEXT = (10.0, 4.0, 0.0)  # :data:`desktop.store.search.WEIGHTS` without the comments
_BY_COMMENTS = (0.0, 0.0, 1.0)
_BY_ALL = search.WEIGHTS
#: The index's row id; unary ``+`` in a condition keeps SQLite from handing an ``IN`` list to
#: FTS5 as rowids to seek one by one (it is checked per match instead, before bm25 runs).
_ROWID = literal_column("search_index.rowid", Integer)
_CHECKED_ROWID = literal_column("+search_index.rowid", Integer)


@dataclass(frozen=True)
class _Tier:
    """One tier of the results: an FTS5 expression, the bm25 weights it is ranked by, which
    document kinds it lists as which result kind, and which documents the filters keep."""

    number: int
    expression: str | None  # None: the pinned ticket number, or the filters' listing
    weights: tuple[float, float, float]
    kinds: dict[str, ResultKind]  # search_docs.kind -> result kind
    kept: list[ColumnElement[bool]]  # conditions on the index's rowid
    pinned: int | None
    ticket_where: list[ColumnElement[bool]]
    article_where: list[ColumnElement[bool]]

    def rows(self, conn: Connection, after: Cursor | None, limit: int) -> list[_Row]:
        """Up to ``limit`` rows of this tier after ``after``, in rank order: ranked from the
        index alone, then only the page's rows looked up in search_docs (looking every match
        up there first cost as much as ranking them). With filters on the tickets or articles
        (status, dates...), ranked candidates are read in batches and checked by their ids."""
        if not (self.ticket_where or self.article_where) or self.expression is None:
            return self._read(conn, after, limit)
        rows: list[_Row] = []
        while len(rows) < limit:
            batch = self._read(conn, after, FILTER_BATCH)  # read at call time: tests make it small
            kept = self._kept_ids(conn, batch)
            rows += [row for row in batch if row.ref_id in kept][: limit - len(rows)]
            if len(batch) < FILTER_BATCH:
                break
            last = batch[-1]
            after = Cursor(self.number, last.rank, last.doc_id)
        return rows

    def _read(self, conn: Connection, after: Cursor | None, limit: int) -> list[_Row]:
        found = conn.execute(self.statement(after, limit))
        return [_Row(self.number, float(r[0]), self.kinds[str(r[2])], int(r[1]), str(r[3])) for r in found]

    def _kept_ids(self, conn: Connection, batch: list[_Row]) -> set[str]:
        """The ids of the tickets and articles of ``batch`` that the filters keep."""
        kept: set[str] = set()
        for articles, table, where in ((True, a, self.article_where), (False, t, self.ticket_where)):
            ids = [row.ref_id for row in batch if (row.kind is ResultKind.ARTICLE) == articles]
            if ids:
                found = conn.execute(select(table.c.id).where(table.c.id.in_(ids), *where))
                kept.update(str(row[0]) for row in found)
        return kept

    def statement(self, after: Cursor | None, limit: int) -> Select[Any]:
        """``(rank, doc_id, kind, ref_id)`` of up to ``limit`` rows after ``after``."""
        source = t.join(d, (d.c.kind == search.KIND_TICKET) & (d.c.ref_id == t.c.id))
        if self.expression is None and self.number == LISTING_TIER:
            # newest first: the rank is minus the day number of the update, ties by doc id
            newest = (-func.julianday(t.c.updated_at)).label("score")
            listing = select(newest, d.c.doc_id, d.c.kind, d.c.ref_id).select_from(source)
            listing = listing.where(*self.ticket_where)
            if after is not None:
                listing = listing.where(
                    tuple_(newest, d.c.doc_id) > tuple_(literal(after.rank, Float), literal(after.doc_id))
                )
            return listing.order_by(newest, d.c.doc_id).limit(limit)
        if self.expression is None:
            pinned = (literal(PINNED_RANK, Float), d.c.doc_id, d.c.kind, d.c.ref_id)
            return select(*pinned).select_from(source).where(t.c.number == self.pinned, *self.ticket_where)
        score = func.bm25(literal_column("search_index"), *(literal(w, Float) for w in self.weights))
        matched = literal_column("search_index").op("MATCH")(literal(self.expression, String))
        ranked = (
            select(_ROWID.label("doc_id"), score.label("score")).select_from(fts).where(matched, *self.kept)
        )
        if after is not None:
            ranked = ranked.where(
                tuple_(score, _ROWID) > tuple_(literal(after.rank, Float), literal(after.doc_id))
            )
        page = ranked.order_by(score, _ROWID).limit(limit).subquery("page")
        source = page.join(d, d.c.doc_id == page.c.doc_id)
        return (
            select(page.c.score, page.c.doc_id, d.c.kind, d.c.ref_id)
            .select_from(source)
            .order_by(page.c.score, page.c.doc_id)
        )


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


def _documents(kind: str, table: Table, conditions: list[ColumnElement[bool]]) -> Select[tuple[int]]:
    """The doc ids of the ``kind`` documents whose row in ``table`` meets ``conditions``."""
    source = table.join(d, (d.c.kind == kind) & (d.c.ref_id == table.c.id))
    return select(d.c.doc_id).select_from(source).where(*conditions)


def _kept_documents(
    doc_kinds: Sequence[str], matches: frozenset[str], pinned: int | None
) -> list[ColumnElement[bool]]:
    """Conditions on the index's rowid: documents of ``doc_kinds`` only (of the ``matches`` the
    expression can match at all; articles are the few, so their ids are the set), and not the
    pinned ticket."""
    kept: list[ColumnElement[bool]] = []
    wanted = set(doc_kinds)
    if not matches <= wanted:
        articles = select(d.c.doc_id).where(d.c.kind == search.KIND_ARTICLE)
        kept.append(
            _CHECKED_ROWID.in_(articles) if search.KIND_ARTICLE in wanted else _CHECKED_ROWID.not_in(articles)
        )
    if pinned is not None:  # the pinned ticket is listed once, first
        kept.append(_CHECKED_ROWID.not_in(_documents(search.KIND_TICKET, t, [t.c.number == pinned])))
    return kept


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
        weights: tuple[float, float, float],
        doc_kinds: dict[str, ResultKind],
        matches: frozenset[str] = frozenset({search.KIND_TICKET}),
    ) -> _Tier:
        """``matches``: the document kinds ``expression`` can match at all."""
        kept = _kept_documents(list(doc_kinds), matches, pinned)
        return _Tier(number, expression, weights, doc_kinds, kept, pinned, ticket_where, article_where)

    tiers: list[_Tier] = []
    if pinned is not None:
        tiers.append(tier(0, None, _BY_ALL, {search.KIND_TICKET: ResultKind.TICKET}))
    if words.terms is None:
        if pinned is None and parsed.filters_tickets and ResultKind.TICKET in kinds:
            tiers.append(tier(LISTING_TIER, None, _BY_ALL, {search.KIND_TICKET: ResultKind.TICKET}))
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
    if words.match is None:  # listed by filters: the description's first words
        plain = str(body or "").split()
        shown = " ".join(plain[: search.SNIPPET_WORDS])
        return shown + (f" {search.ELLIPSIS}" if len(plain) > search.SNIPPET_WORDS else "")
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
