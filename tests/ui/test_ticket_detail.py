"""The ticket detail widget for a requester and for an agent, on a real cache: the timeline
(sanitized, internal notes unmistakable), replies, the transitions the workflow allows,
assignment, shortcuts, and a refused action that keeps the typed text."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, Qt, QUrl
from PySide6.QtGui import QTextDocument
from pytestqt.qtbot import QtBot

from desktop.palette import LIGHT, scheme_for
from desktop.store import commands, outbox, queries, state
from desktop.ui.shell.context import AppContext
from desktop.ui.ticket.detail import TicketDetailView
from tests.helpers.store import World, comment_row, event_row, pull, put
from tests.helpers.ui import (
    all_controls,
    isolated_desktop,
    offline_context,
    pick_from_list,
    requester_bucket,
    turn_wheel,
    world_store,
)
from ticketing import visibility, workflow
from ticketing.domain import Role, Status

pytestmark = pytest.mark.usefixtures("collect_garbage_on_the_ui_thread")


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def tickets(world: World) -> dict[str, dict[str, Any]]:
    return {
        "open": world.ticket(1001, title="Printer jams", description="<p>On <b>page two</b>.</p>"),
        "resolved": world.ticket(1002, title="VPN drops", status="Resolved"),
    }


def _context(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, world: World, *, staff: bool
) -> Iterator[AppContext]:
    with isolated_desktop(monkeypatch, tmp_path):
        store = world_store(tmp_path / "cache", world, as_staff=staff)
        if staff:
            context = offline_context(store, world.agent, "Alice", Role.AGENT)
        else:
            context = offline_context(store, world.requester, "Uma", Role.USER)
        yield context
        context.sync.detach()
        context.session.engine.close()
        store.close()


@pytest.fixture
def requester(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, world: World, tickets: dict[str, dict[str, Any]]
) -> Iterator[AppContext]:
    """The requester's cache: their two tickets, an agent's public reply and a history event."""
    for context in _context(monkeypatch, tmp_path, world, staff=False):
        bucket = requester_bucket(world)
        pull(
            context.store,
            *(put(bucket, "ticket", ticket) for ticket in tickets.values()),
            put(bucket, "comment", comment_row(tickets["open"], world.agent, "<p>Which tray?</p>")),
            put(
                bucket, "ticket_event", event_row(tickets["open"], world.agent, "priority", "Medium", "High")
            ),
        )
        yield context


@pytest.fixture
def agent(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, world: World, tickets: dict[str, dict[str, Any]]
) -> Iterator[AppContext]:
    """An agent's cache: the queue with a public reply and an internal note."""
    for context in _context(monkeypatch, tmp_path, world, staff=True):
        pull(
            context.store,
            *(put(visibility.QUEUE, "ticket", ticket) for ticket in tickets.values()),
            put(visibility.QUEUE, "comment", comment_row(tickets["open"], world.requester, "<p>Tray 2.</p>")),
            put(
                visibility.QUEUE_INTERNAL,
                "comment",
                comment_row(tickets["open"], world.agent, "<p>Known firmware bug.</p>", is_internal=True),
            ),
        )
        yield context


def shown(
    qtbot: QtBot, context: AppContext, ticket: dict[str, Any], *, active: bool = False
) -> TicketDetailView:
    view = TicketDetailView(context)
    qtbot.addWidget(view)
    view.resize(900, 700)
    if active:  # keyboard shortcuts need a focused, active window
        view.show()
        with qtbot.waitActive(view):
            view.activateWindow()
    with qtbot.waitSignal(view.loaded, timeout=5000):
        view.show_ticket(ticket["id"])
    return view


def stored(context: AppContext, ticket: dict[str, Any]) -> queries.TicketDetail:
    detail = queries.ticket_detail(context.store, ticket["id"])
    assert detail is not None
    return detail


# --- the requester ------------------------------------------------------------------------------


