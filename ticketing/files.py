"""Rules about attached files that the server and the app share: kinds, names and chunking.

A file's *kind* is judged by its content on the server (``sync_server/services/files/file_policy.py``);
the admin blocks kinds, never extensions. A file's *name* is only a label: it is cleaned the
same way on both sides and never used as a path.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

#: Bytes per upload request; the last chunk may be shorter.
CHUNK_SIZE = 1024 * 1024
#: What a client may send in one request (a chunk plus some slack), whatever the settings say.
MAX_CHUNK_SIZE = 8 * 1024 * 1024
FILE_NAME_MAX_LENGTH = 255
SHA256_PATTERN = r"^[0-9a-f]{64}$"


class FileKind(StrEnum):
    """What a file is, judged by its bytes."""

    IMAGE = "image"
    DOCUMENT = "document"
    TEXT = "text"
    MEDIA = "media"
    ARCHIVE = "archive"
    #: An archive holding a program or script, or one whose contents cannot be checked.
    ARCHIVE_WITH_EXECUTABLE = "archive-with-executable"
    EXECUTABLE = "executable"
    SCRIPT = "script"
    OTHER = "other"


#: Refused unless an admin allows them.
DEFAULT_BLOCKED_KINDS: tuple[FileKind, ...] = (
    FileKind.EXECUTABLE,
    FileKind.SCRIPT,
    FileKind.ARCHIVE_WITH_EXECUTABLE,
)

_UNSAFE_CHARACTERS = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')


def clean_file_name(name: str) -> str:
    """A display name for a file: no folders, no control or reserved characters, at most
    255 characters (keeping the extension), never empty, ``.`` or ``..``."""
    name = unicodedata.normalize("NFC", name)
    name = re.split(r"[\\/]", name)[-1]
    name = _UNSAFE_CHARACTERS.sub("_", name).strip().strip(".")
    if not name:
        return "file"
    if len(name) > FILE_NAME_MAX_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            name = stem[: FILE_NAME_MAX_LENGTH - len(extension) - 1] + "." + extension
        else:
            name = name[:FILE_NAME_MAX_LENGTH]
    return name


def is_image_type(content_type: str) -> bool:
    """Images the app shows as thumbnails (what Qt reads safely); SVG is not one of them."""
    return content_type in {"image/png", "image/jpeg", "image/gif", "image/bmp", "image/webp"}


def human_size(size: int) -> str:
    """``1536`` -> ``"1.5 KB"``."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")
