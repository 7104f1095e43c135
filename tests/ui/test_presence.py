"""Presence in the ticket view, between real desktops and a real server process: Bob sees
"Alice is viewing", then "Alice is replying…" while she types, and nothing once she closes the
ticket; an entry nobody refreshes expires; a requester's view of the same ticket never shows
staff presence."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from desktop.net import presence as presence_api
from desktop.store import queries
from desktop.sync.presence import Colleague
from desktop.tasks import TaskRunner
from desktop.ui.shell.context import AppContext, CurrentUser
from desktop.ui.shell.sync_controller import SyncController
from desktop.ui.ticket.detail import TicketDetailView
from desktop.ui.ticket.presence_bar import PresenceBar, describe
from desktop.ui.widgets.rich_text_editor import RichTextEditor
from sync_server.child_server import LiveServer
from tests.helpers.store import World
from tests.helpers.sync import Desk, submit
from tests.helpers.ui import offline_context, world_store
from ticketing.domain import Role
from ticketing.presence import PresenceOut, PresenceState

pytestmark = pytest.mark.usefixtures("collect_garbage_on_the_ui_thread")

#: Generous: a shared machine, two engines, a server process.
WAIT_MS = 20_000


@dataclass
class Desktop:
    """One person's app: an engine syncing with the live server, and a ticket view."""

    context: AppContext
    view: TicketDetailView


class Office:
    """A live server with everyone's accounts and the desktops opened on it."""

    def __init__(self, server: LiveServer, engine: Engine, data_dir: Path) -> None:
        self.desk = Desk(server, engine, data_dir)
        self.desktops: list[Desktop] = []

    def open(self, qtbot: QtBot, email: str) -> Desktop:
        controller = SyncController()
        session = self.desk.desktop(email, interval=3600.0, debounce=0.05, **controller.engine_callbacks())
        controller.attach(session.engine)
        assert session.user is not None
        user = CurrentUser(
            str(session.user.id), session.user.name, session.user.email, Role(session.user.role)
        )
        context = AppContext(
            self.desk.server.url, user, session.store, session.api, TaskRunner(), controller, session
        )
        view = TicketDetailView(context)
        qtbot.addWidget(view)
        view.show()
        session.engine.start()
        live = session.engine.live
        assert live is not None
        qtbot.waitUntil(lambda: live.connected and bool(controller.status.online), timeout=WAIT_MS)
        desktop = Desktop(context, view)
        self.desktops.append(desktop)
        return desktop

    def close(self) -> None:
        for desktop in self.desktops:
            desktop.context.sync.detach()
            desktop.context.tasks.wait()
        self.desk.close()


def _office(engine: Engine, database_url: str, tmp_path: Path, ttl: float) -> Iterator[Office]:
    server = LiveServer(database_url, env={"TICKETDESK_PRESENCE_TTL_SECONDS": str(ttl)})
    server.start()
    office = Office(server, engine, tmp_path)
    try:
        yield office
    finally:
        office.close()
        server.stop()


@pytest.fixture
def office(engine: Engine, database_url: str, tmp_path: Path) -> Iterator[Office]:
    """Presence lasts two minutes here: whatever disappears sooner was taken away, not expired."""
    yield from _office(engine, database_url, tmp_path, ttl=120.0)


@pytest.fixture
def short_lived(engine: Engine, database_url: str, tmp_path: Path) -> Iterator[Office]:
    """Presence lasts two seconds here, so that a test sees it expire."""
    yield from _office(engine, database_url, tmp_path, ttl=2.0)


def _shared_ticket(qtbot: QtBot, office: Office, *desktops: Desktop) -> str:
    ticket_id = str(submit(office.desk.rest("uma@example.com"), "Screen flickers")["id"])
    for desktop in desktops:
        store = desktop.context.store
        qtbot.waitUntil(
            lambda store=store: queries.ticket_detail(store, ticket_id) is not None, timeout=WAIT_MS
        )
    return ticket_id


