"""Full-text search in the cache: the index's upkeep, safe queries, ranking and snippets.

The index is SQLite FTS5 (migration 4): ``search_index`` is an external-content index over
``search_docs``, which holds one plain-text document per searchable thing. A document has a
``kind``: ``'ticket'`` (title; description as plain text, never its tags; every comment the
cache holds) or ``'article'`` (a knowledge-base article's title and body, no comments), in the
same two tables, so one query can search both and a ``kind`` condition tells them apart (the
ticket searches here ask for ``'ticket'`` only). The index is built from the cache alone, and a cache holds
only what its account may see (a requester's never holds internal notes), so the index can hold
nothing more.

Upkeep: triggers on ``tickets`` and ``comments`` note every changed ticket in ``search_stale``
(and triggers on ``articles`` every changed article)
(whatever wrote it: a pull page, a local command, a replay, a removal), and :func:`refresh`
rewrites those documents before the transaction commits (``Store.write`` and the migrations
call it), in bulk, so an initial sync pays one pass per page rather than work per row.

Queries: :func:`parse` turns what a user typed into an FTS5 expression made only of quoted
terms (it never raises, whatever the input: quotes, ``-``, ``*``, ``:``, parentheses, ``AND``,
unbalanced quotes are words or nothing), with a prefix match on the last word so that
search-as-you-type works, ``-word`` to leave a word out and ``"a phrase"``; a ticket number
(``1001``, ``#1001``, ``TKT-1001``) matches that ticket too. Results are ranked by bm25 with
the title weighted above the description, above the comments; snippets carry private markers
that :func:`snippet_html` turns into ``<b>`` after escaping the text.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    Select,
    String,
    Table,
    bindparam,
    case,
    false,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.sql.selectable import CTE, FromClause

from ticketing import suggestion_words
from ticketing.domain import parse_ticket_number
from ticketing.richtext import plain_text

if TYPE_CHECKING:  # the store and its queries use this module: no import cycle at run time
    from desktop.store.database import Store
    from desktop.store.queries import TicketRow

KIND_TICKET = "ticket"
KIND_ARTICLE = "article"
#: bm25 weights of the index's columns: title, body (the description), comments.
WEIGHTS = (10.0, 4.0, 1.0)
#: Around a matched word in a snippet; control characters that :func:`document_text` removes
#: from indexed text, so ticket content can never forge them.
MARK_START = "\x02"
MARK_END = "\x03"
ELLIPSIS = "…"
#: Words around the match in a snippet.
SNIPPET_WORDS = 12

# what the index's tokenizer (unicode61) keeps as words: letters and digits
_WORD = re.compile(r"[^\W_]+")
# a quoted phrase (its closing quote may be missing) or a run of anything else but spaces
_CHUNK = re.compile(r'(-?)"([^"]*)("?)|(\S+)')
_NUMBER = re.compile(r"^\s*#\s*(\d{1,18})\s*$")


@dataclass(frozen=True)
class SearchQuery:
    """What a search text asks for: an FTS5 expression (``None``: no words) and/or a number."""

    match: str | None
    number: int | None
    words: frozenset[str] = frozenset()  # the words to find, folded as the index folds them
    prefix: str | None = None  # the last word, being typed: any word starting with it matches
    #: ``match`` in its two parts: the terms that must all be there, the terms none may be
    #: (for a search that puts a column filter on the first only)
    terms: str | None = None
    excluded: str | None = None

    @property
    def empty(self) -> bool:
        return self.match is None and self.number is None


def _phrase(words: Sequence[str], prefix: bool) -> str:
    # words hold letters and digits only, so a quoted string of them is always one safe phrase
    return '"' + " ".join(words) + '"' + ("*" if prefix else "")


def parse(search: str) -> SearchQuery:
    """The FTS5 expression and ticket number a user's search text asks for; never raises."""
    chunks: list[tuple[bool, list[str], bool]] = []  # (excluded, words, may be a prefix)
    for found in _CHUNK.finditer(search):
        sign, quoted, closed, bare = found.groups()
        if bare is not None:
            excluded = bare.startswith("-") and len(bare) > 1
            words = _WORD.findall(bare)
            chunks.append((excluded, words, True))
        else:
            chunks.append((sign == "-", _WORD.findall(quoted), not closed))
    chunks = [chunk for chunk in chunks if chunk[1]]
    typing_on = bool(search) and not search[-1].isspace()
    included = [chunk for chunk in chunks if not chunk[0]]
    terms = [
        _phrase(words, prefix=typing_on and open_end and n == len(included) - 1)
        for n, (_out, words, open_end) in enumerate(included)
    ]
    excluded = [_phrase(words, prefix=False) for is_out, words, _open in chunks if is_out]
    match: str | None = None
    if terms:
        match = " AND ".join(terms)
        if excluded:
            match = f"({match}) NOT ({' OR '.join(excluded)})"
    number_found = _NUMBER.match(search)
    number = int(number_found.group(1)) if number_found else parse_ticket_number(search)
    words = [fold(word) for _out, chunk_words, _open in included for word in chunk_words]
    open_last = bool(included) and typing_on and included[-1][2]
    return SearchQuery(
        match=match,
        number=number,
        words=frozenset(words[:-1] if open_last else words),
        prefix=words[-1] if open_last else None,
        terms=" AND ".join(terms) if terms else None,
        excluded=" OR ".join(excluded) if terms and excluded else None,
    )


