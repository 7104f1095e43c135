"""Service levels in the cache: a ticket's clocks from its cached history, and each ticket's
nearest pending target kept in ``ticket_sla`` for the queue's Due column and its filter.

The rules are :mod:`ticketing.sla`'s, fed the same history the server feeds it
(:func:`ticketing.sla.history_from`: status events, public comments with
:func:`ticketing.sla.is_staff_reply`), so the app offline and the server agree to the minute.
``ticket_sla`` is refreshed in the transaction that changed what it depends on: triggers note the
tickets (``sla_stale``; ``'*'`` when a policy, a calendar or a role changed) and
``Store.write`` calls :func:`refresh` before it commits. Only due times are stored; whether a
target is in warning or breached is judged against the clock when shown (:func:`state_at`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, bindparam, exists, or_, text

from desktop.store import schema
from desktop.store.rows import stored_time, utc_text
from ticketing.business_time import ALWAYS, Calendar
from ticketing.domain import Role, Status
from ticketing.sla import (
    BREACHING_SOON_WITHIN,
    FINISHED,
    Policy,
    SlaState,
    TicketSla,
    evaluate,
    history_from,
    is_staff_reply,
    matching_policy,
)

#: How many tickets one refresh batch reads and writes.
_BATCH = 2000
_ALL = "*"


@dataclass(frozen=True)
class Rules:
    """The cached policies and their calendars, as the pure module takes them."""

    policies: tuple[Policy, ...]
    calendars: dict[str, Calendar]
    default_calendar: Calendar

    def calendar_of(self, policy: Policy) -> Calendar:
        found = self.calendars.get(policy.calendar_id or "")
        return found if found is not None else self.default_calendar


@dataclass(frozen=True)
class _TicketFacts:
    id: str
    status: str
    priority: str
    category_id: str | None
    submitter_id: str | None
    created_at: str


def load_rules(conn: Connection) -> Rules:
    calendars: dict[str, Calendar] = {}
    default = ALWAYS
    for cal_id, timezone, hours, holidays, is_default in conn.exec_driver_sql(
        "SELECT id, timezone, hours, holidays, is_default FROM sla_calendars"
    ):
        calendar = Calendar.parse(
            str(timezone), json.loads(str(hours or "{}")), json.loads(str(holidays or "[]"))
        )
        calendars[str(cal_id)] = calendar
        if is_default:
            default = calendar
    policies = tuple(
        Policy(
            id=str(row[0]),
            name=str(row[1]),
            position=int(row[2] or 0),
            priorities=frozenset(json.loads(row[3] or "[]")),
            category_ids=frozenset(json.loads(row[4] or "[]")),
            calendar_id=row[5],
            first_response_minutes=row[6],
            next_response_minutes=row[7],
            resolution_minutes=row[8],
            pause_statuses=frozenset(Status(s) for s in json.loads(row[9] or "[]")),
            warning_percent=int(row[10] or 80),
        )
        for row in conn.exec_driver_sql(
            "SELECT id, name, position, priorities, category_ids, calendar_id, first_response_minutes,"
            " next_response_minutes, resolution_minutes, pause_statuses, warning_percent FROM sla_policies"
        )
    )
    return Rules(policies=policies, calendars=calendars, default_calendar=default)


_TICKETS = "SELECT id, status, priority, category_id, submitter_id, created_at FROM tickets"
_EVENTS = (
    "SELECT ticket_id, created_at, new_value FROM ticket_events WHERE field = 'status'"
    " AND new_value IS NOT NULL"
)
_REPLIES = (
    "SELECT c.ticket_id, c.created_at, c.author_id, u.role FROM comments c"
    " LEFT JOIN users u ON u.id = c.author_id WHERE NOT c.is_internal"
)


def _ticket_rows(conn: Connection, ticket_ids: Sequence[str] | None) -> list[_TicketFacts]:
    if ticket_ids is None:
        rows = conn.exec_driver_sql(_TICKETS)
    else:
        rows = conn.execute(
            text(_TICKETS + " WHERE id IN :ids").bindparams(bindparam("ids", expanding=True)),
            {"ids": list(ticket_ids)},
        )
    return [_TicketFacts(str(r[0]), str(r[1]), str(r[2]), r[3], r[4], str(r[5])) for r in rows if r[5]]


def _grouped(
    conn: Connection, sql: str, ticket_ids: Sequence[str] | None, column: str
) -> dict[str, list[tuple[object, ...]]]:
    if ticket_ids is None:
        rows = conn.exec_driver_sql(sql)
    else:
        where = " AND " if " WHERE " in sql else " WHERE "
        statement = text(f"{sql}{where}{column} IN :ids").bindparams(bindparam("ids", expanding=True))
        rows = conn.execute(statement, {"ids": list(ticket_ids)})
    grouped: dict[str, list[tuple[object, ...]]] = {}
    for row in rows:
        grouped.setdefault(str(row[0]), []).append(tuple(row[1:]))
    return grouped


def _evaluate(
    rules: Rules,
    ticket: _TicketFacts,
    events: Iterable[tuple[object, ...]],
    replies: Iterable[tuple[object, ...]],
    now: dt.datetime,
) -> TicketSla:
    policy = matching_policy(rules.policies, ticket.priority, ticket.category_id)
    if policy is None:
        return evaluate(None, ALWAYS, history_from(stored_time(ticket.created_at), (), ()), now)
    history = history_from(
        stored_time(ticket.created_at),
        ((stored_time(str(at)), str(status)) for at, status in events),
        (
            (
                stored_time(str(at)),
                is_staff_reply(role is not None and Role(str(role)).is_staff, author_id, ticket.submitter_id),
            )
            for at, author_id, role in replies
        ),
    )
    return evaluate(policy, rules.calendar_of(policy), history, now)


def ticket_sla(conn: Connection, ticket_id: str, now: dt.datetime) -> TicketSla | None:
    """One ticket's service level at ``now`` from the cache (``None``: no such ticket)."""
    tickets = _ticket_rows(conn, [ticket_id])
    if not tickets:
        return None
    events = _grouped(conn, _EVENTS, [ticket_id], "ticket_id").get(ticket_id, [])
    replies = _grouped(conn, _REPLIES, [ticket_id], "c.ticket_id").get(ticket_id, [])
    return _evaluate(load_rules(conn), tickets[0], events, replies, now)


