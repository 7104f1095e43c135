"""Apply one pull page to the cache in one transaction; wipe the cache when the server resets.

Per change: track which buckets hold the row (``row_buckets``), upsert or merge the row (or its
shadow, if pending mutations touch it), and delete it only when no bucket holds it any more.
A removed bucket lets go of all its rows at once; so does a reset one, before the page refills
it from the start. The cursors reached are saved in the same transaction, so a crash never
skips or half-applies a page. After the last page, answered mutations settle and the rows they
touched are rebuilt.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import Connection, bindparam, delete, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from desktop.store import outbox, records, schema, shadows, state
from desktop.store.canned_replies import ENTITY as CANNED_REPLY
from desktop.store.database import ChangeSet, Store
from desktop.store.rows import from_wire, unseen_fields
from ticketing.protocol import PUT, Change, PullResponse

log = logging.getLogger(__name__)

_REFERENCE = frozenset({"user", "category", "priority"})
_WIPED = (*schema.ENTITY_TABLES.values(), schema.row_buckets, schema.cursors)

#: Compiled once with positional parameters, for ``executemany`` over plain tuples.
_HOLD = str(
    sqlite_insert(schema.row_buckets)
    .values(entity=bindparam("entity"), row_id=bindparam("row_id"), bucket=bindparam("bucket"))
    .on_conflict_do_nothing()
    .compile(dialect=sqlite.dialect(paramstyle="qmark"))
)
_RELEASE = delete(schema.row_buckets).where(
    schema.row_buckets.c.entity == bindparam("entity"),
    schema.row_buckets.c.row_id == bindparam("row_id"),
    schema.row_buckets.c.bucket == bindparam("bucket"),
)
_HOLDERS = select(schema.row_buckets.c.bucket).where(
    schema.row_buckets.c.entity == bindparam("entity"), schema.row_buckets.c.row_id == bindparam("row_id")
)


class _PageWriter:
    """Applies the changes of one page inside its transaction, and remembers what they changed:
    for listeners, and the tickets whose rows must be rebuilt from their shadows."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.families = shadows.index(conn)  # shadowed rows -> their ticket; fixed during a page
        self.tickets: set[str] = set()
        self.articles: set[str] = set()
        self.rebuild: set[str] = set()
        self.reference = False
        self.canned_replies = False
        # puts wait here and are written in bulk; anything that reads the tables flushes first
        self._holds: list[tuple[str, str, str]] = []
        self._merges: dict[str, list[dict[str, object]]] = {}

    def change_set(self, settled: bool) -> ChangeSet:
        # a rebuilt family is a ticket, or an article with pending mutations (its own family)
        articles = self.articles | {key for key in self.rebuild if ("article", key) in self.families}
        replies = {key for key in self.rebuild if ("canned_reply", key) in self.families}
        return ChangeSet(
            tickets=frozenset((self.tickets | self.rebuild) - articles - replies),
            articles=frozenset(articles),
            canned_replies=self.canned_replies or bool(replies),
            reference=self.reference,
            outbox=settled,
            remote=True,
        )

    def _note(self, entity: str, row_id: str, row: dict[str, object] | None) -> None:
        if entity in _REFERENCE:
            self.reference = True
        elif entity == "ticket":
            self.tickets.add(row_id)
        elif entity == "article":
            self.articles.add(row_id)
        elif entity == CANNED_REPLY:
            self.canned_replies = True
        else:
            if row is None:  # a removal: the ticket is in the row we still hold
                row = records.read(self.conn, entity, row_id)
            if row is not None and isinstance(row.get("ticket_id"), str):
                self.tickets.add(str(row["ticket_id"]))

    def put(self, change: Change) -> None:
        entity, row_id = change.entity, str(change.id)
        row = from_wire(entity, {**(change.row or {}), "id": row_id})
        self._holds.append((entity, row_id, change.bucket))
        self._note(entity, row_id, row)
        family = self.families.get((entity, row_id))
        if family is not None:
            shadows.set_server_row(self.conn, entity, row_id, row)
            self.rebuild.add(family)
        else:
            self._merges.setdefault(entity, []).append(row)

    def flush(self) -> None:
        """Write the puts gathered so far: one ``executemany`` per statement, not one per row."""
        if self._holds:
            self.conn.exec_driver_sql(_HOLD, self._holds)
            self._holds = []
        for entity, rows in self._merges.items():
            records.merge_many(self.conn, entity, rows)
        self._merges = {}

    def remove(self, change: Change) -> None:
        self.flush()  # a removal asks which buckets still hold the row
        entity, row_id = change.entity, str(change.id)
        self.conn.execute(_RELEASE, {"entity": entity, "row_id": row_id, "bucket": change.bucket})
        self._let_go(entity, row_id)

    def drop_bucket(self, bucket: str) -> None:
        self.flush()
        rb = schema.row_buckets
        held = self.conn.execute(select(rb.c.entity, rb.c.row_id).where(rb.c.bucket == bucket)).all()
        self.conn.execute(delete(rb).where(rb.c.bucket == bucket))
        for entity, row_id in held:
            if entity in schema.ENTITY_TABLES:
                self._let_go(str(entity), str(row_id))

    def _let_go(self, entity: str, row_id: str) -> None:
        """A bucket no longer holds a row: delete it if no other bucket does, else blank the
        fields only the departed bucket carried."""
        remaining: set[str] = set(self.conn.scalars(_HOLDERS, {"entity": entity, "row_id": row_id}))
        self._note(entity, row_id, None)
        family = self.families.get((entity, row_id))
        if remaining:
            records.clear_fields(self.conn, entity, row_id, unseen_fields(entity, remaining))
        elif family is not None:
            shadows.set_server_row(self.conn, entity, row_id, None)
            self.rebuild.add(family)
        else:
            records.remove(self.conn, entity, row_id)