def test_a_colleague_viewing_then_replying_then_gone(qtbot: QtBot, office: Office) -> None:
    alice, bob = office.open(qtbot, "alice@example.com"), office.open(qtbot, "bob@example.com")
    uma = office.open(qtbot, "uma@example.com")
    ticket_id = _shared_ticket(qtbot, office, alice, bob, uma)
    bar = bob.view.presence
    assert bar.isHidden()  # nobody yet

    uma.view.show_ticket(ticket_id)
    bob.view.show_ticket(ticket_id)
    alice.view.show_ticket(ticket_id)
    qtbot.waitUntil(lambda: not bar.isHidden() and bar.text() == "Alice is viewing", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: alice.view.presence.text() == "Bob is viewing", timeout=WAIT_MS)  # both ways

    qtbot.keyClicks(alice.view.reply.editor.edit, "Looking into it")
    qtbot.waitUntil(lambda: bar.text() == "Alice is replying…", timeout=WAIT_MS)
    assert alice.view.presence.text() == "Bob is viewing"  # her own typing is not shown to her

    alice.view.reply.editor.clear()  # as after sending: the box is empty again
    qtbot.waitUntil(lambda: bar.text() == "Alice is viewing", timeout=WAIT_MS)

    alice.view.show_ticket(None)  # closed: "left", long before the two minutes are up
    qtbot.waitUntil(bar.isHidden, timeout=WAIT_MS)
    assert bar.text() == ""

    alice.view.show_ticket(ticket_id)  # back again, then her app quits with the ticket open
    qtbot.waitUntil(lambda: bar.text() == "Alice is viewing", timeout=WAIT_MS)
    alice.context.sync.end_session()
    qtbot.waitUntil(bar.isHidden, timeout=WAIT_MS)

    # the requester had the ticket open all along and never saw either of them
    assert uma.view.presence.isHidden()
    assert len(uma.view.presence.tracker) == 0
    assert uma.view.presence.reporter.ticket_id is None  # and announced nothing


def test_presence_nobody_refreshes_expires(qtbot: QtBot, short_lived: Office) -> None:
    bob = short_lived.open(qtbot, "bob@example.com")
    ticket_id = _shared_ticket(qtbot, short_lived, bob)
    bob.view.show_ticket(ticket_id)
    alice_elsewhere = short_lived.desk.rest("alice@example.com")  # says it once, then nothing

    with qtbot.waitSignal(bob.context.sync.presence, timeout=WAIT_MS):
        assert presence_api.announce(alice_elsewhere, ticket_id, PresenceState.VIEWING)
    bar = bob.view.presence
    assert bar.text() == "Alice is viewing" and not bar.isHidden()
    qtbot.waitUntil(bar.isHidden, timeout=WAIT_MS)  # expired after its two seconds
    assert len(bar.tracker) == 0


class CountingRunner(TaskRunner):
    """Runs tasks as usual and counts them."""

    def __init__(self) -> None:
        super().__init__(immediate=True)
        self.started = 0

    def run(self, *args: Any, **kwargs: Any) -> None:
        self.started += 1
        super().run(*args, **kwargs)


def test_offline_nothing_is_sent_and_names_are_plain_text(qtbot: QtBot, tmp_path: Path) -> None:
    world = World()
    store = world_store(tmp_path / "cache", world, as_staff=True)
    tasks = CountingRunner()
    context = offline_context(store, world.agent, "Agent", Role.AGENT, tasks=tasks)
    try:
        bar = PresenceBar(context)
        qtbot.addWidget(bar)
        ticket_id = str(uuid.uuid4())
        editor = RichTextEditor("Reply")
        qtbot.addWidget(editor)
        bar.watch(editor)
        bar.set_ticket(ticket_id)
        qtbot.keyClicks(editor.edit, "On it")
        assert bar.reporter.state == PresenceState.REPLYING  # it would say so, if it were online
        bar.set_ticket(None)
        bar.set_ticket(ticket_id)
        assert tasks.started == 0  # the engine never went online: nobody could hear it

        someone = PresenceOut(
            ticket_id=uuid.UUID(ticket_id),
            user_id=uuid.uuid4(),
            name="<b>Eve</b>",
            state=PresenceState.REPLYING,
            expires_in=60,
        )
        context.sync.presence.emit(someone)
        assert bar.text() == "<b>Eve</b> is replying…" and not bar.isHidden()
        assert bar.textFormat() == Qt.TextFormat.PlainText
    finally:
        context.sync.detach()
        context.session.engine.close()
        store.close()


def test_several_names_are_joined() -> None:
    def person(name: str, state: PresenceState) -> Colleague:
        return Colleague(name, name, state, 0.0)

    assert describe([person("Bo", PresenceState.VIEWING)]) == "Bo is viewing"
    assert (
        describe(
            [
                person("Al", PresenceState.REPLYING),
                person("Bo", PresenceState.VIEWING),
                person("Cy", PresenceState.VIEWING),
            ]
        )
        == "Al is replying…; Bo and Cy are viewing"
    )
    assert describe([person(n, PresenceState.VIEWING) for n in ("A", "B", "C")]) == "A, B and C are viewing"
