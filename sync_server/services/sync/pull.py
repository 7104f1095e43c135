"""Pull: every change a principal may see after its cursors, one consistent page at a time.

Runs in one REPEATABLE READ transaction, so the ops and the rows they point at come from the
same snapshot. Only ops below the snapshot's xmin horizon are delivered: a transaction that is
still running has an xid at or above it, so its ops sort after the cursor once they commit and
none is ever skipped (DESIGN.md, "Change-log details worth getting right").
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    String,
    Table,
    Text,
    Uuid,
    case,
    cast,
    column,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.orm import Session

from sync_server.db.models import (
    Article,
    Attachment,
    Base,
    CannedReply,
    Category,
    Comment,
    PriorityLevel,
    ServerMeta,
    SlaCalendar,
    SlaPolicy,
    Ticket,
    TicketEvent,
    TicketRead,
    User,
)
from sync_server.services.identity.principal import Principal
from sync_server.services.sync.settle import SETTLED_MUTATION
from ticketing import visibility
from ticketing.protocol import (
    DIRECTORY_USER_FIELDS,
    ENTITY_FIELDS,
    PUT,
    REMOVE,
    START_CURSOR,
    PullRequest,
)

ENTITY_MODELS: dict[str, type[Base]] = {
    "user": User,
    "category": Category,
    "priority": PriorityLevel,
    "ticket": Ticket,
    "comment": Comment,
    "ticket_event": TicketEvent,
    "ticket_read": TicketRead,
    "attachment": Attachment,
    "article": Article,
    "sla_calendar": SlaCalendar,
    "sla_policy": SlaPolicy,
    "canned_reply": CannedReply,
}

_COUNT = text(
    """
    SELECT count(*) FROM sync_op
    WHERE bucket = :bucket
      AND (xid, seq) > (CAST(:xid AS xid8), :seq)
      AND xid < CAST(:horizon AS xid8)
    """
)


REFILL = "r"


def _parse_cursor(cursor: str) -> tuple[str, int]:
    xid, seq = cursor.removeprefix(REFILL).split(":")
    return xid, int(seq)


def _table(entity: str) -> Table:
    table = ENTITY_MODELS[entity].__table__
    assert isinstance(table, Table)
    return table


#: A time as the client stores it (``desktop.store.rows``): UTC with six digits of fraction.
_WIRE_TIME = 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'

#: One bucket's next ops after a cursor and below the horizon, in log order.
_NEXT_OPS = (
    text(
        """
        SELECT bucket, entity, row_id, op, xid, seq FROM sync_op
        WHERE bucket = :bucket
          AND (xid, seq) > (CAST(:xid AS xid8), :seq)
          AND xid < CAST(:horizon AS xid8)
        ORDER BY xid, seq
        LIMIT :limit
        """
    )
    .columns(
        column("bucket", String),
        column("entity", String),
        column("row_id", Uuid),
        column("op", String),
        column("xid", Text),
        column("seq", BigInteger),
    )
    .subquery("o")
)


def _row_json(entity: str, fields: tuple[str, ...]) -> ColumnElement[Any]:
    """The JSON object of the op's ``entity`` row (``fields`` in order), or NULL if the row is
    gone: PostgreSQL writes it, so Python never holds the row's values."""
    table = _table(entity)
    pairs: list[ColumnElement[Any]] = []
    for name in fields:
        value: ColumnElement[Any] = table.c[name]
        if isinstance(table.c[name].type, DateTime):
            value = func.to_char(func.timezone("UTC", value), _WIRE_TIME)
        pairs += [literal(name, String), value]
    return select(func.json_build_object(*pairs)).where(table.c.id == _NEXT_OPS.c.row_id).scalar_subquery()


def _row_of_op() -> ColumnElement[Any]:
    """The row a PUT carries, by entity; a REMOVE carries none."""
    by_entity: list[tuple[ColumnElement[bool], ColumnElement[Any]]] = []
    for entity, fields in ENTITY_FIELDS.items():
        row = _row_json(entity, fields)
        if entity == "user":  # the directory carries only a few fields of staff accounts
            row = case(
                (_NEXT_OPS.c.bucket == visibility.DIRECTORY, _row_json(entity, DIRECTORY_USER_FIELDS)),
                else_=row,
            )
        by_entity.append((_NEXT_OPS.c.entity == entity, row))
    return case((_NEXT_OPS.c.op == PUT, case(*by_entity)))


_ROW = _row_of_op().label("row")
_WITH_ROW = select(_NEXT_OPS, _ROW).subquery("r")

#: The same ops, each as the JSON of its ``Change``; a PUT whose row is gone (deleted since)
#: goes out as a REMOVE. Building the JSON in PostgreSQL instead of from typed Python rows,
#: dicts and orjson was most of the server's share of an initial sync.
_CHANGES = select(
    _WITH_ROW.c.xid,
    _WITH_ROW.c.seq,
    cast(
        func.json_build_object(
            literal("bucket", String),
            _WITH_ROW.c.bucket,
            literal("entity", String),
            _WITH_ROW.c.entity,
            literal("op", String),
            case((_WITH_ROW.c.row.is_(None), REMOVE), else_=PUT),
            literal("id", String),
            _WITH_ROW.c.row_id,
            literal("row", String),
            _WITH_ROW.c.row,
        ),
        Text,
    ).label("change"),
).order_by(_WITH_ROW.c.xid, _WITH_ROW.c.seq)


def _floors(session: Session, buckets: frozenset[str]) -> dict[str, tuple[int, int]]:
    """Per bucket, the position of its newest pruned tombstone."""
    rows = session.execute(
        text("SELECT bucket, xid::text AS xid, seq FROM sync_bucket_floor WHERE bucket = ANY(:buckets)"),
        {"buckets": sorted(buckets)},
    ).mappings()
    return {row["bucket"]: (int(row["xid"]), int(row["seq"])) for row in rows}


