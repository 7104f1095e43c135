"""The whole dashboard as a PDF: a heading with the filters and figures, then each chart on
its own page (QPdfWriter with a QPainter; no other library)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPainter, QPdfWriter

from desktop.ui.analytics.chart_panel import ChartPanel


def write_pdf(path: Path, title: str, lines: Sequence[str], charts: Sequence[ChartPanel]) -> None:
    """``title`` and ``lines`` on the first page with the first chart, one chart a page after."""
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
    finally:
        painter.end()
