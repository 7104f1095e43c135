"""Suggestions beside the new-ticket form: published articles and the user's own solved
tickets that share meaningful words with what is being typed, from the cache's FTS5 index.

Unlike the search box (every word must match), a suggestion matches ANY meaningful word
(:mod:`ticketing.suggestion_words`: a natural sentence finds things) and bm25 sorts the best
first, title above body above comments, as in :mod:`desktop.store.search`. The expression is an
OR of quoted terms made of letters and digits only (never FTS syntax from the input), the last
word a prefix while it is typed. What may be suggested: an article whose status is published
(a staff cache also holds drafts) and a ticket the account submitted that is Resolved or
Closed (a staff cache holds everyone's). The filter sits inside the ranked query, before its
``LIMIT``: a limit on the index's best matches first (then filtered) lost every suggestion in a
staff cache whose best matches were other people's tickets. The cost grows with the matches:
about 5 ms for 6,000 matching documents, 23 ms for 30,000 (every ticket matching, worst case);
a user's cache holds only their own tickets and the published articles.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from desktop.store import search
from desktop.store.database import Store
from ticketing.domain import ArticleStatus, Status
from ticketing.richtext import plain_text
from ticketing.suggestion_words import SuggestionWords, suggestion_words

#: Suggestions shown at most.
DEFAULT_LIMIT = 6

KIND_ARTICLE = search.KIND_ARTICLE
KIND_TICKET = search.KIND_TICKET


@dataclass(frozen=True)
class Suggestion:
    """One suggestion: ``snippet`` carries :data:`search.MARK_START`/``MARK_END`` around the
    matched words (:func:`search.snippet_html` makes it rich text)."""

    kind: str  # KIND_ARTICLE or KIND_TICKET
    id: str
    title: str
    snippet: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.id)


def expression(words: SuggestionWords) -> str | None:
    """The FTS5 expression: ``"printer" OR "jams"*``; ``None`` when there is no word."""
    if words.empty:
        return None
    last = len(words.words) - 1
    return " OR ".join(
        '"' + word + '"' + ("*" if words.prefix and n == last else "") for n, word in enumerate(words.words)
    )


#: The bm25 weights are :data:`search.WEIGHTS` (title, body, comments).
_SUGGEST = text("""
SELECT d.kind, d.ref_id, d.title, d.body, d.comments
FROM search_index
CROSS JOIN search_docs AS d ON d.doc_id = search_index.rowid
LEFT JOIN articles AS a ON d.kind = :article AND a.id = d.ref_id
LEFT JOIN tickets AS t ON d.kind = :ticket AND t.id = d.ref_id
WHERE search_index MATCH :fts
  AND ((d.kind = :article AND a.status = :published)
    OR (d.kind = :ticket AND t.submitter_id = :me AND t.status IN (:resolved, :closed)))
ORDER BY bm25(search_index, 10.0, 4.0, 1.0), d.kind, d.ref_id
LIMIT :limit
""")


def _snippet(words: SuggestionWords, body: str, comments: str, title: str) -> str:
    query = search.SearchQuery(
        match=None,
        number=None,
        words=frozenset(words.words[:-1] if words.prefix else words.words),
        prefix=words.words[-1] if words.prefix else None,
    )
    return (
        search.marked(body, query)
        or search.marked(comments, query)
        or search.marked(title, query, window=None)
        or ""
    )


def suggestions_in(conn: Connection, me: str, text: str, limit: int = DEFAULT_LIMIT) -> list[Suggestion]:
    """The best suggestions for ``text`` (the title and description being typed, plain text),
    within a read transaction the caller holds; ``me``: the account's id."""
    words = suggestion_words(text)
    fts = expression(words)
    if fts is None or limit < 1:
        return []
    rows = conn.execute(
        _SUGGEST,
        {
            "fts": fts,
            "article": KIND_ARTICLE,
            "ticket": KIND_TICKET,
            "published": ArticleStatus.PUBLISHED.value,
            "me": me,
            "resolved": Status.RESOLVED.value,
            "closed": Status.CLOSED.value,
            "limit": limit,
        },
    )
    return [
        Suggestion(str(kind), str(ref_id), str(title), _snippet(words, str(body), str(comments), str(title)))
        for kind, ref_id, title, body, comments in rows
    ]


def suggestions(
    store: Store, title: str, description: str = "", limit: int = DEFAULT_LIMIT
) -> list[Suggestion]:
    """:func:`suggestions_in` for a title and a description (rich text or plain) being typed:
    the title's words come first."""
    description_text = plain_text(description) if "<" in description else description
    text = f"{title}\n{description_text}" if description_text.strip() else title
    with store.read() as conn:
        return suggestions_in(conn, str(store.user_id), text, limit)
