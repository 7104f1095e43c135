"""The "Match" column of a ticket table while it shows search results.

Each row's snippet (read with its row, in the background: painting never queries) is painted
with the matched words in bold. The snippet is escaped text before its markers become ``<b>``
(:func:`desktop.store.search.snippet_html`), so nothing a ticket says is rendered as markup.
The column shows only while a search is active, and its header is the order by relevance: the
sort indicator stands on it until the user clicks another column, and clicking it again
brings relevance back.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QPointF, Qt, Slot
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QTableView
from typing_extensions import override

from desktop.models.ticket_table import RELEVANCE, TicketRole, TicketTableModel
from desktop.store import search
from desktop.store.queries import TicketRow
from desktop.ui.widgets.rich_text_cell import begin_cell


class MatchDelegate(QStyledItemDelegate):
    """Paints a row's search snippet as one line of rich text, matched words in bold."""

    @override
    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        ticket = index.data(TicketRole.TICKET)
        if not isinstance(ticket, TicketRow) or not ticket.match:
            super().paint(painter, option, index)
            return
        cell = begin_cell(self, painter, option, index)
        document = cell.document(search.snippet_html(" ".join(ticket.match.split())))  # one line
        area = cell.style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, cell.item, cell.widget)
        top = area.top() + (area.height() - document.size().height()) / 2
        cell.draw(painter, document, area, QPointF(area.left() + 2, top))


class MatchColumn(QObject):
    """Keeps a table's match column and sort indicator in step with its model's search."""

    def __init__(self, view: QTableView, model: TicketTableModel, column: int, *, after: int) -> None:
        """``after``: the column the matches are shown next to (the title), so that they are
        in view without scrolling, whatever the model's column order."""
        super().__init__(view)
        self._view = view
        self._model = model
        self._column = column
        view.setItemDelegateForColumn(column, MatchDelegate(view))
        header = view.horizontalHeader()
        header.moveSection(header.visualIndex(column), header.visualIndex(after) + 1)
        model.ids_loaded.connect(self._on_model_ids_loaded)
        self._follow()

    @Slot(int)
    def _on_model_ids_loaded(self, _count: int) -> None:
        self._follow()

    def _follow(self) -> None:
        model, header = self._model, self._view.horizontalHeader()
        self._view.setColumnHidden(self._column, not model.searching)
        if model.ranked:
            wanted = (self._column, Qt.SortOrder.AscendingOrder)
        else:
            sort = model.query.sort
            key = sort.lstrip("-")
            column = next(
                (n for n, c in enumerate(model.columns) if c.sort_key == key and c.sort_key != RELEVANCE),
                header.sortIndicatorSection(),
            )
            order = Qt.SortOrder.DescendingOrder if sort.startswith("-") else Qt.SortOrder.AscendingOrder
            wanted = (column, order)
        if (header.sortIndicatorSection(), header.sortIndicatorOrder()) != wanted:
            header.setSortIndicator(*wanted)  # the model already has this order: no new query
