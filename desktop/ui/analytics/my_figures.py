"""An agent's own figures (their row of the agents report) in a small window of the agent
console. Agents may read only that report, so nothing else is asked; it needs no charts."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from desktop.models.formatting import local_time
from desktop.models.report_tables import hours_text
from desktop.net.reports import AgentRow, AgentsReport, ReportName, ReportsClient
from desktop.ui.admin.dialogs import ErrorLabel
from desktop.ui.analytics.filter_bar import AnalyticsFilterBar
from desktop.ui.analytics.loader import Loaded, NothingCached, load_reports
from desktop.ui.queue.reference_data import Reference
from desktop.ui.shell.context import AppContext
from desktop.ui.shell.error_text import action_error

#: What the window shows of the row, in order.
FIGURES: tuple[tuple[str, Callable[[AgentRow], str]], ...] = (
    ("Assigned", lambda a: f"{a.assigned:,}"),
    ("Resolved", lambda a: f"{a.resolved:,}"),
    ("Median resolution", lambda a: hours_text(a.median_resolution_minutes)),
    ("Median first response", lambda a: hours_text(a.median_first_response_minutes)),
    ("Reopened", lambda a: f"{a.reopened:,}"),
    ("Public replies", lambda a: f"{a.public_replies:,}"),
    ("Internal notes", lambda a: f"{a.internal_notes:,}"),
)


class MyFiguresDialog(QDialog):
    """The signed-in agent's figures for a date range; loads when opened and on Refresh."""

    def __init__(
        self,
        context: AppContext,
        reference: Reference | None = None,
        parent: QWidget | None = None,
        *,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("My figures")
        self._context = context
        self._client = ReportsClient(context.api)
        self._requests = itertools.count(1)
        self._latest = 0
        self.loading = False
        self.filter_bar = AnalyticsFilterBar(today)
        if reference is not None:
            self.filter_bar.set_reference(reference)
        self.status = QLabel()
        self.status.setAccessibleName("My figures status")
        self.status.setWordWrap(True)
        self.error = ErrorLabel("My figures")
        self.values: dict[str, QLabel] = {}
        form = QFormLayout()
        for title, _text in FIGURES:
            value = QLabel("—")
            value.setAccessibleName(title)
            form.addRow(f"{title}:", value)
            self.values[title] = value
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        layout.addLayout(form)
        layout.addWidget(buttons)
        buttons.rejected.connect(self.reject)
        self.filter_bar.refresh_requested.connect(self._on_filter_bar_refresh_requested)

    def refresh(self) -> None:
        filters = self.filter_bar.filters()
        client, store = self._client, self._context.store
        number = self._latest = next(self._requests)
        self.loading = True
        self.filter_bar.set_busy(True)
        self.error.set_error("")
        self.status.setText("Loading your figures…")

        def done(loaded: Loaded) -> None:
            if number == self._latest:
                self._finish()
                self.show_loaded(loaded)

        def failed(error: BaseException) -> None:
            if number == self._latest:
                self._finish()
                if isinstance(error, NothingCached):
                    self.status.setText("Offline — your figures for these dates were not loaded here yet.")
                else:
                    self.status.setText("")
                    self.error.set_error(action_error(error, "load your figures"))

        self._context.tasks.run(
            lambda: load_reports(client, store, (ReportName.AGENTS,), filters), done, failed, owner=self
        )

    def _finish(self) -> None:
        self.loading = False
        self.filter_bar.set_busy(False)

    def show_loaded(self, loaded: Loaded) -> None:
        report = loaded.reports[ReportName.AGENTS]
        assert isinstance(report, AgentsReport)
        self.show_report(report)
        if loaded.offline_as_of is not None:
            self.status.setText(f"Offline — figures as of {local_time(loaded.offline_as_of)}")
        else:
            self.status.setText("")

    def show_report(self, report: AgentsReport) -> None:
        """The caller's own row (the server sends agents only theirs)."""
        own = next((a for a in report.agents if str(a.agent_id) == self._context.user.id), None)
        if own is None and report.agents:
            own = report.agents[0]
        for title, text in FIGURES:
            self.values[title].setText(text(own) if own is not None else "—")

    @Slot()
    def _on_filter_bar_refresh_requested(self) -> None:
        self.refresh()
