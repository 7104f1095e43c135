"""Fetching an attachment's bytes on demand into the account's local files, checked by hash."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from desktop.net.api import ApiClient, ApiError
from desktop.store.attachment_queries import AttachmentRow
from desktop.store.blobs import LocalBlobs


class DamagedDownload(ApiError):
    def __init__(self, file_name: str) -> None:
        super().__init__(0, "damaged_download", f"{file_name} arrived damaged; try again.")


def fetch(
    api: ApiClient,
    blobs: LocalBlobs,
    attachment: AttachmentRow,
    on_progress: Callable[[int, int], None] | None = None,
) -> Path:
    """The attachment's file on this computer, downloaded first if it is not here yet."""
    if not blobs.has(attachment.sha256):
        target = blobs.download_target()
        try:
            api.download(
                f"/api/attachments/{attachment.id}/content",
                target,
                None if on_progress is None else lambda done: on_progress(done, attachment.size),
            )
            if not blobs.adopt_download(target, attachment.sha256):
                raise DamagedDownload(attachment.file_name)
        finally:
            target.unlink(missing_ok=True)
    return blobs.path(attachment.sha256)


def open_copy(api: ApiClient, blobs: LocalBlobs, attachment: AttachmentRow) -> Path:
    """A copy under the attachment's own name, for the system's default application."""
    fetch(api, blobs, attachment)
    return blobs.named_copy(attachment.sha256, attachment.id, attachment.file_name)
