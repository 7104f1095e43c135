"""Unread tickets in the windows, with real widgets on a real cache: bold rows in the queue and
in My tickets, a count in the window title and the tray's tooltip, and opening a ticket marks
it read (the row is no longer bold and the count goes down)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from pytestqt.qtbot import QtBot

from desktop.models.my_tickets_model import Column
from desktop.models.queue_model import QueueColumn
from desktop.models.ticket_table import TicketRole, TicketTableModel
from desktop.store import outbox
from desktop.ui.portal.user_portal import UserPortal
from desktop.ui.queue.agent_console import AgentConsole
from desktop.ui.shell.context import AppContext
from tests.helpers.store import T0, World, comment_row, pull, put
from tests.helpers.ui import offline_context, requester_bucket, world_store
from ticketing import visibility
from ticketing.domain import Role
from ticketing.protocol import MutationName

pytestmark = pytest.mark.usefixtures("collect_garbage_on_the_ui_thread")

LATER = (T0 + dt.timedelta(hours=1)).isoformat()


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def agent_context(desktop_env: Path, tmp_path: Path, world: World) -> Iterator[AppContext]:
    """The world's agent, offline: two new tickets assigned to them, one old one."""
    store = world_store(tmp_path / "alice", world, as_staff=True)
    pull(
        store,
        put(
            visibility.QUEUE,
            "ticket",
            world.ticket(1001, title="Printer jams", created_at=LATER, assignee_id=str(world.agent)),
        ),
        put(
            visibility.QUEUE,
            "ticket",
            world.ticket(1002, title="VPN drops", created_at=LATER, assignee_id=str(world.agent)),
        ),
        put(visibility.QUEUE, "ticket", world.ticket(1003, title="Old one", assignee_id=str(world.agent))),
    )
    context = offline_context(store, world.agent, "Alice", Role.AGENT)
    yield context
    context.tasks.wait()
    context.sync.detach()
    context.session.engine.close()
    store.close()


def bold(model: TicketTableModel, row: int, column: int) -> bool:
    font = model.index(row, column).data(Qt.ItemDataRole.FontRole)
    return isinstance(font, QFont) and font.bold()


def row_of(model: TicketTableModel, qtbot: QtBot, title_column: int, title: str) -> int:
    def find() -> int | None:
        for row in range(model.rowCount()):
            if model.index(row, 0).data(TicketRole.LOADED) and model.index(row, title_column).data() == title:
                return row
            model.index(row, 0).data()  # asks for the row's page
        return None

    qtbot.waitUntil(lambda: find() is not None)
    found = find()
    assert found is not None
    return found


def marks_queued(context: AppContext) -> int:
    with context.store.read() as conn:
        return sum(1 for m in outbox.to_push(conn, 100) if m.name == MutationName.MARK_READ.value)


def test_queue_rows_are_bold_until_opened_and_the_title_counts_them(
    qtbot: QtBot, agent_context: AppContext, world: World
) -> None:
    console = AgentConsole(agent_context)
    qtbot.addWidget(console)
    qtbot.waitUntil(lambda: console.windowTitle().startswith("(2) "))
    assert console.windowTitle() == "(2) Ticketdesk — Alice"
    assert console.tray.icon.toolTip() == "Ticketdesk: 2 unread"
    model = console.model
    qtbot.waitUntil(lambda: model.rowCount() == 3)
    printer = row_of(model, qtbot, QueueColumn.TITLE, "Printer jams")
    old = row_of(model, qtbot, QueueColumn.TITLE, "Old one")
    assert bold(model, printer, QueueColumn.TITLE) and bold(model, printer, QueueColumn.NUMBER)
    assert model.index(printer, 0).data(TicketRole.UNREAD) is True
    assert not bold(model, old, QueueColumn.TITLE)  # older than the account: not unread

    console.queue.selectRow(printer)
    qtbot.waitUntil(lambda: console.windowTitle() == "(1) Ticketdesk — Alice")
    assert console.tray.icon.toolTip() == "Ticketdesk: 1 unread"
    qtbot.waitUntil(lambda: not bold(model, row_of(model, qtbot, QueueColumn.TITLE, "Printer jams"), 1))
    assert marks_queued(agent_context) == 1

    # a reply from the requester: bold again, counted again; opening it again marks it again
    ticket_id = console.detail.ticket_id
    assert ticket_id is not None
    reply = comment_row({"id": ticket_id}, world.requester, "Still jams")
    reply["created_at"] = (T0 + dt.timedelta(hours=2)).isoformat()
    console.queue.clearSelection()
    console.detail.show_ticket(None)
    pull(agent_context.store, put(visibility.QUEUE, "comment", reply))
    qtbot.waitUntil(lambda: console.windowTitle() == "(2) Ticketdesk — Alice")
    qtbot.waitUntil(lambda: bold(model, row_of(model, qtbot, QueueColumn.TITLE, "Printer jams"), 1))
    vpn = row_of(model, qtbot, QueueColumn.TITLE, "VPN drops")
    console.queue.selectRow(vpn)
    qtbot.waitUntil(lambda: console.windowTitle() == "(1) Ticketdesk — Alice")
    assert marks_queued(agent_context) == 2


def test_my_tickets_show_an_agents_reply_in_bold_until_the_ticket_is_opened(
    qtbot: QtBot, desktop_env: Path, tmp_path: Path, world: World
) -> None:
    store = world_store(tmp_path / "uma", world)
    bucket = requester_bucket(world)
    ticket = world.ticket(1001, title="Printer jams", created_at=LATER)
    answer = comment_row(ticket, world.agent, "Try the other tray")
    answer["created_at"] = (T0 + dt.timedelta(hours=2)).isoformat()
    pull(store, put(bucket, "ticket", ticket), put(bucket, "ticket", world.ticket(1002, title="Quiet")))
    context = offline_context(store, world.requester, "Uma", Role.USER)
    try:
        portal = UserPortal(context)
        qtbot.addWidget(portal)
        model = portal.model
        qtbot.waitUntil(lambda: model.rowCount() == 2)
        row = row_of(model, qtbot, Column.TITLE, "Printer jams")
        assert not bold(model, row, Column.TITLE)  # their own new ticket is not news to them
        assert portal.windowTitle() == "Ticketdesk — Uma"

        pull(store, put(bucket, "comment", answer))
        qtbot.waitUntil(lambda: bold(model, row_of(model, qtbot, Column.TITLE, "Printer jams"), Column.TITLE))
        qtbot.waitUntil(lambda: portal.windowTitle() == "(1) Ticketdesk — Uma")

        portal.table.selectRow(row_of(model, qtbot, Column.TITLE, "Printer jams"))
        qtbot.waitUntil(lambda: portal.windowTitle() == "Ticketdesk — Uma")
        qtbot.waitUntil(
            lambda: not bold(model, row_of(model, qtbot, Column.TITLE, "Printer jams"), Column.TITLE)
        )
        assert portal.tray.icon.toolTip() == "Ticketdesk"
    finally:
        context.tasks.wait()
        context.sync.detach()
        context.session.engine.close()
        store.close()
