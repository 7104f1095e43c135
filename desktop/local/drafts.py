"""The new-ticket draft of each account, saved to disk so that closing the window or a crash
loses nothing, plus the files queued with it.

Files chosen or screenshots pasted into a draft are only listed here (pasted screenshots are
written to the draft's folder). When the ticket is submitted, they are copied into the
account's local files and queued as attachments (``desktop.store.attaching``), and the draft goes.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from desktop.local.json_file import write_json
from desktop.store.files import data_root, server_key

log = logging.getLogger(__name__)

DRAFTS_FOLDER = "drafts"
DRAFT_FILE = "new_ticket.json"


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
        write_json(self.draft_path, asdict(draft), indent=1)

    def discard(self, draft: TicketDraft | None = None) -> None:
        """Delete the draft and the screenshots pasted into it."""
        self.draft_path.unlink(missing_ok=True)
        for queued in draft.files if draft else []:
            path = Path(queued.path)
            if queued.inline and path.parent == self.files_folder:
                path.unlink(missing_ok=True)
