"""The agent console with real widgets: against a live server with the demo data (log in, first
sync, filter the queue, assign to oneself, write an internal note), and offline on a filled
cache (bulk actions and their refusals, shortcuts, saved filters, accessibility, tab order)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select

from desktop.local.saved_filters import SavedFilterBook
from desktop.models import ticket_table
from desktop.models.queue_model import QueueColumn
from desktop.models.ticket_table import PLACEHOLDER, TicketRole
from desktop.net.api import ApiClient
from desktop.store import commands, outbox, queries, schema
from desktop.ui.queue.agent_console import AgentConsole, account_key
from desktop.ui.queue.bulk_actions import BulkChange, BulkKind, apply_bulk, common_transitions
from sync_server.child_server import LiveServer
from sync_server.db.session import make_session_factory
from sync_server.demo.seed import seed_demo
from tests.helpers.store import pull, put
from tests.helpers.ui import (
    all_controls,
    assert_label_in_name,
    log_in_app,
    offline_agent_console,
    pick_from_list,
    shut_app,
)
from ticketing import visibility, workflow
from ticketing.domain import Role, Status
from ticketing.protocol import ENTITY_FIELDS
from ticketing.schemas import TicketQuery

AGENT = ("agent@example.com", "agent-pass-1")


def seed(engine: Engine) -> None:
    with make_session_factory(engine)() as session, session.begin():
        assert seed_demo(session)


def server_numbers(api: ApiClient, query: str) -> set[str]:
    page = api.request("GET", f"/api/tickets?limit=500&{query}")
    return {item["number"] for item in page["items"]}


def queue_numbers(qtbot: QtBot, console: AgentConsole) -> set[str]:
    """The numbers the queue shows, once every row has arrived."""
    model = console.model
    qtbot.waitUntil(lambda: not model.loading)
    for row in range(model.rowCount()):
        model.data(model.index(row, QueueColumn.NUMBER))
    qtbot.waitUntil(
        lambda: all(model.data(model.index(r, 0), TicketRole.LOADED) for r in range(model.rowCount()))
    )
    return {model.data(model.index(r, QueueColumn.NUMBER)) for r in range(model.rowCount())}


def queue_ids(qtbot: QtBot, console: AgentConsole) -> list[str]:
    """The ids the queue shows in row order, once every row has arrived."""
    model = console.model
    qtbot.waitUntil(lambda: not model.loading)
    for row in range(model.rowCount()):
        model.data(model.index(row, QueueColumn.NUMBER))
    qtbot.waitUntil(lambda: all(model.ticket_id(r) is not None for r in range(model.rowCount())))
    return [str(model.ticket_id(r)) for r in range(model.rowCount())]


def wait_for_query(qtbot: QtBot, console: AgentConsole, check: Any) -> None:
    qtbot.waitUntil(lambda: check(console.model.query) and not console.model.loading, timeout=10_000)


# --- against a live server ----------------------------------------------------------------------


def test_agent_filters_the_queue_assigns_a_ticket_and_writes_an_internal_note(
    qtbot: QtBot, live_server: LiveServer, engine: Engine, desktop_env: Path
) -> None:
    seed(engine)
    app, console = log_in_app(qtbot, live_server.url, *AGENT)
    assert isinstance(console, AgentConsole)
    api = console.context.api
    me = console.context.user.id
    try:
        everything = server_numbers(api, "")
        qtbot.waitUntil(lambda: console.model.rowCount() == len(everything), timeout=10_000)
        assert queue_numbers(qtbot, console) == everything
        open_count = len(server_numbers(api, "status=Open"))
        qtbot.waitUntil(lambda: console.metrics.values()["Open"] == open_count)

        # status: tick "Open" in the Status menu
        console.filters.status.menu().actions()[0].trigger()
        wait_for_query(qtbot, console, lambda q: q.status == [Status.OPEN])
        assert queue_numbers(qtbot, console) == server_numbers(api, "status=Open")

        # assignee: "Me", on top of the status
        filters = console.filters
        filters.status.menu().actions()[0].trigger()  # untick Open again
        filters.assignee.setCurrentIndex(filters.assignee.findData("me"))
        filters.assignee.activated.emit(filters.assignee.currentIndex())
        wait_for_query(qtbot, console, lambda q: q.assignee == "me" and not q.status)
        mine = server_numbers(api, f"assignee={me}")
        assert mine and queue_numbers(qtbot, console) == mine

        # free text, typed
        filters.clear()
        qtbot.keyClicks(filters.search, "printer")
        wait_for_query(qtbot, console, lambda q: q.q == "printer")
        printers = server_numbers(api, "q=printer")
        assert printers and queue_numbers(qtbot, console) == printers

        # "Unassigned" with Ctrl+2, then take the first ticket
        console.show()
        with qtbot.waitActive(console):
            console.activateWindow()
        qtbot.keyClick(console.queue, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
        wait_for_query(qtbot, console, lambda q: q.assignee == "none")
        assert filters.saved.currentText() == "Unassigned"
        unassigned = server_numbers(api, "assignee=none&status=Open&status=In Progress&status=On Hold")
        assert queue_numbers(qtbot, console) == unassigned
        ticket_id = console.model.ticket_id(0)
        assert ticket_id is not None
        console.queue.selectRow(0)
        qtbot.waitUntil(lambda: console.bulk.selected == [ticket_id])
        qtbot.waitUntil(lambda: console.detail.detail is not None and console.detail.ticket_id == ticket_id)
        console.bulk.assign_me_button.click()
        qtbot.waitUntil(lambda: console.last_outcome is not None, timeout=10_000)
        assert console.last_outcome is not None and console.last_outcome.changed == 1
        qtbot.waitUntil(lambda: console.model.row_of(ticket_id) is None, timeout=10_000)  # left "Unassigned"
        assert console.detail.ticket_id == ticket_id  # ...but stays open in the detail
        assert console.queue.current_ticket_id() is None
        qtbot.waitUntil(
            lambda: api.request("GET", f"/api/tickets/{ticket_id}")["assignee_id"] == me, timeout=20_000
        )
        assert api.request("GET", f"/api/tickets/{ticket_id}")["status"] == Status.IN_PROGRESS.value

        # the detail keeps showing it: write an internal note
        reply = console.detail.reply
        reply.internal.setChecked(True)
        reply.editor.edit.setPlainText("Checked the logs: the disk is failing.")
        reply.send_button.click()
        qtbot.waitUntil(lambda: "disk is failing" in console.detail.timeline.toPlainText(), timeout=10_000)

        def note_on_server() -> bool:
            comments = api.request("GET", f"/api/tickets/{ticket_id}/comments")
            return any(c["is_internal"] and "disk is failing" in c["content"] for c in comments)

        qtbot.waitUntil(note_on_server, timeout=20_000)

        # a priority picked from the ticket's list, then Ctrl+Z once the server has it: the
        # change has left, so Undo sends the reverse and the server ends where it began
        def server_priority() -> str:
            return str(api.request("GET", f"/api/tickets/{ticket_id}")["priority"])

        before = server_priority()
        priority = console.detail.controls.priority
        target = next(
            str(priority.itemData(i)) for i in range(priority.count()) if priority.itemData(i) != before
        )
        pick_from_list(qtbot, priority, priority.findData(target))
        qtbot.waitUntil(lambda: server_priority() == target, timeout=20_000)
        offer = console.sync_status.undo_offer
        timeline = console.detail.timeline  # (focusing the queue would open its first ticket)
        timeline.setFocus()
        qtbot.keyClick(timeline, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: "Undone" in console.detail.message.text(), timeout=10_000)
        assert "set back" in console.detail.message.text()
        qtbot.waitUntil(lambda: server_priority() == before, timeout=20_000)
        row = queries.ticket(console.context.store, ticket_id)
        assert row is not None and row.priority == before
        assert "set back" in console.detail.message.text()
        assert not offer.offered  # Ctrl+Z took it: the status bar no longer offers it
    finally:
        shut_app(console)
        del app


# --- offline, on a filled cache -------------------------------------------------------------------


@pytest.fixture
def console(qtbot: QtBot, desktop_env: Path, tmp_path: Path) -> Iterator[AgentConsole]:
    with offline_agent_console(qtbot, tmp_path / "cache", 200, seed=5) as window:
        yield window


def select_rows(qtbot: QtBot, console: AgentConsole, ticket_ids: list[str]) -> None:
    console.queue.select_ids(ticket_ids, ticket_ids[0])
    qtbot.waitUntil(lambda: sorted(console.bulk.selected) == sorted(ticket_ids))


def tickets_with(console: AgentConsole, status: Status) -> list[queries.TicketRow]:
    return queries.list_tickets(console.context.store, TicketQuery(status=[status], limit=500))


def test_status_menu_offers_only_moves_allowed_for_every_selected_ticket(
    qtbot: QtBot, console: AgentConsole
) -> None:
    open_one, closed_one = tickets_with(console, Status.OPEN)[0], tickets_with(console, Status.CLOSED)[0]
    in_progress = tickets_with(console, Status.IN_PROGRESS)[0]

    select_rows(qtbot, console, [open_one.id, in_progress.id])
    qtbot.waitUntil(lambda: bool(console.bulk.transitions))
    assert console.bulk.transitions == [Status.ON_HOLD, Status.RESOLVED, Status.CLOSED]
    menu = [a.text() for a in console.bulk.status_button.menu().actions()]
    assert menu == ["On Hold", "Resolved", "Closed"]

    select_rows(qtbot, console, [open_one.id, closed_one.id])  # Closed only reopens
    qtbot.waitUntil(lambda: "No status change" in console.bulk.status_button.menu().actions()[0].text())
    assert console.bulk.transitions == []


def test_bulk_change_reports_each_refused_ticket_and_changes_the_others(
    qtbot: QtBot, console: AgentConsole, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[QMessageBox] = []
    monkeypatch.setattr(QMessageBox, "open", lambda box: opened.append(box))  # noqa: PLW0108
    closed = tickets_with(console, Status.CLOSED)[:2]
    already_open = tickets_with(console, Status.OPEN)[0]
    select_rows(qtbot, console, [c.id for c in closed] + [already_open.id])

    console.bulk.change_status(Status.OPEN)  # what the workflow refuses for one of them
    qtbot.waitUntil(lambda: console.last_outcome is not None, timeout=10_000)
    outcome = console.last_outcome
    assert outcome is not None
    assert outcome.changed == 2
    assert [r.number for r in outcome.refusals] == [already_open.display_number]
    assert "already Open" in outcome.refusals[0].message
    assert outcome.summary() == "Set status to Open: 2 changed, 1 refused."
    assert opened and already_open.display_number in opened[0].detailedText()
    for ticket in closed:
        row = queries.ticket(console.context.store, ticket.id)
        assert row is not None and row.status == Status.OPEN and row.pending


def test_bulk_assign_and_priority_go_through_the_commands(qtbot: QtBot, console: AgentConsole) -> None:
    store = console.context.store
    targets = [t.id for t in tickets_with(console, Status.OPEN)[:3]]
    select_rows(qtbot, console, targets)
    other = next(s for s in console.reference.current.staff if s.id != console.context.user.id)
    assign_to = next(a for a in console.bulk.assign_button.menu().actions() if a.text() == other.name)
    assign_to.trigger()
    qtbot.waitUntil(lambda: console.last_outcome is not None, timeout=10_000)
    assert all((t := queries.ticket(store, i)) and t.assignee_id == other.id for i in targets)

    console.last_outcome = None
    critical = next(a for a in console.bulk.priority_button.menu().actions() if a.text() == "Critical")
    critical.trigger()
    qtbot.waitUntil(lambda: console.last_outcome is not None, timeout=10_000)
    assert all((t := queries.ticket(store, i)) and t.priority == "Critical" for i in targets)


def test_apply_bulk_and_common_transitions_follow_the_shared_rules(console: AgentConsole) -> None:
    store, me = console.context.store, console.context.user.id
    actor = workflow.Actor(id=uuid.UUID(me), role=Role.AGENT)
    rows = queries.list_tickets(store, TicketQuery(limit=500))
    resolved = [r for r in rows if r.status == Status.RESOLVED][:2]
    assert common_transitions(actor, resolved) == [Status.OPEN, Status.IN_PROGRESS, Status.CLOSED]
    assert common_transitions(actor, []) == []
    outcome = apply_bulk(store, [r.id for r in resolved], BulkChange(BulkKind.ASSIGNEE, me, "Assign to me"))
    assert (outcome.changed + outcome.unchanged, outcome.refusals) == (2, [])
    again = apply_bulk(store, [r.id for r in resolved], BulkChange(BulkKind.ASSIGNEE, me, "Assign to me"))
    assert (again.changed, again.unchanged) == (0, 2)


def test_keyboard_shortcuts(qtbot: QtBot, console: AgentConsole, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[bool] = []
    monkeypatch.setattr(console.context.sync, "request_sync", lambda: synced.append(True))
    console.show()
    with qtbot.waitActive(console):
        console.activateWindow()
    console.queue.setFocus()

    qtbot.keyClick(console.queue, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert console.focusWidget() is console.filters.search
    qtbot.keyClick(console.filters.search, Qt.Key.Key_F5)
    assert synced == [True]
    for key, name, check in (
        (Qt.Key.Key_1, "My open", lambda q: q.assignee == "me"),
        (Qt.Key.Key_2, "Unassigned", lambda q: q.assignee == "none"),
        (Qt.Key.Key_3, "Critical", lambda q: q.priority == ["Critical"]),
    ):
        qtbot.keyClick(console.queue, key, Qt.KeyboardModifier.ControlModifier)
        assert console.filters.saved.currentText() == name
        wait_for_query(qtbot, console, check)
        assert queue_ids(qtbot, console) == queries.ticket_ids(console.context.store, console.model.query)


def test_saved_filters_persist_in_the_config_folder(
    qtbot: QtBot, console: AgentConsole, desktop_env: Path, tmp_path: Path
) -> None:
    console.filters.priority.set_values(["High"])
    console.filters.search.setText("vpn")
    saved = console.filters.save_current("High VPN")
    assert saved.query.priority == ["High"] and saved.query.q == "vpn"
    path = tmp_path / "config" / "ticketdesk" / "saved_filters.json"
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored["accounts"][account_key(console.context)] == [
        {"name": "High VPN", "query": {"priority": ["High"], "q": "vpn"}}
    ]
    book = SavedFilterBook(account_key(console.context))
    assert [f.name for f in book.all()] == ["My open", "Unassigned", "Critical", "Breaching soon", "High VPN"]
    with pytest.raises(ValueError, match="built-in"):
        console.filters.save_current("critical")

    console.filters.clear()
    position = console.filters.saved.findText("High VPN")
    assert console.filters.apply_saved(position)
    wait_for_query(qtbot, console, lambda q: q.q == "vpn" and q.priority == ["High"])
    assert console.filters.delete_button.isEnabled()
    console.filters.delete_button.click()
    assert [f.name for f in book.all()] == ["My open", "Unassigned", "Critical", "Breaching soon"]


def test_sorting_by_a_header_requeries_and_keeps_the_selected_ticket(
    qtbot: QtBot, console: AgentConsole
) -> None:
    kept = console.model.ticket_id(5)
    assert kept is not None
    console.queue.select_ids([kept], kept)
    console.show()
    qtbot.waitExposed(console)
    header = console.queue.horizontalHeader()
    middle = header.sectionViewportPosition(QueueColumn.NUMBER) + header.sectionSize(QueueColumn.NUMBER) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(middle, header.height() // 2))
    wait_for_query(qtbot, console, lambda q: q.sort.lstrip("-") == "number")
    assert queue_ids(qtbot, console) == queries.ticket_ids(console.context.store, console.model.query)
    qtbot.waitUntil(lambda: console.queue.selected_ids() == [kept])
    assert console.queue.current_ticket_id() == kept


def test_a_new_filter_keeps_the_selected_tickets_that_still_match(
    qtbot: QtBot, console: AgentConsole
) -> None:
    in_progress = [t.id for t in tickets_with(console, Status.IN_PROGRESS)[:2]]
    opened = tickets_with(console, Status.OPEN)[0].id
    select_rows(qtbot, console, [*in_progress, opened])
    console.queue.select_ids([*in_progress, opened], in_progress[0])
    qtbot.waitUntil(lambda: console.detail.ticket_id == in_progress[0])
    console.filters.status.set_values([Status.IN_PROGRESS.value])
    console.filters.query_changed.emit()
    wait_for_query(qtbot, console, lambda q: q.status == [Status.IN_PROGRESS])
    qtbot.waitUntil(lambda: sorted(console.queue.selected_ids()) == sorted(in_progress))
    assert console.queue.current_ticket_id() == in_progress[0]
    assert console.detail.ticket_id == in_progress[0]


def test_selection_is_kept_by_id_across_a_re_sort_of_every_column_both_ways(
    qtbot: QtBot, console: AgentConsole
) -> None:
    """The tickets change rows (and pages: 200 tickets are two pages) with each sort."""
    store = console.context.store
    ids = queries.ticket_ids(store, console.model.query)
    kept = [ids[3], ids[150], ids[199]]
    console.queue.select_ids(kept, ids[150])
    qtbot.waitUntil(lambda: sorted(console.queue.selected_ids()) == sorted(kept))
    for column in (QueueColumn.PRIORITY, QueueColumn.CATEGORY, QueueColumn.ASSIGNEE, QueueColumn.REQUESTER):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            console.queue.sortByColumn(column, order)
            wait_for_query(qtbot, console, lambda q, c=column: q.sort.lstrip("-") == c.sort_key)
            expected = queries.ticket_ids(store, console.model.query)
            qtbot.waitUntil(lambda: sorted(console.queue.selected_ids()) == sorted(kept))
            rows = sorted(index.row() for index in console.queue.selectionModel().selectedRows())
            assert rows == sorted(expected.index(t) for t in kept), (column, order)
            assert console.queue.current_ticket_id() == ids[150]
    assert console.detail.ticket_id == ids[150]


def test_selection_follows_a_ticket_an_update_moves_and_a_sync_change_updates_its_row(
    qtbot: QtBot, console: AgentConsole
) -> None:
    store = console.context.store
    console.queue.sortByColumn(QueueColumn.UPDATED, Qt.SortOrder.DescendingOrder)
    wait_for_query(qtbot, console, lambda q: q.sort == "-updated_at")
    ids = queries.ticket_ids(store, console.model.query)
    moving, other = ids[120], ids[5]
    console.queue.select_ids([moving, other], moving)
    qtbot.waitUntil(lambda: sorted(console.queue.selected_ids()) == sorted([moving, other]))

    current = queries.ticket(store, moving)
    assert current is not None
    commands.change_priority(store, moving, "Low" if current.priority != "Low" else "High")
    qtbot.waitUntil(lambda: console.model.ticket_id(0) == moving, timeout=10_000)  # newest change first
    qtbot.waitUntil(lambda: sorted(console.queue.selected_ids()) == sorted([moving, other]))
    assert sorted(i.row() for i in console.queue.selectionModel().selectedRows()) == [0, 6]
    assert console.queue.current_ticket_id() == moving

    with store.read() as conn:
        row = dict(conn.execute(select(schema.tickets).where(schema.tickets.c.id == other)).mappings().one())
    synced = {k: v for k, v in row.items() if k in ENTITY_FIELDS["ticket"]}
    synced.update(title="Renamed on the server", version=row["version"] + 1)
    pull(store, put(visibility.QUEUE, "ticket", synced))
    model = console.model
    qtbot.waitUntil(
        lambda: (
            model.row_of(other) is not None
            and model.data(model.index(model.row_of(other) or 0, QueueColumn.TITLE))
            == "Renamed on the server"
        ),
        timeout=10_000,
    )
    assert other in console.queue.selected_ids()


def test_scrolling_to_the_end_shows_the_last_tickets(qtbot: QtBot, console: AgentConsole) -> None:
    console.show()
    qtbot.waitExposed(console)
    expected = queries.ticket_ids(console.context.store, console.model.query)
    console.queue.scrollToBottom()
    model = console.model
    qtbot.waitUntil(lambda: model.data(model.index(199, 0), TicketRole.LOADED) is True)
    bottom = console.queue.rowAt(console.queue.viewport().height() - 2)
    assert bottom == 199
    assert model.ticket_id(199) == expected[-1]
    assert model.data(model.index(199, QueueColumn.NUMBER)) != PLACEHOLDER


def test_a_bulk_action_over_every_matching_ticket(qtbot: QtBot, console: AgentConsole) -> None:
    store = console.context.store
    console.filters.status.set_values([Status.IN_PROGRESS.value, Status.ON_HOLD.value])
    console.filters.query_changed.emit()
    wait_for_query(qtbot, console, lambda q: q.status == [Status.IN_PROGRESS, Status.ON_HOLD])
    matching = queries.ticket_ids(store, console.model.query)
    assert len(matching) > ticket_table.BATCH_SIZE // 2
    console.queue.selectAll()
    qtbot.waitUntil(lambda: console.bulk.selected_count == len(matching))
    assert console.queue.selection().everything
    assert console.bulk.count_label.text() == f"{len(matching)} selected"
    with qtbot.waitSignal(console.bulk.finished, timeout=30_000) as finished:
        console.bulk.assign_to_me()
    assert finished.args[0].changed + finished.args[0].unchanged == len(matching)
    rows = queries.tickets_by_id(store, matching)
    assert {row.assignee_id for row in rows.values()} == {console.context.user.id}


def test_metrics_filter_the_queue_when_clicked(qtbot: QtBot, console: AgentConsole) -> None:
    qtbot.waitUntil(lambda: console.metrics.values()["On hold"] is not None)
    expected = queries.metrics(console.context.store)
    assert console.metrics.values()["On hold"] == expected.on_hold
    button = console.metrics.buttons["On hold"]
    assert (button.accessibleName(), button.accessibleDescription()) == ("On hold", str(expected.on_hold))
    console.metrics.buttons["On hold"].click()
    wait_for_query(qtbot, console, lambda q: q.status == [Status.ON_HOLD])
    assert console.model.rowCount() == expected.on_hold
    assert console.filters.status.text() == "Status: On Hold"


def test_the_status_bar_offers_undo_of_a_change_made_in_the_open_ticket(
    qtbot: QtBot, console: AgentConsole
) -> None:
    store = console.context.store
    ticket = tickets_with(console, Status.OPEN)[0]
    console.show()
    with qtbot.waitActive(console):
        console.activateWindow()
    console.queue.select_ids([ticket.id], ticket.id)
    qtbot.waitUntil(lambda: console.detail.detail is not None and console.detail.ticket_id == ticket.id)
    status = console.detail.controls.status

    status.setFocus()
    qtbot.keyClick(status, Qt.Key.Key_Down)  # a closed list: browsing only
    qtbot.wait(200)
    with store.read() as conn:
        assert outbox.count(conn) == 0
    pick_from_list(qtbot, status, status.findData(Status.ON_HOLD.value))
    offer = console.sync_status.undo_offer
    qtbot.waitUntil(lambda: offer.isVisibleTo(console))
    assert offer.label.text() == "Status changed to On Hold."
    assert (t := queries.ticket(store, ticket.id)) is not None and t.status == Status.ON_HOLD

    offer.button.click()
    qtbot.waitUntil(lambda: (t := queries.ticket(store, ticket.id)) is not None and t.status == Status.OPEN)
    assert not offer.isVisibleTo(console)
    with store.read() as conn:
        assert outbox.count(conn) == 0  # it had not left: withdrawn, nothing to send


def test_every_control_is_named_like_its_label(qtbot: QtBot, console: AgentConsole) -> None:
    console.show()
    qtbot.waitExposed(console)
    controls = all_controls(console)
    assert len(controls) > 20
    unnamed = [type(w).__name__ for w in controls if not w.accessibleName()]
    assert unnamed == []
    for widget in controls:
        if isinstance(widget, QAbstractButton) and widget.text():
            assert_label_in_name(widget)
    status = console.filters.status
    assert (status.accessibleName(), status.accessibleDescription()) == ("Status filter", "Any")


def test_tab_order_follows_the_reading_order(qtbot: QtBot, console: AgentConsole) -> None:
    console.show()
    qtbot.waitExposed(console)
    filters, bulk = console.filters, console.bulk
    expected: list[QWidget] = [
        filters.search,
        filters.status,
        filters.priority,
        filters.category,
        filters.assignee,
        filters.created_from,
        filters.created_to,
        filters.breaching,
        filters.clear_button,
        bulk.assign_me_button,
        bulk.assign_button,
        bulk.status_button,
        bulk.priority_button,
        console.queue,
    ]
    chain = [filters.search]
    widget: QWidget = filters.search
    while len(chain) < len(expected):
        widget = widget.nextInFocusChain()
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isVisibleTo(console):
            if widget.focusProxy() is not None or widget.parentWidget() in chain:
                continue  # the inner line edit of a date field
            chain.append(widget)
    assert chain == expected


def test_a_search_that_matches_none_of_the_selected_tickets_leaves_nothing_selected(
    qtbot: QtBot, console: AgentConsole
) -> None:
    chosen = [t.id for t in tickets_with(console, Status.OPEN)[:3]]
    select_rows(qtbot, console, chosen)
    console.filters.search.setText("zzqx-matches-nothing")
    console.filters.query_changed.emit()
    wait_for_query(qtbot, console, lambda q: q.q == "zzqx-matches-nothing")
    qtbot.waitUntil(lambda: console.model.rowCount() == 0)
    qtbot.wait(200)
    assert console.queue.selected_ids() == []
    assert console.bulk.selected_count == 0
    assert console.bulk.count_label.text() == "No ticket selected"
