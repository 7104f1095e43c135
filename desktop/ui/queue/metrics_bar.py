"""Key numbers over the queue: open, unassigned, in progress, on hold, resolved today.

Counted from the cache by :func:`desktop.store.queries.metrics` in a background task, again a
moment after the cache changes. Each number is a button that filters the queue to its tickets.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QToolButton, QWidget

from desktop.store import queries
from desktop.store.database import ChangeSet, Store
from desktop.tasks import TaskRunner
from ticketing.domain import Status
from ticketing.schemas import TicketQuery

REFRESH_DELAY_MS = 400
ACTIVE = [s for s in Status if s.is_active]


def _resolved_today() -> TicketQuery:
    """Resolved and touched today: the filter vocabulary has no "resolved since", and resolving
    touches a ticket, so this shows every ticket the number counts (and maybe a few more)."""
    return TicketQuery(status=[Status.RESOLVED], updated_from=queries.local_day_start())


#: (label, value of :class:`queries.Metrics`, the filter the number stands for)
METRICS: tuple[tuple[str, Callable[[queries.Metrics], int], Callable[[], TicketQuery]], ...] = (
    ("Open", lambda m: m.open, lambda: TicketQuery(status=[Status.OPEN])),
    ("Unassigned", lambda m: m.unassigned, lambda: TicketQuery(status=ACTIVE, assignee="none")),
    ("In progress", lambda m: m.in_progress, lambda: TicketQuery(status=[Status.IN_PROGRESS])),
    ("On hold", lambda m: m.on_hold, lambda: TicketQuery(status=[Status.ON_HOLD])),
    ("Resolved today", lambda m: m.resolved_today, _resolved_today),
)


class MetricButton(QToolButton):
    """One number with its label under it; its accessible name is the label ("Open"), the
    number its accessible description (a name that changes with the count is no name)."""

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = label
        self.value: int | None = None
        self.setAutoRaise(True)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.setMinimumWidth(96)
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.setFont(font)
        self.show_value(None)

    def show_value(self, value: int | None) -> None:
        self.value = value
        shown = "…" if value is None else f"{value:,}"
        self.setText(f"{shown}\n{self.label}")
        self.setAccessibleName(self.label)
        self.setAccessibleDescription(shown)
        self.setToolTip(f"Show the {self.label.lower()} tickets")


class MetricsBar(QWidget):
    """The dashboard numbers at the top of the console.

    Signals:
        filter_requested(TicketQuery): the user clicked a number to see its tickets.
    """

    filter_requested = Signal(object)

    def __init__(self, store: Store, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._tasks = tasks
        self._loading = False
        self._again = False
        self.buttons: dict[str, MetricButton] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for label, _value, query in METRICS:
            button = MetricButton(label)
            button.clicked.connect(lambda _checked=False, make=query: self.filter_requested.emit(make()))
            self.buttons[label] = button
            layout.addWidget(button)
        layout.addStretch(1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_DELAY_MS)
        self._timer.timeout.connect(self._on_timer_timeout)

    def values(self) -> dict[str, int | None]:
        return {label: button.value for label, button in self.buttons.items()}

    def reload(self) -> None:
        if self._loading:
            self._again = True
            return
        self._loading = True
        store = self._store
        self._tasks.run(lambda: queries.metrics(store), self._on_loaded, self._on_failed, owner=self)

    @Slot(object)
    def on_data_changed(self, change: ChangeSet) -> None:
        if change.tickets or change.everything:
            self._timer.start()

    @Slot()
    def _on_timer_timeout(self) -> None:
        self.reload()

    def _on_loaded(self, metrics: queries.Metrics) -> None:
        self._loading = False
        for label, value, _query in METRICS:
            self.buttons[label].show_value(value(metrics))
        if self._again:
            self._again = False
            self.reload()

    def _on_failed(self, error: BaseException) -> None:
        self._loading = False
        self._again = False
        for button in self.buttons.values():
            button.setToolTip(f"Could not count the tickets: {error}")
