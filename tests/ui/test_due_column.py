"""The queue's Due column and the ticket header's targets, from a staff cache with a policy:
the nearest target counting down, red when missed and amber in warning, sorted by due time
(tickets without a target last), the "Breaching soon" filter, and the header's line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from desktop.local.saved_filters import BUILTIN_FILTERS
from desktop.models import queue_model
from desktop.models.formatting import local_time
from desktop.models.queue_model import QueueColumn, QueueModel
from desktop.models.ticket_table import TicketRole
from desktop.palette import scheme_for
from desktop.store import Store, queries
from desktop.tasks import TaskRunner
from desktop.ui.ticket.header import TicketHeader
from tests.helpers.store import T0, World, calendar_row, open_store, policy_row, pull, put
from ticketing import visibility
from ticketing.domain import Role
from ticketing.schemas import TicketQuery

NOW = T0 + dt.timedelta(days=1)


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Store, dict[str, str]]]:
    """Four tickets under a 4-hour first-response target: missed, in warning, on track, resolved."""
    monkeypatch.setattr(queue_model, "utc_now", lambda: NOW)
    world = World()
    cache = open_store(tmp_path / "alice", world.agent, Role.AGENT)
    cache.clock = lambda: NOW
    calendar = calendar_row()
    policy = policy_row(
        calendar, first_response_minutes=240, next_response_minutes=None, resolution_minutes=None
    )
    created = {"missed": 250, "warning": 200, "on_track": 10, "resolved": 300}
    tickets = {
        name: world.ticket(
            1001 + n,
            title=name,
            created_at=(NOW - dt.timedelta(minutes=minutes)).isoformat(),
            status="Resolved" if name == "resolved" else "Open",
        )
        for n, (name, minutes) in enumerate(created.items())
    }
    pull(
        cache,
        *world.reference(for_staff=True),
        put(visibility.STAFF, "sla_calendar", calendar),
        put(visibility.STAFF, "sla_policy", policy),
        *(put(visibility.QUEUE, "ticket", t) for t in tickets.values()),
    )
    yield cache, {name: t["id"] for name, t in tickets.items()}
    cache.close()


def loaded(qtbot: QtBot, store: Store, query: TicketQuery) -> QueueModel:
    model = QueueModel(store, TaskRunner(immediate=True))
    with qtbot.waitSignal(model.ids_loaded):
        model.set_query(query)
    rows = range(model.rowCount())
    for row in rows:
        model.data(model.index(row, QueueColumn.TITLE))
    qtbot.waitUntil(lambda: all(model.data(model.index(r, 0), TicketRole.LOADED) for r in rows))
    return model


def column(model: QueueModel, role: Qt.ItemDataRole = Qt.ItemDataRole.DisplayRole) -> dict[str, Any]:
    return {
        model.data(model.index(row, QueueColumn.TITLE)): model.data(model.index(row, QueueColumn.DUE), role)
        for row in range(model.rowCount())
    }


def test_the_due_column_counts_down_and_colours_what_is_missed_or_near(
    qtbot: QtBot, store: tuple[Store, dict[str, str]]
) -> None:
    cache, _ = store
    model = loaded(qtbot, cache, TicketQuery(sort="due"))
    assert column(model) == {
        "missed": "10 min overdue",
        "warning": "in 40 min",
        "on_track": "in 3 h 50 min",
        "resolved": "",
    }
    # sorted by due time, the ticket without a target last
    titles = [model.data(model.index(row, QueueColumn.TITLE)) for row in range(model.rowCount())]
    assert titles == ["missed", "warning", "on_track", "resolved"]
    scheme = scheme_for(QGuiApplication.palette())
    colours = {
        title: brush.color().name() if brush is not None else None
        for title, brush in column(model, Qt.ItemDataRole.ForegroundRole).items()
    }
    assert colours == {"missed": scheme.danger, "warning": scheme.warning, "on_track": None, "resolved": None}
    assert "First response target" in column(model, Qt.ItemDataRole.ToolTipRole)["warning"]


def test_breaching_soon_is_a_built_in_filter(qtbot: QtBot, store: tuple[Store, dict[str, str]]) -> None:
    cache, _ = store
    (breaching,) = [f for f in BUILTIN_FILTERS if f.name == "Breaching soon"]
    model = loaded(qtbot, cache, breaching.query)
    assert sorted(column(model)) == ["missed", "warning"]


def test_the_header_shows_each_target_with_its_state(
    qtbot: QtBot, store: tuple[Store, dict[str, str]]
) -> None:
    cache, ids = store
    header = TicketHeader()
    qtbot.addWidget(header)
    header.show_service_level(queries.service_level(cache, ids["missed"], NOW))
    assert not header.service_level.isHidden()
    assert header.service_level.accessibleName() == "Service level: First response: missed by 10 min " + (
        f"(due {local_time(NOW - dt.timedelta(minutes=10))})"
    )
    header.show_service_level(queries.service_level(cache, ids["warning"], NOW))
    assert header.service_level.accessibleName().endswith("(in 40 min)")
    header.show_service_level(None)  # no policy applies (or an end user's window)
    assert header.service_level.isHidden()
