"""Suggestions for integrators (``GET /api/kb/suggest``): published articles that share
meaningful words with a ticket being written, the server side of the suggestions beside the
desktop's new-ticket form.

The words are :func:`ticketing.suggestion_words.suggestion_words` (the desktop's rule); the
query is an OR of one ``plainto_tsquery`` per word (the last one a ``to_tsquery`` prefix while
it is being typed), each word a bound parameter, so no input ever becomes query syntax. Ranked
by ``ts_rank_cd`` over the articles' stored vector (title weighted above body). Published
articles only, for every role: a suggestion is what a requester could read.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Float, cast, func, literal, select
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.orm import Session

from sync_server.db import search_vectors
from sync_server.db.models import Article
from sync_server.services.search import snippets
from ticketing.domain import ArticleStatus
from ticketing.search_schemas import SuggestQuery, SuggestResponse, SuggestResult
from ticketing.suggestion_words import SuggestionWords, suggestion_words


def ts_query(words: SuggestionWords) -> ColumnElement[object]:
    """Any of ``words`` (not empty) as a ``tsquery``, each one a bound parameter."""
    config = literal(search_vectors.CONFIG).cast(REGCONFIG)
    last = len(words.words) - 1
    query: ColumnElement[object] | None = None
    for n, word in enumerate(words.words):
        term: ColumnElement[object] = (
            func.to_tsquery(config, literal(word) + ":*")
            if words.prefix and n == last
            else func.plainto_tsquery(config, literal(word))
        )
        query = term if query is None else query.op("||")(term)
    assert query is not None
    return query


def suggest(session: Session, request: SuggestQuery) -> SuggestResponse:
    words = suggestion_words(request.q)
    if words.empty:
        return SuggestResponse(results=[])
    query = ts_query(words)
    rank = cast(func.ts_rank_cd(Article.search_vector, query), Float).label("rank")
    rows = session.execute(
        select(Article.id, Article.title, snippets.headline(Article.body, query), rank)
        .where(Article.status == ArticleStatus.PUBLISHED.value, Article.search_vector.op("@@")(query))
        .order_by(rank.desc(), Article.id)
        .limit(request.limit)
    )
    return SuggestResponse(
        results=[
            SuggestResult(id=row_id, title=title, snippet=snippets.to_html(headline), rank=float(score))
            for row_id, title, headline, score in rows
        ]
    )
