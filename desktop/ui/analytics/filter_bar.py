"""The Analytics filter bar: date range (presets or custom), interval, category, priority, Refresh.

It only holds the choice: :meth:`AnalyticsFilterBar.filters` says what to ask the server, and
``refresh_requested`` says when. The interval follows the range's length until someone picks
one themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QDate, QTimer, Signal, Slot
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop.net.reports import Interval, ReportFilters
from desktop.ui.analytics.periods import Preset, auto_interval, preset_range
from desktop.ui.queue.reference_data import Reference


def _qdate(value: dt.date) -> QDate:
    return QDate(value.year, value.month, value.day)


def _date(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


class AnalyticsFilterBar(QWidget):
    """Signals:
    refresh_requested(): Refresh was pressed (or Return in a date field).
    filters_changed(): the choice changed and has stayed so for a moment (typing a date
        asks once, at the end).
    """

    refresh_requested = Signal()
    filters_changed = Signal()

    #: How long a choice must stay before ``filters_changed`` (ms).
    SETTLE_MS = 400

    def __init__(self, today: Callable[[], dt.date] = dt.date.today, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._today = today
        self._interval_chosen = False
        self.preset = QComboBox()
        self.preset.setAccessibleName("Date range")
        for preset in Preset:
            self.preset.addItem(preset.value, preset)
        self.date_from = QDateEdit()
        self.date_from.setAccessibleName("From")
        self.date_to = QDateEdit()
        self.date_to.setAccessibleName("To")
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.interval = QComboBox()
        self.interval.setAccessibleName("Interval")
        for interval in Interval:
            self.interval.addItem(interval.value.title(), interval)
        self.category = QComboBox()
        self.category.setAccessibleName("Category")
        self.category.addItem("All categories", None)
        self.priority = QComboBox()
        self.priority.setAccessibleName("Priority")
        self.priority.addItem("All priorities", None)
        self.refresh_button = QPushButton("Refres&h")
        self.refresh_button.setAccessibleName("Refresh")

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for text, box in (
            ("&Range:", self.preset),
            ("Fro&m:", self.date_from),
            ("T&o:", self.date_to),
            ("&Interval:", self.interval),
            ("Cat&egory:", self.category),
            ("&Priority:", self.priority),
        ):
            label = QLabel(text)
            label.setBuddy(box)
            layout.addWidget(label)
            layout.addWidget(box)
        layout.addStretch(1)
        layout.addWidget(self.refresh_button)

        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(self.SETTLE_MS)
        self._settle.timeout.connect(self.filters_changed)

        self.apply_preset(Preset.LAST_30)
        self.category.currentIndexChanged.connect(self._on_choice_changed)
        self.priority.currentIndexChanged.connect(self._on_choice_changed)
        self.preset.currentIndexChanged.connect(self._on_preset_current_index_changed)
        self.date_from.dateChanged.connect(self._on_date_changed)
        self.date_to.dateChanged.connect(self._on_date_changed)
        self.interval.activated.connect(self._on_interval_activated)
        self.refresh_button.clicked.connect(self._on_refresh_button_clicked)

    # --- the choice ---------------------------------------------------------------------------

    def filters(self) -> ReportFilters:
        return ReportFilters(
            date_from=_date(self.date_from.date()),
            date_to=_date(self.date_to.date()),
            category_id=self.category.currentData(),
            priority=self.priority.currentData(),
            interval=Interval(self.interval.currentData()),  # Qt hands enums back as str
        )

    def apply_preset(self, preset: Preset) -> None:
        """Select ``preset`` and set the dates it stands for (custom keeps the dates)."""
        self.preset.blockSignals(True)
        self.preset.setCurrentIndex(self.preset.findData(preset))
        self.preset.blockSignals(False)
        if preset is not Preset.CUSTOM:
            first, last = preset_range(preset, self._today())
            self._set_dates(first, last)
        self._follow_range()

    def set_reference(self, reference: Reference) -> None:
        """Offer the active categories and priorities (most urgent first), keeping the choice."""
        self._refill(
            self.category, "All categories", [(c.name, c.id) for c in reference.categories if c.is_active]
        )
        self._refill(self.priority, "All priorities", [(p.name, p.key) for p in reference.active_priorities])

    def set_busy(self, busy: bool) -> None:
        self.refresh_button.setEnabled(not busy)

    # --- plumbing -----------------------------------------------------------------------------

    @staticmethod
    def _refill(box: QComboBox, everything: str, items: list[tuple[str, str]]) -> None:
        current = box.currentData()
        box.blockSignals(True)
        box.clear()
        box.addItem(everything, None)
        for text, value in items:
            box.addItem(text, value)
        box.setCurrentIndex(max(0, box.findData(current)))
        box.blockSignals(False)

    def _set_dates(self, first: dt.date, last: dt.date) -> None:
        for edit, value in ((self.date_from, first), (self.date_to, last)):
            edit.blockSignals(True)
            edit.setDate(_qdate(value))
            edit.blockSignals(False)

    def _follow_range(self) -> None:
        if not self._interval_chosen:
            filters = self.filters()
            assert filters.date_from is not None and filters.date_to is not None
            interval = auto_interval(filters.date_from, filters.date_to)
            self.interval.setCurrentIndex(self.interval.findData(interval))

    def loading_now(self) -> None:
        """A load for the filters as they stand began: no second one for the same choice a
        moment later."""
        self._settle.stop()

    @Slot()
    def _on_refresh_button_clicked(self) -> None:
        self._settle.stop()  # asked for now: no second load a moment later
        self.refresh_requested.emit()

    @Slot(int)
    def _on_choice_changed(self, _index: int) -> None:
        self._settle.start()

    @Slot(int)
    def _on_preset_current_index_changed(self, _index: int) -> None:
        self.apply_preset(Preset(self.preset.currentData()))
        self._settle.start()

    @Slot()
    def _on_date_changed(self) -> None:
        if self.date_from.date() > self.date_to.date():
            sender = self.sender()
            other = self.date_to if sender is self.date_from else self.date_from
            other.blockSignals(True)
            other.setDate(sender.date())  # type: ignore[attr-defined]
            other.blockSignals(False)
        self.preset.blockSignals(True)
        self.preset.setCurrentIndex(self.preset.findData(Preset.CUSTOM))
        self.preset.blockSignals(False)
        self._follow_range()
        self._settle.start()

    @Slot(int)
    def _on_interval_activated(self, _index: int) -> None:
        self._interval_chosen = True
        self._settle.start()
