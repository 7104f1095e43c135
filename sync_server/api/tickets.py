"""Tickets, their comments and their history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from sync_server.api.deps import PrincipalDep, SessionDep, errors
from sync_server.api.limits import limit
from sync_server.services.helpdesk import ticket_queries, tickets
from sync_server.services.knowledge import article_queries, articles
from sync_server.services.rate_limits import RateAction
from ticketing.schemas import (
    ArticleOut,
    CommentCreate,
    CommentOut,
    EventOut,
    TicketCreate,
    TicketOut,
    TicketPage,
    TicketPatch,
    TicketQuery,
)

router = APIRouter(prefix="/api/tickets", tags=["tickets"])

TicketKey = Annotated[
    str, Path(max_length=64, description="The ticket's UUID or its number, e.g. `TKT-1001`.")
]


@router.post(
    "",
    response_model=TicketOut,
    status_code=201,
    responses=errors(409),
    dependencies=[Depends(limit(RateAction.TICKET))],
)
def create_ticket(body: TicketCreate, session: SessionDep, principal: PrincipalDep) -> TicketOut:
    """Submit a ticket; it starts Open, unassigned, and gets the next `TKT-` number."""
    ticket = tickets.create_ticket(session, principal, body)
    return ticket_queries.ticket_out(session, principal, ticket)


@router.get("", response_model=TicketPage)
def list_tickets(
    query: Annotated[TicketQuery, Query()], session: SessionDep, principal: PrincipalDep
) -> TicketPage:
    """The tickets the caller may see, filtered, sorted and paged."""
    items, total = ticket_queries.list_tickets(session, principal, query)
    return TicketPage(items=items, total=total, limit=query.limit, offset=query.offset)


@router.get("/{key}", response_model=TicketOut)
def get_ticket(key: TicketKey, session: SessionDep, principal: PrincipalDep) -> TicketOut:
    return ticket_queries.ticket_out(session, principal, tickets.find_ticket(session, principal, key))


@router.patch("/{key}", response_model=TicketOut, responses=errors(403, 409))
def update_ticket(
    key: TicketKey, body: TicketPatch, session: SessionDep, principal: PrincipalDep
) -> TicketOut:
    """Change fields, the assignee (`null` unassigns) and the status, as the workflow allows."""
    ticket = tickets.update_ticket(session, principal, key, body)
    return ticket_queries.ticket_out(session, principal, ticket)


@router.get("/{key}/comments", response_model=list[CommentOut])
def list_comments(key: TicketKey, session: SessionDep, principal: PrincipalDep) -> list[CommentOut]:
    """The ticket's comments, oldest first; internal notes only for support staff."""
    ticket = tickets.find_ticket(session, principal, key)
    return ticket_queries.list_comments(session, principal, ticket.id)


@router.post(
    "/{key}/comments",
    response_model=CommentOut,
    status_code=201,
    responses=errors(403, 409),
    dependencies=[Depends(limit(RateAction.COMMENT))],
)
def add_comment(
    key: TicketKey, body: CommentCreate, session: SessionDep, principal: PrincipalDep
) -> CommentOut:
    """Reply publicly, or write an internal note (staff). A requester's reply reopens a
    Resolved ticket."""
    comment = tickets.add_comment(session, principal, key, body)
    return ticket_queries.comment_out(comment, principal.user.name)


@router.get("/{key}/events", response_model=list[EventOut])
def list_events(key: TicketKey, session: SessionDep, principal: PrincipalDep) -> list[EventOut]:
    """The ticket's history: who changed status, priority, assignee or category, and when."""
    ticket = tickets.find_ticket(session, principal, key)
    return ticket_queries.list_events(session, principal, ticket.id)


@router.get("/{key}/articles", response_model=list[ArticleOut])
def list_linked_articles(key: TicketKey, session: SessionDep, principal: PrincipalDep) -> list[ArticleOut]:
    """The knowledge-base articles made from this ticket (published ones only for end users)."""
    return [article_queries.article_out(a) for a in articles.linked_articles(session, principal, key)]
