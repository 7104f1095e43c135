"""The user portal and the new-ticket form with real widgets: offline ticket creation that
syncs against a live server, the "My tickets" model, search, validation, drafts that survive
closing, pasted screenshots, and the status bar's sync problems."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QImage, QTextCursor
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from desktop.app import Application, close_session
from desktop.local.drafts import DraftStore
from desktop.models.my_tickets_model import Column, MyTicketsModel
from desktop.models.ticket_table import TicketRole
from desktop.store import attachment_queries, commands, outbox, queries
from desktop.store.blobs import LocalBlobs
from desktop.store.database import ChangeSet
from desktop.ui.portal.user_portal import UserPortal
from desktop.ui.shell.context import AppContext
from desktop.ui.shell.problems_dialog import ProblemsDialog
from desktop.ui.ticket.form import TicketForm
from sync_server.child_server import LiveServer
from tests.helpers.api import create_account
from tests.helpers.store import World, pull, put
from tests.helpers.ui import all_controls, offline_context, requester_bucket, world_store
from ticketing.domain import Role, Status
from ticketing.protocol import MutationResult

pytestmark = pytest.mark.usefixtures("collect_garbage_on_the_ui_thread")


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def context(desktop_env: Path, tmp_path: Path, world: World) -> Iterator[AppContext]:
    """The world's requester, offline, with three synced tickets (one Resolved)."""
    store = world_store(tmp_path / "cache", world)
    bucket = requester_bucket(world)
    pull(
        store,
        put(bucket, "ticket", world.ticket(1001, title="Printer jams on page two")),
        put(bucket, "ticket", world.ticket(1002, title="VPN drops every hour", status="Resolved")),
        put(bucket, "ticket", world.ticket(1003, title="New laptop request", priority="High")),
    )
    context = offline_context(store, world.requester, "Uma", Role.USER)
    yield context
    context.sync.detach()
    context.session.engine.close()
    store.close()


def fill_form(form: TicketForm, qtbot: QtBot, title: str, description: str, category: str) -> None:
    qtbot.waitUntil(lambda: form.category.findText(category) >= 0)
    form.title.setText(title)
    form.description.edit.setPlainText(description)
    form.category.setCurrentIndex(form.category.findText(category))


def row_texts(model: MyTicketsModel, column: Column) -> list[str]:
    return [str(model.index(row, column).data()) for row in range(model.rowCount())]


# --- against a live server ----------------------------------------------------------------------


def test_ticket_written_offline_syncs_gets_its_number_then_reply_and_close(
    qtbot: QtBot, live_server: LiveServer, engine: Engine, desktop_env: Path
) -> None:
    _, password = create_account(engine, "uma@example.com", Role.USER, "Uma User")
    # syncing every second: on a busy PostgreSQL a pull may not see a commit at once
    app = Application(engine_options={"interval": 1.0, "debounce": 0.05})
    login = app.start(resume=False)
    login.server.setText(live_server.url)
    login.email.setText("uma@example.com")
    login.password.setText(password)
    with qtbot.waitSignal(app.main_window_shown, timeout=20_000) as shown:
        login.login_button.click()
    portal = shown.args[0]
    assert isinstance(portal, UserPortal) and app.context is not None
    context = app.context
    try:
        qtbot.waitUntil(lambda: bool(queries.categories(context.store)), timeout=20_000)

        live_server.kill()
        form = portal.open_ticket_form()
        fill_form(form, qtbot, "Monitor flickers", "It flickers when the fan starts.", "Hardware")
        form.submit_button.click()
        qtbot.waitUntil(lambda: portal.model.rowCount() == 1, timeout=10_000)
        assert portal.model.index(0, Column.NUMBER).data() == "Draft"
        assert portal.model.index(0, Column.SYNC).data() == "Pending"
        qtbot.waitUntil(lambda: portal.detail.detail is not None)  # the new ticket is selected
        assert portal.detail.header.draft.text() == "Draft"
        qtbot.waitUntil(lambda: context.sync.status.online is False, timeout=10_000)
        assert portal.sync_status.pending.text() == "1 pending"

        live_server.start()
        portal.sync_action.trigger()
        qtbot.waitUntil(lambda: portal.model.index(0, Column.NUMBER).data() == "TKT-1001", timeout=20_000)
        qtbot.waitUntil(lambda: portal.model.index(0, Column.SYNC).data() == "", timeout=10_000)
        qtbot.waitUntil(lambda: portal.detail.header.number.text() == "<b>TKT-1001</b>")

        reply = portal.detail.reply
        reply.editor.edit.setPlainText("It also happens on the second screen.")
        reply.send_button.click()
        qtbot.waitUntil(lambda: "second screen" in portal.detail.timeline.toPlainText(), timeout=10_000)
        assert reply.editor.is_empty()

        close_button = portal.detail.controls.requester_buttons[Status.CLOSED]
        assert close_button.isVisibleTo(portal.detail)
        close_button.click()
        qtbot.waitUntil(lambda: portal.model.index(0, Column.STATUS).data() == "Closed", timeout=10_000)
        qtbot.waitUntil(
            lambda: context.sync.status.pending == 0 and not context.sync.status.syncing, timeout=20_000
        )
        qtbot.waitUntil(lambda: not portal.detail.reply.isVisibleTo(portal.detail))
        assert "closed" in portal.detail.closed_note.text()
    finally:
        context.sync.detach()
        close_session(context.session)
        portal.close_for_app()


