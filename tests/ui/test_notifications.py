"""Desktop notifications with real windows against a live server: an agent hears of a ticket
assigned to them, a requester's reply and a priority raised to Critical; a user of a staff reply
and their ticket resolved; a click opens the ticket; a switched-off kind shows nothing; nothing
while offline, and one summary for what came meanwhile."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QSystemTrayIcon
from pytestqt.qtbot import QtBot

from desktop.app import Application
from desktop.local.notice_settings import FILE_NAME, NoticeSettings
from desktop.local.paths import settings_file
from desktop.store import Store, commands, queries
from desktop.store.database import ChangeSet
from desktop.store.notice_rules import NoticeKind, kinds_for
from desktop.sync import apply
from desktop.sync.status import SyncStatus
from desktop.tasks import TaskRunner
from desktop.ui.shell.main_window import MainWindowBase
from desktop.ui.shell.tray import ShownNotice, tray_available
from desktop.ui.ticket.detail import TicketDetailView
from tests.helpers.fault_proxy import Fault, FaultProxy
from tests.helpers.store import World, comment_row, open_store, page, put
from tests.helpers.sync import Desk, submit
from tests.helpers.ui import log_in_app, offline_context, shut_app
from ticketing import visibility
from ticketing.domain import Role

pytestmark = pytest.mark.usefixtures("collect_garbage_on_the_ui_thread", "desktop_env")

ALICE, BOB, UMA = "alice@example.com", "bob@example.com", "uma@example.com"


@pytest.fixture
def opened() -> Iterator[list[tuple[Application, Any]]]:
    """Apps logged in by a test, shut at its end."""
    apps: list[tuple[Application, Any]] = []
    yield apps
    for _, window in apps:
        shut_app(window)


def log_in(qtbot: QtBot, opened: list[Any], url: str, desk: Desk, email: str) -> MainWindowBase:
    app, window = log_in_app(qtbot, url, email, desk.passwords[email])
    opened.append((app, window))
    qtbot.waitUntil(lambda: window.notifier.idle, timeout=20_000)  # the first look: marks only
    assert window.tray.notices_shown == []
    assert isinstance(window, MainWindowBase)
    return window


def sync_until(qtbot: QtBot, window: MainWindowBase, condition: Callable[[], bool]) -> None:
    """Sync (again, as often as needed: the server's xid horizon may hold a change back a
    moment) until ``condition()`` holds and the notifier has looked at everything pulled."""
    sync = window.context.sync
    asked = [0.0]

    def done() -> bool:
        if condition() and window.notifier.idle and not sync.status.syncing:
            return True
        if not sync.status.syncing and time.monotonic() - asked[0] > 0.3:
            asked[0] = time.monotonic()
            sync.request_sync()
        return False

    qtbot.waitUntil(done, timeout=30_000)


def shown(window: MainWindowBase) -> list[ShownNotice]:
    return list(window.tray.notices_shown)


def comment_count(window: MainWindowBase, ticket_id: str) -> int:
    detail = queries.ticket_detail(window.context.store, ticket_id)
    return 0 if detail is None else len(detail.comments)


def detail_of(window: MainWindowBase) -> TicketDetailView:
    detail = getattr(window, "detail", None)
    assert isinstance(detail, TicketDetailView)
    return detail


def pull_changes(store: Store, *changes: Any) -> ChangeSet:
    """Apply a final pull page and return what it changed (as the engine announces it)."""
    return apply.apply_page(store, page(changes), final=True)


def click_last_notice(window: MainWindowBase) -> None:
    window.tray.icon.messageClicked.emit()  # what the desktop reports for a click on it


def test_an_agent_is_told_of_assignments_replies_and_critical(
    qtbot: QtBot, desk: Desk, opened: list[Any]
) -> None:
    uma, bob = desk.rest(UMA), desk.rest(BOB)
    ticket = submit(uma, "Printer jams")
    key, number = ticket["id"], ticket["number"]
    window = log_in(qtbot, opened, desk.server.url, desk, ALICE)
    assert window.tray.icon.toolTip() == "Ticketdesk"

    bob.request("PATCH", f"/api/tickets/{key}", {"assignee_id": desk.ids[ALICE]})
    sync_until(qtbot, window, lambda: len(shown(window)) == 1)
    assert shown(window)[0].title == f"Bob assigned {number} to you"
    assert shown(window)[0].message == "Printer jams" and shown(window)[0].ticket_id == key
    if not shown(window)[0].in_tray:  # no system tray here: the status bar says it
        assert window.sync_status.currentMessage() == f"Bob assigned {number} to you: Printer jams"

    click_last_notice(window)
    detail = detail_of(window)
    qtbot.waitUntil(lambda: detail.ticket_id == key)

    uma.request("POST", f"/api/tickets/{key}/comments", {"content": "<p>Any news?</p>"})
    sync_until(qtbot, window, lambda: len(shown(window)) == 2)
    assert shown(window)[1].title == f"Uma replied on {number}" and shown(window)[1].comment_id

    bob.request("PATCH", f"/api/tickets/{key}", {"priority": "Critical"})
    sync_until(qtbot, window, lambda: len(shown(window)) == 3)
    assert shown(window)[2].title == f"{number} is now Critical (Bob)"

    # switched off: requester replies; and Alice's own reply never tells her anything
    action = window.notifier.kind_actions[NoticeKind.REQUESTER_REPLY]
    assert action.isChecked()
    action.trigger()
    assert not action.isChecked()
    settings = NoticeSettings(f"{desk.server.url}|{desk.ids[ALICE]}", settings_file(FILE_NAME))
    assert not settings.is_enabled(NoticeKind.REQUESTER_REPLY) and settings.is_enabled(NoticeKind.CRITICAL)
    uma.request("POST", f"/api/tickets/{key}/comments", {"content": "<p>Hello?</p>"})
    commands.add_comment(window.context.store, key, "<p>Looking now</p>")
    sync_until(
        qtbot,
        window,
        lambda: comment_count(window, key) == 3 and window.context.sync.status.pending == 0,
    )
    bob.request("PATCH", f"/api/tickets/{key}", {"priority": "High"})
    bob.request("PATCH", f"/api/tickets/{key}", {"priority": "Critical"})
    sync_until(qtbot, window, lambda: len(shown(window)) == 4)
    assert shown(window)[3].title == f"{number} is now Critical (Bob)"  # the reply was dropped
    assert len(shown(window)) == 4


def test_a_user_is_told_of_staff_replies_and_resolution(qtbot: QtBot, desk: Desk, opened: list[Any]) -> None:
    uma_elsewhere, alice = desk.rest(UMA), desk.rest(ALICE)
    ticket = submit(uma_elsewhere, "VPN drops")
    key, number = ticket["id"], ticket["number"]
    window = log_in(qtbot, opened, desk.server.url, desk, UMA)

    alice.request("PATCH", f"/api/tickets/{key}", {"assignee_id": desk.ids[ALICE]})
    alice.request("POST", f"/api/tickets/{key}/comments", {"content": "<p>Internal</p>", "is_internal": True})
    uma_elsewhere.request("POST", f"/api/tickets/{key}/comments", {"content": "<p>From my phone</p>"})
    alice.request("POST", f"/api/tickets/{key}/comments", {"content": "<p>Restart the client</p>"})
    sync_until(qtbot, window, lambda: len(shown(window)) == 1)
    assert shown(window)[0].title == f"Alice replied on {number}" and shown(window)[0].ticket_id == key

    alice.request("PATCH", f"/api/tickets/{key}", {"status": "Resolved"})
    sync_until(qtbot, window, lambda: len(shown(window)) == 2)
    assert shown(window)[1].title == f"{number} was resolved"
    assert [s.ticket_id for s in shown(window)] == [key, key]
    assert set(window.notifier.kind_actions) == {NoticeKind.AGENT_REPLY, NoticeKind.RESOLVED}

    detail = detail_of(window)
    assert detail.ticket_id != key
    click_last_notice(window)
    qtbot.waitUntil(lambda: detail.ticket_id == key)


def test_nothing_while_offline_then_one_summary(qtbot: QtBot, desk: Desk, opened: list[Any]) -> None:
    proxy = FaultProxy(desk.server.port)
    uma = desk.rest(UMA)
    ticket = submit(uma, "Scanner offline")
    key = ticket["id"]
    desk.rest(BOB).request("PATCH", f"/api/tickets/{key}", {"assignee_id": desk.ids[ALICE]})
    window = log_in(qtbot, opened, proxy.url, desk, ALICE)
    sync = window.context.sync
    looks: list[list[Any]] = []
    window.notifier.looked.connect(looks.append)

    proxy.arm(b"POST /api/sync", Fault.DROP_REQUEST, times=1_000_000)
    sync.request_sync()
    qtbot.waitUntil(lambda: sync.status.online is False and not sync.status.syncing, timeout=30_000)
    for n in range(8):
        uma.request("POST", f"/api/tickets/{key}/comments", {"content": f"<p>Ping {n}</p>"})
    commands.add_comment(window.context.store, key, "<p>Written offline</p>")
    sync.request_sync()
    qtbot.waitUntil(
        lambda: proxy.hit_count(Fault.DROP_REQUEST) >= 2 and not sync.status.syncing, timeout=30_000
    )
    assert sync.status.online is False
    assert shown(window) == [] and looks == []

    proxy.disarm()
    sync_until(qtbot, window, lambda: comment_count(window, key) == 9)
    told = [batch for batch in looks if batch]
    assert sum(len(batch) for batch in told) == 8  # every reply counted, Alice's own not
    assert max(len(batch) for batch in told) > 3  # at least one look saw most of them
    expected = sum(1 if len(batch) > 3 else len(batch) for batch in told)
    assert len(shown(window)) == expected
    summary = next(s for s in shown(window) if s.ticket_id is None)
    assert summary.title.endswith("updates on 1 ticket") and "requester replies" in summary.message

    if shown(window)[-1] is summary:  # (unless a straggler came in a look of its own after it)
        before = detail_of(window).ticket_id
        window.showMinimized()
        click_last_notice(window)
        assert not window.isMinimized() and window.isVisible()
        assert detail_of(window).ticket_id == before  # a summary opens no ticket
    proxy.close()


def test_the_tray_icon_shows_the_unread_count_and_the_switches_fit_the_role(
    qtbot: QtBot, tmp_path: Path
) -> None:
    user_id = uuid.uuid4()
    store = open_store(tmp_path / "cache", user_id, Role.AGENT)
    context = offline_context(store, user_id, "Alice", Role.AGENT)
    window = MainWindowBase(context)
    qtbot.addWidget(window)
    try:
        tray = window.tray
        tray.set_unread_count(3)
        assert tray.icon.toolTip() == "Ticketdesk: 3 unread" and tray.unread_count == 3
        tray.set_unread_count(0)
        assert tray.icon.toolTip() == "Ticketdesk"

        menu = window.notifier.menu
        assert menu.menuAction() in window.file_menu.actions()
        assert [a.text() for a in menu.actions()] == [k.label for k in kinds_for(Role.AGENT)]
        assert all(a.isCheckable() and a.isChecked() for a in menu.actions())

        notice = tray.show_notice("Bob assigned TKT-1 to you", "Printer jams", "ticket-1")
        assert tray.notices_shown == [notice] and tray.last_notice == notice
        assert notice.in_tray == (tray_available() and QSystemTrayIcon.supportsMessages())
        if not notice.in_tray:
            assert window.sync_status.currentMessage() == "Bob assigned TKT-1 to you: Printer jams"
        with qtbot.waitSignal(tray.notice_clicked) as clicked:
            click_last_notice(window)
        assert clicked.args == ["ticket-1"]
    finally:
        context.tasks.wait()
        context.sync.detach()
        context.session.engine.close()
        store.close()


def test_the_notifier_looks_only_after_a_sync_that_ended_online(qtbot: QtBot, tmp_path: Path) -> None:
    """What the notifier does with the signals of the sync controller, on a real cache."""
    world = World()
    store = open_store(tmp_path / "cache", world.agent, Role.AGENT)
    pull_changes(store, *world.reference(for_staff=True))
    ticket = world.ticket(assignee_id=str(world.agent))
    context = offline_context(store, world.agent, "Alice", Role.AGENT, tasks=TaskRunner(immediate=True))
    window = MainWindowBase(context)
    qtbot.addWidget(window)
    sync, notifier = context.sync, window.notifier
    online = SyncStatus(online=True, last_sync_at=dt.datetime.now(dt.UTC))
    looks: list[list[Any]] = []
    notifier.looked.connect(looks.append)

    def arrives(*changes: Any) -> None:  # a pull, its ChangeSet reaching the window
        sync.data_changed.emit(pull_changes(store, *changes))

    try:
        sync.status_changed.emit(online)  # the first sync: the marks are set
        assert looks == [[]] and notifier.idle
        reply = comment_row(ticket, world.requester, "<p>Hello?</p>")
        arrives(put(visibility.QUEUE, "ticket", ticket), put(visibility.QUEUE, "comment", reply))
        sync.status_changed.emit(dataclasses.replace(online, syncing=True))  # still pulling
        sync.status_changed.emit(dataclasses.replace(online, online=False))  # then lost
        assert len(looks) == 1 and not notifier.idle
        sync.status_changed.emit(online)
        assert len(looks) == 2 and [n.kind for n in looks[1]] == [NoticeKind.REQUESTER_REPLY]

        sync.data_changed.emit(ChangeSet(tickets=frozenset({ticket["id"]}), outbox=True, queued=True))
        sync.status_changed.emit(online)  # a local command: not looked at
        assert len(looks) == 2

        sync.data_changed.emit(ChangeSet(everything=True))  # the server was reset: start over
        arrives(put(visibility.QUEUE, "comment", comment_row(ticket, world.requester, "<p>Again</p>")))
        sync.status_changed.emit(online)
        assert len(looks) == 3 and looks[2] == []
        assert [s.title for s in window.tray.notices_shown] == ["Uma replied on TKT-1001"]
    finally:
        context.tasks.wait()
        sync.detach()
        context.session.engine.close()
        store.close()
