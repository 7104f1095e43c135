"""Open windows follow other people's changes by themselves, through the live stream: the
queue's rows, count and key numbers, the open ticket's timeline and header, a requester's My
tickets; the row that changed is marked for a moment; a half-written reply is left alone.

The apps poll once an hour here (``log_in_app``), so whatever arrives came by the live stream.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from desktop.models import recent_changes
from desktop.models.queue_model import QueueColumn
from desktop.models.ticket_table import TicketRole, TicketTableModel
from desktop.net.api import ApiClient
from desktop.store import queries
from desktop.ui.portal.user_portal import UserPortal
from desktop.ui.queue.agent_console import AgentConsole
from sync_server.child_server import LiveServer
from sync_server.db.session import make_session_factory
from sync_server.demo.seed import seed_demo
from tests.helpers.sync import submit
from tests.helpers.ui import log_in_app, shut_app
from ticketing.domain import Status

pytestmark = pytest.mark.usefixtures("collect_garbage_on_the_ui_thread")

AGENT = ("agent@example.com", "agent-pass-1")
REQUESTER = ("user@example.com", "user-pass-1")
WAIT = 20_000


def seed(engine: Engine) -> None:
    with make_session_factory(engine)() as session, session.begin():
        assert seed_demo(session)


def rest(server: LiveServer, email: str, password: str) -> ApiClient:
    api = ApiClient(server.url)
    api.login(email, password)
    return api


def marked(model: TicketTableModel, ticket_id: str) -> bool:
    row = model.row_of(ticket_id)
    return row is not None and bool(model.data(model.index(row, 0), TicketRole.CHANGED))


def test_the_queue_and_the_open_ticket_follow_a_requester_while_the_agent_types(
    qtbot: QtBot, live_server: LiveServer, engine: Engine, desktop_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recent_changes, "MARK_MS", 600)
    seed(engine)
    requester = rest(live_server, *REQUESTER)
    app, console = log_in_app(qtbot, live_server.url, *AGENT)
    assert isinstance(console, AgentConsole)
    model = console.model
    try:
        qtbot.waitUntil(lambda: model.rowCount() > 0 and not model.loading, timeout=WAIT)
        open_count = queries.metrics(console.context.store).open
        qtbot.waitUntil(lambda: console.metrics.values()["Open"] == open_count, timeout=WAIT)
        rows = model.rowCount()

        # a new ticket from the requester: a new row, marked; the count and "Open" go up
        ticket = submit(requester, "Projector in room 4 shows no picture")
        qtbot.waitUntil(lambda: model.rowCount() == rows + 1, timeout=WAIT)
        qtbot.waitUntil(lambda: console.metrics.values()["Open"] == open_count + 1, timeout=WAIT)
        qtbot.waitUntil(lambda: marked(model, ticket["id"]), timeout=WAIT)
        row = model.row_of(ticket["id"])
        assert row is not None
        assert model.data(model.index(row, QueueColumn.TITLE)) == "Projector in room 4 shows no picture"
        assert model.data(model.index(row, 0), Qt.ItemDataRole.BackgroundRole) is not None  # painted marked
        qtbot.waitUntil(lambda: not marked(model, ticket["id"]), timeout=WAIT)  # and not for long
        row = model.row_of(ticket["id"]) or 0
        assert model.data(model.index(row, 0), Qt.ItemDataRole.BackgroundRole) is None

        # the agent opens it and starts a reply
        assert console.select_ticket(ticket["id"])
        detail = console.detail
        qtbot.waitUntil(lambda: detail.detail is not None and detail.ticket_id == ticket["id"], timeout=WAIT)
        editor = detail.reply.editor.edit
        editor.setFocus()
        qtbot.keyClicks(editor, "Have you tried the other HDMI port")
        cursor = editor.textCursor().position()

        # meanwhile the requester adds a comment and raises the priority
        requester.request(
            "POST", f"/api/tickets/{ticket['id']}/comments", {"content": "<p>It flickers before it dies.</p>"}
        )
        qtbot.waitUntil(lambda: "It flickers before it dies." in detail.timeline.toPlainText(), timeout=WAIT)
        assert editor.toPlainText() == "Have you tried the other HDMI port"  # the draft is untouched
        assert editor.textCursor().position() == cursor
        assert detail.ticket_id == ticket["id"]  # still open, still selected
        assert console.model.row_of(ticket["id"]) is not None

        # the agent's own change: shown at once, not marked as someone else's, nor its echo
        qtbot.waitUntil(lambda: not marked(model, ticket["id"]), timeout=WAIT)  # the comment's mark
        console.bulk.assign_me_button.click()
        me = console.context.user.id
        qtbot.waitUntil(lambda: detail.detail is not None and detail.detail.ticket.assignee_id == me)
        sync = console.context.sync
        qtbot.waitUntil(lambda: sync.status.pending == 0 and not sync.status.syncing, timeout=WAIT)
        assert not marked(model, ticket["id"])
    finally:
        shut_app(console)
        del app


def test_my_tickets_and_the_open_ticket_follow_the_agent(
    qtbot: QtBot, live_server: LiveServer, engine: Engine, desktop_env: Path
) -> None:
    seed(engine)
    requester = rest(live_server, *REQUESTER)
    agent = rest(live_server, *AGENT)
    ticket = submit(requester, "VPN drops every hour")
    app, portal = log_in_app(qtbot, live_server.url, *REQUESTER)
    assert isinstance(portal, UserPortal)
    model = portal.model
    try:
        qtbot.waitUntil(lambda: model.row_of(ticket["id"]) is not None, timeout=WAIT)
        assert portal.select_ticket(ticket["id"])
        detail = portal.detail
        qtbot.waitUntil(lambda: detail.detail is not None and detail.ticket_id == ticket["id"], timeout=WAIT)

        agent.request("PATCH", f"/api/tickets/{ticket['id']}", {"status": Status.IN_PROGRESS.value})
        reply = {"content": "<p>Looking at the logs now.</p>"}
        agent.request("POST", f"/api/tickets/{ticket['id']}/comments", reply)

        def row_status() -> object:
            row = model.row_of(ticket["id"])
            return None if row is None else model.data(model.index(row, 0), TicketRole.STATUS)

        def shown_status() -> object:
            return None if detail.detail is None else detail.detail.ticket.status

        qtbot.waitUntil(lambda: row_status() == Status.IN_PROGRESS, timeout=WAIT)
        qtbot.waitUntil(lambda: "Looking at the logs now." in detail.timeline.toPlainText(), timeout=WAIT)
        qtbot.waitUntil(lambda: shown_status() == Status.IN_PROGRESS)
        assert detail.header.status.text() == str(Status.IN_PROGRESS)
    finally:
        shut_app(portal)
        del app
