"""Canned replies in a real reply box over a real cache: ``::gre`` and Enter inserts the reply
with its variables filled and the cursor at its placeholder, Escape closes the list keeping the
text, the picker inserts too (several in one reply), each insertion counts a use, and a
requester's reply box offers none of it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from desktop.store import canned_replies, schema
from desktop.ui.shell.context import AppContext
from desktop.ui.ticket.canned_replies import CannedReplyPicker
from desktop.ui.ticket.detail import TicketDetailView
from tests.helpers.store import World, pull, put
from tests.helpers.ui import isolated_desktop, offline_context, requester_bucket, world_store
from ticketing import visibility
from ticketing.domain import Role, new_id
from ticketing.protocol import MutationName

pytestmark = pytest.mark.usefixtures("collect_garbage_on_the_ui_thread")

T = "2026-12-01T09:00:00.000000+00:00"


def reply_row(owner: Any, title: str, body: str, scope: str = "team", uses: int = 0) -> dict[str, Any]:
    return {
        "id": str(new_id()),
        "title": title,
        "body": body,
        "scope": scope,
        "owner_id": str(owner),
        "uses": uses,
        "created_at": T,
        "updated_at": T,
        "version": 1,
    }


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def ticket(world: World) -> dict[str, Any]:
    return world.ticket(1042, title="Printer jams")


@pytest.fixture
def replies(world: World) -> dict[str, dict[str, Any]]:
    return {
        "greeting": reply_row(
            world.agent,
            "Greeting",
            "<p>Hello {{requester.name}}, about {{ticket.number}}: {{cursor}}</p>",
            uses=3,  # the most used of the titles starting "gre": listed first
        ),
        "thanks": reply_row(world.agent, "Thanks", "<p>Thanks! {{agent.name}}</p>", scope="personal"),
        "green": reply_row(world.other_agent, "Green light", "<p>Go ahead.</p>"),
    }


@pytest.fixture
def agent(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    world: World,
    ticket: dict[str, Any],
    replies: dict[str, dict[str, Any]],
) -> Iterator[AppContext]:
    with isolated_desktop(monkeypatch, tmp_path):
        store = world_store(tmp_path / "cache", world, as_staff=True)
        pull(
            store,
            put(visibility.QUEUE, "ticket", ticket),
            put(visibility.STAFF, "canned_reply", replies["greeting"]),
            put(visibility.STAFF, "canned_reply", replies["green"]),
            put(visibility.account_bucket(world.agent), "canned_reply", replies["thanks"]),
        )
        context = offline_context(store, world.agent, "Alice", Role.AGENT)
        yield context
        context.sync.detach()
        context.session.engine.close()
        store.close()


def shown(qtbot: QtBot, context: AppContext, ticket: dict[str, Any]) -> TicketDetailView:
    view = TicketDetailView(context)
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show()
    with qtbot.waitSignal(view.loaded, timeout=5000):
        view.show_ticket(ticket["id"])
    qtbot.waitUntil(lambda: len(view.reply._canned) == 3)
    return view


def uses_queued(context: AppContext) -> list[str]:
    with context.store.read() as conn:
        rows = conn.execute(select(schema.outbox.c.name, schema.outbox.c.args).order_by(schema.outbox.c.id))
        return [
            json.loads(args)["canned_reply_id"]
            for name, args in rows
            if name == MutationName.USE_CANNED_REPLY
        ]


def uses_cached(context: AppContext) -> dict[str, int]:
    return {r.title: r.uses for r in canned_replies.list_replies(context.store)}


def test_typing_the_trigger_and_enter_inserts_the_filled_reply_at_the_placeholder(
    qtbot: QtBot, agent: AppContext, ticket: dict[str, Any], replies: dict[str, dict[str, Any]]
) -> None:
    view = shown(qtbot, agent, ticket)
    edit, popup = view.reply.editor.edit, view.reply.canned_popup
    qtbot.keyClicks(edit, "Hi. ::gre")
    assert popup.isVisible()
    assert [popup.list.item(i).toolTip() for i in range(popup.list.count())] == ["Greeting", "Green light"]
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert not popup.isVisible()
    assert edit.toPlainText() == "Hi. Hello Uma, about TKT-1042: "
    qtbot.keyClicks(edit, "done")  # the cursor stands at {{cursor}}
    assert edit.toPlainText() == "Hi. Hello Uma, about TKT-1042: done"
    qtbot.waitUntil(lambda: uses_queued(agent) == [replies["greeting"]["id"]])
    assert uses_cached(agent)["Greeting"] == 4


def test_arrows_choose_and_escape_closes_keeping_the_text(
    qtbot: QtBot, agent: AppContext, ticket: dict[str, Any], replies: dict[str, dict[str, Any]]
) -> None:
    view = shown(qtbot, agent, ticket)
    edit, popup = view.reply.editor.edit, view.reply.canned_popup
    qtbot.keyClicks(edit, "::gre")
    qtbot.keyClick(edit, Qt.Key.Key_Escape)
    assert not popup.isVisible()
    assert edit.toPlainText() == "::gre"
    qtbot.keyClicks(edit, "e")  # still the closed trigger: it stays closed
    assert not popup.isVisible()
    qtbot.keyClicks(edit, " ::th")
    assert popup.isVisible() and popup.list.count() == 1
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(edit, "g")
    assert popup.list.count() == 2  # "Greeting" and "Green light"
    qtbot.keyClick(edit, Qt.Key.Key_Down)
    qtbot.keyClick(edit, Qt.Key.Key_Enter)
    assert edit.toPlainText() == "::gree Go ahead."
    qtbot.waitUntil(lambda: uses_queued(agent) == [replies["green"]["id"]])
    qtbot.keyClicks(edit, " ::nothing")
    assert not popup.isVisible()  # no title matches


def test_the_picker_inserts_too_and_several_replies_fit_in_one(
    qtbot: QtBot, agent: AppContext, ticket: dict[str, Any], replies: dict[str, dict[str, Any]]
) -> None:
    view = shown(qtbot, agent, ticket)
    edit = view.reply.editor.edit
    assert view.reply.canned_button.isVisibleTo(view)
    view.reply.canned_button.click()
    picker = next(
        w for w in QApplication.topLevelWidgets() if isinstance(w, CannedReplyPicker) and w.isVisible()
    )
    qtbot.keyClicks(picker.search, "THA")
    assert picker.results.count() == 1
    picker.insert_button.click()
    assert edit.toPlainText() == "Thanks! Alice"
    qtbot.keyClicks(edit, " ::greet")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert edit.toPlainText() == "Thanks! Alice Hello Uma, about TKT-1042: "
    qtbot.waitUntil(lambda: len(uses_queued(agent)) == 2)
    assert uses_cached(agent) == {"Greeting": 4, "Green light": 0, "Thanks": 1}
    picker = view.reply.pick_canned_reply()
    qtbot.keyClicks(picker.search, "zzz")
    assert not picker.insert_button.isEnabled() and picker.note.text() == "No canned reply matches."
    picker.reject()


def test_a_requesters_reply_box_has_no_canned_replies(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, world: World, ticket: dict[str, Any]
) -> None:
    with isolated_desktop(monkeypatch, tmp_path):
        store = world_store(tmp_path / "cache", world, as_staff=False)
        pull(store, put(requester_bucket(world), "ticket", ticket))
        context = offline_context(store, world.requester, "Uma", Role.USER)
        try:
            view = TicketDetailView(context)
            qtbot.addWidget(view)
            view.show()
            with qtbot.waitSignal(view.loaded, timeout=5000):
                view.show_ticket(ticket["id"])
            assert not view.reply.canned_button.isVisibleTo(view)
            qtbot.keyClicks(view.reply.editor.edit, "::gre")
            assert not view.reply.canned_popup.isVisible()
            assert view.reply.editor.edit.toPlainText() == "::gre"
        finally:
            context.sync.detach()
            context.session.engine.close()
            store.close()
