"""Deflection records through a real client and a real server: a form session's counts queued
offline in the cache's outbox are pushed after the ticket they name, answered, settled by the
next pull although they write no synced row, and counted by ``GET /api/reports/deflection``."""

from __future__ import annotations

import datetime as dt

from desktop.store import commands, deflection, outbox, queries
from desktop.sync import session as sessions
from tests.helpers.sync import Desk, sync_until
from ticketing.protocol import MutationName


def queued(session: sessions.AccountSession) -> list[str]:
    with session.store.read() as conn:
        return [m.name for m in outbox.to_push(conn, 100)]


def outbox_empty(session: sessions.AccountSession) -> bool:
    with session.store.read() as conn:
        return outbox.count(conn) == 0


def test_records_queued_offline_are_pushed_settled_and_reported(desk: Desk) -> None:
    uma = desk.desktop("uma@example.com")
    sync_until(uma, lambda: bool(queries.categories(uma.store)))
    category = queries.categories(uma.store)[0].id
    today = dt.datetime.now(dt.UTC)

    # a session left after opening a suggestion, then one that ended in a ticket
    left = deflection.FormSession(shown={("article", "a1"), ("ticket", "t1")}, opened={("article", "a1")})
    left_args = left.record(submitted=None, category_id=category, priority="High", at=today)
    assert left_args is not None
    deflection.record_deflection(uma.store, left_args)
    ticket_id = commands.create_ticket(
        uma.store, title="Printer jams", description="<p>Page two</p>", category_id=category
    )
    kept = deflection.FormSession(shown={("article", "a1")})
    kept_args = kept.record(submitted=ticket_id, category_id=category, priority="Medium", at=today)
    assert kept_args is not None
    deflection.record_deflection(uma.store, kept_args)
    assert queued(uma) == [
        MutationName.RECORD_DEFLECTION.value,
        MutationName.CREATE_TICKET.value,
        MutationName.RECORD_DEFLECTION.value,
    ]

    sync_until(uma, lambda: outbox_empty(uma) and queries.ticket(uma.store, ticket_id) is not None)
    with uma.store.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM sync_problems").scalar() == 0

    day = today.date().isoformat()
    admin = desk.rest("ada@example.com")
    series = admin.request("GET", f"/api/reports/deflection?from={day}&to={day}&interval=day")["series"]
    assert series == [{"period": day, "shown": 3, "opened": 1, "deflected": 1}]
    high = admin.request("GET", f"/api/reports/deflection?from={day}&to={day}&priority=High")["series"]
    assert [(r["shown"], r["deflected"]) for r in high] == [(2, 1)]
