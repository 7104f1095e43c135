"""Each report's figures as a QChart: the series, the axes, and exact values in tooltips.

Builders only: they take parsed reports (:mod:`desktop.net.reports`) and return a new chart;
:class:`~desktop.ui.analytics.chart_panel.ChartPanel` shows it in the palette's colours.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QLineSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QToolTip

from desktop.net.reports import (
    AgentsReport,
    BacklogReport,
    CategoriesReport,
    DeflectionReport,
    ResolutionReport,
    SlaReport,
    VolumeReport,
    met_share,
)
from desktop.ui.analytics.chart_panel import URGENCY_SERIES


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _bar_tooltips(bar_set: QBarSet, categories: Sequence[str], unit: str = "") -> None:
    def hovered(status: bool, index: int) -> None:
        if status and 0 <= index < len(categories):
            text = f"{bar_set.label()} — {categories[index]}: {_number(bar_set.at(index))}{unit}"
            QToolTip.showText(QCursor.pos(), text)
        else:
            QToolTip.hideText()

    bar_set.hovered.connect(hovered)


def _line_tooltips(series: QLineSeries, categories: Sequence[str], unit: str) -> None:
    def hovered(point: QPointF, state: bool) -> None:
        index = round(point.x())
        if state and 0 <= index < len(categories):
            QToolTip.showText(QCursor.pos(), f"{series.name()} — {categories[index]}: {point.y():,.1f}{unit}")
        else:
            QToolTip.hideText()

    series.hovered.connect(hovered)


def _category_axes(
    chart: QChart, categories: Sequence[str], series_list: Sequence[object], title: str
) -> None:
    x_axis = QBarCategoryAxis()
    x_axis.append(list(categories))
    if len(categories) > 8:  # many periods or names: upright labels, each read whole
        x_axis.setLabelsAngle(-90)
    y_axis = QValueAxis()
    y_axis.setLabelFormat("%.0f")
    y_axis.setTitleText(title)
    chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
    top = 0.0
    for series in series_list:
        series.attachAxis(x_axis)  # type: ignore[attr-defined]
        series.attachAxis(y_axis)  # type: ignore[attr-defined]
    for series in series_list:
        if isinstance(series, QStackedBarSeries):
            sets = series.barSets()
            for index in range(len(categories)):
                top = max(top, sum(s.at(index) for s in sets))
        elif isinstance(series, QBarSeries):
            top = max([top, *(s.at(i) for s in series.barSets() for i in range(s.count()))])
        elif isinstance(series, QLineSeries):
            top = max([top, *(p.y() for p in series.points())])
    y_axis.setRange(0, max(1.0, top * 1.1))
    y_axis.applyNiceNumbers()


def _bars(label: str, values: Sequence[float], categories: Sequence[str], unit: str = "") -> QBarSet:
    bar_set = QBarSet(label)
    bar_set.append([float(v) for v in values])
    _bar_tooltips(bar_set, categories, unit)
    return bar_set


def _per_period_bars(
    periods: Sequence[str], columns: Sequence[tuple[str, Sequence[float]]], axis: str
) -> QChart:
    """One group of bars per period, one bar per named column, side by side."""
    chart = QChart()
    series = QBarSeries()
    for label, values in columns:
        series.append(_bars(label, values, periods))
    chart.addSeries(series)
    _category_axes(chart, periods, [series], axis)
    return chart


def volume_chart(report: VolumeReport) -> QChart:
    """Created, resolved and reopened tickets per period, side by side."""
    rows = report.series
    columns = (
        ("Created", [p.created for p in rows]),
        ("Resolved", [p.resolved for p in rows]),
        ("Reopened", [p.reopened for p in rows]),
    )
    return _per_period_bars([p.period.isoformat() for p in rows], columns, "Tickets")


def deflection_chart(report: DeflectionReport) -> QChart:
    """Suggestions beside the new-ticket form per period: shown, opened, and the form sessions
    left without a ticket after opening one (deflected)."""
    rows = report.series
    columns = (
        ("Shown", [p.shown for p in rows]),
        ("Opened", [p.opened for p in rows]),
        ("Deflected", [p.deflected for p in rows]),
    )
    return _per_period_bars([p.period.isoformat() for p in rows], columns, "Suggestions")


def _same(key: str) -> str:
    return key


def backlog_status_chart(report: BacklogReport, priority_name: Callable[[str], str] = _same) -> QChart:
    """Tickets not closed, by status, each bar stacked by priority (named by ``priority_name``)."""
    chart = QChart()
    statuses = list(report.by_status)
    priorities = list(report.by_priority)
    for counts in report.by_status_priority.values():
        priorities.extend(p for p in counts if p not in priorities)
    series = QStackedBarSeries()
    if report.by_status_priority:
        series.setObjectName(URGENCY_SERIES)  # the report lists priorities most urgent first
        for priority in priorities:
            values = [report.by_status_priority.get(s, {}).get(priority, 0) for s in statuses]
            series.append(_bars(priority_name(priority), values, statuses))
    else:
        series.append(_bars("Tickets", [report.by_status[s] for s in statuses], statuses))
    chart.addSeries(series)
    _category_axes(chart, statuses, [series], "Tickets")
    return chart


def backlog_priority_chart(report: BacklogReport, priority_name: Callable[[str], str] = _same) -> QChart:
    """Tickets not closed, by priority."""
    chart = QChart()
    keys = list(report.by_priority)
    priorities = [priority_name(key) for key in keys]
    series = QBarSeries()
    series.append(_bars("Tickets", [report.by_priority[key] for key in keys], priorities))
    chart.addSeries(series)
    chart.legend().hide()
    _category_axes(chart, priorities, [series], "Tickets")
    return chart


def times_chart(report: ResolutionReport) -> QChart:
    """Median and p90 of resolution and first-response time per period, in hours (a period
    with nothing measured leaves a gap)."""
    chart = QChart()
    periods = [p.period.isoformat() for p in report.series]
    lines: list[QLineSeries] = []
    for name, attribute in (
        ("Median resolution", "median_resolution_minutes"),
        ("p90 resolution", "p90_resolution_minutes"),
        ("Median first response", "median_first_response_minutes"),
        ("p90 first response", "p90_first_response_minutes"),
    ):
        line = QLineSeries()
        line.setName(name)
        line.setPointsVisible(True)
        for index, point in enumerate(report.series):
            minutes = getattr(point, attribute)
            if minutes is not None:
                line.append(float(index), minutes / 60.0)
        _line_tooltips(line, periods, " h")
        chart.addSeries(line)
        lines.append(line)
    _category_axes(chart, periods, lines, "Hours")
    return chart


def agents_chart(report: AgentsReport) -> QChart:
    """Tickets resolved per agent."""
    chart = QChart()
    names = [a.name for a in report.agents]
    series = QBarSeries()
    series.append(_bars("Resolved", [a.resolved for a in report.agents], names))
    chart.addSeries(series)
    chart.legend().hide()
    _category_axes(chart, names, [series], "Tickets resolved")
    return chart


def categories_chart(report: CategoriesReport, limit: int = 10) -> QChart:
    """Tickets created per category, the most common first."""
    chart = QChart()
    top = sorted(report.categories, key=lambda c: -c.created)[:limit]
    names = [c.name for c in top]
    series = QBarSeries()
    series.append(_bars("Created", [c.created for c in top], names))
    chart.addSeries(series)
    chart.legend().hide()
    _category_axes(chart, names, [series], "Tickets created")
    return chart


def sla_chart(report: SlaReport) -> QChart:
    """The share of service-level targets met per period of creation, in percent, for first
    response and resolution (a period with no target counted leaves a gap)."""
    chart = QChart()
    periods = [p.period.isoformat() for p in report.series]
    lines: list[QLineSeries] = []
    for name, met, total in (
        ("First response met", "first_response_met", "first_response_total"),
        ("Resolution met", "resolution_met", "resolution_total"),
    ):
        line = QLineSeries()
        line.setName(name)
        line.setPointsVisible(True)
        for index, point in enumerate(report.series):
            share = met_share(getattr(point, met), getattr(point, total))
            if share is not None:
                line.append(float(index), share * 100.0)
        _line_tooltips(line, periods, " %")
        chart.addSeries(line)
        lines.append(line)
    _category_axes(chart, periods, lines, "Met (%)")
    for axis in chart.axes(Qt.Orientation.Vertical):
        if isinstance(axis, QValueAxis):
            axis.setRange(0.0, 100.0)
            axis.setTickCount(5)
    return chart
