"""Read functions for the UI: plain dataclasses from the cache, never lazy objects.

Each function reads in one snapshot (a read transaction) and returns everything a view needs,
names joined in, so a table model never runs a query per repaint. Filters and sort take the
REST API's :class:`ticketing.schemas.TicketQuery`, so both speak the same vocabulary.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    bindparam,
    exists,
    func,
    select,
)
from sqlalchemy.sql.elements import UnaryExpression

from desktop.store import outbox, schema, search, service_levels, shadows, state, unread
from desktop.store.database import Store
from desktop.store.replay import ticket_state
from desktop.store.rows import parse_time, stored_time, utc_text
from ticketing import workflow
from ticketing.domain import Role, Status, format_ticket_number
from ticketing.schemas import TicketQuery
from ticketing.sla import SlaState, TicketSla

t = schema.tickets
submitter = schema.users.alias("submitter")
assignee = schema.users.alias("assignee")
category = schema.categories
priority = schema.priorities


# --- rows -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueTarget:
    """What the queue's Due column shows: which target, when it is due and warns, paused."""

    target: str
    due_at: dt.datetime
    warning_at: dt.datetime
    paused: bool

    def state(self, now: dt.datetime) -> SlaState:
        return service_levels.state_at(self.due_at, self.warning_at, self.paused, now)


@dataclass(frozen=True)
class TicketRow:
    id: str
    number: int | None
    title: str
    status: Status
    priority: str
    priority_name: str | None
    priority_rank: int | None
    category_id: str
    category_name: str | None
    submitter_id: str
    submitter_name: str | None
    assignee_id: str | None
    assignee_name: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    pending: bool  # changes made here that the server has not confirmed yet
    has_problem: bool  # a change was rejected or conflicted (see :func:`problems`)
    #: activity by others this account has not seen (:mod:`desktop.store.unread`)
    unread: bool = False
    #: in a search's results: the words around the match, marked (:mod:`desktop.store.search`)
    match: str | None = None
    #: the nearest service-level target owed (:mod:`desktop.store.service_levels`), if any
    due: DueTarget | None = None

    @property
    def display_number(self) -> str:
        """``TKT-1001``, or ``Draft`` until the server numbers a ticket made offline."""
        return format_ticket_number(self.number)

    @property
    def is_draft(self) -> bool:
        return self.number is None


@dataclass(frozen=True)
class CommentRow:
    id: str
    ticket_id: str
    author_id: str
    author_name: str | None
    content: str
    is_internal: bool
    created_at: dt.datetime
    pending: bool


@dataclass(frozen=True)
class EventRow:
    id: str
    ticket_id: str
    actor_id: str | None  # None: Ticketdesk itself (an SLA warning or breach)
    actor_name: str | None
    field: str
    old_value: str | None
    new_value: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class TimelineEntry:
    """A comment or a history event, in time order."""

    at: dt.datetime
    comment: CommentRow | None = None
    event: EventRow | None = None


@dataclass(frozen=True)
class PendingChange:
    mutation_id: int
    name: str
    args: dict[str, Any]
    created_at: dt.datetime
    state: str  # pending (not sent or not answered), applied or conflict (waiting for rows)


@dataclass(frozen=True)
class Problem:
    """A change the server rejected or answered with a conflict; ``args`` keep its full text."""

    id: int
    mutation_id: int | None
    name: str
    args: dict[str, Any]
    ticket_id: str | None
    status: str  # rejected | conflict
    code: str | None
    message: str | None
    server_values: dict[str, Any] | None
    created_at: dt.datetime | None
    reported_at: dt.datetime | None


@dataclass(frozen=True)
class TicketDetail:
    ticket: TicketRow
    description: str
    comments: list[CommentRow]  # internal notes only if this account has them in its cache
    events: list[EventRow]
    timeline: list[TimelineEntry]
    pending: list[PendingChange]
    problems: list[Problem]
    allowed_transitions: list[Status]  # for the status menu, by the shared workflow rules


@dataclass(frozen=True)
class Metrics:
    open: int
    unassigned: int  # active (Open, In Progress, On Hold) and nobody assigned
    in_progress: int
    on_hold: int
    resolved_today: int


@dataclass(frozen=True)
class SyncCounts:
    pending: int
    problems: int
    last_sync_at: dt.datetime | None


@dataclass(frozen=True)
class CategoryRow:
    id: str
    name: str
    is_active: bool


@dataclass(frozen=True)
class PriorityRow:
    id: str
    key: str
    name: str
    rank: int
    is_active: bool


