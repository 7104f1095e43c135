"""Small icons painted in code, so they look the same on every platform and need no font."""

from __future__ import annotations

from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen

from desktop.palette import LIGHT

LOCK_RESOURCE = "ticketdesk-icon:lock"


def lock_image(size: int = 14, color: str = LIGHT.internal_label) -> QImage:
    """A padlock (shackle and body), for internal notes."""
    scale = 2  # painted at twice the size: crisp on HiDPI screens
    image = QImage(size * scale, size * scale, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    image.setDevicePixelRatio(scale)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(QColor(color))
    pen.setWidthF(size * 0.14)
    painter.setPen(pen)
    shackle = QRectF(size * 0.28, size * 0.08, size * 0.44, size * 0.5)
    painter.drawArc(shackle, 0, 180 * 16)
    middle, bottom = shackle.center().y(), size * 0.45
    painter.drawLine(QLineF(shackle.left(), middle, shackle.left(), bottom))
    painter.drawLine(QLineF(shackle.right(), middle, shackle.right(), bottom))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(color))
    painter.drawRoundedRect(
        QRectF(size * 0.15, size * 0.42, size * 0.7, size * 0.5), size * 0.08, size * 0.08
    )
    painter.end()
    return image
