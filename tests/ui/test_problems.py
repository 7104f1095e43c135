"""The sync problems dialog against a live server: a conflict is shown with both values, and
re-applying it from the dialog sends the user's value again, which the server then keeps."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.store import commands, queries
from desktop.sync.session import AccountSession
from desktop.tasks import TaskRunner
from desktop.ui.queue.agent_console import AgentConsole
from desktop.ui.shell.context import AppContext, CurrentUser
from desktop.ui.shell.problems_dialog import ProblemsDialog
from desktop.ui.shell.sync_controller import SyncController
from tests.helpers.sync import Desk, field_of, submit, sync_until
from ticketing.domain import Role

pytestmark = pytest.mark.usefixtures("collect_garbage_on_the_ui_thread", "desktop_env")


@pytest.fixture
def controller() -> Iterator[SyncController]:
    """The Qt side of Bob's sync; let go of his engine and cache at the end."""
    made = SyncController()
    yield made
    made.stop()
    made.detach()


def console_for(session: AccountSession, controller: SyncController, name: str) -> AgentConsole:
    """The agent console over a logged-in session, as the app opens it after a login."""
    assert session.user is not None
    user = CurrentUser(id=str(session.user.id), name=name, email=session.user.email, role=Role.AGENT)
    context = AppContext(
        session.server_url, user, session.store, session.api, TaskRunner(), controller, session
    )
    controller.attach(session.engine, session.store)
    return AgentConsole(context)


def test_a_conflict_reapplied_from_the_problems_dialog_reaches_the_server(
    qtbot: QtBot, desk: Desk, controller: SyncController
) -> None:
    ticket = submit(desk.rest("uma@example.com"), "Laptop overheats")
    alice = desk.desktop("alice@example.com")
    bob = desk.desktop("bob@example.com", interval=3600.0, debounce=0.05, **controller.engine_callbacks())
    for agent in (alice, bob):
        sync_until(agent, lambda agent=agent: field_of(agent, ticket["id"], "title") == "Laptop overheats")

    desk.server.kill()  # both agents go offline and change the same field
    commands.change_priority(alice.store, ticket["id"], "High")
    commands.change_priority(bob.store, ticket["id"], "Critical")
    desk.server.start()
    alice.engine.sync_once()  # the first writer wins
    sync_until(bob, lambda: len(queries.problems(bob.store)) == 1)  # the second gets a conflict
    assert field_of(bob, ticket["id"], "priority") == "High"

    console = console_for(bob, controller, "Bob")
    qtbot.addWidget(console)
    console.show()
    problems_button = console.sync_status.problems
    qtbot.waitUntil(lambda: problems_button.isVisible() and "1 sync problem" in problems_button.text())
    qtbot.mouseClick(problems_button, Qt.MouseButton.LeftButton)
    dialog = console.findChild(ProblemsDialog)
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.list.count() == 1)
    assert dialog.list.item(0).text().startswith("Conflict: Ticket edit")
    details = dialog.details.toPlainText()
    assert "priority: yours Critical, server High" in details
    assert dialog.reapply_button.isEnabled()

    controller.start()  # Bob's app syncs from now on, as after a login
    qtbot.mouseClick(dialog.reapply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Applied again" in dialog.message.text())
    qtbot.waitUntil(lambda: dialog.list.count() == 0)  # the conflict became a pending change
    qtbot.mouseClick(console.sync_status.sync_button, Qt.MouseButton.LeftButton)

    admin = desk.rest("ada@example.com")
    qtbot.waitUntil(
        lambda: admin.request("GET", f"/api/tickets/{ticket['id']}")["priority"] == "Critical", timeout=20_000
    )
    qtbot.waitUntil(lambda: queries.sync_counts(bob.store).pending == 0, timeout=20_000)
    assert queries.problems(bob.store) == []  # accepted this time: no new problem
    assert field_of(bob, ticket["id"], "priority") == "Critical"
    qtbot.waitUntil(lambda: not problems_button.isVisible())
    assert dialog.list.count() == 0
    console.close_for_app()
