"""Small JSON files this app keeps on this computer, written so that a crash never leaves half.

Remembered accounts, saved filters and drafts each live in one JSON file. A write goes to a
temporary file in the same folder, is flushed to disk, and then replaces the old file in one
step, so a reader sees the old content or the new one, never a torn file. The folder is
created readable by this user only: the files name servers, accounts and unsent text.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def write_json(path: Path, data: object, *, indent: int = 2) -> None:
    """Replace ``path`` with ``data`` as JSON, atomically; create its folder (mode 0o700)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=indent)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def read_json_object(path: Path) -> dict[str, Any]:
    """The JSON object in ``path``; empty if the file is missing, unreadable or not an object
    (logged: a damaged file must not stop the app from starting)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        log.warning("ignoring unreadable file %s: %s", path, error)
        return {}
    if not isinstance(data, dict):
        log.warning("ignoring %s: it does not hold a JSON object", path)
        return {}
    return data
