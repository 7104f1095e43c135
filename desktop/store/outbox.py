"""The outbox: mutations written offline, in order, until the server's rows settle them.

A mutation is ``pending`` until a push answers it. ``applied`` and ``conflict`` answers stay
(and stay replayed) until the end of the next complete pull, which brings the server's rows:
dropping them earlier would flash the old values. (When the server names the last mutation
whose effects a pull includes, only those up to it settle.) A ``rejected`` one leaves at once for
``sync_problems``, with its arguments, so no text the user wrote is lost.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, delete, func, insert, select, update

from desktop.store import schema, state
from desktop.store.rows import utc_text
from ticketing.protocol import MutationArgs, MutationResult

PENDING = "pending"
APPLIED = "applied"
CONFLICT = "conflict"
REJECTED = "rejected"


@dataclass(frozen=True)
class QueuedMutation:
    id: int
    name: str
    args: dict[str, Any]
    ticket_id: str
    created_at: str
    state: str


def _queued(row: Any) -> QueuedMutation:
    return QueuedMutation(
        id=row.id,
        name=row.name,
        args=json.loads(row.args),
        ticket_id=row.ticket_id,
        created_at=row.created_at,
        state=row.state,
    )


def enqueue(conn: Connection, args: MutationArgs, ticket_id: str, at: dt.datetime) -> int:
    """Queue the mutation ``args`` belong to (its arguments as they travel) and return its id."""
    mutation_id = state.allocate_mutation_id(conn)
    conn.execute(
        insert(schema.outbox).values(
            id=mutation_id,
            name=args.NAME.value,
            args=json.dumps(args.model_dump(mode="json", by_alias=True)),
            ticket_id=ticket_id,
            created_at=utc_text(at),
            state=PENDING,
        )
    )
    return mutation_id


def for_ticket(conn: Connection, ticket_id: str) -> list[QueuedMutation]:
    """Every unsettled mutation of a ticket, oldest first: what replay applies."""
    stmt = select(schema.outbox).where(schema.outbox.c.ticket_id == ticket_id).order_by(schema.outbox.c.id)
    return [_queued(row) for row in conn.execute(stmt)]


def to_push(conn: Connection, limit: int) -> list[QueuedMutation]:
    stmt = (
        select(schema.outbox)
        .where(schema.outbox.c.state == PENDING)
        .order_by(schema.outbox.c.id)
        .limit(limit)
    )
    return [_queued(row) for row in conn.execute(stmt)]


def count(conn: Connection) -> int:
    """Mutations the server's rows have not confirmed yet (what the UI calls "pending")."""
    return conn.scalar(select(func.count()).select_from(schema.outbox)) or 0


def record_result(conn: Connection, result: MutationResult, at: dt.datetime) -> str | None:
    """Store the server's answer; a rejection moves to sync_problems at once.

    Returns the ticket whose rows must be rebuilt now (a rejection), else ``None``.
    """
    row = conn.execute(select(schema.outbox).where(schema.outbox.c.id == result.id)).one_or_none()
    if row is None or row.state != PENDING:
        return None
    if result.status == REJECTED:
        add_problem(
            conn,
            _queued(row),
            status=REJECTED,
            code=result.code,
            message=result.message,
            server_values=result.server_values,
            at=at,
        )
        conn.execute(delete(schema.outbox).where(schema.outbox.c.id == result.id))
        return str(row.ticket_id)
    conn.execute(
        update(schema.outbox)
        .where(schema.outbox.c.id == result.id)
        .values(
            state=APPLIED if result.status == APPLIED else CONFLICT,
            code=result.code,
            message=result.message,
            server_values=None if result.server_values is None else json.dumps(result.server_values),
        )
    )
    return None


def _answered(up_to: int | None) -> ColumnElement[bool]:
    condition = schema.outbox.c.state.in_([APPLIED, CONFLICT])
    return condition if up_to is None else and_(condition, schema.outbox.c.id <= up_to)


