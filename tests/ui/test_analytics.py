"""The Analytics tab with real widgets: the figures drawn (bar values, periods on the axis,
tables sorted by number), the date presets on a fixed day, the filters sent, the busy state,
the offline snapshot with its "as of" time, and the PNG, CSV and PDF exports; the agent's own
figures. First against a cache with no server (nothing listens at its address), the figures
being the dashboard's input parsed from report bodies; then end to end against a live server
with the demo data: the tab in the admin console, the filters in the requests, the server's
CSV, offline after the server stops, and an agent's window asking only for the agents report."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QLineSeries, QStackedBarSeries
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QToolTip
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from desktop.net.api import ApiClient
from desktop.net.reports import BacklogReport, Interval, ReportFilters, ReportName, parse, report_path
from desktop.store import queries, report_snapshots
from desktop.ui.admin.console import AdminConsole
from desktop.ui.analytics.chart_panel import ChartPanel
from desktop.ui.analytics.dashboard import AnalyticsDashboard
from desktop.ui.analytics.filter_bar import AnalyticsFilterBar
from desktop.ui.analytics.loader import snapshot_key
from desktop.ui.analytics.my_figures import MyFiguresDialog
from desktop.ui.analytics.periods import Preset, auto_interval
from desktop.ui.queue.reference_data import Reference, load_reference
from desktop.ui.shell.context import AppContext
from sync_server.child_server import LiveServer
from sync_server.db.session import make_session_factory
from sync_server.demo.seed import seed_demo
from tests.helpers.store import open_store
from tests.helpers.ui import World, log_in_app, offline_context, shut_app, world_store
from ticketing.domain import Role

TODAY = dt.date(2026, 11, 18)

VOLUME = {
    "series": [
        {"period": "2026-11-16", "created": 12, "resolved": 9, "reopened": 1},
        {"period": "2026-11-17", "created": 7, "resolved": 11, "reopened": 0},
        {"period": "2026-11-18", "created": 0, "resolved": 0, "reopened": 0},
    ]
}
BACKLOG = {
    "by_status": {"Open": 5, "In Progress": 3, "On Hold": 1, "Resolved": 2},
    "by_priority": {"High": 4, "Medium": 5, "Low": 2},
    "by_status_priority": {
        "Open": {"High": 2, "Medium": 2, "Low": 1},
        "In Progress": {"High": 1, "Medium": 2},
        "On Hold": {"Low": 1},
        "Resolved": {"High": 1, "Medium": 1},
    },
    "open_age_days": {"median": 2.5, "p90": 9.25},
}
RESOLUTION = {
    "resolution_minutes": {"count": 20, "mean": 300.0, "median": 240.0, "p90": 1200.0},
    "first_response_minutes": {"count": 18, "mean": 45.0, "median": 30.0, "p90": 90.0, "without_response": 1},
    "series": [
        {
            "period": "2026-11-16",
            "median_resolution_minutes": 120.0,
            "median_first_response_minutes": 30.0,
            "p90_resolution_minutes": 600.0,
            "p90_first_response_minutes": 60.0,
        },
        {
            "period": "2026-11-17",
            "median_resolution_minutes": None,
            "median_first_response_minutes": 15.0,
            "p90_resolution_minutes": None,
            "p90_first_response_minutes": 45.0,
        },
    ],
}
AGENTS = {
    "agents": [
        {
            "agent_id": "00000000-0000-4000-8000-0000000000a1",
            "name": "Alice",
            "assigned": 9,
            "resolved": 9,
            "median_resolution_minutes": 200.0,
            "median_first_response_minutes": 20.0,
            "reopened": 1,
            "public_replies": 30,
            "internal_notes": 4,
        },
        {
            "agent_id": "00000000-0000-4000-8000-0000000000a2",
            "name": "Bob",
            "assigned": 12,
            "resolved": 10,
            "median_resolution_minutes": None,
            "median_first_response_minutes": None,
            "reopened": 0,
            "public_replies": 8,
            "internal_notes": 0,
        },
        {
            "agent_id": "00000000-0000-4000-8000-0000000000a3",
            "name": "Carol",
            "assigned": 0,
            "resolved": 2,
            "median_resolution_minutes": 50.0,
            "median_first_response_minutes": 5.0,
            "reopened": 0,
            "public_replies": 100,
            "internal_notes": 1,
        },
    ]
}
CATEGORIES = {
    "categories": [
        {
            "category_id": "00000000-0000-4000-8000-0000000000c1",
            "name": "Hardware",
            "created": 11,
            "share": 0.55,
            "median_resolution_minutes": 90.0,
        },
        {
            "category_id": "00000000-0000-4000-8000-0000000000c2",
            "name": "Network",
            "created": 9,
            "share": 0.45,
            "median_resolution_minutes": None,
        },
    ],
    "terms": [{"term": "printer", "count": 6}, {"term": "vpn", "count": 10}, {"term": "mail", "count": 9}],
}
DEFLECTION = {
    "series": [
        {"period": "2026-11-16", "shown": 40, "opened": 12, "deflected": 5},
        {"period": "2026-11-17", "shown": 0, "opened": 0, "deflected": 0},
    ]
}
SLA = {
    "series": [
        {
            "period": "2026-11-16",
            "first_response_met": 3,
            "first_response_total": 4,
            "resolution_met": 1,
            "resolution_total": 5,
        },
        {
            "period": "2026-11-17",
            "first_response_met": 0,
            "first_response_total": 0,
            "resolution_met": 2,
            "resolution_total": 2,
        },
    ],
    "agents": [
        {
            "agent_id": "00000000-0000-4000-8000-0000000000a1",
            "agent_name": "Alice",
            "first_response_met": 9,
            "first_response_total": 10,
            "resolution_met": 1,
            "resolution_total": 4,
        },
        {
            "agent_id": "00000000-0000-4000-8000-0000000000a2",
            "agent_name": "Bob",
            "first_response_met": 1,
            "first_response_total": 2,
            "resolution_met": 0,
            "resolution_total": 0,
        },
    ],
    "priorities": [
        {
            "priority": "High",
            "first_response_met": 3,
            "first_response_total": 4,
            "resolution_met": 3,
            "resolution_total": 7,
        }
    ],
}
BODIES: dict[ReportName, Any] = {
    ReportName.VOLUME: VOLUME,
    ReportName.BACKLOG: BACKLOG,
    ReportName.RESOLUTION: RESOLUTION,
    ReportName.AGENTS: AGENTS,
    ReportName.CATEGORIES: CATEGORIES,
    ReportName.DEFLECTION: DEFLECTION,
    ReportName.SLA: SLA,
}


@pytest.fixture
def context(tmp_path: Path) -> Iterator[AppContext]:
    world = World()
    store = world_store(tmp_path, world, as_staff=True)
    context = offline_context(store, world.agent, "Alice", Role.ADMIN)
    yield context
    context.tasks.wait()
    context.sync.detach()
    context.session.engine.close()
    store.close()


@pytest.fixture
def dashboard(qtbot: QtBot, context: AppContext) -> AnalyticsDashboard:
    board = AnalyticsDashboard(context, today=lambda: TODAY)
    qtbot.addWidget(board)
    board.resize(1200, 900)
    return board


def show_all(board: AnalyticsDashboard) -> None:
    board.show_reports({name: parse(name, body) for name, body in BODIES.items()})


def bar_values(panel: ChartPanel) -> dict[str, list[float]]:
    (series,) = panel.chart.series()
    assert isinstance(series, QBarSeries | QStackedBarSeries)
    return {s.label(): [s.at(i) for i in range(s.count())] for s in series.barSets()}


def categories_axis(panel: ChartPanel) -> list[str]:
    (axis,) = [a for a in panel.chart.axes(Qt.Orientation.Horizontal) if isinstance(a, QBarCategoryAxis)]
    return list(axis.categories())


def test_priorities_take_the_urgency_ramp_and_a_p90_line_its_medians_colour(
    dashboard: AnalyticsDashboard,
) -> None:
    from desktop.palette import scheme_for  # noqa: PLC0415

    show_all(dashboard)
    scheme = scheme_for(dashboard.backlog_chart.palette())
    (stacked,) = dashboard.backlog_chart.chart.series()
    assert isinstance(stacked, QStackedBarSeries)
    colours = {bar_set.label(): bar_set.color().name() for bar_set in stacked.barSets()}
    # three priorities, most urgent first: the ramp's two ends and its middle
    assert colours == {
        "High": scheme.chart_urgency[0],
        "Medium": scheme.chart_urgency[2],
        "Low": scheme.chart_urgency[-1],
    }
    pens = {s.name(): s.pen() for s in dashboard.times_chart.chart.series() if isinstance(s, QLineSeries)}
    assert pens["p90 resolution"].color() == pens["Median resolution"].color()
    assert pens["p90 first response"].color() == pens["Median first response"].color()
    assert pens["Median resolution"].color() != pens["Median first response"].color()
    assert pens["p90 resolution"].style() == Qt.PenStyle.DashLine


def test_the_dashboard_draws_the_figures_it_is_given(dashboard: AnalyticsDashboard) -> None:
    show_all(dashboard)

    assert categories_axis(dashboard.volume_chart) == ["2026-11-16", "2026-11-17", "2026-11-18"]
    assert bar_values(dashboard.volume_chart) == {
        "Created": [12, 7, 0],
        "Resolved": [9, 11, 0],
        "Reopened": [1, 0, 0],
    }
    assert categories_axis(dashboard.backlog_chart) == ["Open", "In Progress", "On Hold", "Resolved"]
    assert bar_values(dashboard.backlog_chart) == {
        "High": [2, 1, 0, 1],
        "Medium": [2, 2, 0, 1],
        "Low": [1, 0, 1, 0],
    }
    assert bar_values(dashboard.priority_chart) == {"Tickets": [4, 5, 2]}
    assert categories_axis(dashboard.priority_chart) == ["High", "Medium", "Low"]

    lines = {s.name(): [(p.x(), p.y()) for p in s.points()] for s in dashboard.times_chart.chart.series()}
    assert all(isinstance(s, QLineSeries) for s in dashboard.times_chart.chart.series())
    assert lines["Median resolution"] == [(0, 2.0)]  # hours; the empty period is a gap
    assert lines["p90 resolution"] == [(0, 10.0)]
    assert lines["Median first response"] == [(0, 0.5), (1, 0.25)]
    assert lines["p90 first response"] == [(0, 1.0), (1, 0.75)]
    assert categories_axis(dashboard.times_chart) == ["2026-11-16", "2026-11-17"]

    assert bar_values(dashboard.agents_chart) == {"Resolved": [9, 10, 2]}
    assert categories_axis(dashboard.agents_chart) == ["Alice", "Bob", "Carol"]
    assert bar_values(dashboard.categories_chart) == {"Created": [11, 9]}
    assert bar_values(dashboard.deflection_chart) == {
        "Shown": [40, 0],
        "Opened": [12, 0],
        "Deflected": [5, 0],
    }
    assert categories_axis(dashboard.deflection_chart) == ["2026-11-16", "2026-11-17"]

    summary = dashboard.summary
    assert summary.text("resolution") == "mean 5.0 h · median 4.0 h · p90 20.0 h (20 tickets)"
    assert summary.text("first_response") == "mean 45 min · median 30 min · p90 1.5 h (18 tickets)"
    assert summary.text("without_response") == "1 ticket"
    assert summary.text("open_age") == "median 2.5 d · p90 9.2 d"


def test_tables_sort_by_number_not_by_text(dashboard: AnalyticsDashboard, qtmodeltester: Any) -> None:
    show_all(dashboard)
    agents = dashboard.agents_table
    qtmodeltester.check(agents.model)
    assert agents.proxy.rowCount() == 3
    agents.sort_by(6)  # public replies: 100 > 30 > 8 (as text "8" > "30" > "100")
    assert [agents.shown_text(row, 0) for row in range(3)] == ["Carol", "Alice", "Bob"]
    agents.sort_by(1, Qt.SortOrder.AscendingOrder)  # assigned: 0 < 9 < 12
    assert [agents.shown_text(row, 1) for row in range(3)] == ["0", "9", "12"]
    agents.sort_by(3, Qt.SortOrder.DescendingOrder)  # median resolution, none measured last
    assert [agents.shown_text(row, 0) for row in range(3)] == ["Alice", "Carol", "Bob"]

    terms = dashboard.terms_table
    terms.sort_by(1)
    assert [terms.shown_text(row, 0) for row in range(3)] == ["vpn", "mail", "printer"]
    assert dashboard.categories_table.shown_text(0, 2) == "55.0%"  # most tickets first


@pytest.mark.parametrize(
    ("preset", "first", "interval"),
    [
        (Preset.LAST_7, dt.date(2026, 11, 12), Interval.DAY),
        (Preset.LAST_30, dt.date(2026, 10, 20), Interval.DAY),
        (Preset.LAST_90, dt.date(2026, 8, 21), Interval.WEEK),
        (Preset.THIS_QUARTER, dt.date(2026, 10, 1), Interval.WEEK),
    ],
)
def test_presets_set_the_dates_and_a_fitting_interval(
    qtbot: QtBot, preset: Preset, first: dt.date, interval: Interval
) -> None:
    bar = AnalyticsFilterBar(lambda: TODAY)
    qtbot.addWidget(bar)
    bar.preset.setCurrentIndex(bar.preset.findData(preset))
    filters = bar.filters()
    assert (filters.date_from, filters.date_to, filters.interval) == (first, TODAY, interval)


def test_custom_dates_and_a_chosen_interval(qtbot: QtBot) -> None:
    bar = AnalyticsFilterBar(lambda: TODAY)
    qtbot.addWidget(bar)
    bar.date_from.setDate(bar.date_from.date().addDays(-300))
    assert bar.preset.currentData() == Preset.CUSTOM
    assert bar.filters().interval is Interval.MONTH  # follows the range
    bar.interval.setCurrentIndex(bar.interval.findData(Interval.DAY))
    bar.interval.activated.emit(bar.interval.currentIndex())  # picked by hand: kept from now on
    bar.apply_preset(Preset.LAST_90)
    assert bar.filters().interval is Interval.DAY
    assert auto_interval(dt.date(2026, 1, 1), dt.date(2026, 1, 31)) is Interval.DAY
    assert auto_interval(dt.date(2026, 1, 1), dt.date(2026, 2, 1)) is Interval.WEEK


def test_a_changed_choice_reloads_once_it_settles(qtbot: QtBot) -> None:
    bar = AnalyticsFilterBar(lambda: TODAY)
    qtbot.addWidget(bar)
    changes: list[object] = []
    bar.filters_changed.connect(lambda: changes.append(bar.filters()))
    with qtbot.waitSignal(bar.filters_changed, timeout=2_000):
        # typing a date moves it several times; one load, for where it ends
        for days in (1, 2, 3):
            bar.date_from.setDate(bar.date_from.date().addDays(-days))
        bar.preset.setCurrentIndex(bar.preset.findData(Preset.LAST_90))
    qtbot.wait(AnalyticsFilterBar.SETTLE_MS + 100)
    assert len(changes) == 1
    assert bar.filters().date_from == dt.date(2026, 8, 21)

    requested: list[bool] = []
    bar.refresh_requested.connect(lambda: requested.append(True))
    bar.interval.setCurrentIndex(bar.interval.findData(Interval.MONTH))
    bar.interval.activated.emit(bar.interval.currentIndex())
    bar.refresh_button.click()  # asked at once: no second load when the choice settles
    qtbot.wait(AnalyticsFilterBar.SETTLE_MS + 100)
    assert requested == [True]
    assert len(changes) == 1


def test_filters_are_the_reference_data_and_go_into_the_requests(
    qtbot: QtBot, dashboard: AnalyticsDashboard, context: AppContext
) -> None:
    reference = load_reference(context.store)
    dashboard.set_reference(reference)
    bar = dashboard.filter_bar
    names = [bar.category.itemText(i) for i in range(bar.category.count())]
    assert names == ["All categories", "Hardware", "Network"]  # the retired one is not offered
    priorities = [bar.priority.itemText(i) for i in range(bar.priority.count())]
    assert priorities == ["All priorities", "High", "Medium", "Low"]  # most urgent first
    bar.category.setCurrentIndex(bar.category.findText("Network"))
    bar.priority.setCurrentIndex(bar.priority.findText("High"))
    bar.apply_preset(Preset.LAST_7)
    network = next(c for c in reference.categories if c.name == "Network")
    expected = ReportFilters(
        date_from=dt.date(2026, 11, 12),
        date_to=TODAY,
        category_id=network.id,
        priority="High",
        interval=Interval.DAY,
    )
    assert bar.filters() == expected
    assert report_path(ReportName.VOLUME, expected) == (
        f"/api/reports/volume?from=2026-11-12&to=2026-11-18&category_id={network.id}&priority=High&interval=day"
    )
    assert report_path(ReportName.AGENTS, ReportFilters(), csv=True) == "/api/reports/agents?format=csv"

    dashboard.refresh()
    assert dashboard.last_filters == expected
    qtbot.waitUntil(lambda: not dashboard.loading)
    assert bar.category.currentText() == "Network"  # a failed load keeps the filters


def test_busy_while_loading_then_offline_with_nothing_kept(
    qtbot: QtBot, dashboard: AnalyticsDashboard
) -> None:
    dashboard.show()
    dashboard.refresh()
    assert dashboard.loading and dashboard.busy.isVisible()
    assert not dashboard.filter_bar.refresh_button.isEnabled()
    qtbot.waitUntil(lambda: not dashboard.loading, timeout=10_000)
    assert not dashboard.busy.isVisible() and dashboard.filter_bar.refresh_button.isEnabled()
    assert "Offline — no figures" in dashboard.status.text()


def test_offline_shows_the_last_figures_with_their_time(
    qtbot: QtBot, dashboard: AnalyticsDashboard, context: AppContext
) -> None:
    filters = dashboard.filter_bar.filters()
    fetched = dt.datetime(2026, 11, 17, 14, 30, tzinfo=dt.UTC)
    for name, body in BODIES.items():
        report_snapshots.save(context.store, snapshot_key(name, filters), body, fetched)
    dashboard.refresh()
    qtbot.waitUntil(lambda: not dashboard.loading, timeout=10_000)
    local = fetched.astimezone().strftime("%Y-%m-%d %H:%M")
    assert dashboard.status.text().startswith("Offline — figures as of ")
    assert local in dashboard.status.text()
    assert bar_values(dashboard.volume_chart)["Created"] == [12, 7, 0]
    assert dashboard.agents_table.proxy.rowCount() == 3
    assert dashboard.error.error() == ""


def test_exports_write_png_csv_and_pdf(qtbot: QtBot, dashboard: AnalyticsDashboard, tmp_path: Path) -> None:
    dashboard.show()
    show_all(dashboard)
    png = tmp_path / "volume.png"
    assert dashboard.volume_chart.save_png(png)
    image = QImage(str(png))
    assert not image.isNull() and image.width() > 100

    csv_path = tmp_path / "terms.csv"
    dashboard.terms_table.export_requested.emit(csv_path)
    assert csv_path.read_text(encoding="utf-8").splitlines() == [
        "Term,Tickets",
        "printer,6",
        "vpn,10",
        "mail,9",
    ]

    pdf = tmp_path / "analytics.pdf"
    dashboard.export_pdf(pdf)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 5_000
    from PySide6.QtPdf import QPdfDocument  # noqa: PLC0415

    document = QPdfDocument()
    assert document.load(str(pdf)) == QPdfDocument.Error.None_
    pages = [document.getAllText(number).text() for number in range(document.pageCount())]
    # a page for each chart, then the tables with every row
    assert document.pageCount() == len(dashboard.chart_panels) + 4
    assert "Ticketdesk — Analytics" in pages[0]
    agents_page, terms_page, sla_page = pages[-4], pages[-2], pages[-1]
    assert "Service level per agent" in sla_page and "90%" in sla_page
    assert "Agents" in agents_page and all(name in agents_page for name in ("Alice", "Bob", "Carol"))
    assert all(term in terms_page for term in ("printer", "vpn", "mail"))


def test_the_sla_chart_and_table_show_the_shares_met(dashboard: AnalyticsDashboard, tmp_path: Path) -> None:
    show_all(dashboard)
    lines = {s.name(): [(p.x(), p.y()) for p in s.points()] for s in dashboard.sla_chart.chart.series()}
    # percent met per period; a period with no first response counted is a gap
    assert lines == {"First response met": [(0, 75.0)], "Resolution met": [(0, 20.0), (1, 100.0)]}
    assert categories_axis(dashboard.sla_chart) == ["2026-11-16", "2026-11-17"]
    table = dashboard.sla_table
    assert table.proxy.rowCount() == 2
    table.sort_by(4)  # resolution met: 25% above none counted
    assert [[table.shown_text(row, column) for column in range(7)] for row in range(2)] == [
        ["Alice", "90%", "9", "10", "25%", "1", "4"],
        ["Bob", "50%", "1", "2", "—", "0", "0"],
    ]
    csv_path = tmp_path / "sla.csv"
    table.export_requested.emit(csv_path)
    assert csv_path.read_text(encoding="utf-8").splitlines()[1:] == [
        "Alice,90%,9,10,25%,1,4",
        "Bob,50%,1,2,—,0,0",
    ]


def test_charts_follow_the_palette(qtbot: QtBot, dashboard: AnalyticsDashboard) -> None:
    from PySide6.QtGui import QColor, QPalette  # noqa: PLC0415

    from desktop.palette import DARK, LIGHT  # noqa: PLC0415

    show_all(dashboard)
    panel = dashboard.volume_chart
    light = QPalette()
    light.setColor(QPalette.ColorRole.Base, QColor(LIGHT.chart_background))
    panel.setPalette(light)
    assert panel.chart.backgroundBrush().color().name() == LIGHT.chart_background
    dark = QPalette()
    dark.setColor(QPalette.ColorRole.Base, QColor(DARK.chart_background))
    panel.setPalette(dark)  # a palette change restyles
    assert panel.chart.backgroundBrush().color().name() == DARK.chart_background
    (series,) = panel.chart.series()
    assert isinstance(series, QBarSeries)
    assert series.barSets()[0].color().name() == DARK.chart_series[0]


def test_my_figures_shows_the_agents_own_row_offline(qtbot: QtBot, context: AppContext) -> None:
    dialog = MyFiguresDialog(context, today=lambda: TODAY)
    qtbot.addWidget(dialog)
    own = {"agents": [dict(AGENTS["agents"][0], agent_id=context.user.id)]}
    fetched = dt.datetime(2026, 11, 17, 8, 0, tzinfo=dt.UTC)
    report_snapshots.save(
        context.store, snapshot_key(ReportName.AGENTS, dialog.filter_bar.filters()), own, fetched
    )
    dialog.refresh()
    qtbot.waitUntil(lambda: not dialog.loading, timeout=10_000)
    # only the agents report was asked for: the others have no snapshot and would fail the load
    assert dialog.status.text().startswith("Offline — figures as of")
    assert dialog.values["Resolved"].text() == "9"
    assert dialog.values["Median resolution"].text() == "3.3 h"
    assert dialog.values["Public replies"].text() == "30"


def test_the_consoles_load_qtcharts_only_when_the_dashboard_is_built() -> None:
    script = (
        "import sys\n"
        "import desktop.ui.admin.console, desktop.ui.queue.agent_console\n"
        "assert 'PySide6.QtCharts' not in sys.modules, 'QtCharts loaded with the consoles'\n"
        "import desktop.ui.analytics.dashboard\n"
        "assert 'PySide6.QtCharts' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=Path(__file__).resolve().parents[2])


# --- end to end, against a live server ---------------------------------------------------------


@pytest.fixture
def demo(engine: Engine) -> None:
    with make_session_factory(engine)() as session, session.begin():
        assert seed_demo(session)


def online_context(
    server: LiveServer, folder: Path, email: str, password: str, role: Role
) -> tuple[AppContext, list[str]]:
    """A context whose HTTP client is logged in to ``server``; also the paths it requests."""
    requested: list[str] = []
    session = requests.Session()
    session.hooks["response"].append(lambda response, *_a, **_k: requested.append(response.request.path_url))
    api = ApiClient(server.url, session=session)
    user = api.login(email, password).user
    store = open_store(folder, user.id, role)
    context = offline_context(store, user.id, user.name, role)
    return dataclasses.replace(context, api=api, server_url=server.url), requested


def close_context(context: AppContext) -> None:
    context.tasks.wait()
    context.sync.detach()
    context.session.engine.close()
    context.store.close()


def test_the_admin_consoles_analytics_tab_shows_the_servers_figures(
    qtbot: QtBot, live_server: LiveServer, demo: None, desktop_env: Path, tmp_path: Path
) -> None:
    admin = ApiClient(live_server.url)
    admin.login("admin@example.com", "admin-pass-1")
    policy = {"name": "Around the clock", "first_response_minutes": 60, "resolution_minutes": 480}
    admin.request("POST", "/api/sla/policies", json=policy)
    category = admin.request("GET", "/api/categories")[0]["id"]
    ticket = {"title": "Printer jams", "description": "<p>On page two.</p>", "category_id": category}
    ticket_id = admin.request("POST", "/api/tickets", json=ticket)["id"]
    admin.request("PATCH", f"/api/tickets/{ticket_id}", json={"status": "Resolved"})  # both targets met
    app, window = log_in_app(qtbot, live_server.url, "admin@example.com", "admin-pass-1")
    try:
        assert isinstance(window, AdminConsole)
        assert window.analytics.dashboard is None  # built (QtCharts loaded) when first shown
        window.show_tab(window.analytics)
        board = window.analytics.dashboard
        assert board is not None and board.loading and not board.filter_bar.refresh_button.isEnabled()
        qtbot.waitUntil(lambda: not board.loading, timeout=30_000)
        assert board.error.error() == "" and board.status.text().startswith("Figures as of")

        filters = board.filter_bar.filters()
        api = window.context.api
        volume = api.request("GET", report_path(ReportName.VOLUME, filters))
        assert categories_axis(board.volume_chart) == [row["period"] for row in volume["series"]]
        assert bar_values(board.volume_chart)["Created"] == [row["created"] for row in volume["series"]]
        assert sum(bar_values(board.volume_chart)["Created"]) > 0
        agents = api.request("GET", report_path(ReportName.AGENTS, filters))["agents"]
        assert board.agents_table.proxy.rowCount() == len(agents) >= 2
        backlog = api.request("GET", report_path(ReportName.BACKLOG, filters))
        assert bar_values(board.priority_chart)["Tickets"] == list(backlog["by_priority"].values())

        sla = api.request("GET", report_path(ReportName.SLA, filters))
        shares = {
            name: [
                (float(index), 100.0 * row[f"{target}_met"] / row[f"{target}_total"])
                for index, row in enumerate(sla["series"])
                if row[f"{target}_total"]
            ]
            for name, target in (("First response met", "first_response"), ("Resolution met", "resolution"))
        }
        assert sum(row["resolution_total"] for row in sla["series"]) >= 1
        lines = {s.name(): [(p.x(), p.y()) for p in s.points()] for s in board.sla_chart.chart.series()}
        assert lines == shares
        assert board.sla_table.proxy.rowCount() == len(sla["agents"]) >= 2

        csv_path = tmp_path / "agents.csv"  # the server's CSV: every row
        board.agents_table.export_requested.emit(csv_path)
        qtbot.waitUntil(lambda: "Saved agents.csv" in board.status.text(), timeout=10_000)
        rows = list(csv.reader(csv_path.read_text(encoding="utf-8").splitlines()))
        assert rows[0][:2] == ["agent_id", "name"] and len(rows) == len(agents) + 1
    finally:
        shut_app(window)
        del app


def test_filters_reach_the_server_and_offline_shows_the_last_figures(
    qtbot: QtBot, live_server: LiveServer, demo: None, tmp_path: Path
) -> None:
    context, requested = online_context(
        live_server, tmp_path, "admin@example.com", "admin-pass-1", Role.ADMIN
    )
    try:
        board = AnalyticsDashboard(context)
        qtbot.addWidget(board)
        reference = load_reference(context.store)  # nothing synced: offer what the server has
        board.filter_bar.priority.addItem("High", "High")
        board.filter_bar.priority.setCurrentIndex(board.filter_bar.priority.findData("High"))
        board.filter_bar.apply_preset(Preset.LAST_90)
        assert reference.categories == []
        board.refresh()
        qtbot.waitUntil(lambda: not board.loading, timeout=30_000)
        assert board.error.error() == ""
        asked = [path for path in requested if path.startswith("/api/reports/")]
        assert sorted(path.split("?")[0].rsplit("/", 1)[1] for path in asked) == sorted(ReportName)
        assert all("priority=High" in path and "interval=week" in path for path in asked)
        high = context.api.request("GET", report_path(ReportName.VOLUME, board.filter_bar.filters()))
        assert bar_values(board.volume_chart)["Created"] == [row["created"] for row in high["series"]]

        live_server.stop()
        board.refresh()
        qtbot.waitUntil(lambda: not board.loading, timeout=30_000)
        assert board.status.text().startswith("Offline — figures as of ")
        assert bar_values(board.volume_chart)["Created"] == [row["created"] for row in high["series"]]
        board.filter_bar.apply_preset(Preset.LAST_7)  # never loaded: nothing to show
        board.refresh()
        qtbot.waitUntil(lambda: not board.loading, timeout=30_000)
        assert "no figures for these filters" in board.status.text()
        assert board.filter_bar.priority.currentData() == "High"  # the filters stay
    finally:
        close_context(context)


def test_an_agents_figures_come_from_the_agents_report_only(
    qtbot: QtBot, live_server: LiveServer, demo: None, tmp_path: Path
) -> None:
    context, requested = online_context(
        live_server, tmp_path, "agent@example.com", "agent-pass-1", Role.AGENT
    )
    try:
        dialog = MyFiguresDialog(context)
        qtbot.addWidget(dialog)
        dialog.filter_bar.apply_preset(Preset.LAST_90)
        dialog.refresh()
        qtbot.waitUntil(lambda: not dialog.loading, timeout=30_000)
        assert dialog.error.error() == ""
        assert [p.split("?")[0] for p in requested if p.startswith("/api/reports/")] == [
            "/api/reports/agents"
        ]
        (own,) = context.api.request("GET", report_path(ReportName.AGENTS, dialog.filter_bar.filters()))[
            "agents"
        ]
        assert own["agent_id"] == context.user.id
        assert dialog.values["Resolved"].text() == str(own["resolved"])
        assert dialog.values["Public replies"].text() == str(own["public_replies"])
    finally:
        close_context(context)


def test_hovering_a_bar_or_a_point_shows_its_exact_value(qtbot: QtBot, dashboard: AnalyticsDashboard) -> None:
    dashboard.show()
    show_all(dashboard)
    (series,) = dashboard.volume_chart.chart.series()
    assert isinstance(series, QBarSeries)
    resolved = series.barSets()[1]
    resolved.hovered.emit(True, 1)
    qtbot.waitUntil(QToolTip.isVisible)
    assert QToolTip.text() == "Resolved — 2026-11-17: 11"
    line = next(s for s in dashboard.times_chart.chart.series() if s.name() == "p90 first response")
    assert isinstance(line, QLineSeries)
    line.hovered.emit(line.at(1), True)
    qtbot.waitUntil(lambda: QToolTip.text() == "p90 first response — 2026-11-17: 0.8 h")


def test_priorities_are_named_as_the_catalog_names_them_now(dashboard: AnalyticsDashboard) -> None:
    renamed = queries.PriorityRow(id="p1", key="High", name="Urgent", rank=30, is_active=True)
    dashboard.set_reference(Reference(priorities=[renamed]))
    backlog = parse(ReportName.BACKLOG, BACKLOG)
    assert isinstance(backlog, BacklogReport)
    dashboard.show_backlog(backlog)
    assert categories_axis(dashboard.priority_chart) == ["Urgent", "Medium", "Low"]
    assert list(bar_values(dashboard.backlog_chart)) == ["Urgent", "Medium", "Low"]
