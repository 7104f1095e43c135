"""Searching with the real search boxes: the agents' queue and the requester's "My tickets"
show a search's results best match first with each row's snippet in the Match column, until a
column is clicked; the Match header brings relevance back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QHeaderView, QTableView
from pytestqt.qtbot import QtBot

from desktop.models.my_tickets_model import Column
from desktop.models.queue_model import QueueColumn
from desktop.models.ticket_table import TicketRole, TicketTableModel
from desktop.store import queries, search
from desktop.ui.portal.user_portal import UserPortal
from desktop.ui.queue.agent_console import AgentConsole
from desktop.ui.shell.context import AppContext
from tests.helpers.store import World, comment_row, pull, put
from tests.helpers.ui import offline_context, requester_bucket, world_store
from ticketing import visibility
from ticketing.domain import Role

pytestmark = pytest.mark.usefixtures("collect_garbage_on_the_ui_thread")


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def agent_context(desktop_env: Path, tmp_path: Path, world: World) -> Iterator[AppContext]:
    store = world_store(tmp_path / "cache", world, as_staff=True)
    in_comment = world.ticket(1001, title="Screen flickers", updated_at="2026-11-27T12:00:00+00:00")
    pull(
        store,
        put(visibility.QUEUE, "ticket", in_comment),
        put(visibility.QUEUE, "ticket", world.ticket(1002, title="Kerberos ticket expired")),
        put(
            visibility.QUEUE,
            "ticket",
            world.ticket(
                1003, title="Login slow", description="<p>The &lt;b&gt;kerberos&lt;/b&gt; realm</p>"
            ),
        ),
        put(visibility.QUEUE, "ticket", world.ticket(1004, title="Printer jams")),
        put(visibility.QUEUE, "comment", comment_row(in_comment, world.agent, "<p>Not kerberos at all.</p>")),
    )
    context = offline_context(store, world.agent, "Alice", Role.AGENT)
    yield context
    context.tasks.wait()
    context.sync.detach()
    context.session.engine.close()
    store.close()


def loaded_texts(qtbot: QtBot, model: TicketTableModel, column: int) -> list[str]:
    qtbot.waitUntil(lambda: not model.loading)
    for row in range(model.rowCount()):
        model.data(model.index(row, column))
    qtbot.waitUntil(
        lambda: all(model.data(model.index(r, 0), TicketRole.LOADED) for r in range(model.rowCount()))
    )
    return [str(model.index(row, column).data()) for row in range(model.rowCount())]


def shown_ids(qtbot: QtBot, model: TicketTableModel) -> list[str]:
    """Every row's id, its page read as a view painting it would."""
    loaded_texts(qtbot, model, 0)
    return [str(model.ticket_id(row)) for row in range(model.rowCount())]


def shows(qtbot: QtBot, model: TicketTableModel, column: int, expected: list[str]) -> None:
    """Wait until ``column`` shows ``expected`` (rows read for an older search are read again)."""

    def showing() -> list[str]:
        return [str(model.index(row, column).data()) for row in range(model.rowCount())]  # asks for them

    qtbot.waitUntil(lambda: showing() == expected)