def test_requester_sees_the_conversation_and_may_close(
    qtbot: QtBot, requester: AppContext, tickets: dict[str, dict[str, Any]]
) -> None:
    view = shown(qtbot, requester, tickets["open"])

    text = view.timeline.toPlainText()
    assert "On page two." in text and "Which tray?" in text
    assert "Alice changed priority from Medium to High" in text
    assert "Internal note" not in text
    assert view.header.number.text() == "<b>TKT-1001</b>"
    assert not view.reply.internal.isVisibleTo(view)  # requesters only write public replies
    assert not view.controls.status.isVisibleTo(view)
    assert not view.controls.requester_buttons[Status.OPEN].isVisibleTo(view)

    close = view.controls.requester_buttons[Status.CLOSED]
    assert close.isVisibleTo(view)
    with qtbot.waitSignal(view.loaded), qtbot.waitSignal(view.undo_offered) as done:
        close.click()

    assert stored(requester, tickets["open"]).ticket.status == Status.CLOSED
    assert done.args is not None and done.args[0] == "Status changed to Closed."  # with its Undo
    assert view.message.text() == "Status changed to Closed."
    assert view.message.styleSheet() == f"color: {scheme_for(view.message.palette()).success};"
    assert view.header.status.text() == "Closed"
    assert view.header.pending.isVisibleTo(view)
    assert not view.reply.isVisibleTo(view)
    assert "closed" in view.closed_note.text()


