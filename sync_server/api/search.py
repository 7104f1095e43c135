"""Full-text search across tickets, comments and articles, each kind as the caller may read it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from sync_server.api.deps import PrincipalDep, SessionDep
from sync_server.services.search import search as search_service
from ticketing.search_schemas import SearchQuery, SearchResponse

router = APIRouter(prefix="/api", tags=["search"])


@router.get("/search", response_model=SearchResponse)
def search(
    query: Annotated[SearchQuery, Query()], session: SessionDep, principal: PrincipalDep
) -> SearchResponse:
    """Tickets, comments and articles matching `q`, best first (a title match above a body
    match), paged by `next_cursor`. Users find their own tickets and the public comments on
    them and published articles; staff find all (or, with agent visibility "assigned", their
    tickets), internal notes included, and drafts. A bad `status:`, `priority:` or
    `assignee:` value, or a cursor not from a previous page, is a 422."""
    return search_service.search(session, principal, query)