_DELETE = text("DELETE FROM ticket_sla WHERE ticket_id IN :ids").bindparams(bindparam("ids", expanding=True))
_WRITE = (
    "INSERT OR REPLACE INTO ticket_sla (ticket_id, policy_id, target, due_at, warning_at, paused)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)


def _write(conn: Connection, rules: Rules, ticket_ids: Sequence[str] | None, now: dt.datetime) -> None:
    tickets = _ticket_rows(conn, ticket_ids)
    events = _grouped(conn, _EVENTS, ticket_ids, "ticket_id")
    replies = _grouped(conn, _REPLIES, ticket_ids, "c.ticket_id")
    rows: list[tuple[object, ...]] = []
    for ticket in tickets:
        if Status(ticket.status) in FINISHED:
            continue
        sla = _evaluate(rules, ticket, events.get(ticket.id, ()), replies.get(ticket.id, ()), now)
        nearest = sla.nearest
        if nearest is not None:
            due, warning = utc_text(nearest.due_at), utc_text(nearest.warning_at)
            # a paused ticket's due time moves later while the pause lasts: shown as paused,
            # unless the target had run out before the pause
            paused = sla.paused and nearest.state != SlaState.BREACHED
            rows.append((ticket.id, sla.policy_id, nearest.kind.value, due, warning, paused))
    if ticket_ids is None:
        conn.exec_driver_sql("DELETE FROM ticket_sla")
    else:
        conn.execute(_DELETE, {"ids": list(ticket_ids)})
    if rows:
        conn.exec_driver_sql(_WRITE, rows)


def refresh(conn: Connection, now: dt.datetime | None = None) -> None:
    """Recompute ``ticket_sla`` for the tickets noted stale (every ticket after a policy,
    calendar or role change: one pass with bulk reads), then clear the notes."""
    stale = [str(row[0]) for row in conn.exec_driver_sql("SELECT ticket_id FROM sla_stale")]
    if not stale:
        return
    at = now or dt.datetime.now(dt.UTC)
    rules = load_rules(conn)
    if not rules.policies:  # no policy, no targets: nothing to read (a desk without SLAs)
        conn.exec_driver_sql("DELETE FROM ticket_sla")
    elif _ALL in stale:
        _write(conn, rules, None, at)
    else:
        for start in range(0, len(stale), _BATCH):
            _write(conn, rules, stale[start : start + _BATCH], at)
    conn.exec_driver_sql("DELETE FROM sla_stale")


def hold_clock(conn: Connection, clock: Callable[[], dt.datetime]) -> None:
    """Say what "now" is for the reads on ``conn`` ("Breaching soon"): the store's clock."""
    conn.info["clock"] = clock


def now_of(conn: Connection) -> dt.datetime:
    clock = conn.info.get("clock")
    return clock() if clock is not None else dt.datetime.now(dt.UTC)


def state_at(due_at: dt.datetime, warning_at: dt.datetime, paused: bool, now: dt.datetime) -> SlaState:
    """The nearest target's state now, from what ``ticket_sla`` keeps: time alone moves a
    target from ok to warning to breached, with nothing written."""
    if paused:
        return SlaState.PAUSED
    if now >= due_at:
        return SlaState.BREACHED
    if now >= warning_at:
        return SlaState.WARNING
    return SlaState.OK


def breaching_soon(now: dt.datetime) -> ColumnElement[bool]:
    """The SQL condition on ``tickets`` of the "Breaching soon" filter, read from ``ticket_sla``
    (its ``due_at`` index), so it costs the same at 100k tickets."""
    sla = schema.ticket_sla
    soon = utc_text(now + BREACHING_SOON_WITHIN)
    return exists().where(
        sla.c.ticket_id == schema.tickets.c.id,
        sla.c.paused.is_(False),
        or_(sla.c.due_at <= soon, sla.c.warning_at <= utc_text(now)),
    )
