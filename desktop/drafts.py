"""The new-ticket draft of each account, saved to disk so that closing the window or a crash
loses nothing, plus the files queued with it.

Files chosen or screenshots pasted into a draft are only queued here: uploading them belongs to
the attachments feature. When a ticket is submitted, its queued files are handed over to a
per-ticket manifest in the same folder, where that feature will pick them up.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from desktop.store.files import data_root, server_key

log = logging.getLogger(__name__)

DRAFTS_FOLDER = "drafts"
DRAFT_FILE = "new_ticket.json"
UPLOADS_FOLDER = "queued_uploads"


@dataclass(frozen=True)
class QueuedFile:
    """A file waiting to be uploaded; ``inline``: a pasted image shown in the description as
    ``attachment:<id>``."""

    id: str
    file_name: str
    path: str
    size: int
    inline: bool = False


@dataclass
class TicketDraft:
    title: str = ""
    description_html: str = ""
    category_id: str | None = None
    priority: str | None = None
    files: list[QueuedFile] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.title.strip() or self.description_html.strip() or self.files)


class DraftStore:
    """One account's drafts folder (``<data>/drafts/<server>/<user id>/``)."""

    def __init__(self, server_url: str, user_id: str, base: Path | None = None) -> None:
        account = str(uuid.UUID(str(user_id)))
        self.folder = data_root(base) / DRAFTS_FOLDER / server_key(server_url) / account

    @property
    def draft_path(self) -> Path:
        return self.folder / DRAFT_FILE

    @property
    def files_folder(self) -> Path:
        """Where pasted screenshots of the draft are written."""
        return self.folder / "files"

    def load(self) -> TicketDraft | None:
        try:
            data = json.loads(self.draft_path.read_text(encoding="utf-8"))
            return TicketDraft(
                title=str(data.get("title", "")),
                description_html=str(data.get("description_html", "")),
                category_id=data.get("category_id"),
                priority=data.get("priority"),
                files=[QueuedFile(**item) for item in data.get("files", [])],
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError, AttributeError) as error:
            log.warning("ignoring unreadable draft %s: %s", self.draft_path, error)
            return None

    def save(self, draft: TicketDraft) -> None:
        """Write atomically (a crash mid-write keeps the previous draft)."""
        if draft.is_empty():
            self.draft_path.unlink(missing_ok=True)
            return
        _write_json(self.draft_path, asdict(draft))

    def discard(self, draft: TicketDraft | None = None) -> None:
        """Delete the draft and the screenshots pasted into it."""
        self.draft_path.unlink(missing_ok=True)
        for queued in draft.files if draft else []:
            path = Path(queued.path)
            if queued.inline and path.parent == self.files_folder:
                path.unlink(missing_ok=True)

    def hand_over(self, draft: TicketDraft, ticket_id: str) -> Path | None:
        """The ticket was created: queue its files for upload and delete the draft."""
        manifest: Path | None = None
        if draft.files:
            target = self.folder / UPLOADS_FOLDER / str(uuid.UUID(ticket_id))
            target.mkdir(parents=True, exist_ok=True)
            moved: list[QueuedFile] = []
            for queued in draft.files:
                path = Path(queued.path)
                if queued.inline and path.parent == self.files_folder and path.exists():
                    destination = target / path.name
                    shutil.move(path, destination)
                    path = destination
                moved.append(QueuedFile(queued.id, queued.file_name, str(path), queued.size, queued.inline))
            manifest = target / "manifest.json"
            _write_json(manifest, {"ticket_id": ticket_id, "files": [asdict(f) for f in moved]})
        self.draft_path.unlink(missing_ok=True)
        return manifest


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".draft-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