# --- offline, on a filled cache -----------------------------------------------------------------


def test_my_tickets_model_passes_the_model_tester(
    qtbot: QtBot, qtmodeltester: ModelTester, context: AppContext, world: World
) -> None:
    commands.create_ticket(
        context.store, title="Written offline", description="<p>Draft</p>", category_id=world.category["id"]
    )
    model = MyTicketsModel(context.store, context.tasks, context.user.id)
    with qtbot.waitSignal(model.ids_loaded):
        model.reload()
    qtmodeltester.check(model)

    assert model.rowCount() == 4
    drafts = [row for row in range(4) if model.index(row, Column.NUMBER).data() == "Draft"]
    assert len(drafts) == 1
    index = model.index(drafts[0], Column.SYNC)
    assert index.data() == "Pending"
    assert index.data(TicketRole.PENDING) is True
    assert "gets its number" in model.index(drafts[0], Column.NUMBER).data(Qt.ItemDataRole.ToolTipRole)

    with qtbot.waitSignal(model.ids_loaded):
        model.sort(Column.NUMBER, Qt.SortOrder.AscendingOrder)
    assert row_texts(model, Column.NUMBER) == ["TKT-1001", "TKT-1002", "TKT-1003", "Draft"]
    qtmodeltester.check(model)


def test_portal_lists_searches_and_shows_a_ticket(qtbot: QtBot, context: AppContext) -> None:
    portal = UserPortal(context)
    qtbot.addWidget(portal)
    qtbot.waitUntil(lambda: portal.model.rowCount() == 3)
    assert set(row_texts(portal.model, Column.STATUS)) == {"Open", "Resolved"}

    qtbot.keyClicks(portal.search, "vpn")
    qtbot.waitUntil(lambda: portal.model.rowCount() == 1)
    assert portal.model.index(0, Column.TITLE).data() == "VPN drops every hour"
    portal.table.selectRow(0)
    qtbot.waitUntil(lambda: portal.detail.detail is not None)
    assert portal.detail.header.title.text() == "VPN drops every hour"

    portal.search.setText("nothing like this")
    qtbot.waitUntil(lambda: portal.model.rowCount() == 0)
    assert portal.list_stack.currentWidget() is portal.empty
    assert "No ticket matches" in portal.empty.text()