def words_of(text: str) -> list[str]:
    """The words of ``text`` as the index's tokenizer cuts them (letters and digits)."""
    return _WORD.findall(text)


@functools.lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """A word as the index compares it (:func:`ticketing.suggestion_words.fold`: unicode61's
    case and diacritics folding), remembered for the words seen last (snippets fold every word
    of the texts they show)."""
    return suggestion_words.fold(word)


# --- the index's upkeep ---------------------------------------------------------------------


def document_text(value: object, *, rich: bool) -> str:
    """Text as the index holds it: sanitized HTML reduced to its words (``rich``), without the
    snippet markers."""
    words = "" if value is None else str(value)
    words = plain_text(words) if rich else words
    return words.replace(MARK_START, "").replace(MARK_END, "")


# Each statement reads the next batch of stale tickets (the same 2000, until the last deletes
# them): bounded, so indexing a whole initial sync at its end never holds every document at once.
_BATCH_ROWS = (
    "SELECT id, title, description FROM tickets WHERE id IN "
    "(SELECT ref_id FROM search_stale WHERE kind = 'ticket' ORDER BY ref_id LIMIT 2000)"
)
_BATCH_COMMENTS = (
    "SELECT ticket_id, content FROM comments WHERE ticket_id IN "
    "(SELECT ref_id FROM search_stale WHERE kind = 'ticket' ORDER BY ref_id LIMIT 2000) "
    "ORDER BY ticket_id, created_at, id"
)
_DROP_GONE = (
    "DELETE FROM search_docs WHERE kind = 'ticket' AND ref_id IN "
    "(SELECT ref_id FROM search_stale WHERE kind = 'ticket' ORDER BY ref_id LIMIT 2000) "
    "AND ref_id NOT IN (SELECT id FROM tickets)"
)
_BATCH_DONE = (
    "DELETE FROM search_stale WHERE kind = 'ticket' AND ref_id IN "
    "(SELECT ref_id FROM search_stale WHERE kind = 'ticket' ORDER BY ref_id LIMIT 2000)"
)
# an unchanged document is not rewritten: a pull that changed a status leaves the index alone
_WRITE_DOC = (
    "INSERT INTO search_docs (kind, ref_id, title, body, comments) VALUES ('ticket', ?, ?, ?, ?) "
    "ON CONFLICT (kind, ref_id) DO UPDATE SET "
    "title = excluded.title, body = excluded.body, comments = excluded.comments "
    "WHERE title IS NOT excluded.title OR body IS NOT excluded.body "
    "OR comments IS NOT excluded.comments"
)


