"""The agents' ticket queue: every ticket the cache holds, in the columns agents sort and scan.

The lazy loading over 100k tickets is :class:`~desktop.models.ticket_table.TicketTableModel`'s;
this module says what the queue's columns are and how a row looks in them.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QPalette
from typing_extensions import override

from desktop.models.formatting import due_text, local_time
from desktop.models.ticket_table import RELEVANCE, TicketColumn, TicketTableModel
from desktop.palette import scheme_for
from desktop.store import search
from desktop.store.queries import DueTarget, TicketRow
from ticketing.sla import SlaState


class QueueColumn(enum.IntEnum):
    NUMBER = 0
    TITLE = 1
    STATUS = 2
    PRIORITY = 3
    CATEGORY = 4
    ASSIGNEE = 5
    REQUESTER = 6
    UPDATED = 7
    MATCH = 8  # a search's snippet; its header orders the results by relevance
    DUE = 9  # the nearest service-level target, counting down

    @property
    def label(self) -> str:
        return _COLUMNS[self].label

    @property
    def sort_key(self) -> str:
        """The :class:`TicketQuery` ``sort`` name of this column (ascending)."""
        return _COLUMNS[self].sort_key


_COLUMNS: dict[QueueColumn, TicketColumn] = {
    QueueColumn.NUMBER: TicketColumn("Number", "number", lambda t: t.display_number),
    QueueColumn.TITLE: TicketColumn("Title", "title", lambda t: t.title),
    QueueColumn.STATUS: TicketColumn("Status", "status", lambda t: t.status.value),
    QueueColumn.PRIORITY: TicketColumn("Priority", "priority", lambda t: t.priority_name or t.priority),
    QueueColumn.CATEGORY: TicketColumn("Category", "category", lambda t: t.category_name or "—"),
    QueueColumn.ASSIGNEE: TicketColumn("Assignee", "assignee", lambda t: t.assignee_name or "Unassigned"),
    QueueColumn.REQUESTER: TicketColumn("Requester", "submitter", lambda t: t.submitter_name or "—"),
    QueueColumn.UPDATED: TicketColumn(
        "Updated", "updated_at", lambda t: t.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
    ),
    QueueColumn.MATCH: TicketColumn("Match", RELEVANCE, lambda t: search.snippet_plain(t.match or "")),
    QueueColumn.DUE: TicketColumn(
        "Due", "due", lambda t: "" if t.due is None else due_text(t.due.due_at, t.due.paused, utc_now())
    ),
}

#: How often the Due column is painted again (its countdown moves with the clock, offline too).
DUE_REFRESH_MS = 30_000


def utc_now() -> dt.datetime:
    """What "now" is for the countdowns (tests hold it with ``monkeypatch``)."""
    return dt.datetime.now(dt.UTC)


def due_tooltip(due: DueTarget, now: dt.datetime) -> str:
    target = due.target.replace("_", " ").capitalize()
    state = due.state(now)
    words = {
        SlaState.BREACHED: "missed",
        SlaState.WARNING: "due soon",
        SlaState.PAUSED: "paused (the clock waits while the ticket is on hold)",
    }.get(state, "on track")
    return f"{target} target: due {local_time(due.due_at)}, {words}"


def sort_for(column: int, order: Qt.SortOrder) -> str:
    key = QueueColumn(column).sort_key
    return f"-{key}" if order == Qt.SortOrder.DescendingOrder else key


def column_for(sort: str) -> tuple[QueueColumn, Qt.SortOrder]:
    """The column and order that show ``sort`` (``-updated_at`` -> Updated, descending)."""
    key = sort.lstrip("-")
    order = Qt.SortOrder.DescendingOrder if sort.startswith("-") else Qt.SortOrder.AscendingOrder
    column = next((c for c in QueueColumn if c.sort_key == key), QueueColumn.UPDATED)  # not MATCH
    return column, order


def _tooltip(ticket: TicketRow) -> str:
    notes = [f"{ticket.display_number}: {ticket.title}"]
    if ticket.unread:
        notes.append("New activity you have not seen yet.")
    if ticket.pending:
        notes.append("Changes made here are waiting to be sent.")
    if ticket.has_problem:
        notes.append("A change to this ticket was not accepted (see sync problems).")
    return "\n".join(notes)


def _due_brush(state: SlaState) -> QBrush | None:
    """Red when missed, amber in warning; otherwise the usual text colour."""
    scheme = scheme_for(QGuiApplication.palette())
    colour = {SlaState.BREACHED: scheme.danger, SlaState.WARNING: scheme.warning}.get(state)
    return QBrush(QColor(colour)) if colour else None


class QueueModel(TicketTableModel):
    """The queue: ticket ids of the agent's filter and sort, rows read for what views paint.
    The Due column is painted again every :data:`DUE_REFRESH_MS` (no read, no write).

    Signals: see :class:`TicketTableModel`.
    """

    columns = tuple(_COLUMNS[column] for column in QueueColumn)

    def start_countdown(self) -> None:
        """Repaint the Due column as time passes (the view calls this once it shows the model)."""
        timer = getattr(self, "_countdown", None)
        if timer is None:
            timer = self._countdown = QTimer(self)
            timer.setInterval(DUE_REFRESH_MS)
            timer.timeout.connect(self.repaint_due)
        timer.start()

    def repaint_due(self) -> None:
        rows = self.rowCount()
        if rows:
            column = int(QueueColumn.DUE)
            self.dataChanged.emit(self.index(0, column), self.index(rows - 1, column))

    @override
    def decoration(self, ticket: TicketRow, column: int, role: int) -> Any:
        result: Any = None
        if role == Qt.ItemDataRole.ToolTipRole and column == QueueColumn.DUE and ticket.due is not None:
            result = due_tooltip(ticket.due, utc_now())
        elif role == Qt.ItemDataRole.ToolTipRole:
            result = _tooltip(ticket)
        elif role == Qt.ItemDataRole.ForegroundRole and column == QueueColumn.DUE and ticket.due is not None:
            result = _due_brush(ticket.due.state(utc_now()))
        elif role == Qt.ItemDataRole.FontRole and (ticket.pending or ticket.is_draft):
            result = QFont()
            result.setItalic(True)
        elif role == Qt.ItemDataRole.ForegroundRole and column == QueueColumn.ASSIGNEE:
            if not ticket.assignee_id:  # "Unassigned" in the placeholder colour
                result = QGuiApplication.palette().brush(QPalette.ColorRole.PlaceholderText)
        elif role == Qt.ItemDataRole.TextAlignmentRole and column == QueueColumn.NUMBER:
            result = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return result