def test_an_open_ticket_beyond_the_first_pages_stays_open_when_the_search_is_cleared(
    qtbot: QtBot, desktop_env: Path, tmp_path: Path, world: World
) -> None:
    """The model reads pages by position: a ticket far down a long list is found in the
    background and selected, not closed because its row was not read yet."""
    store = world_store(tmp_path / "cache", world)
    bucket = requester_bucket(world)
    rows = [
        world.ticket(
            2000 + n,
            title=f"Ticket {n:03}",
            created_at=f"2026-11-01T10:{n // 60:02}:{n % 60:02}.000000+00:00",
            updated_at=f"2026-11-01T10:{n // 60:02}:{n % 60:02}.000000+00:00",
        )
        for n in range(250)
    ]
    pull(store, *(put(bucket, "ticket", row) for row in rows))
    far = str(rows[0]["id"])
    context = offline_context(store, world.requester, "Uma", Role.USER)
    try:
        portal = UserPortal(context)
        qtbot.addWidget(portal)
        qtbot.waitUntil(lambda: portal.model.rowCount() == 250)
        portal.search.setText("Ticket 000")
        qtbot.waitUntil(lambda: portal.model.rowCount() == 1)
        portal.table.selectRow(0)
        qtbot.waitUntil(lambda: portal.detail.ticket_id == far)

        portal.search.setText("")
        qtbot.waitUntil(lambda: portal.model.rowCount() == 250)
        qtbot.waitUntil(lambda: portal.model.row_of(far) is not None)
        row = portal.model.row_of(far)
        assert row is not None and row >= 200  # the oldest, at the end of the newest-first list
        qtbot.waitUntil(lambda: [i.row() for i in portal.table.selectionModel().selectedRows()] == [row])
        assert portal.detail.ticket_id == far
    finally:
        context.sync.detach()
        context.session.engine.close()
        store.close()


def test_form_validates_inline_and_keeps_what_was_typed(qtbot: QtBot, context: AppContext) -> None:
    form = TicketForm(context)
    qtbot.addWidget(form)
    form.description.edit.setPlainText("Details that must not be lost")

    form.submit_button.click()

    assert form.title_error.isVisibleTo(form) and "required" in form.title_error.text()
    assert form.category_error.isVisibleTo(form)
    assert not form.description_error.isVisibleTo(form)
    assert form.description.edit.toPlainText() == "Details that must not be lost"
    qtbot.keyClicks(form.title, "A")
    assert not form.title_error.isVisibleTo(form)  # the hint goes as soon as it is fixed


def test_submitted_ticket_is_pending_and_the_form_emptied(
    qtbot: QtBot, context: AppContext, desktop_env: Path
) -> None:
    form = TicketForm(context)
    qtbot.addWidget(form)
    fill_form(form, qtbot, "Keyboard missing keys", "The Q key is gone.", "Network")
    form.priority.setCurrentIndex(form.priority.findData("High"))
    form.show()
    with qtbot.waitActive(form):
        form.activateWindow()

    with qtbot.waitSignal(form.ticket_created, timeout=5000) as created:
        qtbot.keyClick(form.title, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    portal = UserPortal(context)
    qtbot.addWidget(portal)
    qtbot.waitUntil(lambda: portal.model.row_of(created.args[0]) is not None)
    row = portal.model.cached_ticket(created.args[0])  # read with the ids: the first page
    assert row is not None and row.is_draft and row.pending and row.priority == "High"
    assert form.title.text() == "" and form.description.is_empty()
    assert not DraftStore(context.server_url, context.user.id).draft_path.exists()


def test_draft_is_autosaved_and_restored(qtbot: QtBot, context: AppContext, world: World) -> None:
    form = TicketForm(context)
    qtbot.addWidget(form)
    qtbot.waitUntil(lambda: form.category.count() > 1)
    form.title.setText("Half-written")
    form.description.edit.setHtml("<p>Some <b>bold</b> words</p>")
    form.category.setCurrentIndex(form.category.findText("Network"))
    form._on_category_activated(form.category.currentIndex())
    form._autosave.setInterval(20)  # the timer, not a direct save: as after a crash
    drafts = DraftStore(context.server_url, context.user.id)
    qtbot.waitUntil(drafts.draft_path.exists)
    saved = json.loads(drafts.draft_path.read_text())
    assert saved["title"] == "Half-written" and "<b>bold</b>" in saved["description_html"]

    again = TicketForm(context)
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.category.count() > 1)
    assert again.title.text() == "Half-written"
    assert "<b>bold</b>" in again.description.html()
    assert again.category.currentData() == world.other_category["id"]
    assert "restored" in again.draft_state.text()