@dataclass(frozen=True)
class StaffRow:
    id: str
    name: str
    role: Role


# --- tickets --------------------------------------------------------------------------------


def _conditions(
    query: TicketQuery, me: str | None, now: dt.datetime | None = None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.status:
        conditions.append(t.c.status.in_([s.value for s in query.status]))
    if query.priority:
        conditions.append(t.c.priority.in_(query.priority))
    if query.category_id:
        conditions.append(t.c.category_id.in_([str(c) for c in query.category_id]))
    if query.assignee == "me":
        conditions.append(t.c.assignee_id == me)
    elif query.assignee == "none":
        conditions.append(t.c.assignee_id.is_(None))
    elif query.assignee:
        conditions.append(t.c.assignee_id == str(uuid.UUID(query.assignee)))
    if query.submitter_id:
        conditions.append(t.c.submitter_id == str(query.submitter_id))
    for column, start, end in (
        (t.c.created_at, query.created_from, query.created_to),
        (t.c.updated_at, query.updated_from, query.updated_to),
    ):
        if start is not None:
            conditions.append(column >= utc_text(start))
        if end is not None:
            conditions.append(column < utc_text(end))
    if query.q and query.q.strip():
        conditions.append(search.condition(query.q, t))  # full text and number (search.py)
    if query.breaching_soon:
        conditions.append(service_levels.breaching_soon(now or dt.datetime.now(dt.UTC)))
    return conditions


_sla = schema.ticket_sla
#: The nearest target's due time, for sorting (a correlated read of ``ticket_sla``'s key).
_DUE = select(_sla.c.due_at).where(_sla.c.ticket_id == t.c.id).scalar_subquery()

_SORT_COLUMNS: dict[str, ColumnElement[Any]] = {
    "number": t.c.number,
    "title": t.c.title.collate("NOCASE"),  # case-blind, like lower(), and indexed
    "status": schema.status_order,  # workflow order
    # names and ranks come from sort keys the cache keeps on each ticket (indexed)
    "priority": t.c.priority_rank,  # most urgent last (descending: first)
    "category": t.c.category_sort,
    "assignee": t.c.assignee_sort,
    "submitter": t.c.submitter_sort,
    "created_at": t.c.created_at,
    "updated_at": t.c.updated_at,
    "due": _DUE,
}


def sort_order(sort: str) -> list[UnaryExpression[Any]]:
    """The ORDER BY of a queue sort key (``priority``, ``-created_at``...), ties broken by id."""
    descending = sort.startswith("-")
    column = _SORT_COLUMNS[sort.lstrip("-")]
    first = column.desc() if descending else column.asc()
    if sort.lstrip("-") == "number":  # drafts are the newest tickets
        first = first.nulls_first() if descending else first.nulls_last()
    if sort.lstrip("-") == "due":  # tickets without a target owed come last either way
        first = first.nulls_last()
    return [first, t.c.id.desc() if descending else t.c.id.asc()]


#: The columns of a :class:`TicketRow`, in its fields' order (names joined in).
_ROW_COLUMNS: tuple[ColumnElement[Any], ...] = (
    t.c.id,
    t.c.number,
    t.c.title,
    t.c.status,
    t.c.priority,
    priority.c.name,
    priority.c.rank,
    t.c.category_id,
    category.c.name,
    t.c.submitter_id,
    submitter.c.name,
    t.c.assignee_id,
    assignee.c.name,
    t.c.created_at,
    t.c.updated_at,
    t.c.resolved_at,
    t.c.closed_at,
    exists().where(schema.outbox.c.ticket_id == t.c.id).label("pending"),
    exists().where(schema.sync_problems.c.ticket_id == t.c.id).label("has_problem"),
    unread.is_unread(t).label("unread"),
    _sla.c.target,
    _sla.c.due_at,
    _sla.c.warning_at,
    _sla.c.paused,
)
_ROW_SOURCE = (
    t.outerjoin(priority, priority.c.key == t.c.priority)
    .outerjoin(_sla, _sla.c.ticket_id == t.c.id)
    .outerjoin(category, category.c.id == t.c.category_id)
    .outerjoin(submitter, submitter.c.id == t.c.submitter_id)
    .outerjoin(assignee, assignee.c.id == t.c.assignee_id)
)
_STATUSES = {status.value: status for status in Status}


def _ticket_select(*extra: ColumnElement[Any]) -> Select[Any]:
    """Ticket rows (with ``extra`` columns after the row's own)."""
    return select(*_ROW_COLUMNS, *extra).select_from(_ROW_SOURCE)


#: The rows of a list of ids: built once, since a table model reads a page per scroll.
_ROWS_BY_ID = _ticket_select().where(t.c.id.in_(bindparam("ids", expanding=True)))


def _ticket_row(values: Sequence[Any]) -> TicketRow:
    """A row of :func:`_ticket_select` as a :class:`TicketRow`, by position in the order of
    ``_ROW_COLUMNS`` (this runs for every row a table shows)."""
    return TicketRow(
        id=values[0],
        number=values[1],
        title=values[2],
        status=_STATUSES[values[3]],
        priority=values[4],
        priority_name=values[5],
        priority_rank=values[6],
        category_id=values[7],
        category_name=values[8],
        submitter_id=values[9],
        submitter_name=values[10],
        assignee_id=values[11],
        assignee_name=values[12],
        created_at=stored_time(values[13]),
        updated_at=stored_time(values[14]),
        resolved_at=parse_time(values[15]),
        closed_at=parse_time(values[16]),
        pending=bool(values[17]),
        has_problem=bool(values[18]),
        unread=bool(values[19]),
        due=None
        if values[21] is None
        else DueTarget(values[20], stored_time(values[21]), stored_time(values[22]), bool(values[23])),
    )


def _me(conn: Connection) -> str | None:
    return state.get(conn, state.USER_ID)


def query_conditions(conn: Connection, query: TicketQuery) -> list[ColumnElement[bool]]:
    """The WHERE of a ticket query for the cache's account ("assigned to me" resolved)."""
    return _conditions(query, _me(conn), service_levels.now_of(conn))


def list_tickets(store: Store, query: TicketQuery | None = None) -> list[TicketRow]:
    """Tickets matching ``query`` (filters, sort, limit and offset), names joined in."""
    query = query or TicketQuery()
    with store.read() as conn:
        stmt = (
            _ticket_select()
            .where(*query_conditions(conn, query))
            .order_by(*sort_order(query.sort))
            .limit(query.limit)
            .offset(query.offset)
        )
        return [_ticket_row(row) for row in conn.execute(stmt)]


def ticket_ids(store: Store, query: TicketQuery | None = None, *, ranked: bool = False) -> list[str]:
    """Every matching ticket's id in order (limit and offset ignored): for work over all of
    them (a bulk action over every matching ticket); tables read windows instead
    (:mod:`desktop.store.queue_window`). ``ranked``: a search's best matches first instead of
    ``query.sort`` (see :mod:`desktop.store.search`).

    Filters and sorts read only ``tickets`` (names and ranks through its sort keys), so every
    sort is read in order from one of the cache's indexes."""
    with store.read() as conn:
        return ticket_ids_in(conn, query or TicketQuery(), ranked=ranked)


def ticket_ids_in(conn: Connection, query: TicketQuery, *, ranked: bool = False) -> list[str]:
    """:func:`ticket_ids` within a read transaction the caller holds."""
    return _ids_in_order(conn, ordered_ids(conn, query, ranked=ranked))


def is_ranked(query: TicketQuery, ranked: bool) -> bool:
    """Whether ``ranked`` applies to ``query``: only a search has a relevance order."""
    return ranked and bool(query.q and query.q.strip())


def ordered_ids(conn: Connection, query: TicketQuery, *, ranked: bool = False) -> Select[tuple[str]]:
    """The statement of the matching tickets' ids in order: ``query.sort``'s, or the search's
    best matches first if ``ranked`` (and ``query`` searches); limit and offset apply to it."""
    if is_ranked(query, ranked):  # the search's own order (search.py)
        others = _conditions(query.model_copy(update={"q": None}), _me(conn), service_levels.now_of(conn))
        return search.ranked_ids(query.q or "", t, others)
    return select(t.c.id).where(*query_conditions(conn, query)).order_by(*sort_order(query.sort))


def ranked_positions(conn: Connection, query: TicketQuery) -> Select[tuple[str, int]]:
    """``(id, row)`` of the tickets a search finds, rows numbered from 0 best match first."""
    others = _conditions(query.model_copy(update={"q": None}), _me(conn), service_levels.now_of(conn))
    return search.ranked_rows(query.q or "", t, others)


def _ids_in_order(conn: Connection, stmt: Select[Any]) -> list[str]:
    """The ids ``stmt`` selects, in its order, as one string SQLite joins and Python splits:
    for the 100k ids of a big queue that is about 2.5x faster than fetching 100k one-column
    rows, which cost more than SQLite's own work. Ids are canonical UUID text (no spaces), and
    an ordered subquery under an aggregate is never flattened, so its order is kept."""
    ordered = stmt.subquery()
    joined = conn.execute(select(func.group_concat(ordered.c.id, " "))).scalar()
    return str(joined).split(" ") if joined else []


def tickets_by_id(store: Store, ids: Sequence[str]) -> dict[str, TicketRow]:
    """The rows of ``ids`` that still exist (a page of a table model)."""
    with store.read() as conn:
        return tickets_by_id_in(conn, ids)


def tickets_by_id_in(conn: Connection, ids: Sequence[str]) -> dict[str, TicketRow]:
    """:func:`tickets_by_id` within a read transaction the caller holds."""
    found: dict[str, TicketRow] = {}
    for start in range(0, len(ids), 500):
        result = conn.execute(_ROWS_BY_ID, {"ids": list(ids[start : start + 500])})
        try:  # the driver's tuples: SQLAlchemy's rows would cost as much as SQLite's work
            for values in result.cursor.fetchall():
                found[values[0]] = _ticket_row(values)
        finally:
            result.close()
    return found


def count_tickets(store: Store, query: TicketQuery | None = None) -> int:
    query = query or TicketQuery()
    with store.read() as conn:
        stmt = select(func.count()).select_from(t).where(*query_conditions(conn, query))
        return conn.scalar(stmt) or 0


def ticket(store: Store, ticket_id: str) -> TicketRow | None:
    with store.read() as conn:
        row = conn.execute(_ticket_select().where(t.c.id == str(ticket_id))).one_or_none()
        return None if row is None else _ticket_row(row)


def ticket_detail(store: Store, ticket_id: str) -> TicketDetail | None:
    """A ticket with its comments, history, pending changes and problems, in one snapshot."""
    ticket_id = str(ticket_id)
    with store.read() as conn:
        row = conn.execute(_ticket_select(t.c.description).where(t.c.id == ticket_id)).one_or_none()
        if row is None:
            return None
        found = _ticket_row(row)
        comments = _comments(conn, ticket_id)
        events = _events(conn, ticket_id)
        actor = store.actor(conn)
        state_ = ticket_state(
            {
                "status": found.status.value,
                "submitter_id": found.submitter_id,
                "assignee_id": found.assignee_id,
            }
        )
        timeline = sorted(
            [TimelineEntry(c.created_at, comment=c) for c in comments]
            + [TimelineEntry(e.created_at, event=e) for e in events],
            key=lambda entry: entry.at,
        )
        return TicketDetail(
            ticket=found,
            description=row.description or "",
            comments=comments,
            events=events,
            timeline=timeline,
            pending=[
                PendingChange(m.id, m.name, m.args, stored_time(m.created_at), m.state)
                for m in outbox.for_ticket(conn, ticket_id)
            ],
            problems=_problems(conn, ticket_id),
            allowed_transitions=sorted(workflow.allowed_transitions(actor, state_), key=list(Status).index),
        )


def _comments(conn: Connection, ticket_id: str) -> list[CommentRow]:
    c = schema.comments
    author = schema.users.alias("author")
    pending = shadows.not_on_server("comment", c.c.id)
    stmt = (
        select(c, author.c.name.label("author_name"), pending.label("pending"))
        .outerjoin(author, author.c.id == c.c.author_id)
        .where(c.c.ticket_id == ticket_id)
        .order_by(c.c.created_at, c.c.id)
    )
    return [
        CommentRow(
            id=r.id,
            ticket_id=r.ticket_id,
            author_id=r.author_id,
            author_name=r.author_name,
            content=r.content,
            is_internal=bool(r.is_internal),
            created_at=stored_time(r.created_at),
            pending=bool(r.pending),
        )
        for r in conn.execute(stmt)
    ]


def _events(conn: Connection, ticket_id: str) -> list[EventRow]:
    e = schema.ticket_events
    actor = schema.users.alias("actor")
    stmt = (
        select(e, actor.c.name.label("actor_name"))
        .outerjoin(actor, actor.c.id == e.c.actor_id)
        .where(e.c.ticket_id == ticket_id)
        .order_by(e.c.created_at, e.c.id)
    )
    return [
        EventRow(
            id=r.id,
            ticket_id=r.ticket_id,
            actor_id=r.actor_id,
            actor_name=r.actor_name,
            field=r.field,
            old_value=r.old_value,
            new_value=r.new_value,
            created_at=stored_time(r.created_at),
        )
        for r in conn.execute(stmt)
    ]


def pending_ticket_ids(store: Store) -> set[str]:
    """Tickets with changes the server has not confirmed yet."""
    with store.read() as conn:
        return set(conn.scalars(select(schema.outbox.c.ticket_id).distinct()))


# --- metrics, problems, reference data ------------------------------------------------------


def local_day_start(now: dt.datetime | None = None) -> dt.datetime:
    """Midnight today in the computer's time zone (for "resolved today")."""
    local = (now or dt.datetime.now(dt.UTC)).astimezone()
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def metrics(store: Store, *, day_start: dt.datetime | None = None) -> Metrics:
    """Dashboard counts over the tickets in this cache (what this account may see)."""
    since = utc_text(day_start or local_day_start())
    active = t.c.status.in_([s.value for s in Status if s.is_active])

    def count_of(condition: ColumnElement[bool]) -> Any:
        return func.count().filter(condition)

    stmt = select(
        count_of(t.c.status == Status.OPEN.value),
        count_of(and_(active, t.c.assignee_id.is_(None))),
        count_of(t.c.status == Status.IN_PROGRESS.value),
        count_of(t.c.status == Status.ON_HOLD.value),
        count_of(and_(t.c.status == Status.RESOLVED.value, t.c.resolved_at >= since)),
    )
    with store.read() as conn:
        row = conn.execute(stmt).one()
    return Metrics(*(int(value or 0) for value in row))


def _problems(conn: Connection, ticket_id: str | None = None) -> list[Problem]:
    p = schema.sync_problems
    stmt = select(p).order_by(p.c.id)
    if ticket_id is not None:
        stmt = stmt.where(p.c.ticket_id == ticket_id)
    return [
        Problem(
            id=r.id,
            mutation_id=r.mutation_id,
            name=r.name,
            args=json.loads(r.args),
            ticket_id=r.ticket_id,
            status=r.status,
            code=r.code,
            message=r.message,
            server_values=None if r.server_values is None else json.loads(r.server_values),
            created_at=parse_time(r.created_at),
            reported_at=parse_time(r.reported_at),
        )
        for r in conn.execute(stmt)
    ]


def problems(store: Store, ticket_id: str | None = None) -> list[Problem]:
    """Rejected and conflicting changes, oldest first (of one ticket, if given)."""
    with store.read() as conn:
        return _problems(conn, ticket_id)


def sync_counts(store: Store) -> SyncCounts:
    with store.read() as conn:
        return SyncCounts(
            pending=outbox.count(conn),
            problems=conn.scalar(select(func.count()).select_from(schema.sync_problems)) or 0,
            last_sync_at=state.last_sync_at(conn),
        )


def categories(store: Store, *, include_inactive: bool = False) -> list[CategoryRow]:
    c = schema.categories
    stmt = select(c.c.id, c.c.name, c.c.is_active).order_by(func.lower(c.c.name))
    if not include_inactive:
        stmt = stmt.where(c.c.is_active.is_(True))
    with store.read() as conn:
        return [CategoryRow(r.id, r.name, bool(r.is_active)) for r in conn.execute(stmt)]


def priorities(store: Store, *, include_inactive: bool = False) -> list[PriorityRow]:
    """Priorities, most urgent first."""
    p = schema.priorities
    stmt = select(p.c.id, p.c.key, p.c.name, p.c.rank, p.c.is_active).order_by(p.c.rank.desc())
    if not include_inactive:
        stmt = stmt.where(p.c.is_active.is_(True))
    with store.read() as conn:
        return [PriorityRow(r.id, r.key, r.name, r.rank, bool(r.is_active)) for r in conn.execute(stmt)]


def staff(store: Store) -> list[StaffRow]:
    """Active agents and admins, for the assign-to menu."""
    u = schema.users
    stmt = (
        select(u.c.id, u.c.name, u.c.role)
        .where(u.c.role.in_([Role.AGENT.value, Role.ADMIN.value]), u.c.is_active.is_(True))
        .order_by(func.lower(u.c.name))
    )
    with store.read() as conn:
        return [StaffRow(r.id, r.name, Role(r.role)) for r in conn.execute(stmt)]


def service_level(store: Store, ticket_id: str, now: dt.datetime | None = None) -> TicketSla | None:
    """A ticket's targets, due times and states from the cache (the header's SLA line)."""
    with store.read() as conn:
        return service_levels.ticket_sla(conn, ticket_id, now or dt.datetime.now(dt.UTC))