def apply_page(store: Store, page: PullResponse, *, final: bool, now: dt.datetime | None = None) -> ChangeSet:
    """Apply one page (``final``: the last of this pull) and save its cursors, atomically."""
    at = now or dt.datetime.now(dt.UTC)
    with store.write(index=final) as conn:  # the search index catches up on the last page
        writer = _PageWriter(conn)
        for bucket in (*page.removed_buckets, *page.reset_buckets):  # reset: refilled from the start
            writer.drop_bucket(bucket)
        for change in page.changes:
            if change.entity not in schema.ENTITY_TABLES:
                log.warning("ignoring a change of unknown entity %r", change.entity)
            elif change.op == PUT and change.row is not None:
                writer.put(change)
            else:
                writer.remove(change)
        writer.flush()
        state.save_cursors(conn, page.cursors)
        state.put(conn, state.DB_EPOCH, page.db_epoch)
        settled: set[str] = set()
        if final:
            settled = outbox.settle(conn, at, page.last_mutation_id)
            writer.rebuild |= settled
            state.mark_synced(conn, at)
        actor = store.actor(conn)
        for ticket_id in sorted(writer.rebuild):
            shadows.rebuild(conn, ticket_id, actor)
    change_set = writer.change_set(bool(settled))
    store.announce(change_set)
    return change_set


def reset(store: Store, db_epoch: str) -> None:
    """The server's database was replaced: forget every server row and cursor, keep the outbox
    (and ask the server again about answered mutations), then pull from the start."""
    with store.write() as conn:
        for table in _WIPED:
            conn.execute(delete(table))
        shadows.forget_all(conn)
        outbox.resend_all(conn)
        state.put(conn, state.DB_EPOCH, db_epoch)
        actor = store.actor(conn)
        for ticket_id in sorted(shadows.shadowed_tickets(conn)):
            shadows.rebuild(conn, ticket_id, actor)
    store.announce(ChangeSet(everything=True))
