"""Automatic assignment in the app, against a real server:

- staff switch File > "Available for new tickets"; the status bar says Available or Away, the
  change is the server's (a new login shows it), and a new ticket then skips whoever is away;
- the assignee's cache gets the new ticket, and its timeline and its notification say "automatically";
- the admin console's Settings tab sets the mode and ticks categories, saved with PATCH
  /api/settings, and shows the server's refusal of a category deleted meanwhile.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from desktop.store import notices, queries
from desktop.store.notice_rules import NoticeKind
from desktop.ui.admin.console import AdminConsole
from desktop.ui.ticket.detail import load_detail
from desktop.ui.ticket.timeline_html import timeline_html
from sync_server.child_server import LiveServer
from tests.helpers.api import create_account
from tests.helpers.sync import Desk, submit, sync_until
from tests.helpers.ui import log_in_app, shut_app
from ticketing.domain import AssignmentMode, Role
from ticketing.schemas import TicketQuery


def test_an_agent_marks_themselves_away_and_back(
    qtbot: QtBot, live_server: LiveServer, engine: Engine, desktop_env: Path
) -> None:
    _, password = create_account(engine, "bob@example.com", Role.AGENT, "Bob")
    app, window = log_in_app(qtbot, live_server.url, "bob@example.com", password)
    switch = window.availability
    assert switch is not None
    qtbot.waitUntil(switch.action.isEnabled, timeout=10_000)
    assert switch.action.isChecked()
    assert switch.label.text() == "Available"
    assert switch.action in window.file_menu.actions()

    switch.action.trigger()  # untick: away
    assert not switch.action.isEnabled()  # sent in the background, one change at a time
    qtbot.waitUntil(lambda: switch.label.text() == "Away", timeout=10_000)
    assert not switch.action.isChecked() and switch.action.isEnabled()
    assert window.context.api.me().available is False
    shut_app(window)
    del app

    again, window = log_in_app(qtbot, live_server.url, "bob@example.com", password)
    switch = window.availability
    assert switch is not None
    qtbot.waitUntil(switch.action.isEnabled, timeout=10_000)
    assert not switch.action.isChecked() and switch.label.text() == "Away"  # the server remembers
    switch.action.trigger()
    qtbot.waitUntil(lambda: switch.label.text() == "Available", timeout=10_000)
    assert window.context.api.me().available is True
    shut_app(window)
    del again


def test_a_user_has_no_availability_switch(
    qtbot: QtBot, live_server: LiveServer, engine: Engine, desktop_env: Path
) -> None:
    _, password = create_account(engine, "uma@example.com", Role.USER, "Uma")
    app, window = log_in_app(qtbot, live_server.url, "uma@example.com", password)
    assert window.availability is None
    assert "Available for new tickets" not in [a.text().replace("&", "") for a in window.file_menu.actions()]
    shut_app(window)
    del app


def test_the_admin_turns_on_automatic_assignment_for_one_category(
    qtbot: QtBot, live_server: LiveServer, engine: Engine, desktop_env: Path
) -> None:
    _, password = create_account(engine, "ada@example.com", Role.ADMIN, "Ada Admin")
    create_account(engine, "bob@example.com", Role.AGENT, "Bob")
    app, admin = log_in_app(qtbot, live_server.url, "ada@example.com", password)
    assert isinstance(admin, AdminConsole)
    settings = admin.settings
    admin.show_tab(settings)
    qtbot.waitUntil(settings.assignment_mode.isEnabled, timeout=10_000)
    assert settings.assignment_mode.currentData() == AssignmentMode.OFF
    items = [
        settings.assignment_categories.item(row) for row in range(settings.assignment_categories.count())
    ]
    assert len(items) >= 2
    assert all(item.checkState() == Qt.CheckState.Unchecked for item in items)
    assert not settings.save_button.isEnabled()

    settings.assignment_mode.setCurrentIndex(settings.assignment_mode.findData(AssignmentMode.LEAST_OPEN))
    items[1].setCheckState(Qt.CheckState.Checked)
    assert settings.save_button.isEnabled()
    settings.save_button.click()
    qtbot.waitUntil(lambda: settings.message.text() == "Settings saved.", timeout=10_000)
    chosen = items[1].data(Qt.ItemDataRole.UserRole)
    stored = admin.context.api.request("GET", "/api/settings")["assignment"]
    assert stored == {"mode": "least_open", "category_ids": [chosen]}

    bob = admin.context.api.request("GET", "/api/staff")
    bob_id = next(s["id"] for s in bob if s["name"] == "Bob")
    admin.context.api.request("PATCH", "/api/me", {"available": False})  # only Bob is in
    assert submit(admin.context.api, "Chosen category", category_id=chosen)["assignee_id"] == bob_id
    other = items[0].data(Qt.ItemDataRole.UserRole)
    assert submit(admin.context.api, "Another category", category_id=other)["assignee_id"] is None

    # a category the server no longer has: its refusal is shown and the form keeps the ticks
    items[0].setCheckState(Qt.CheckState.Checked)
    ghost = "00000000-0000-7000-8000-000000000001"
    items[0].setData(Qt.ItemDataRole.UserRole, ghost)
    settings.save_button.click()
    qtbot.waitUntil(lambda: "assignment.category_ids" in settings.error.error(), timeout=10_000)
    assert items[0].checkState() == Qt.CheckState.Checked
    assert admin.context.api.request("GET", "/api/settings")["assignment"]["category_ids"] == [chosen]
    shut_app(admin)
    del app


def test_the_assignees_cache_gets_the_ticket_and_the_timeline_says_automatically(desk: Desk) -> None:
    ada, alice = desk.rest("ada@example.com"), desk.rest("alice@example.com")
    ada.request("PATCH", "/api/me", {"available": False})
    alice.request("PATCH", "/api/me", {"available": False})  # only Bob is in
    ada.request("PATCH", "/api/settings", {"assignment": {"mode": "least_open", "category_ids": []}})
    bob = desk.desktop("bob@example.com")
    bob.engine.sync_once()
    assert notices.collect(bob.store) == []  # the first look only sets the marks
    ticket = submit(desk.rest("uma@example.com"), "Keyboard types twice")
    bob_id = desk.ids["bob@example.com"]
    assert ticket["assignee_id"] == bob_id

    sync_until(bob, lambda: len(getattr(load_detail(bob.store, ticket["id"]).detail, "timeline", [])) >= 3)
    mine = queries.list_tickets(bob.store, TicketQuery.model_validate({"assignee": bob_id}))
    assert [t.title for t in mine] == ["Keyboard types twice"]
    data = load_detail(bob.store, ticket["id"])
    assert data.detail is not None
    html = timeline_html(data.detail, data.names)
    assert "Assigned automatically to Bob" in html
    assert "Status changed from Open to In Progress with the assignment" in html
    assert "Uma assigned" not in html
    # the desktop notification says so too, rather than "Uma assigned TKT-… to you"
    assigned = [n for n in notices.collect(bob.store) if n.kind == NoticeKind.ASSIGNED]
    assert [n.title for n in assigned] == [f"{ticket['number']} was assigned to you automatically"]
