"""Pictures of attached images for the ticket timeline: thumbnails, inline versions, and which
pictures to download so that their thumbnail can show.

Built off the UI thread (``QImage`` may be used in any thread); the timeline browser shows them
under the resource names ``thumb:<id>`` and ``attachment:<id>``.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage

from desktop.store.attachment_queries import AttachmentRow
from desktop.store.blobs import LocalBlobs
from desktop.store.database import Store
from desktop.ui.ticket.timeline_html import THUMBNAIL_SCHEME

#: Thumbnails fit in this box; an inline picture is at most this wide.
THUMBNAIL_SIZE = QSize(240, 160)
INLINE_WIDTH = 640
#: Pictures up to this size are fetched on their own to show their thumbnail.
AUTO_FETCH_BYTES = 10 * 1024 * 1024


def pictures_of(store: Store, attachments: list[AttachmentRow]) -> dict[str, QImage]:
    """Thumbnails and inline versions of the attached pictures that are on this computer."""
    blobs = LocalBlobs(store.path)
    images: dict[str, QImage] = {}
    for attachment in attachments:
        if not attachment.is_image or not blobs.has(attachment.sha256):
            continue
        image = QImage(str(blobs.path(attachment.sha256)))
        if image.isNull():
            continue
        fit = Qt.AspectRatioMode.KeepAspectRatio
        smooth = Qt.TransformationMode.SmoothTransformation
        small = image.size().boundedTo(THUMBNAIL_SIZE)
        images[f"{THUMBNAIL_SCHEME}{attachment.id}"] = image.scaled(small, fit, smooth)
        inline = image.scaledToWidth(INLINE_WIDTH, smooth) if image.width() > INLINE_WIDTH else image
        images[f"attachment:{attachment.id}"] = inline
    return images


def pictures_to_fetch(
    attachments: Sequence[AttachmentRow], images: Mapping[str, QImage], *, skip: Container[str]
) -> list[AttachmentRow]:
    """Attached pictures on the server but not here, small enough to fetch on their own."""
    return [
        a
        for a in attachments
        if a.is_image
        and not a.pending
        and a.size <= AUTO_FETCH_BYTES
        and f"{THUMBNAIL_SCHEME}{a.id}" not in images
        and a.id not in skip
    ]
