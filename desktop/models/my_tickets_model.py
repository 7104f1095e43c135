"""The "My tickets" table: the tickets an account submitted, with search and sync marks.

The lazy loading is :class:`~desktop.models.ticket_table.TicketTableModel`'s (the first rows
come with the ids, so a short list shows complete at once); this module says what the
requester's columns are and how a row looks in them.
"""

from __future__ import annotations

import enum
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QGuiApplication
from typing_extensions import override

from desktop.models.formatting import local_time, relative_time
from desktop.models.ticket_table import RELEVANCE, TicketColumn, TicketTableModel
from desktop.palette import scheme_for
from desktop.store import search
from desktop.store.database import Store
from desktop.store.queries import TicketRow
from desktop.tasks import TaskRunner
from ticketing.schemas import TicketQuery

#: The longest search text sent to the cache.
SEARCH_LIMIT = 200


class Column(enum.IntEnum):
    NUMBER = 0
    TITLE = 1
    STATUS = 2
    PRIORITY = 3
    CATEGORY = 4
    UPDATED = 5
    SYNC = 6
    MATCH = 7  # a search's snippet; its header orders the results by relevance


def sync_text(row: TicketRow) -> str:
    if row.has_problem:
        return "Problem"
    if row.pending:
        return "Pending"
    return ""


_COLUMNS: dict[Column, TicketColumn] = {
    Column.NUMBER: TicketColumn("Number", "number", lambda t: t.display_number),
    Column.TITLE: TicketColumn("Title", "title", lambda t: t.title),
    Column.STATUS: TicketColumn("Status", "status", lambda t: t.status.value),
    Column.PRIORITY: TicketColumn("Priority", "priority", lambda t: t.priority_name or t.priority),
    Column.CATEGORY: TicketColumn("Category", "category", lambda t: t.category_name or "—"),
    Column.UPDATED: TicketColumn("Last update", "updated_at", lambda t: relative_time(t.updated_at)),
    Column.SYNC: TicketColumn("Sync", "updated_at", sync_text),
    Column.MATCH: TicketColumn("Match", RELEVANCE, lambda t: search.snippet_plain(t.match or "")),
}


class MyTicketsModel(TicketTableModel):
    """Tickets submitted by one account, newest change first by default.

    Signals: see :class:`TicketTableModel`.
    """

    columns = tuple(_COLUMNS[column] for column in Column)

    def __init__(
        self, store: Store, tasks: TaskRunner, submitter_id: str, parent: QObject | None = None
    ) -> None:
        super().__init__(store, tasks, TicketQuery(submitter_id=submitter_id), parent)

    def set_search(self, text: str) -> None:
        search = text.strip()[:SEARCH_LIMIT] or None
        if search != self.query.q:
            self.set_query(self.query.model_copy(update={"q": search}))

    @override
    def decoration(self, ticket: TicketRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(ticket, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            return _foreground(ticket, column)
        return None


def _foreground(row: TicketRow, column: int) -> QColor | None:
    if column == Column.SYNC and (row.pending or row.has_problem):
        scheme = scheme_for(QGuiApplication.palette())
        return QColor(scheme.danger if row.has_problem else scheme.warning)
    if column == Column.NUMBER and row.is_draft:
        return QColor(scheme_for(QGuiApplication.palette()).warning)
    return None


def _tooltip(row: TicketRow, column: int) -> str | None:
    if column == Column.NUMBER and row.is_draft:
        return "Created on this computer; it gets its number when the server receives it."
    if column == Column.UPDATED:
        return local_time(row.updated_at)
    if column == Column.SYNC and row.has_problem:
        return "The server did not accept a change: see Sync problems in the status bar."
    if column == Column.SYNC and row.pending:
        return "Changes made here have not reached the server yet."
    if column == Column.TITLE:
        return row.title
    return None
