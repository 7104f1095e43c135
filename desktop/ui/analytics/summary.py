"""The dashboard's key figures in words: resolution and first-response times, tickets without a
response, and how long open tickets have waited."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from desktop.models.report_tables import hours_text
from desktop.net.reports import BacklogReport, DurationFigures, ResolutionReport


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} d"


class SummaryFigures(QWidget):
    """Labels for each figure, named so that screen readers and tests can find them."""

    NAMES = (
        ("resolution", "Resolution"),
        ("first_response", "First response"),
        ("without_response", "Without response"),
        ("open_age", "Open tickets' age"),
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values: dict[str, QLabel] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        for column, (key, title) in enumerate(self.NAMES):
            heading = QLabel(f"<b>{title}</b>")
            value = QLabel("—")
            value.setAccessibleName(title)
            value.setWordWrap(True)
            grid.addWidget(heading, 0, column)
            grid.addWidget(value, 1, column)
            self.values[key] = value

    def text(self, key: str) -> str:
        return self.values[key].text()

    def show_resolution(self, report: ResolutionReport) -> None:
        self.values["resolution"].setText(self._durations(report.resolution_minutes))
        self.values["first_response"].setText(self._durations(report.first_response_minutes))
        count = report.first_response_minutes.without_response
        self.values["without_response"].setText(f"{count:,} ticket" + ("" if count == 1 else "s"))

    def show_backlog(self, report: BacklogReport) -> None:
        age = report.open_age_days
        self.values["open_age"].setText(f"median {_days(age.median)} · p90 {_days(age.p90)}")

    @staticmethod
    def _durations(figures: DurationFigures) -> str:
        return (
            f"mean {hours_text(figures.mean)} · median {hours_text(figures.median)} · "
            f"p90 {hours_text(figures.p90)} ({figures.count:,} tickets)"
        )