_ARTICLE_ROWS = (
    "SELECT id, title, body FROM articles WHERE id IN "
    "(SELECT ref_id FROM search_stale WHERE kind = 'article' ORDER BY ref_id LIMIT 2000)"
)
_ARTICLE_DROP_GONE = (
    "DELETE FROM search_docs WHERE kind = 'article' AND ref_id IN "
    "(SELECT ref_id FROM search_stale WHERE kind = 'article' ORDER BY ref_id LIMIT 2000) "
    "AND ref_id NOT IN (SELECT id FROM articles)"
)
_ARTICLE_DONE = (
    "DELETE FROM search_stale WHERE kind = 'article' AND ref_id IN "
    "(SELECT ref_id FROM search_stale WHERE kind = 'article' ORDER BY ref_id LIMIT 2000)"
)
_WRITE_ARTICLE = (
    "INSERT INTO search_docs (kind, ref_id, title, body, comments) VALUES ('article', ?, ?, ?, '') "
    "ON CONFLICT (kind, ref_id) DO UPDATE SET title = excluded.title, body = excluded.body "
    "WHERE title IS NOT excluded.title OR body IS NOT excluded.body"
)


def refresh(conn: Connection) -> None:
    """Rewrite the documents of the tickets and articles changed since the last refresh
    (``search_stale``), in batches. ``Store.write`` calls this before each commit, so the index
    is current in every committed state, except while a pull's pages defer it to the last page."""
    _refresh_tickets(conn)
    _refresh_articles(conn)


def _refresh_articles(conn: Connection) -> None:
    while conn.exec_driver_sql("SELECT 1 FROM search_stale WHERE kind = 'article' LIMIT 1").first():
        docs = [
            (str(article_id), document_text(title, rich=False), document_text(body, rich=True))
            for article_id, title, body in conn.exec_driver_sql(_ARTICLE_ROWS)
        ]
        conn.exec_driver_sql(_ARTICLE_DROP_GONE)
        if docs:
            conn.exec_driver_sql(_WRITE_ARTICLE, docs)
        conn.exec_driver_sql(_ARTICLE_DONE)


def _refresh_tickets(conn: Connection) -> None:
    while (
        conn.exec_driver_sql("SELECT 1 FROM search_stale WHERE kind = 'ticket' LIMIT 1").first() is not None
    ):
        comments: dict[str, list[str]] = {}
        for ticket_id, content in conn.exec_driver_sql(_BATCH_COMMENTS):
            comments.setdefault(str(ticket_id), []).append(document_text(content, rich=True))
        docs = [
            (
                str(ticket_id),
                document_text(title, rich=False),
                document_text(description, rich=True),
                "\n".join(comments.get(str(ticket_id), [])),
            )
            for ticket_id, title, description in conn.exec_driver_sql(_BATCH_ROWS)
        ]
        conn.exec_driver_sql(_DROP_GONE)
        if docs:
            conn.exec_driver_sql(_WRITE_DOC, docs)
        conn.exec_driver_sql(_BATCH_DONE)


def rebuild(conn: Connection) -> None:
    """Index every ticket and article again from the cache's rows (a repair; migration 4 does
    the same for tickets)."""
    conn.exec_driver_sql("DELETE FROM search_docs WHERE kind IN ('ticket', 'article')")
    conn.exec_driver_sql("INSERT OR IGNORE INTO search_stale SELECT 'ticket', id FROM tickets")
    conn.exec_driver_sql("INSERT OR IGNORE INTO search_stale SELECT 'article', id FROM articles")
    refresh(conn)


# --- reading --------------------------------------------------------------------------------

