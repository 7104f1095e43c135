"""Reading tickets, comments and history for the REST API, always through ``readable``.

Rows come back as the API's shapes with the names people read (category, submitter, assignee)
joined in, and each ticket carries the status changes its reader may make.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, String, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session, aliased

from sync_server.db.models import Category, Comment, PriorityLevel, Ticket, TicketEvent, User
from sync_server.services import clock
from sync_server.services.identity.principal import Principal
from sync_server.services.sla import ticket_sla
from sync_server.services.sync.readable import comment_condition, event_condition, ticket_condition
from ticketing import workflow
from ticketing.domain import SYSTEM_ACTOR_NAME, Status, format_ticket_number, parse_ticket_number
from ticketing.schemas import CommentOut, EventOut, TicketOut, TicketQuery
from ticketing.sla import NO_POLICY, TicketSla

SelectT = TypeVar("SelectT", bound=Select[*tuple[Any, ...]])

Submitter = aliased(User, name="submitter")
Assignee = aliased(User, name="assignee")


SORT_COLUMNS: dict[str, Any] = {
    "number": Ticket.number,
    "title": func.lower(Ticket.title),
    # workflow order (the order Status declares), as the desktop sorts: Open first, Closed last
    "status": case({s.value: n for n, s in enumerate(Status)}, value=Ticket.status),
    "priority": PriorityLevel.rank,
    "category": func.lower(Category.name),
    "assignee": func.lower(Assignee.name),
    "submitter": func.lower(Submitter.name),
    "created_at": Ticket.created_at,
    "updated_at": Ticket.updated_at,
}


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _joined(stmt: SelectT) -> SelectT:
    return (
        stmt.join(Category, Category.id == Ticket.category_id)
        .join(Submitter, Submitter.id == Ticket.submitter_id)
        .join(PriorityLevel, PriorityLevel.key == Ticket.priority)
        .outerjoin(Assignee, Assignee.id == Ticket.assignee_id)
    )


def _conditions(principal: Principal, f: TicketQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if f.status:
        conditions.append(Ticket.status.in_([s.value for s in f.status]))
    if f.priority:
        conditions.append(Ticket.priority.in_(f.priority))
    if f.category_id:
        conditions.append(Ticket.category_id.in_(f.category_id))
    if f.assignee == "me":
        conditions.append(Ticket.assignee_id == principal.user.id)
    elif f.assignee == "none":
        conditions.append(Ticket.assignee_id.is_(None))
    elif f.assignee:
        conditions.append(Ticket.assignee_id == uuid.UUID(f.assignee))
    if f.submitter_id:
        conditions.append(Ticket.submitter_id == f.submitter_id)
    if f.created_from:
        conditions.append(Ticket.created_at >= f.created_from)
    if f.created_to:
        conditions.append(Ticket.created_at < f.created_to)
    if f.updated_from:
        conditions.append(Ticket.updated_at >= f.updated_from)
    if f.updated_to:
        conditions.append(Ticket.updated_at < f.updated_to)
    if f.q and f.q.strip():
        pattern = _like_pattern(f.q.strip())
        text_match: list[ColumnElement[bool]] = [
            Ticket.title.ilike(pattern, escape="\\"),
            Ticket.description.ilike(pattern, escape="\\"),
            cast(Ticket.number, String).like(pattern, escape="\\"),
        ]
        number = parse_ticket_number(f.q)
        if number is not None:
            text_match.append(Ticket.number == number)
        conditions.append(or_(*text_match))
    return conditions


def _ticket_columns() -> Select[Ticket, str, str, str]:
    return select(Ticket, Category.name, Submitter.name, Assignee.name)


def _service_levels(
    session: Session, principal: Principal, tickets: list[Ticket]
) -> dict[uuid.UUID, TicketSla]:
    """Fresh service levels for support staff; end users are not shown them."""
    if not principal.actor.is_staff:
        return {}
    return ticket_sla.evaluate_tickets(session, tickets, clock.now())


def to_ticket_out(principal: Principal, row: Any, sla: TicketSla = NO_POLICY) -> TicketOut:
    ticket, category_name, submitter_name, assignee_name = row
    state = workflow.TicketState(Status(ticket.status), ticket.submitter_id, ticket.assignee_id)
    return TicketOut(
        id=ticket.id,
        number=format_ticket_number(ticket.number),
        title=ticket.title,
        description=ticket.description,
        status=Status(ticket.status),
        priority=ticket.priority,
        category_id=ticket.category_id,
        category_name=category_name,
        submitter_id=ticket.submitter_id,
        submitter_name=submitter_name,
        assignee_id=ticket.assignee_id,
        assignee_name=assignee_name,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        resolved_at=ticket.resolved_at,
        closed_at=ticket.closed_at,
        version=ticket.version,
        allowed_transitions=sorted(
            workflow.allowed_transitions(principal.actor, state), key=list(Status).index
        ),
        sla_policy_id=uuid.UUID(sla.policy_id) if sla.policy_id else None,
        first_response_due_at=sla.first_response_due_at,
        next_response_due_at=sla.next_response_due_at,
        resolution_due_at=sla.resolution_due_at,
        sla_paused=sla.paused,
        sla_state=sla.state,
    )


def list_tickets(session: Session, principal: Principal, f: TicketQuery) -> tuple[list[TicketOut], int]:
    where = and_(ticket_condition(principal.buckets), *_conditions(principal, f))
    total = session.scalar(_joined(select(func.count()).select_from(Ticket)).where(where)) or 0
    descending = f.sort.startswith("-")
    column = SORT_COLUMNS[f.sort.lstrip("-")]
    order = [column.desc().nulls_last() if descending else column.asc().nulls_last(), Ticket.id]
    rows = session.execute(
        _joined(_ticket_columns()).where(where).order_by(*order).limit(f.limit).offset(f.offset)
    ).all()
    levels = _service_levels(session, principal, [row[0] for row in rows])
    return [to_ticket_out(principal, row, levels.get(row[0].id, NO_POLICY)) for row in rows], total


def ticket_out(session: Session, principal: Principal, ticket: Ticket) -> TicketOut:
    row = session.execute(_joined(_ticket_columns()).where(Ticket.id == ticket.id)).one()
    levels = _service_levels(session, principal, [row[0]])
    return to_ticket_out(principal, row, levels.get(ticket.id, NO_POLICY))


def list_comments(session: Session, principal: Principal, ticket_id: uuid.UUID) -> list[CommentOut]:
    stmt = (
        select(Comment, User.name)
        .join(Ticket, Ticket.id == Comment.ticket_id)
        .join(User, User.id == Comment.author_id)
        .where(comment_condition(principal), Comment.ticket_id == ticket_id)
        .order_by(Comment.created_at, Comment.id)
    )
    return [comment_out(comment, name) for comment, name in session.execute(stmt)]


def comment_out(comment: Comment, author_name: str) -> CommentOut:
    return CommentOut(
        id=comment.id,
        ticket_id=comment.ticket_id,
        author_id=comment.author_id,
        author_name=author_name,
        content=comment.content,
        is_internal=comment.is_internal,
        created_at=comment.created_at,
    )


def list_events(session: Session, principal: Principal, ticket_id: uuid.UUID) -> list[EventOut]:
    stmt = (
        select(TicketEvent, User.name)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .outerjoin(User, User.id == TicketEvent.actor_id)
        .where(event_condition(principal), TicketEvent.ticket_id == ticket_id)
        .order_by(TicketEvent.created_at, TicketEvent.id)
    )
    return [
        EventOut(
            id=e.id,
            ticket_id=e.ticket_id,
            actor_id=e.actor_id,
            actor_name=name or SYSTEM_ACTOR_NAME,
            field=e.field,
            old_value=e.old_value,
            new_value=e.new_value,
            created_at=e.created_at,
        )
        for e, name in session.execute(stmt)
    ]
