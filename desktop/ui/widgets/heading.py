"""The large bold title at the top of a ticket or an article: plain text (a title is never
markup), wrapped and selectable with the mouse."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

#: A heading's size against the window's font.
HEADING_SCALE = 1.35


def heading_label() -> QLabel:
    """An empty heading; its text is set when a ticket or article is shown."""
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * HEADING_SCALE)
    font.setBold(True)
    label.setFont(font)
    return label
