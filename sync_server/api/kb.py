"""The knowledge base: articles, listed and read by everyone (published only for end users),
written by support staff."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query

from sync_server.api.deps import PrincipalDep, SessionDep, StaffDep, errors
from sync_server.services.knowledge import article_queries, articles, suggest
from ticketing.schemas import ArticleCreate, ArticleOut, ArticlePage, ArticlePatch, ArticleQuery
from ticketing.search_schemas import SuggestQuery, SuggestResponse

router = APIRouter(prefix="/api/kb", tags=["knowledge base"])

TicketKey = Annotated[
    str, Path(max_length=64, description="The ticket's UUID or its number, e.g. `TKT-1001`.")
]


@router.get("/articles", response_model=ArticlePage)
def list_articles(
    query: Annotated[ArticleQuery, Query()], session: SessionDep, principal: PrincipalDep
) -> ArticlePage:
    """Articles the caller may read (users: published only), newest change first; `q` matches
    a substring of the title or body, case-insensitively."""
    items, total = article_queries.list_articles(session, principal, query)
    return ArticlePage(items=items, total=total, limit=query.limit, offset=query.offset)


@router.get("/suggest", response_model=SuggestResponse)
def suggest_articles(
    query: Annotated[SuggestQuery, Query()], session: SessionDep, _caller: PrincipalDep
) -> SuggestResponse:
    """Published articles (for every role) that may answer what `q` says, best first: any of
    its meaningful words matches, so a sentence works; `q` is not search syntax. A blank `q`
    is a 422."""
    return suggest.suggest(session, query)


@router.post("/articles", response_model=ArticleOut, status_code=201, responses=errors(409))
def create_article(body: ArticleCreate, session: SessionDep, staff: StaffDep) -> ArticleOut:
    """Write an article (a draft unless `status` is `published`)."""
    return article_queries.article_out(articles.create_article(session, staff, body))


@router.post(
    "/articles/from-ticket/{ticket_key}", response_model=ArticleOut, status_code=201, responses=errors(409)
)
def create_from_ticket(ticket_key: TicketKey, session: SessionDep, staff: StaffDep) -> ArticleOut:
    """A draft from a Resolved or Closed ticket (else 409): its title, its description and the
    resolving agent's last public reply, linked to the ticket."""
    return article_queries.article_out(articles.article_from_ticket(session, staff, ticket_key))


@router.get("/articles/{article_id}", response_model=ArticleOut)
def get_article(article_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> ArticleOut:
    """One article; a draft is not found for an end user."""
    return article_queries.article_out(articles.find_article(session, principal, article_id))


@router.patch("/articles/{article_id}", response_model=ArticleOut, responses=errors(409))
def update_article(
    article_id: uuid.UUID, body: ArticlePatch, session: SessionDep, staff: StaffDep
) -> ArticleOut:
    """Change fields and the status (`published` publishes, `draft` unpublishes)."""
    return article_queries.article_out(articles.update_article(session, staff, article_id, body))
