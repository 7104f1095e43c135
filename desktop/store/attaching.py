"""Attaching files from the app: copy each into the account's local files, then queue it.

Copying first (with the hash computed on the way) means a file the user attached uploads later
even if they move or delete the original, and a file that cannot be read is refused at once,
before anything is queued. Runs in a worker: copying and hashing a large file takes time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from desktop.store import commands
from desktop.store.blobs import LocalBlobs
from desktop.store.database import Store
from desktop.store.errors import ActionRefused


@dataclass(frozen=True)
class FileToAttach:
    path: Path
    file_name: str
    #: The attachment's id when it is known already (a pasted screenshot's ``attachment:<id>``).
    attachment_id: str | None = None


def import_files(store: Store, files: list[FileToAttach]) -> list[tuple[FileToAttach, str, int]]:
    """Copy the files in; returns each with its SHA-256 and size. Refuses if one is unreadable."""
    blobs = LocalBlobs(store.path)
    imported = []
    for item in files:
        try:
            sha256, size = blobs.add_file(item.path)
        except OSError as error:
            raise ActionRefused(
                "file_unreadable", f"{item.file_name} cannot be read: {error.strerror}."
            ) from error
        imported.append((item, sha256, size))
    return imported


def queue_imported(
    store: Store, ticket_id: str, imported: list[tuple[FileToAttach, str, int]], comment_id: str | None = None
) -> list[str]:
    """Queue ``add_attachment`` for files :func:`import_files` copied in; returns their ids."""
    return [
        commands.add_attachment(
            store,
            ticket_id,
            sha256=sha256,
            size=size,
            file_name=item.file_name,
            comment_id=comment_id,
            attachment_id=item.attachment_id,
        )
        for item, sha256, size in imported
    ]