def _position(cursor: str) -> tuple[int, int]:
    xid, seq = _parse_cursor(cursor)
    return int(xid), seq


def _expired_buckets(cursors: dict[str, str], floors: dict[str, tuple[int, int]]) -> set[str]:
    """Buckets whose cursor is older than their newest pruned tombstone: the client may hold a
    row whose removal it can no longer be told about, so it must refill the bucket. A client
    filling a bucket from the start has nothing to miss."""
    return {
        bucket
        for bucket, cursor in cursors.items()
        if bucket in floors
        and not cursor.startswith(REFILL)
        and cursor != START_CURSOR
        and _position(cursor) < floors[bucket]
    }


#: The client's newest mutation answered below the horizon, unless a change the pull cannot
#: deliver yet is waiting in one of its buckets: then none.
_SETTLED = text("WITH horizon AS (SELECT CAST(:horizon AS xid8) AS xmin) SELECT " + SETTLED_MUTATION)


def _settled_mutation(session: Session, client_id: uuid.UUID, buckets: frozenset[str], horizon: str) -> int:
    """The client's newest mutation whose effects this pull has delivered (once ``has_more`` is
    false), by the rule of :mod:`.settle`."""
    settled = session.scalar(_SETTLED, {"client": client_id, "buckets": sorted(buckets), "horizon": horizon})
    return int(settled or 0)


def db_epoch(session: Session) -> str:
    return session.scalar(select(ServerMeta.value).where(ServerMeta.key == "db_epoch")) or ""


@dataclass
class PullPage:
    """One page of a pull, ready to be written as the ``PullResponse`` JSON.

    Changes are JSON already (PostgreSQL writes them, see ``_CHANGES``), not ``Change``
    models: a page of thousands of rows goes out without Python ever holding their values;
    the shape is checked by the tests against ``ticketing.protocol.PullResponse``."""

    db_epoch: str
    changes: list[orjson.Fragment] = field(default_factory=list)  # each a ``Change``'s JSON
    cursors: dict[str, str] = field(default_factory=dict)
    removed_buckets: list[str] = field(default_factory=list)
    reset_buckets: list[str] = field(default_factory=list)
    has_more: bool = False
    remaining: int | None = 0
    reset: bool = False
    last_mutation_id: int | None = None

    def to_json(self) -> bytes:
        return orjson.dumps(
            {
                "db_epoch": self.db_epoch,
                "reset": self.reset,
                "changes": self.changes,
                "cursors": self.cursors,
                "removed_buckets": self.removed_buckets,
                "reset_buckets": self.reset_buckets,
                "has_more": self.has_more,
                "remaining": self.remaining,
                "last_mutation_id": self.last_mutation_id,
            }
        )


def pull(session: Session, principal: Principal, request: PullRequest) -> PullPage:
    """One page of changes; call inside a REPEATABLE READ transaction."""
    epoch = db_epoch(session)
    if request.db_epoch is not None and request.db_epoch != epoch:
        return PullPage(db_epoch=epoch, reset=True, has_more=True, remaining=0)
    subscribed = principal.buckets
    horizon = str(session.scalar(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text")))
    floors = _floors(session, subscribed)
    reset = _expired_buckets({b: c for b, c in request.cursors.items() if b in subscribed}, floors)
    budget = request.limit
    changes: list[orjson.Fragment] = []
    cursors: dict[str, str] = {}
    has_more = False
    for bucket in sorted(subscribed):
        given = request.cursors.get(bucket, START_CURSOR)
        # filling a bucket from the start (new, or reset) is a refill until it catches up
        cursor = REFILL + START_CURSOR if bucket in reset or given == START_CURSOR else given
        refilling = cursor.startswith(REFILL)
        cursors[bucket] = cursor
        if budget <= 0:
            has_more = True
            continue
        xid, seq = _parse_cursor(cursor)
        rows = session.execute(
            _CHANGES,
            {
                "bucket": bucket,
                "xid": xid,
                "seq": seq,
                "horizon": horizon,
                "limit": budget + 1,
            },
        ).all()
        more_here = len(rows) > budget
        if more_here:
            has_more = True
            rows = rows[:budget]
        changes.extend(orjson.Fragment(r.change) for r in rows)
        if rows:
            last = rows[-1]
            cursors[bucket] = f"{REFILL if refilling and more_here else ''}{last.xid}:{last.seq}"
        if refilling and not more_here:  # caught up: an ordinary cursor from here on, past
            # the pruned tombstones (nothing is left below them to deliver)
            position = max(_position(cursors[bucket]), floors.get(bucket, (0, 0)))
            cursors[bucket] = f"{position[0]}:{position[1]}"
        budget -= len(rows)
    remaining: int | None = 0
    if has_more:
        remaining = _remaining(session, cursors, horizon) if request.count_remaining else None
    return PullPage(
        db_epoch=epoch,
        last_mutation_id=_settled_mutation(session, request.client_id, subscribed, horizon),
        changes=changes,
        cursors=cursors,
        removed_buckets=sorted(set(request.cursors) - subscribed),
        reset_buckets=sorted(reset),
        has_more=has_more,
        remaining=remaining,
    )


def _remaining(session: Session, cursors: dict[str, str], horizon: str) -> int:
    """Changes still waiting after ``cursors``: an exact count, as dear as reading them, so a
    client asks for it on the first page of a pull only and estimates from there."""
    total = 0
    for bucket, cursor in cursors.items():
        xid, seq = _parse_cursor(cursor)
        total += session.scalar(_COUNT, {"bucket": bucket, "xid": xid, "seq": seq, "horizon": horizon}) or 0
    return total
