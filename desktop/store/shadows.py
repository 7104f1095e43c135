"""Shadows: the server's version of every row a pending mutation touches, and rebuilding.

While a ticket has unsettled mutations, its shadow (and the shadows of comments they create)
holds what the server last said; the visible rows are always *shadow + replay of the
mutations*. A pull updates shadows instead of the visible rows; when the last mutation of a
ticket settles, the visible rows become the shadows and the shadows go.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import ColumnElement, Connection, Exists, delete, exists, insert, select, update

from desktop.store import outbox, records, schema
from desktop.store.replay import Family, replay
from desktop.store.rows import Row
from ticketing.protocol import MutationArgs
from ticketing.workflow import Actor


def ensure(conn: Connection, entity: str, row_id: str, ticket_id: str) -> None:
    """Before a mutation touches a row: keep the server's version of it, if not kept yet.

    With no shadow, the visible row is the server's (nothing pending touches it)."""
    exists = conn.scalar(
        select(schema.shadows.c.row_id).where(
            schema.shadows.c.entity == entity, schema.shadows.c.row_id == row_id
        )
    )
    if exists is None:
        row = records.read(conn, entity, row_id)
        conn.execute(
            insert(schema.shadows).values(
                entity=entity,
                row_id=row_id,
                ticket_id=ticket_id,
                row=None if row is None else json.dumps(row),
            )
        )


def not_on_server(entity: str, row_id: ColumnElement[str]) -> Exists:
    """For a query: the row was made by a pending mutation (its shadow says the server has no
    such row yet), so the UI marks it "not sent yet"."""
    return exists().where(
        schema.shadows.c.entity == entity,
        schema.shadows.c.row_id == row_id,
        schema.shadows.c.row.is_(None),
    )


def index(conn: Connection) -> dict[tuple[str, str], str]:
    """Every shadowed row, ``(entity, row_id) -> ticket_id``: one read instead of one per change."""
    rows = conn.execute(select(schema.shadows.c.entity, schema.shadows.c.row_id, schema.shadows.c.ticket_id))
    return {(str(entity), str(row_id)): str(ticket_id) for entity, row_id, ticket_id in rows}


def set_server_row(conn: Connection, entity: str, row_id: str, row: Row | None) -> None:
    """A pull brought the server's version of a shadowed row (``None``: it is gone)."""
    if row is not None:
        current = conn.scalar(
            select(schema.shadows.c.row).where(
                schema.shadows.c.entity == entity, schema.shadows.c.row_id == row_id
            )
        )
        row = {**(json.loads(current) if current else {}), **row}
    conn.execute(
        update(schema.shadows)
        .where(schema.shadows.c.entity == entity, schema.shadows.c.row_id == row_id)
        .values(row=None if row is None else json.dumps(row))
    )


def forget_all(conn: Connection) -> None:
    """The cache is being refilled from scratch: the server's versions are unknown again."""
    conn.execute(update(schema.shadows).values(row=None))


def shadowed_tickets(conn: Connection) -> set[str]:
    return set(conn.scalars(select(schema.shadows.c.ticket_id).distinct()))


def queue_alone(
    conn: Connection, entity: str, row_id: str, args: MutationArgs, *, at: dt.datetime, actor: Actor
) -> int:
    """Queue a mutation of a row that is a family of its own (an article, a canned reply, a read
    mark: no ticket), keyed by the row's id: its shadow, the outbox entry and the rebuilt row, in
    the caller's transaction. The mutation's id."""
    ensure(conn, entity, row_id, row_id)
    mutation_id = outbox.enqueue(conn, args, row_id, at)
    rebuild(conn, row_id, actor)
    return mutation_id


def rebuild(conn: Connection, ticket_id: str, actor: Actor) -> None:
    """Write a ticket's visible rows as shadow + replay; drop the shadows once nothing is pending.

    ``ticket_id`` names the family: a ticket, or an article (whose mutations are queued under
    the article's id)."""
    found = conn.execute(
        select(schema.shadows.c.entity, schema.shadows.c.row_id, schema.shadows.c.row).where(
            schema.shadows.c.ticket_id == ticket_id
        )
    ).all()
    if not found:
        return
    rows: dict[tuple[str, str], Row | None] = {
        (str(entity), str(row_id)): None if row is None else json.loads(str(row))
        for entity, row_id, row in found
    }
    family = Family(
        ticket=rows.get(("ticket", ticket_id)),
        comments={row_id: row for (entity, row_id), row in rows.items() if entity == "comment"},
        attachments={row_id: row for (entity, row_id), row in rows.items() if entity == "attachment"},
        articles={row_id: row for (entity, row_id), row in rows.items() if entity == "article"},
        reads={row_id: row for (entity, row_id), row in rows.items() if entity == "ticket_read"},
        canned_replies={row_id: row for (entity, row_id), row in rows.items() if entity == "canned_reply"},
    )
    mutations = outbox.for_ticket(conn, ticket_id)
    result = replay(family, mutations, actor)
    if ("ticket", ticket_id) in rows:  # an article's family has no ticket
        _write(conn, "ticket", ticket_id, result.ticket)
    for comment_id, comment in result.comments.items():
        _write(conn, "comment", comment_id, comment)
    for attachment_id, attachment in result.attachments.items():
        _write(conn, "attachment", attachment_id, attachment)
    for article_id, article in result.articles.items():
        _write(conn, "article", article_id, article)
    for read_id, read in result.reads.items():
        _write(conn, "ticket_read", read_id, read)
    for reply_id, reply in result.canned_replies.items():
        _write(conn, "canned_reply", reply_id, reply)
    if not mutations:
        conn.execute(delete(schema.shadows).where(schema.shadows.c.ticket_id == ticket_id))


def _write(conn: Connection, entity: str, row_id: str, row: Row | None) -> None:
    if row is None:
        records.remove(conn, entity, row_id)
    else:
        records.replace(conn, entity, row)
