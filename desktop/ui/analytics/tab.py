"""The admin console's Analytics tab: a light placeholder that builds the dashboard (and
imports QtCharts) the first time it is shown, so opening the console does not load charts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget
from typing_extensions import override

from desktop.ui.queue.reference_data import Reference, ReferenceData
from desktop.ui.shell.context import AppContext

if TYPE_CHECKING:
    from desktop.ui.analytics.dashboard import AnalyticsDashboard


class AnalyticsTab(QWidget):
    """Holds :class:`AnalyticsDashboard` once built; loads it on first show."""

    def __init__(
        self,
        context: AppContext,
        reference: ReferenceData,
        parent: QWidget | None = None,
        *,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._reference = reference
        self._today = today
        self.dashboard: AnalyticsDashboard | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        reference.changed.connect(self._on_reference_changed)

    def build(self) -> AnalyticsDashboard:
        """The dashboard, built now if it was not yet (QtCharts loads here)."""
        if self.dashboard is None:
            from desktop.ui.analytics.dashboard import AnalyticsDashboard  # noqa: PLC0415 - QtCharts on first use

            self.dashboard = AnalyticsDashboard(self._context, today=self._today)
            self.dashboard.set_reference(self._reference.current)
            self._layout.addWidget(self.dashboard)
        return self.dashboard

    @override
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        dashboard = self.build()
        if not dashboard.loaded_once:
            dashboard.refresh()

    @Slot(object)
    def _on_reference_changed(self, reference: Reference) -> None:
        if self.dashboard is not None:
            self.dashboard.set_reference(reference)