#: ``(ticket_id, score)`` of the tickets whose document matches ``:fts`` (lower: better); the
#: bm25 weights are :data:`WEIGHTS` (title, body, comments). CROSS JOIN keeps the index as the
#: outer loop: the other way round, SQLite would run the MATCH once per document.
_MATCHES = text(
    "SELECT search_docs.ref_id AS ticket_id, bm25(search_index, 10.0, 4.0, 1.0) AS score "
    "FROM search_index CROSS JOIN search_docs ON search_docs.doc_id = search_index.rowid "
    "WHERE search_index MATCH :fts AND search_docs.kind = 'ticket'"
)


_ARTICLE_MATCHES = (
    "SELECT search_docs.ref_id FROM search_index "
    "CROSS JOIN search_docs ON search_docs.doc_id = search_index.rowid "
    "WHERE search_index MATCH ? AND search_docs.kind = 'article' "
    "ORDER BY bm25(search_index, 10.0, 4.0, 1.0), search_docs.ref_id"
)


def article_ids(conn: Connection, search: str) -> list[str]:
    """The articles whose title or body has ``search``'s words, best first (title above body);
    for the knowledge base's search (a later step builds its window on this)."""
    parsed = parse(search)
    if parsed.match is None:
        return []
    return [str(ref_id) for (ref_id,) in conn.exec_driver_sql(_ARTICLE_MATCHES, (parsed.match,))]


@functools.lru_cache(maxsize=64)
def _matches(expression: str) -> CTE:
    """The matches as a materialized CTE: the MATCH runs once per query, whatever joins it (one
    object per expression, so the condition and the order of one query share it)."""
    clause = _MATCHES.bindparams(bindparam("fts", expression, type_=String))
    return clause.columns(ticket_id=String, score=Float).cte("search_match").prefix_with("MATERIALIZED")


def condition(search: str, tickets: Table) -> ColumnElement[bool]:
    """The ``tickets`` rows ``search`` finds: its words in their document, or their number."""
    parsed = parse(search)
    ticket_id, number = tickets.c.id, tickets.c.number
    found: list[ColumnElement[bool]] = []
    if parsed.match is not None:
        found.append(ticket_id.in_(select(_matches(parsed.match).c.ticket_id)))
    if parsed.number is not None:
        found.append(number == parsed.number)
    return or_(*found) if found else false()


def _ranked(
    search: str, tickets: Table
) -> tuple[FromClause, list[ColumnElement[bool]], list[ColumnElement[Any]]]:
    """What :func:`ranked_ids` and :func:`ranked_rows` read from, the condition of what
    ``search`` finds, and the rank order (ties by id: a total order)."""
    parsed = parse(search)
    ticket_id, number = tickets.c.id, tickets.c.number
    if parsed.match is None:
        found = number == parsed.number if parsed.number is not None else false()
        return tickets, [found], [ticket_id]
    matches = _matches(parsed.match)
    if parsed.number is None:
        return (
            matches.join(tickets, ticket_id == matches.c.ticket_id),
            [],
            [matches.c.score, ticket_id],
        )
    return (
        tickets.outerjoin(matches, ticket_id == matches.c.ticket_id),
        [or_(matches.c.ticket_id.is_not(None), number == parsed.number)],
        [case((number == parsed.number, 0), else_=1), matches.c.score, ticket_id],
    )


def ranked_ids(search: str, tickets: Table, conditions: Sequence[ColumnElement[bool]]) -> Select[tuple[str]]:
    """The ids of the ``tickets`` that ``search`` finds and ``conditions`` (the other filters)
    keep, best match first: the ticket with the number typed, then by bm25, ties by id. Read
    from the matches outward (each match looks its ticket up), so a rare word costs little.
    A limit and an offset apply to it (a window of the results in rank order)."""
    source, found, order = _ranked(search, tickets)
    return select(tickets.c.id).select_from(source).where(*found, *conditions).order_by(*order)


def ranked_rows(
    search: str, tickets: Table, conditions: Sequence[ColumnElement[bool]]
) -> Select[tuple[str, int]]:
    """``(id, row)`` of the tickets :func:`ranked_ids` selects, numbered from 0 in its order."""
    source, found, order = _ranked(search, tickets)
    row = (func.row_number().over(order_by=order) - 1).label("row")
    return select(tickets.c.id, row).select_from(source).where(*found, *conditions)


