"""Ticket status as a coloured pill: a delegate for list views and a label for headers."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter
from PySide6.QtWidgets import QLabel, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget
from typing_extensions import override

from desktop.palette import PillColors, status_pill
from ticketing.domain import Status

_PADDING_X = 8
_PADDING_Y = 2


def pill_style(colors: PillColors) -> str:
    return (
        f"QLabel {{ background: {colors.background}; color: {colors.foreground}; border-radius: 9px;"
        f" padding: 1px {_PADDING_X}px; font-weight: 600; }}"
    )


class StatusBadgeDelegate(QStyledItemDelegate):
    """Paints the DisplayRole text (a status) as a pill in its status colour."""

    @override
    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        if not text:
            super().paint(painter, option, index)
            return
        # background, selection and focus as for any cell, then the pill on top
        plain = QStyleOptionViewItem(option)
        self.initStyleOption(plain, index)
        plain.text = ""
        widget = plain.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, plain, painter, widget)
        colors = status_pill(text)
        metrics = QFontMetrics(option.font)
        width = metrics.horizontalAdvance(text) + 2 * _PADDING_X
        height = metrics.height() + 2 * _PADDING_Y
        rect = option.rect
        pill = QRect(rect.x() + 4, rect.y() + (rect.height() - height) // 2, width, height)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(colors.background))
        painter.drawRoundedRect(pill, height / 2, height / 2)
        painter.setPen(QColor(colors.foreground))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    @override
    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        metrics = QFontMetrics(option.font)
        return QSize(
            metrics.horizontalAdvance(text) + 2 * _PADDING_X + 8, metrics.height() + 2 * _PADDING_Y + 6
        )


class StatusBadge(QLabel):
    """A status pill for headers; its accessible name says the status."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)

    def set_status(self, status: Status | str) -> None:
        text = str(status)
        self.setText(text)
        self.setStyleSheet(pill_style(status_pill(text)))
        self.setAccessibleName(f"Status: {text}")


class Pill(QLabel):
    """A small coloured label (priority, "Pending sync", "Draft")."""

    def __init__(self, colors: PillColors, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(pill_style(colors))

    def set_text(self, text: str, accessible: str | None = None) -> None:
        self.setText(text)
        self.setAccessibleName(accessible or text)
        self.setVisible(bool(text))
