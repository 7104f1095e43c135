"""Rich text painted in an item view's cell, for the delegates that show search snippets (the
queue's Match column, the search dialog's results).

The style draws the cell as usual (background, selection, focus) but without its text; then a
``QTextDocument`` draws the HTML in the text colour of the row's state, so matched words can be
bold or highlighted while the selection still looks like every other row's.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRect
from PySide6.QtGui import QAbstractTextDocumentLayout, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget


@dataclass(frozen=True)
class Cell:
    """A cell whose background the style has drawn: its options, style and selection state."""

    item: QStyleOptionViewItem
    style: QStyle
    widget: QWidget | None
    selected: bool

    def document(self, html: str) -> QTextDocument:
        """``html`` laid out in the cell's font, without margins."""
        document = QTextDocument()
        document.setDocumentMargin(0)
        document.setDefaultFont(self.item.font)
        document.setHtml(html)
        return document

    def draw(self, painter: QPainter, document: QTextDocument, clip: QRect, at: QPointF) -> None:
        """Draw ``document`` at ``at``, clipped to ``clip``, in the text colour of the row."""
        context = QAbstractTextDocumentLayout.PaintContext()
        role = QPalette.ColorRole.HighlightedText if self.selected else QPalette.ColorRole.Text
        context.palette.setColor(QPalette.ColorRole.Text, self.item.palette.color(role))
        painter.save()
        painter.setClipRect(clip)
        painter.translate(at)
        document.documentLayout().draw(painter, context)
        painter.restore()


def begin_cell(
    delegate: QStyledItemDelegate,
    painter: QPainter,
    option: QStyleOptionViewItem,
    index: QModelIndex | QPersistentModelIndex,
) -> Cell:
    """Let the style draw the cell of ``index`` without its text; the cell to draw text into."""
    item = QStyleOptionViewItem(option)
    delegate.initStyleOption(item, index)
    item.text = ""
    widget = item.widget
    style = widget.style() if widget is not None else QApplication.style()
    style.drawControl(QStyle.ControlElement.CE_ItemViewItem, item, painter, widget)
    return Cell(item, style, widget, bool(item.state & QStyle.StateFlag.State_Selected))