def settle(conn: Connection, at: dt.datetime, up_to: int | None = None) -> set[str]:
    """Drop the answered mutations whose rows a complete pull has brought (those up to the
    server's ``last_mutation_id``; all of them if it does not say); conflicts are kept as
    problems. Returns the tickets to rebuild."""
    answered = conn.execute(select(schema.outbox).where(_answered(up_to)).order_by(schema.outbox.c.id)).all()
    for row in answered:
        if row.state == CONFLICT:
            values = None if row.server_values is None else json.loads(row.server_values)
            add_problem(
                conn,
                _queued(row),
                status=CONFLICT,
                code=row.code,
                message=row.message,
                server_values=values,
                at=at,
            )
    if answered:
        conn.execute(delete(schema.outbox).where(schema.outbox.c.id.in_([row.id for row in answered])))
    return {str(row.ticket_id) for row in answered}


def count_answered(conn: Connection) -> int:
    """Answered mutations still waiting for a pull to bring their rows."""
    return conn.scalar(select(func.count()).select_from(schema.outbox).where(_answered(None))) or 0


def resend_all(conn: Connection) -> None:
    """The server's database was restored: answers it gave may be lost, so ask again."""
    conn.execute(update(schema.outbox).values(state=PENDING, code=None, message=None, server_values=None))


def renumber(conn: Connection, first_id: int) -> None:
    """Give the pending mutations consecutive ids from ``first_id``: the server expects
    ``last_mutation_id + 1`` and stops at a gap (its database was restored, say). Call only
    when ``first_id`` is below every pending id: ids then only shrink, so going up in order
    never collides, and answered mutations (ids the server has) stay below ``first_id``."""
    pending = select(schema.outbox.c.id).where(schema.outbox.c.state == PENDING).order_by(schema.outbox.c.id)
    ids: list[int] = list(conn.scalars(pending))
    for offset, old in enumerate(ids):
        if old != first_id + offset:
            conn.execute(update(schema.outbox).where(schema.outbox.c.id == old).values(id=first_id + offset))
    state.put(conn, state.NEXT_MUTATION_ID, str(first_id + len(ids)))


def remove_unsent(conn: Connection, mutation_id: int) -> None:
    """Drop a pending mutation the server never received (the first pending one) and give the
    ones after it consecutive ids from its id, as the server expects."""
    conn.execute(delete(schema.outbox).where(schema.outbox.c.id == mutation_id))
    renumber(conn, mutation_id)


def withdraw_unsent(conn: Connection, mutation_id: int, args: dict[str, Any]) -> QueuedMutation | None:
    """Take back a mutation that never left and is the newest one queued; ``None`` (nothing
    done) otherwise. Its id is handed out again, so the ids the server sees stay consecutive;
    hence ``args``, what the caller queued: an id handed out again may name another mutation.

    "Never left" is :func:`state.sent_through`: a push marks a batch before sending it, in a
    write transaction, so a mutation above the mark cannot be on the wire now or have reached
    the server unanswered. Newest: nothing queued after it can depend on it or need renumbering.
    """
    row = conn.execute(select(schema.outbox).where(schema.outbox.c.id == mutation_id)).one_or_none()
    newest = conn.scalar(select(func.max(schema.outbox.c.id)))
    if row is None or row.state != PENDING or newest != mutation_id or json.loads(row.args) != args:
        return None
    if mutation_id <= state.sent_through(conn):
        return None
    conn.execute(delete(schema.outbox).where(schema.outbox.c.id == mutation_id))
    state.put(conn, state.NEXT_MUTATION_ID, str(mutation_id))
    return _queued(row)


def add_problem(
    conn: Connection,
    mutation: QueuedMutation,
    *,
    status: str,
    code: str | None,
    message: str | None,
    server_values: dict[str, Any] | None,
    at: dt.datetime,
) -> None:
    conn.execute(
        insert(schema.sync_problems).values(
            mutation_id=mutation.id,
            name=mutation.name,
            args=json.dumps(mutation.args),
            ticket_id=mutation.ticket_id,
            status=status,
            code=code,
            message=message,
            server_values=None if server_values is None else json.dumps(server_values),
            created_at=mutation.created_at,
            reported_at=utc_text(at),
        )
    )