def test_requester_reply_on_a_resolved_ticket_reopens_it(
    qtbot: QtBot, requester: AppContext, tickets: dict[str, dict[str, Any]]
) -> None:
    view = shown(qtbot, requester, tickets["resolved"], active=True)
    assert "will reopen this ticket" in view.reply.hint.text()
    assert view.controls.requester_buttons[Status.OPEN].isVisibleTo(view)

    view.reply.editor.setFocus()
    qtbot.keyClicks(view.reply.editor.edit, "Still dropping today.")
    with qtbot.waitSignal(view.loaded, timeout=5000):
        qtbot.keyClick(view.reply.editor.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    detail = stored(requester, tickets["resolved"])
    assert detail.ticket.status == Status.OPEN
    assert [c.content for c in detail.comments] == ["<p>Still dropping today.</p>"]
    assert "Still dropping today." in view.timeline.toPlainText()
    assert "not sent yet" in view.timeline.toPlainText()
    assert view.header.status.text() == "Open"
    assert view.reply.editor.is_empty()
    assert not view.reply.hint.isVisibleTo(view)


def test_a_refused_reply_is_explained_and_the_text_kept(
    qtbot: QtBot, requester: AppContext, tickets: dict[str, dict[str, Any]]
) -> None:
    view = shown(qtbot, requester, tickets["open"])
    view.reply.editor.edit.setPlainText("Words I do not want to type again")
    commands.close_ticket(requester.store, tickets["open"]["id"])  # closed meanwhile (another window)

    with qtbot.waitSignal(view.action_failed, timeout=5000) as failed:
        view.reply.send_button.click()

    assert "closed" in failed.args[0]
    assert view.message.text() == failed.args[0]
    assert view.message.styleSheet() == f"color: {scheme_for(view.message.palette()).danger};"
    assert view.reply.editor.edit.toPlainText() == "Words I do not want to type again"


def test_a_view_deleted_before_its_ticket_arrives_is_left_alone(
    qtbot: QtBot, requester: AppContext, tickets: dict[str, dict[str, Any]]
) -> None:
    view = TicketDetailView(requester)
    loaded: list[object] = []
    view.loaded.connect(loaded.append)
    view.show_ticket(tickets["open"]["id"])  # read in the background
    assert requester.tasks.wait()

    shiboken6.delete(view)  # closed before the UI thread took the ticket
    QCoreApplication.sendPostedEvents()

    assert loaded == []  # dropped, and nothing touched the deleted widgets


def test_timeline_shows_only_sanitized_html(
    qtbot: QtBot, requester: AppContext, world: World, tickets: dict[str, dict[str, Any]]
) -> None:
    evil = '<p onclick="steal()">Hi<script>alert(1)</script><img src="http://evil/x.png"></p>'
    pull(
        requester.store,
        put(requester_bucket(world), "comment", comment_row(tickets["open"], world.agent, evil)),
    )
    view = shown(qtbot, requester, tickets["open"])
    html = view.timeline.toHtml()
    assert "Hi" in view.timeline.toPlainText()
    assert "alert(1)" not in html and "steal()" not in html
    # what a message names is never fetched (no tracking pixel, no local file)
    resource = QTextDocument.ResourceType.ImageResource
    assert view.timeline.loadResource(resource, QUrl("http://evil/x.png")) is None


# --- support staff ------------------------------------------------------------------------------


def test_internal_notes_are_unmistakable(
    qtbot: QtBot, agent: AppContext, tickets: dict[str, dict[str, Any]]
) -> None:
    view = shown(qtbot, agent, tickets["open"])
    text = view.timeline.toPlainText()
    assert "Internal note — only support staff can see this" in text
    assert text.index("Tray 2.") < text.index("Known firmware bug.")
    html = view.timeline.toHtml().lower()
    assert LIGHT.internal_background.lower() in html
    assert html.count("internal note") == 1  # the public reply carries no such label
    assert view.reply.public.isVisibleTo(view) and view.reply.internal.isVisibleTo(view)
    assert view.reply.public.isChecked()  # public is the default, internal is a deliberate choice


def test_status_menu_offers_only_what_the_workflow_allows(
    qtbot: QtBot, agent: AppContext, world: World, tickets: dict[str, dict[str, Any]]
) -> None:
    for key in ("open", "resolved"):
        view = shown(qtbot, agent, tickets[key])
        ticket = tickets[key]
        actor = workflow.Actor(id=world.agent, role=Role.AGENT)
        state = workflow.TicketState(Status(ticket["status"]), uuid.UUID(ticket["submitter_id"]))
        offered = {view.controls.status.itemData(i) for i in range(1, view.controls.status.count())}
        assert offered == {s.value for s in workflow.allowed_transitions(actor, state)}
        assert view.controls.status.itemData(0) == ticket["status"]
        assert not any(b.isVisibleTo(view) for b in view.controls.requester_buttons.values())


def test_internal_note_is_written_as_internal(
    qtbot: QtBot, agent: AppContext, tickets: dict[str, dict[str, Any]]
) -> None:
    view = shown(qtbot, agent, tickets["open"])
    view.reply.internal.setChecked(True)
    assert view.reply.send_button.text() == "Add internal &note"
    view.reply.editor.edit.setPlainText("Waiting for the vendor.")

    with qtbot.waitSignal(view.loaded, timeout=5000):
        view.reply.send_button.click()

    notes = [
        c for c in stored(agent, tickets["open"]).comments if c.content == "<p>Waiting for the vendor.</p>"
    ]
    assert len(notes) == 1 and notes[0].is_internal


def test_shortcuts_assign_to_me_and_resolve(
    qtbot: QtBot, agent: AppContext, world: World, tickets: dict[str, dict[str, Any]]
) -> None:
    view = shown(qtbot, agent, tickets["open"], active=True)
    view.timeline.setFocus()

    with qtbot.waitSignal(view.loaded, timeout=5000):
        qtbot.keyClick(
            view.timeline,
            Qt.Key.Key_A,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
    detail = stored(agent, tickets["open"])
    assert detail.ticket.assignee_id == str(world.agent)
    assert detail.ticket.status == Status.IN_PROGRESS  # assigning an Open ticket starts it
    assert view.header.assignee.accessibleName() == "Assignee: Alice"
    assert not view.controls.assign_to_me.isEnabled()

    with qtbot.waitSignal(view.loaded, timeout=5000):
        qtbot.keyClick(
            view.timeline,
            Qt.Key.Key_R,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
    assert stored(agent, tickets["open"]).ticket.status == Status.RESOLVED
    assert view.header.status.text() == "Resolved"


def test_assignee_and_priority_menus(
    qtbot: QtBot, agent: AppContext, world: World, tickets: dict[str, dict[str, Any]]
) -> None:
    view = shown(qtbot, agent, tickets["open"])
    names = [view.controls.assignee.itemText(i) for i in range(view.controls.assignee.count())]
    assert names == ["Unassigned", "Alice", "Bob"]  # active staff from the cache

    with qtbot.waitSignal(view.loaded, timeout=5000):
        pick_from_list(qtbot, view.controls.assignee, names.index("Bob"))
    assert stored(agent, tickets["open"]).ticket.assignee_id == str(world.other_agent)

    with qtbot.waitSignal(view.loaded, timeout=5000):
        pick_from_list(qtbot, view.controls.priority, view.controls.priority.findData("High"))
    assert stored(agent, tickets["open"]).ticket.priority == "High"
    assert view.controls.priority.currentText() == "High"
    assert view.controls.priority.accessibleDescription() == "High"


def queued(context: AppContext) -> int:
    with context.store.read() as conn:
        return outbox.count(conn)


def test_a_stray_arrow_key_or_wheel_turn_changes_nothing_enter_does(
    qtbot: QtBot, agent: AppContext, tickets: dict[str, dict[str, Any]]
) -> None:
    view = shown(qtbot, agent, tickets["open"], active=True)
    status = view.controls.status
    status.setFocus()

    qtbot.keyClick(status, Qt.Key.Key_Down)  # the closed list now shows the next status...
    turn_wheel(view.controls.priority)
    qtbot.wait(200)  # ...and nothing is queued, even given time
    assert queued(agent) == 0
    assert stored(agent, tickets["open"]).ticket.status == Status.OPEN
    assert status.currentText() == Status.IN_PROGRESS.value and status.browsing

    with qtbot.waitSignal(view.loaded, timeout=5000):
        qtbot.keyClick(status, Qt.Key.Key_Return)  # the deliberate choice
    assert queued(agent) == 1
    assert stored(agent, tickets["open"]).ticket.status == Status.IN_PROGRESS
    assert status.itemData(status.applied_index) == Status.IN_PROGRESS.value


def test_ctrl_z_takes_back_the_last_changes_of_the_open_ticket(
    qtbot: QtBot, agent: AppContext, world: World, tickets: dict[str, dict[str, Any]]
) -> None:
    view = shown(qtbot, agent, tickets["open"], active=True)
    offered: list[str] = []
    view.undo_offered.connect(lambda text, _change: offered.append(text))
    with qtbot.waitSignal(view.loaded, timeout=5000):
        pick_from_list(qtbot, view.controls.assignee, view.controls.assignee.findData(str(world.agent)))
    with qtbot.waitSignal(view.loaded, timeout=5000):
        pick_from_list(qtbot, view.controls.priority, view.controls.priority.findData("Low"))
    assert offered == ["Ticket assigned.", "Priority changed."]
    assert queued(agent) == 2
    view.timeline.setFocus()

    with qtbot.waitSignal(view.loaded, timeout=5000):
        qtbot.keyClick(view.timeline, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stored(agent, tickets["open"]).ticket.priority == "Medium"
    with qtbot.waitSignal(view.loaded, timeout=5000):
        qtbot.keyClick(view.timeline, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    ticket = stored(agent, tickets["open"]).ticket
    assert (ticket.assignee_id, ticket.status, ticket.pending) == (None, Status.OPEN, False)
    assert queued(agent) == 0  # neither had left: both withdrawn
    assert "withdrawn" in view.message.text()

    qtbot.keyClick(view.timeline, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert view.message.text() == "Nothing to undo on this ticket."

    view.reply.editor.edit.setFocus()  # in the reply box, Ctrl+Z undoes typing, not the ticket
    qtbot.keyClicks(view.reply.editor.edit, "abc")
    qtbot.keyClick(view.reply.editor.edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert view.reply.editor.edit.toPlainText() == ""
    assert view.message.text() == "Nothing to undo on this ticket."


def test_an_undo_the_workflow_forbids_says_why(
    qtbot: QtBot, agent: AppContext, tickets: dict[str, dict[str, Any]]
) -> None:
    view = shown(qtbot, agent, tickets["resolved"], active=True)
    changes: list[Any] = []
    view.undo_offered.connect(lambda _text, change: changes.append(change))
    closed = view.controls.status.findData(Status.CLOSED.value)
    with qtbot.waitSignal(view.loaded, timeout=5000):
        pick_from_list(qtbot, view.controls.status, closed)
    with agent.store.write() as conn:  # a push took it: it may be on the server now
        state.mark_sent_through(conn, changes[0].mutation_id)

    with qtbot.waitSignal(view.action_failed, timeout=5000) as failed:
        view.undo(changes[0])
    assert failed.args == ["Cannot undo: Support staff cannot move a ticket from Closed to Resolved."]
    assert view.message.text() == failed.args[0]
    assert stored(agent, tickets["resolved"]).ticket.status == Status.CLOSED and queued(agent) == 1


def test_detail_controls_have_accessible_names(
    qtbot: QtBot, agent: AppContext, tickets: dict[str, dict[str, Any]]
) -> None:
    view = shown(qtbot, agent, tickets["open"])
    for control in all_controls(view):
        assert control.accessibleName(), control