_DOCS = text(
    "SELECT ref_id, title, body, comments FROM search_docs WHERE kind = 'ticket' AND ref_id IN :ids"
).bindparams(bindparam("ids", expanding=True))


def marked(text: str, query: SearchQuery, *, window: int | None = SNIPPET_WORDS) -> str | None:
    """``text`` with the markers around the words ``query`` finds: all of it (``window``
    ``None``), or the ``window`` words around the most matches, with "…" where text is left
    out; ``None`` if no word matches. (Made here from the stored plain text: FTS5's snippet()
    would set up the whole match again for every row, which a common prefix makes slow.)"""
    tokens = list(_WORD.finditer(text))
    prefix = query.prefix
    hits = [
        n
        for n, token in enumerate(tokens)
        if (word := fold(token.group())) in query.words or (prefix is not None and word.startswith(prefix))
    ]
    if not hits:
        return None
    first, last = 0, len(tokens)
    if window is not None and len(tokens) > window:
        starts = [max(0, min(hit - 2, len(tokens) - window)) for hit in hits]
        first = max(starts, key=lambda start: sum(start <= hit < start + window for hit in hits))
        last = first + window
    hit_set = set(hits)
    parts: list[str] = [ELLIPSIS] if first > 0 else []
    position = tokens[first].start() if first > 0 else 0
    for n in range(first, last):
        token = tokens[n]
        parts.append(text[position : token.start()])
        word = token.group()
        parts.append(f"{MARK_START}{word}{MARK_END}" if n in hit_set else word)
        position = token.end()
    parts.append(text[position:] if last == len(tokens) else ELLIPSIS)
    return "".join(parts).strip()


def snippets(conn: Connection, search: str, ticket_ids: Sequence[str]) -> dict[str, str]:
    """The best snippet of each ticket's match, with :data:`MARK_START`/:data:`MARK_END`
    around matched words: from the description or a comment, else the highlighted title.
    Tickets found only by their number have none."""
    parsed = parse(search)
    found: dict[str, str] = {}
    if parsed.match is None or not ticket_ids:
        return found
    for start in range(0, len(ticket_ids), 500):
        docs = conn.execute(_DOCS, {"ids": list(ticket_ids[start : start + 500])})
        for ticket_id, title, body, comments in docs:
            snippet = (
                marked(str(body), parsed, window=SNIPPET_WORDS)
                or marked(str(comments), parsed, window=SNIPPET_WORDS)
                or marked(str(title), parsed, window=None)
            )
            if snippet is not None:
                found[str(ticket_id)] = snippet
    return found


def with_matches(store: Store, search: str, rows: dict[str, TicketRow]) -> dict[str, TicketRow]:
    """``rows`` (of :func:`desktop.store.queries.tickets_by_id`) with the snippet of their
    match for ``search`` in ``match``: what a table of search results reads per page."""
    if not rows or not search.strip():
        return rows
    with store.read() as conn:
        return with_matches_in(conn, search, rows)


def with_matches_in(conn: Connection, search: str, rows: dict[str, TicketRow]) -> dict[str, TicketRow]:
    """:func:`with_matches` within a read transaction the caller holds (a window's snapshot)."""
    if not rows or not search.strip():
        return rows
    found = snippets(conn, search, list(rows))
    return {ticket_id: replace(row, match=found.get(ticket_id, "")) for ticket_id, row in rows.items()}


def snippet_html(snippet: str) -> str:
    """A snippet as rich text for a label or a delegate: the text escaped, then the markers
    turned into bold, so nothing a ticket says can become markup."""
    escaped = html.escape(snippet, quote=True)
    return escaped.replace(MARK_START, "<b>").replace(MARK_END, "</b>")


def snippet_plain(snippet: str) -> str:
    """A snippet without its markers (for tooltips, accessibility and plain views)."""
    return snippet.replace(MARK_START, "").replace(MARK_END, "")