def test_pasted_screenshot_is_queued_with_the_ticket(qtbot: QtBot, context: AppContext) -> None:
    form = TicketForm(context)
    qtbot.addWidget(form)
    fill_form(form, qtbot, "Error dialog", "See the screenshot:", "Hardware")
    form.description.edit.moveCursor(QTextCursor.MoveOperation.End)
    image = QImage(40, 20, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.red)
    pasted = QMimeData()
    pasted.setImageData(image)

    form.description.edit.insertFromMimeData(pasted)

    qtbot.waitUntil(lambda: form.files.count() == 1)
    assert "pasted screenshot" in form.files.item(0).text()
    queued = form.draft().files[0]
    assert f'src="attachment:{queued.id}"' in form.description.html()
    with qtbot.waitSignal(form.ticket_created) as created:
        form.submit_button.click()
    attached = attachment_queries.for_ticket(context.store, created.args[0])
    assert [(a.id, a.file_name, a.pending) for a in attached] == [(queued.id, "Screenshot 1.png", True)]
    assert LocalBlobs(context.store.path).has(attached[0].sha256)  # kept to upload, even offline
    assert not Path(queued.path).exists()  # the draft's copy is gone with the draft


def test_rich_text_toolbar_writes_clean_html(qtbot: QtBot, context: AppContext) -> None:
    form = TicketForm(context)
    qtbot.addWidget(form)
    editor = form.description
    edit = editor.edit
    edit.setFocus()
    editor.bold_action.trigger()
    qtbot.keyClicks(edit, "Bold")
    editor.bold_action.trigger()
    qtbot.keyClicks(edit, " plain ")
    editor.code_action.trigger()
    qtbot.keyClicks(edit, "x = 1")
    editor.code_action.trigger()
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    editor.numbers_action.trigger()
    qtbot.keyClicks(edit, "first")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.keyClicks(edit, "second")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.keyClick(edit, Qt.Key.Key_Return)  # an empty item ends the list
    editor.insert_link("https://example.org", "the docs")

    html = editor.html()
    assert html.startswith("<p><b>Bold</b> plain <code>x = 1</code></p>")
    assert "<ol><li>first</li><li>second</li></ol>" in html
    assert '<a href="https://example.org">the docs</a>' in html
    assert "style=" not in html


def test_sync_problems_are_counted_listed_and_dismissed(
    qtbot: QtBot, context: AppContext, world: World
) -> None:
    portal = UserPortal(context)
    qtbot.addWidget(portal)
    qtbot.waitUntil(lambda: portal.model.rowCount() == 3)
    ticket_id = portal.model.ticket_id(0)
    assert ticket_id is not None
    commands.add_comment(context.store, ticket_id, "<p>My words, kept</p>")
    with context.store.write() as conn:
        mutation_id = outbox.to_push(conn, 10)[0].id
        result = MutationResult(id=mutation_id, status="rejected", code="read_only", message="It was closed.")
        outbox.record_result(conn, result, dt.datetime.now(dt.UTC))
    context.store.announce(ChangeSet(tickets=frozenset({ticket_id}), outbox=True))
    context.session.engine.notify_local_change()  # the engine recounts, as after a sync

    button = portal.sync_status.problems
    qtbot.waitUntil(lambda: button.isVisibleTo(portal) and button.text() == "1 sync problem")
    button.click()
    dialog = portal.findChild(ProblemsDialog)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.list.count() == 1)
    assert "It was closed." in dialog.list.item(0).text()
    assert "My words, kept" in dialog.details.toPlainText()
    assert not dialog.reapply_button.isEnabled()  # only conflicts can be applied again

    dialog.dismiss_button.click()
    qtbot.waitUntil(lambda: dialog.list.count() == 0)
    context.session.engine.notify_local_change()
    qtbot.waitUntil(lambda: not button.isVisibleTo(portal))


def test_portal_and_form_controls_have_accessible_names(qtbot: QtBot, context: AppContext) -> None:
    portal = UserPortal(context)
    qtbot.addWidget(portal)
    qtbot.waitUntil(lambda: portal.model.rowCount() == 3)
    portal.table.selectRow(0)
    qtbot.waitUntil(lambda: portal.detail.detail is not None)
    form = portal.open_ticket_form()
    for root in (portal, form):
        for control in all_controls(root):
            assert control.accessibleName(), control
