"""Find the comments and ticket events that arrived in the cache since the last look.

SQLite gives every row a ``rowid`` that grows as rows are inserted; a pull's upsert of a row
the cache already holds keeps its rowid (``INSERT ... ON CONFLICT DO UPDATE``, see
:mod:`desktop.store.records`), so only rows new to the cache count. The highest rowid looked
at is kept per table in ``sync_state``. The first look (a new or just refilled cache) only sets
the marks: a cache's history is never news. :mod:`desktop.store.notice_rules` decides which
new rows deserve a notification. Called off the UI thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, func, literal_column, select

from desktop.store import schema, state
from desktop.store.database import Store
from desktop.store.notice_rules import Batch, NewComment, NewEvent, Notice, TicketFacts, classify

#: sync_state keys: the highest rowid looked at per table, and the newest ``created_at`` seen.
MARKS: dict[str, Table] = {
    "notice_mark_comments": schema.comments,
    "notice_mark_events": schema.ticket_events,
    "notice_mark_tickets": schema.tickets,
}
SEEN_UNTIL = "notice_seen_until"


def _rowid(table: Table) -> Any:
    return literal_column(f"{table.name}.rowid")


def _max_rowid(conn: Connection, table: Table) -> int:
    return int(conn.scalar(select(func.max(_rowid(table))).select_from(table)) or 0)


def _newest_created(conn: Connection, me: str) -> str | None:
    """The newest ``created_at`` of the rows others wrote (the server's clock: rows written on
    this computer carry its own, which may run ahead)."""
    c, e = schema.comments, schema.ticket_events
    times = [
        conn.scalar(select(func.max(c.c.created_at)).where(c.c.author_id.is_distinct_from(me))),
        conn.scalar(select(func.max(e.c.created_at)).where(e.c.actor_id.is_distinct_from(me))),
    ]
    present = [str(t) for t in times if t is not None]
    return max(present) if present else None


def forget_marks(store: Store) -> None:
    """Start over: the next :func:`collect` only sets the marks (the cache was reset)."""
    with store.write(index=False) as conn:
        for key in (*MARKS, SEEN_UNTIL):
            state.put(conn, key, None)


def collect(store: Store) -> list[Notice]:
    """The notices for the rows new since the last call, oldest first; advances the marks.

    The first call on a cache (no marks yet) returns nothing and only sets them."""
    me = str(store.user_id)
    with store.write(index=False) as conn:  # reading and advancing the marks is one step
        marks = {key: state.get(conn, key) for key in MARKS}
        seen_until = state.get(conn, SEEN_UNTIL)
        highest = {key: _max_rowid(conn, table) for key, table in MARKS.items()}
        for key, value in highest.items():
            state.put(conn, key, str(value))
        if any(value is None for value in marks.values()):
            state.put(conn, SEEN_UNTIL, _newest_created(conn, me))
            return []
        # rows deleted at the top (a bucket let go) lower the highest rowid: the mark follows
        since = {key: min(int(marks[key] or 0), highest[key]) for key in MARKS}
        comments = _new_comments(conn, since["notice_mark_comments"])
        events = _new_events(conn, since["notice_mark_events"])
        ticket_ids = {c.ticket_id for c in comments} | {e.ticket_id for e in events}
        tickets = _tickets(conn, ticket_ids, since["notice_mark_tickets"])
        theirs = [c.created_at for c in comments if c.author_id != me]
        newest = max(theirs + [e.created_at for e in events if e.actor_id != me], default=None)
        if newest is not None and (seen_until is None or newest > seen_until):
            state.put(conn, SEEN_UNTIL, newest)
        role = store.actor(conn).role
    return classify(me, role, Batch(tickets, tuple(comments), tuple(events), seen_until))


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def _new_comments(conn: Connection, since: int) -> list[NewComment]:
    c, u = schema.comments, schema.users
    rows = conn.execute(
        select(c.c.id, c.c.ticket_id, c.c.author_id, u.c.name, c.c.is_internal, c.c.created_at)
        .select_from(c.outerjoin(u, u.c.id == c.c.author_id))
        .where(_rowid(c) > since)
        .order_by(_rowid(c))
    ).all()
    return [
        NewComment(str(i), str(t), _opt(a), _opt(n), bool(internal), str(when or ""))
        for i, t, a, n, internal, when in rows
    ]


def _new_events(conn: Connection, since: int) -> list[NewEvent]:
    e, u = schema.ticket_events, schema.users
    rows = conn.execute(
        select(e.c.id, e.c.ticket_id, e.c.actor_id, u.c.name, e.c.field, e.c.old_value, e.c.new_value)
        .add_columns(e.c.created_at)
        .select_from(e.outerjoin(u, u.c.id == e.c.actor_id))
        .where(_rowid(e) > since)
        .order_by(_rowid(e))
    ).all()
    return [
        NewEvent(str(i), str(t), _opt(a), _opt(n), str(f), _opt(old), _opt(new), str(when or ""))
        for i, t, a, n, f, old, new, when in rows
    ]


def _tickets(conn: Connection, ids: set[str], since: int) -> dict[str, TicketFacts]:
    t = schema.tickets
    found: dict[str, TicketFacts] = {}
    ordered: Sequence[str] = sorted(ids)
    for start in range(0, len(ordered), 500):  # SQLite's limit on bound parameters
        chunk = ordered[start : start + 500]
        rows = conn.execute(
            select(t.c.id, t.c.number, t.c.title, t.c.submitter_id, t.c.assignee_id, _rowid(t) > since)
            .add_columns(t.c.created_at)
            .where(t.c.id.in_(chunk))
        ).all()
        for ticket_id, number, title, submitter, assignee, is_new, created_at in rows:
            found[str(ticket_id)] = TicketFacts(
                str(ticket_id),
                number if isinstance(number, int) else None,
                str(title or ""),
                _opt(submitter),
                _opt(assignee),
                bool(is_new),
                _opt(created_at),
            )
    return found
