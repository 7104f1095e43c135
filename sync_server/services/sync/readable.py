"""What a principal may read, written once per entity and derived from its sync buckets.

Every endpoint that returns tickets, comments, attachments, history or articles starts from these
statements, so a role's view through the REST API is exactly its view through sync.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true

from sync_server.db.models import Article, Attachment, Comment, Ticket, TicketEvent
from sync_server.services.identity.principal import Principal
from ticketing import visibility
from ticketing.domain import ArticleStatus


def ticket_condition(buckets: frozenset[str]) -> ColumnElement[bool]:
    """Rows of ``tickets`` in at least one of ``buckets`` (see ``visibility.ticket_buckets``)."""
    conditions: list[ColumnElement[bool]] = []
    for bucket in buckets:
        kind, owner = visibility.parse_bucket(bucket)
        if bucket == visibility.QUEUE:
            conditions.append(true())
        elif kind == "requester":
            conditions.append(Ticket.submitter_id == owner)
        elif kind == "assignee":
            conditions.append(Ticket.assignee_id == owner)
    return or_(false(), *conditions)


def internal_condition(buckets: frozenset[str]) -> ColumnElement[bool]:
    """Tickets whose internal notes ``buckets`` include (see ``visibility.internal_buckets``)."""
    conditions: list[ColumnElement[bool]] = []
    for bucket in buckets:
        kind, owner = visibility.parse_bucket(bucket)
        if bucket == visibility.QUEUE_INTERNAL:
            conditions.append(true())
        elif kind == "assignee_internal":
            conditions.append(Ticket.assignee_id == owner)
    return or_(false(), *conditions)


def readable_tickets(principal: Principal) -> Select[Ticket]:
    return select(Ticket).where(ticket_condition(principal.buckets))


def comment_condition(principal: Principal) -> ColumnElement[bool]:
    """Comments the principal may read; the statement must join ``tickets``."""
    buckets = principal.buckets
    return or_(
        and_(Comment.is_internal.is_(False), ticket_condition(buckets)),
        and_(Comment.is_internal.is_(True), internal_condition(buckets)),
    )


def readable_comments(principal: Principal) -> Select[Comment]:
    return select(Comment).join(Ticket, Ticket.id == Comment.ticket_id).where(comment_condition(principal))


def event_condition(principal: Principal) -> ColumnElement[bool]:
    """Whoever reads a ticket reads how it changed, except the lines only staff read (service
    levels: ``visibility.STAFF_EVENT_FIELDS``), which go where internal notes go (join
    ``tickets``)."""
    buckets = principal.buckets
    staff_only = TicketEvent.field.in_(sorted(visibility.STAFF_EVENT_FIELDS))
    return or_(
        and_(~staff_only, ticket_condition(buckets)),
        and_(staff_only, internal_condition(buckets)),
    )


def readable_events(principal: Principal) -> Select[TicketEvent]:
    return (
        select(TicketEvent).join(Ticket, Ticket.id == TicketEvent.ticket_id).where(event_condition(principal))
    )


def attachment_condition(principal: Principal) -> ColumnElement[bool]:
    """Attachments the principal may read: those of an internal note only for staff who read
    the ticket's internal notes (join ``tickets``)."""
    buckets = principal.buckets
    return or_(
        and_(Attachment.is_internal.is_(False), ticket_condition(buckets)),
        and_(Attachment.is_internal.is_(True), internal_condition(buckets)),
    )


def readable_attachments(principal: Principal) -> Select[Attachment]:
    return (
        select(Attachment)
        .join(Ticket, Ticket.id == Attachment.ticket_id)
        .where(attachment_condition(principal))
    )


def article_condition(buckets: frozenset[str]) -> ColumnElement[bool]:
    """Rows of ``articles`` in at least one of ``buckets`` (see ``visibility.article_buckets``)."""
    if visibility.KB_ALL in buckets:
        return true()
    if visibility.KB_PUBLISHED in buckets:
        return Article.status == ArticleStatus.PUBLISHED.value
    return false()


def readable_articles(principal: Principal) -> Select[Article]:
    return select(Article).where(article_condition(principal.buckets))
