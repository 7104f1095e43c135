"""The whole dashboard as a PDF: a heading with the filters and figures, each chart on its own
page, then every table with all its rows in the order shown, over as many pages as it takes
(QPdfWriter with a QPainter; no other library)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPainter, QPdfWriter

from desktop.ui.analytics.chart_panel import ChartPanel
from desktop.ui.analytics.table_panel import TablePanel


def write_pdf(
    path: Path,
    title: str,
    lines: Sequence[str],
    charts: Sequence[ChartPanel],
    tables: Sequence[TablePanel] = (),
) -> None:
    """``title`` and ``lines`` on the first page with the first chart, one chart a page after,
    then the tables."""
    writer = QPdfWriter(str(path))
    writer.setTitle(title)
    writer.setResolution(150)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Landscape,
            QMarginsF(12, 12, 12, 12),
            QPageLayout.Unit.Millimeter,
        )
    )
    painter = QPainter(writer)
    try:
        page = QRectF(painter.viewport())
        for number, panel in enumerate(charts):
            top = 0.0
            if number == 0:
                font = QFont(painter.font())
                font.setPointSizeF(16)
                painter.setFont(font)
                heading = QRectF(0, 0, page.width(), 60)
                painter.drawText(heading, Qt.AlignmentFlag.AlignLeft, title)
                font.setPointSizeF(9)
                painter.setFont(font)
                text = QRectF(0, 60, page.width(), 30 * max(1, len(lines)))
                painter.drawText(text, Qt.AlignmentFlag.AlignLeft, "\n".join(lines))
                top = text.bottom() + 20
            else:
                writer.newPage()
            font = QFont(painter.font())
            font.setPointSizeF(12)
            painter.setFont(font)
            painter.drawText(QRectF(0, top, page.width(), 40), Qt.AlignmentFlag.AlignLeft, panel.title)
            panel.paint_into(painter, QRectF(0, top + 45, page.width(), page.height() - top - 45))
        for table in tables:
            writer.newPage()
            _draw_table(painter, writer, page, table)
    finally:
        painter.end()


def _cells(table: TablePanel) -> tuple[list[str], list[list[str]]]:
    """The header and every row's texts, in the order the table shows them."""
    proxy = table.proxy
    columns = range(proxy.columnCount())
    header = [str(proxy.headerData(c, Qt.Orientation.Horizontal)) for c in columns]
    rows = [[str(proxy.data(proxy.index(r, c)) or "") for c in columns] for r in range(proxy.rowCount())]
    return header, rows


def _draw_table(painter: QPainter, writer: QPdfWriter, page: QRectF, table: TablePanel) -> None:
    """``table`` under its title, a line a row, a new page (header again) when one is full;
    columns as wide as their longest text needs, within the page."""
    header, rows = _cells(table)
    title_font = QFont(painter.font())
    title_font.setPointSizeF(12)
    body_font = QFont(painter.font())
    body_font.setPointSizeF(9)
    bold = QFont(body_font)
    bold.setBold(True)
    painter.setFont(bold)
    header_widths = [painter.fontMetrics().horizontalAdvance(h) for h in header]
    painter.setFont(body_font)
    metrics = painter.fontMetrics()
    wanted = [
        max([header_widths[i], *(metrics.horizontalAdvance(row[i]) for row in rows)]) + 36
        for i in range(len(header))
    ]
    scale = min(1.0, page.width() / max(1, sum(wanted)))
    widths = [w * scale for w in wanted]
    line = metrics.height() * 1.4

    def heading(continued: bool) -> float:
        painter.setFont(title_font)
        text = f"{table.title} (continued)" if continued else table.title
        painter.drawText(QRectF(0, 0, page.width(), 40), Qt.AlignmentFlag.AlignLeft, text)
        painter.setFont(bold)
        _draw_row(painter, header, widths, 50, line)
        painter.setFont(body_font)
        return 50 + line

    top = heading(False)
    for row in rows:
        if top + line > page.height():
            writer.newPage()
            top = heading(True)
        _draw_row(painter, row, widths, top, line)
        top += line


def _draw_row(
    painter: QPainter, texts: Sequence[str], widths: Sequence[float], top: float, height: float
) -> None:
    left = 0.0
    for text, width in zip(texts, widths, strict=True):
        box = QRectF(left, top, width - 12, height)
        painter.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        left += width
