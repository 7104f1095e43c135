"""The Analytics dashboard: filters, key figures, charts and tables of the reports.

It wires parts that each do one job (:class:`AnalyticsFilterBar`, :class:`SummaryFigures`,
:class:`ChartPanel`, :class:`TablePanel`) and loads the reports in one background task
(:func:`load_reports`); offline it shows the last figures kept for the same filters.
The ``show_*`` methods take parsed reports and are all a load ends in.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.models.formatting import local_time
from desktop.models.report_tables import Column, ReportTableModel, hours_text
from desktop.net.reports import (
    AgentRow,
    AgentsReport,
    BacklogReport,
    CategoriesReport,
    CategoryRow,
    DeflectionReport,
    Report,
    ReportFilters,
    ReportName,
    ReportsClient,
    ResolutionReport,
    SlaAgentRow,
    SlaReport,
    TermCount,
    VolumeReport,
    met_share,
)
from desktop.ui.admin.dialogs import ErrorLabel
from desktop.ui.analytics import charts
from desktop.ui.analytics.chart_panel import ChartPanel
from desktop.ui.analytics.filter_bar import AnalyticsFilterBar
from desktop.ui.analytics.loader import Loaded, NothingCached, load_reports
from desktop.ui.analytics.pdf_export import write_pdf
from desktop.ui.analytics.summary import SummaryFigures
from desktop.ui.analytics.table_panel import TablePanel
from desktop.ui.queue.reference_data import Reference
from desktop.ui.shell.context import AppContext
from desktop.ui.shell.error_text import action_error

ALL_REPORTS: tuple[ReportName, ...] = tuple(ReportName)


def _count(value: object) -> str:
    return f"{value:,}"


AGENT_COLUMNS: tuple[Column[AgentRow], ...] = (
    Column("Agent", lambda a: a.name, numeric=False),
    Column("Assigned", lambda a: a.assigned, _count),
    Column("Resolved", lambda a: a.resolved, _count),
    Column("Median resolution", lambda a: a.median_resolution_minutes, hours_text),
    Column("Median first response", lambda a: a.median_first_response_minutes, hours_text),
    Column("Reopened", lambda a: a.reopened, _count),
    Column("Public replies", lambda a: a.public_replies, _count),
    Column("Internal notes", lambda a: a.internal_notes, _count),
)
CATEGORY_COLUMNS: tuple[Column[CategoryRow], ...] = (
    Column("Category", lambda c: c.name, numeric=False),
    Column("Created", lambda c: c.created, _count),
    Column("Share", lambda c: c.share, lambda v: f"{v:.1%}"),
    Column("Median resolution", lambda c: c.median_resolution_minutes, hours_text),
)


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


SLA_AGENT_COLUMNS: tuple[Column[SlaAgentRow], ...] = (
    Column("Agent", lambda a: a.agent_name, numeric=False),
    Column("First response %", lambda a: met_share(a.first_response_met, a.first_response_total), _share),
    Column("Responses met", lambda a: a.first_response_met, _count),
    Column("Responses counted", lambda a: a.first_response_total, _count),
    Column("Resolution %", lambda a: met_share(a.resolution_met, a.resolution_total), _share),
    Column("Resolutions met", lambda a: a.resolution_met, _count),
    Column("Resolutions counted", lambda a: a.resolution_total, _count),
)
TERM_COLUMNS: tuple[Column[TermCount], ...] = (
    Column("Term", lambda t: t.term, numeric=False),
    Column("Tickets", lambda t: t.count, _count),
)


class AnalyticsDashboard(QWidget):
    """The Analytics tab's content; call :meth:`refresh` to load (the tab does on first show)."""

    def __init__(
        self,
        context: AppContext,
        parent: QWidget | None = None,
        *,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._client = ReportsClient(context.api)
        self._requests = itertools.count(1)
        self._latest = 0  # the load whose answer counts
        self.loading = False
        self.loaded_once = False
        self.last_filters: ReportFilters | None = None
        self.reports: dict[ReportName, Report] = {}
        self._reference = Reference()

        self.filter_bar = AnalyticsFilterBar(today)
        self.busy = QProgressBar()
        self.busy.setAccessibleName("Loading figures")
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(160)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.status = QLabel()
        self.status.setAccessibleName("Analytics status")
        self.status.setWordWrap(True)
        self.error = ErrorLabel("Analytics")
        self.pdf_button = QPushButton("Export P&DF…")
        self.pdf_button.setAccessibleName("Export PDF…")
        self.summary = SummaryFigures()

        self.volume_chart = ChartPanel("Created, resolved and reopened", height=360)
        self.backlog_chart = ChartPanel("Backlog by status and priority")
        self.priority_chart = ChartPanel("Backlog by priority")
        self.times_chart = ChartPanel("Resolution and first response (hours)", height=360)
        self.agents_chart = ChartPanel("Resolved per agent")
        self.categories_chart = ChartPanel("Top categories")
        self.deflection_chart = ChartPanel("Suggestions beside the new-ticket form")
        self.sla_chart = ChartPanel("Service-level targets met (%)", height=320)
        self.sla_table = TablePanel("Service level per agent", ReportTableModel(SLA_AGENT_COLUMNS, self))
        self.agents_table = TablePanel("Agents", ReportTableModel(AGENT_COLUMNS, self))
        most = Qt.SortOrder.DescendingOrder
        self.categories_table = TablePanel(
            "Categories", ReportTableModel(CATEGORY_COLUMNS, self), sort=(1, most)
        )
        self.terms_table = TablePanel("Top terms", ReportTableModel(TERM_COLUMNS, self), sort=(1, most))

        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.busy)
        top.addWidget(self.pdf_button)
        grid = QGridLayout()
        grid.addWidget(self.volume_chart, 0, 0, 1, 2)
        grid.addWidget(self.backlog_chart, 1, 0)
        grid.addWidget(self.priority_chart, 1, 1)
        grid.addWidget(self.times_chart, 2, 0, 1, 2)
        grid.addWidget(self.agents_table, 3, 0)
        grid.addWidget(self.agents_chart, 3, 1)
        grid.addWidget(self.categories_chart, 4, 0)
        grid.addWidget(self.categories_table, 4, 1)
        grid.addWidget(self.terms_table, 5, 0)
        grid.addWidget(self.deflection_chart, 5, 1)
        grid.addWidget(self.sla_chart, 6, 0, 1, 2)
        grid.addWidget(self.sla_table, 7, 0, 1, 2)
        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.addWidget(self.summary)
        content_layout.addLayout(grid)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter_bar)
        layout.addLayout(top)
        layout.addWidget(self.error)
        layout.addWidget(scroll, 1)

        self.filter_bar.refresh_requested.connect(self._on_filter_bar_refresh_requested)
        self.filter_bar.filters_changed.connect(self._on_filter_bar_refresh_requested)
        self.pdf_button.clicked.connect(self._on_pdf_button_clicked)
        self.agents_table.export_requested.connect(self._on_agents_table_export_requested)
        self.categories_table.export_requested.connect(self._on_categories_table_export_requested)
        self.terms_table.export_requested.connect(self._on_terms_table_export_requested)
        self.sla_table.export_requested.connect(self._on_sla_table_export_requested)

    @property
    def chart_panels(self) -> list[ChartPanel]:
        return [
            self.volume_chart,
            self.backlog_chart,
            self.priority_chart,
            self.times_chart,
            self.agents_chart,
            self.categories_chart,
            self.deflection_chart,
            self.sla_chart,
        ]

    def set_reference(self, reference: Reference) -> None:
        """The categories and priorities to filter by; priorities are named by it in charts."""
        self._reference = reference
        self.filter_bar.set_reference(reference)

    # --- loading ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Load every report for the filters as they stand, off the UI thread."""
        self.loaded_once = True
        self.filter_bar.loading_now()
        filters = self.filter_bar.filters()
        self.last_filters = filters
        client, store = self._client, self._context.store
        number = self._latest = next(self._requests)
        self._set_busy(True)
        self.error.set_error("")

        def done(loaded: Loaded) -> None:
            if number == self._latest:
                self._set_busy(False)
                self.show_loaded(loaded)

        def failed(error: BaseException) -> None:
            if number == self._latest:
                self._set_busy(False)
                self.show_failure(error)

        self._context.tasks.run(
            lambda: load_reports(client, store, ALL_REPORTS, filters), done, failed, owner=self
        )

    def _set_busy(self, busy: bool) -> None:
        self.loading = busy
        self.busy.setVisible(busy)
        self.filter_bar.set_busy(busy)
        if busy:
            self.status.setText("Loading figures…")

    def show_loaded(self, loaded: Loaded) -> None:
        self.show_reports(loaded.reports)
        if loaded.offline_as_of is not None:
            self.status.setText(f"Offline — figures as of {local_time(loaded.offline_as_of)}")
        else:
            self.status.setText(f"Figures as of {local_time(dt.datetime.now(dt.UTC))}")

    def show_failure(self, error: BaseException) -> None:
        """Say what went wrong in the tab; the filters and any figures shown stay."""
        if isinstance(error, NothingCached):
            self.status.setText("Offline — no figures for these filters were loaded on this computer yet.")
        else:
            self.status.setText("")
            self.error.set_error(action_error(error, "load the figures"))

    # --- the figures --------------------------------------------------------------------------

    def show_reports(self, reports: dict[ReportName, Report]) -> None:
        for report in reports.values():
            if isinstance(report, VolumeReport):
                self.show_volume(report)
            elif isinstance(report, BacklogReport):
                self.show_backlog(report)
            elif isinstance(report, ResolutionReport):
                self.show_resolution(report)
            elif isinstance(report, AgentsReport):
                self.show_agents(report)
            elif isinstance(report, CategoriesReport):
                self.show_categories(report)
            elif isinstance(report, DeflectionReport):
                self.show_deflection(report)
            elif isinstance(report, SlaReport):
                self.show_sla(report)

    def show_deflection(self, report: DeflectionReport) -> None:
        self.reports[ReportName.DEFLECTION] = report
        self.deflection_chart.replace_chart(charts.deflection_chart(report))

    def show_sla(self, report: SlaReport) -> None:
        self.reports[ReportName.SLA] = report
        self.sla_chart.replace_chart(charts.sla_chart(report))
        self.sla_table.model.set_rows(report.agents)

    def show_volume(self, report: VolumeReport) -> None:
        self.reports[ReportName.VOLUME] = report
        self.volume_chart.replace_chart(charts.volume_chart(report))

    def show_backlog(self, report: BacklogReport) -> None:
        self.reports[ReportName.BACKLOG] = report
        name = self._reference.priority_name
        self.backlog_chart.replace_chart(charts.backlog_status_chart(report, name))
        self.priority_chart.replace_chart(charts.backlog_priority_chart(report, name))
        self.summary.show_backlog(report)

    def show_resolution(self, report: ResolutionReport) -> None:
        self.reports[ReportName.RESOLUTION] = report
        self.times_chart.replace_chart(charts.times_chart(report))
        self.summary.show_resolution(report)

    def show_agents(self, report: AgentsReport) -> None:
        self.reports[ReportName.AGENTS] = report
        self.agents_table.model.set_rows(report.agents)
        self.agents_chart.replace_chart(charts.agents_chart(report))

    def show_categories(self, report: CategoriesReport) -> None:
        self.reports[ReportName.CATEGORIES] = report
        self.categories_table.model.set_rows(report.categories)
        self.terms_table.model.set_rows(report.terms)
        self.categories_chart.replace_chart(charts.categories_chart(report))

    # --- exports ------------------------------------------------------------------------------

    def export_server_csv(self, report: ReportName, path: Path) -> None:
        """The server's CSV of ``report`` for the filters shown (every row), off the UI thread."""
        client, filters = self._client, self.last_filters or self.filter_bar.filters()

        def failed(error: BaseException) -> None:
            self.error.set_error(action_error(error, "export the table"))

        self.error.set_error("")
        self._context.tasks.run(
            lambda: client.download_csv(report, filters, path),
            lambda _none: self.status.setText(f"Saved {path.name}."),
            failed,
            owner=self,
        )

    def export_pdf(self, path: Path) -> None:
        filters = self.last_filters or self.filter_bar.filters()
        lines = [
            f"From {filters.date_from} to {filters.date_to}, by {filters.interval}",
            *(f"{title}: {self.summary.text(key)}" for key, title in SummaryFigures.NAMES),
        ]
        tables = [self.agents_table, self.categories_table, self.terms_table, self.sla_table]
        write_pdf(path, "Ticketdesk — Analytics", lines, self.chart_panels, tables)

    @Slot()
    def _on_filter_bar_refresh_requested(self) -> None:
        self.refresh()

    @Slot()
    def _on_pdf_button_clicked(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, "Export PDF", "analytics.pdf", "PDF files (*.pdf)")
        if path:
            self.export_pdf(Path(path))

    @Slot(Path)
    def _on_agents_table_export_requested(self, path: Path) -> None:
        self.export_server_csv(ReportName.AGENTS, path)

    @Slot(Path)
    def _on_categories_table_export_requested(self, path: Path) -> None:
        self.export_server_csv(ReportName.CATEGORIES, path)

    @Slot(Path)
    def _on_terms_table_export_requested(self, path: Path) -> None:
        self.terms_table.model.write_csv(path)
        self.status.setText(f"Saved {path.name}.")

    @Slot(Path)
    def _on_sla_table_export_requested(self, path: Path) -> None:
        """The rows shown: the server's SLA CSV is its series, not this table."""
        self.sla_table.model.write_csv(path)
        self.status.setText(f"Saved {path.name}.")