def click_header(qtbot: QtBot, view: QTableView, column: int) -> None:
    header: QHeaderView = view.horizontalHeader()
    middle = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(middle, header.height() // 2))


def test_the_queue_ranks_a_search_and_shows_each_match(qtbot: QtBot, agent_context: AppContext) -> None:
    console = AgentConsole(agent_context)
    qtbot.addWidget(console)
    console.show()
    qtbot.waitExposed(console)
    model, view = console.model, console.queue
    qtbot.waitUntil(lambda: model.rowCount() == 4)
    assert view.isColumnHidden(QueueColumn.MATCH)  # no search: no match column

    qtbot.keyClicks(console.filters.search, "kerbero")  # typing: the last word is a prefix
    qtbot.waitUntil(lambda: model.query.q == "kerbero" and not model.loading and model.rowCount() == 3)
    assert loaded_texts(qtbot, model, QueueColumn.NUMBER) == ["TKT-1002", "TKT-1003", "TKT-1001"]
    assert model.ranked and not view.isColumnHidden(QueueColumn.MATCH)
    assert view.horizontalHeader().sortIndicatorSection() == QueueColumn.MATCH
    shows(
        qtbot,
        model,
        QueueColumn.MATCH,
        ["Kerberos ticket expired", "The <b>kerberos</b> realm", "Not kerberos at all."],
    )
    ticket = model.data(model.index(1, 0), TicketRole.TICKET)
    assert search.snippet_html(ticket.match) == "The &lt;b&gt;<b>kerberos</b>&lt;/b&gt; realm"
    view.grab()  # the match delegate paints every visible snippet

    click_header(qtbot, view, QueueColumn.NUMBER)  # a column's order instead of relevance
    qtbot.waitUntil(
        lambda: not model.ranked and model.query.sort.lstrip("-") == "number" and not model.loading
    )
    store = agent_context.store
    assert shown_ids(qtbot, model) == queries.ticket_ids(store, model.query)
    shows(qtbot, model, QueueColumn.NUMBER, ["TKT-1001", "TKT-1002", "TKT-1003"])
    shows(
        qtbot,
        model,
        QueueColumn.MATCH,
        ["Not kerberos at all.", "Kerberos ticket expired", "The <b>kerberos</b> realm"],
    )
    assert view.horizontalHeader().sortIndicatorSection() == QueueColumn.NUMBER

    click_header(qtbot, view, QueueColumn.MATCH)  # relevance again
    qtbot.waitUntil(lambda: model.ranked and not model.loading)
    assert shown_ids(qtbot, model) == queries.ticket_ids(store, model.query, ranked=True)

    console.filters.search.clear()
    qtbot.waitUntil(lambda: model.query.q is None and not model.loading and model.rowCount() == 4)
    assert view.isColumnHidden(QueueColumn.MATCH)
    assert view.horizontalHeader().sortIndicatorSection() == QueueColumn.NUMBER


def test_a_ticket_number_typed_in_the_queue_finds_it(qtbot: QtBot, agent_context: AppContext) -> None:
    console = AgentConsole(agent_context)
    qtbot.addWidget(console)
    qtbot.waitUntil(lambda: console.model.rowCount() == 4)
    qtbot.keyClicks(console.filters.search, "#1004")
    qtbot.waitUntil(lambda: console.model.query.q == "#1004" and console.model.rowCount() == 1)
    assert loaded_texts(qtbot, console.model, QueueColumn.TITLE) == ["Printer jams"]


@pytest.fixture
def requester_context(desktop_env: Path, tmp_path: Path, world: World) -> Iterator[AppContext]:
    store = world_store(tmp_path / "cache", world)
    bucket = requester_bucket(world)
    pull(
        store,
        put(
            bucket, "ticket", world.ticket(1001, title="Printer jams", description="<p>The toner is low</p>")
        ),
        put(bucket, "ticket", world.ticket(1002, title="Toner order")),
        put(bucket, "ticket", world.ticket(1003, title="VPN drops")),
    )
    context = offline_context(store, world.requester, "Uma", Role.USER)
    yield context
    context.tasks.wait()
    context.sync.detach()
    context.session.engine.close()
    store.close()


def test_my_tickets_search_shows_matches(qtbot: QtBot, requester_context: AppContext) -> None:
    portal = UserPortal(requester_context)
    qtbot.addWidget(portal)
    model = portal.model
    qtbot.waitUntil(lambda: model.rowCount() == 3)
    assert portal.table.isColumnHidden(Column.MATCH)
    qtbot.keyClicks(portal.search, "toner")
    qtbot.waitUntil(lambda: model.query.q == "toner" and not model.loading and model.rowCount() == 2)
    assert loaded_texts(qtbot, model, Column.TITLE) == ["Toner order", "Printer jams"]  # title first
    shows(qtbot, model, Column.MATCH, ["Toner order", "The toner is low"])
    assert not portal.table.isColumnHidden(Column.MATCH)
    portal.table.grab()
