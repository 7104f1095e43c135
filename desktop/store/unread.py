"""Which tickets this account has not seen: the SQL of the unread flag and the unread count.

A ticket's activity is its creation, its comments and its history, each by someone other than
the account; it is unread when its latest activity is newer than the account's read mark
(``ticket_reads``) and than the account itself (``users.created_at``: a new agent is not greeted
by every old ticket). Computed in the queries rather than kept on each ticket, so that a pull
writes no more than before (for the rows of a page it is two short index lookups per ticket).
A user's cache never holds internal notes, so a note can never make a user's ticket unread.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Table, case, func, select

from desktop.store import deferred_indexes, schema, state
from desktop.store.database import Store
from ticketing.workflow import Actor

_c = schema.comments
_e = schema.ticket_events
_r = schema.ticket_reads
_u = schema.users

#: Sorts before every stored time (which is ISO text): "no such activity".
_NEVER = ""
#: Sorts after every stored time: while the account's own row is not in the cache, nothing is
#: unread rather than everything.
_UNKNOWN_HORIZON = "9999"

#: The cache's account, as SQL (one lookup per statement, not per row).
me: ColumnElement[Any] = (
    select(schema.sync_state.c.value).where(schema.sync_state.c.key == state.USER_ID).scalar_subquery()
)
_horizon = select(_u.c.created_at).where(_u.c.id == me).scalar_subquery()


def latest_activity(t: Table) -> ColumnElement[str]:
    """The time of the latest activity by others on each ticket of ``t`` ('' if none)."""
    created = case((t.c.submitter_id != me, t.c.created_at), else_=_NEVER)
    comment = select(func.max(_c.c.created_at)).where(_c.c.ticket_id == t.c.id, _c.c.author_id != me)
    event = select(func.max(_e.c.created_at)).where(_e.c.ticket_id == t.c.id, _e.c.actor_id != me)
    return func.max(
        created,
        func.coalesce(comment.scalar_subquery(), _NEVER),
        func.coalesce(event.scalar_subquery(), _NEVER),
    )


def seen_until(t: Table) -> ColumnElement[str]:
    """Up to when the account has seen each ticket: its read mark, or when the account began."""
    mark = select(func.max(_r.c.read_at)).where(_r.c.ticket_id == t.c.id).scalar_subquery()
    return func.max(func.coalesce(mark, _NEVER), func.coalesce(_horizon, _UNKNOWN_HORIZON))


def is_unread(t: Table) -> ColumnElement[bool]:
    """Whether each ticket of ``t`` is unread; never while a big fill has set the indexes of
    comments and history aside (:mod:`.deferred_indexes`): each row's lookups would read the
    whole tables then. SQLite evaluates a CASE branch only when it is taken."""
    return case((deferred_indexes.none_set_aside(), latest_activity(t) > seen_until(t)), else_=False)


def counted(t: Table, actor: Actor) -> ColumnElement[bool]:
    """The tickets the unread count is about: for staff, those assigned to them; for a user,
    their own (what their window lists)."""
    if actor.is_staff:
        return t.c.assignee_id == str(actor.id)
    return t.c.submitter_id == str(actor.id)


def unread_count(store: Store) -> int:
    """How many of the counted tickets are unread (for the window title and the tray)."""
    t = schema.tickets
    with store.read() as conn:
        stmt = select(func.count()).select_from(t).where(counted(t, store.actor(conn)), is_unread(t))
        return int(conn.scalar(stmt) or 0)
