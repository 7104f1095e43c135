"""The suggestions beside the new-ticket form, with real widgets on a real offline cache: typing
shows published articles and the user's own solved tickets (debounced, off the UI thread), an
article opens in the portal's knowledge base, a ticket opens in the portal with the draft kept, and each form
session's counts reach the outbox as ``record_deflection`` (opened then left: deflected)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.store import outbox
from desktop.ui.portal.user_portal import UserPortal
from desktop.ui.shell.context import AppContext
from desktop.ui.ticket.form import TicketForm
from desktop.ui.ticket.suggestions_panel import DEBOUNCE_MS
from tests.helpers.store import World, article_row, pull, put
from tests.helpers.ui import offline_context, requester_bucket, world_store
from ticketing.domain import Role
from ticketing.protocol import MutationName
from ticketing.visibility import KB_PUBLISHED

pytestmark = pytest.mark.usefixtures("collect_garbage_on_the_ui_thread")


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def rows(world: World) -> dict[str, dict[str, Any]]:
    return {
        "article": article_row(world.agent, title="Clear a printer jam", body="<p>Open tray two.</p>"),
        "solved": world.ticket(1001, title="Printer jams on page two", status="Resolved"),
        "open": world.ticket(1002, title="Printer jams again", status="Open"),
        "vpn": article_row(world.agent, title="VPN drops", body="<p>Reconnect.</p>"),
    }


@pytest.fixture
def context(
    desktop_env: Path, tmp_path: Path, world: World, rows: dict[str, dict[str, Any]]
) -> Iterator[AppContext]:
    store = world_store(tmp_path / "cache", world)
    bucket = requester_bucket(world)
    pull(
        store,
        put(KB_PUBLISHED, "article", rows["article"]),
        put(KB_PUBLISHED, "article", rows["vpn"]),
        put(bucket, "ticket", rows["solved"]),
        put(bucket, "ticket", rows["open"]),
    )
    context = offline_context(store, world.requester, "Uma", Role.USER)
    yield context
    context.tasks.wait()
    context.sync.detach()
    context.session.engine.close()
    store.close()


def queued_records(context: AppContext) -> list[dict[str, Any]]:
    context.tasks.wait()
    with context.store.read() as conn:
        return [m.args for m in outbox.to_push(conn, 100) if m.name == MutationName.RECORD_DEFLECTION.value]


def shown_form(qtbot: QtBot, context: AppContext) -> TicketForm:
    form = TicketForm(context)
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    return form


def test_typing_shows_suggestions_once_typing_pauses(
    qtbot: QtBot, context: AppContext, rows: dict[str, dict[str, Any]]
) -> None:
    form = shown_form(qtbot, context)
    panel = form.suggestions
    assert panel.empty.isVisible() and panel.suggestions() == []
    answers: list[int] = []
    panel.suggestions_shown.connect(answers.append)
    qtbot.keyClicks(form.title, "My printer jams every morning")
    assert panel.suggestions() == []  # nothing asked yet: debounced
    qtbot.waitUntil(lambda: len(panel.suggestions()) == 2, timeout=DEBOUNCE_MS * 10)
    assert set(panel.suggestions()) == {("article", rows["article"]["id"]), ("ticket", rows["solved"]["id"])}
    assert rows["open"]["id"] not in {row_id for _kind, row_id in panel.suggestions()}  # not solved
    assert panel.list.isVisible() and not panel.empty.isVisible()
    qtbot.wait(DEBOUNCE_MS * 2)
    assert answers == [2]  # 28 keystrokes, one query

    form.title.clear()
    qtbot.keyClicks(form.title, "zzzz qqqq")
    qtbot.waitUntil(panel.empty.isVisible, timeout=DEBOUNCE_MS * 10)
    assert panel.suggestions() == []


def test_the_description_is_read_too(
    qtbot: QtBot, context: AppContext, rows: dict[str, dict[str, Any]]
) -> None:
    form = shown_form(qtbot, context)
    form.title.setText("Trouble")
    form.description.edit.setPlainText("The VPN keeps dropping")
    qtbot.waitUntil(lambda: form.suggestions.suggestions() == [("article", rows["vpn"]["id"])], timeout=3000)


def test_opening_an_article_then_leaving_is_a_deflection(
    qtbot: QtBot, context: AppContext, rows: dict[str, dict[str, Any]], world: World
) -> None:
    form = shown_form(qtbot, context)
    panel = form.suggestions
    qtbot.keyClicks(form.title, "printer jams")
    qtbot.waitUntil(lambda: len(panel.suggestions()) == 2, timeout=3000)
    article_row_index = panel.suggestions().index(("article", rows["article"]["id"]))
    panel.list.setCurrentRow(article_row_index)
    with qtbot.waitSignal(panel.article_opened) as opened:
        qtbot.keyClick(panel.list, Qt.Key.Key_Return)
    assert opened.args == [rows["article"]["id"]]
    panel.open(("article", rows["article"]["id"]))  # twice: still one opened
    form.category.setCurrentIndex(form.category.findText("Hardware"))

    form.close()
    records = queued_records(context)
    assert len(records) == 1
    record = records[0]
    assert (record["shown"], record["opened"], record["deflected"]) == (2, 1, True)
    assert record["ticket_id"] is None and record["category_id"] == world.category["id"]
    assert record["priority"] == "Medium"
    assert form.title.text() == "printer jams"  # the draft stays


def test_submitting_is_no_deflection_and_names_the_ticket(
    qtbot: QtBot, context: AppContext, rows: dict[str, dict[str, Any]]
) -> None:
    form = shown_form(qtbot, context)
    qtbot.waitUntil(lambda: form.category.findText("Hardware") >= 0)
    qtbot.keyClicks(form.title, "printer jams")
    qtbot.waitUntil(lambda: len(form.suggestions.suggestions()) == 2, timeout=3000)
    form.suggestions.open(("article", rows["article"]["id"]))
    form.description.edit.setPlainText("Page two, every time.")
    form.category.setCurrentIndex(form.category.findText("Hardware"))
    with qtbot.waitSignal(form.ticket_created, timeout=5000) as created:
        form.submit_button.click()
    records = queued_records(context)
    assert len(records) == 1
    assert records[0]["deflected"] is False and records[0]["ticket_id"] == created.args[0]
    assert records[0]["opened"] == 1


def test_a_session_that_showed_nothing_is_not_sent(qtbot: QtBot, context: AppContext) -> None:
    form = shown_form(qtbot, context)
    qtbot.keyClicks(form.title, "keyboard")
    qtbot.wait(DEBOUNCE_MS * 3)
    form.close()
    assert queued_records(context) == []


def test_a_suggested_ticket_opens_in_the_portal_and_the_draft_stays(
    qtbot: QtBot, context: AppContext, rows: dict[str, dict[str, Any]]
) -> None:
    portal = UserPortal(context)
    qtbot.addWidget(portal)
    qtbot.waitUntil(lambda: portal.model.rowCount() == 2)
    form = portal.open_ticket_form()
    qtbot.keyClicks(form.title, "printer jams")
    qtbot.waitUntil(lambda: len(form.suggestions.suggestions()) == 2, timeout=3000)
    with qtbot.waitSignal(form.suggestions.ticket_opened):
        form.suggestions.open(("ticket", rows["solved"]["id"]))
    qtbot.waitUntil(lambda: portal.detail.ticket_id == rows["solved"]["id"], timeout=3000)
    assert form.title.text() == "printer jams" and form.isVisible()
    form.close()
    assert queued_records(context)[0]["deflected"] is True


def test_a_suggested_article_opens_in_the_portals_knowledge_base(
    qtbot: QtBot, context: AppContext, rows: dict[str, dict[str, Any]]
) -> None:
    portal = UserPortal(context)
    qtbot.addWidget(portal)
    form = portal.open_ticket_form()
    qtbot.keyClicks(form.title, "printer jams")
    qtbot.waitUntil(lambda: len(form.suggestions.suggestions()) == 2, timeout=3000)
    form.suggestions.open(("article", rows["article"]["id"]))
    knowledge = portal.knowledge_base
    assert knowledge is not None
    qtbot.waitUntil(lambda: knowledge.reader.article_id == rows["article"]["id"], timeout=3000)
    assert "Open tray two." in knowledge.reader.body.toPlainText()
    assert form.title.text() == "printer jams" and form.isVisible()  # the draft stays
    knowledge.close()


def test_quitting_with_the_form_open_records_the_session(
    qtbot: QtBot, context: AppContext, rows: dict[str, dict[str, Any]]
) -> None:
    form = shown_form(qtbot, context)
    qtbot.keyClicks(form.title, "printer jams")
    qtbot.waitUntil(lambda: len(form.suggestions.suggestions()) == 2, timeout=3000)
    form.suggestions.open(("article", rows["article"]["id"]))
    form._on_app_about_to_quit()  # what QApplication.aboutToQuit calls
    records = queued_records(context)
    assert [(r["shown"], r["opened"], r["deflected"]) for r in records] == [(2, 1, True)]
    form.close()
    assert len(queued_records(context)) == 1  # the session ended once
