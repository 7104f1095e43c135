"""File bodies on the server's disk, named by their SHA-256 and never by an uploaded name.

The store lives under the server's data folder, which nothing serves: bytes leave only through
the download endpoints, after a visibility check. Layout::

    <data>/blobs/ab/cd/abcd...       one file per distinct content, written once
    <data>/uploads/<upload id>.part  bytes of an upload in progress
    <data>/quarantine/abcd...        refused by the malware scan; never served

A blob is moved into place with an atomic rename after its hash was checked, so a reader never
sees half a file.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

_HASH = re.compile(r"^[0-9a-f]{64}$")
_READ_SIZE = 1024 * 1024


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _folder(self, name: str) -> Path:
        folder = self.root / name
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return folder

    def path(self, sha256: str) -> Path:
        """Where the blob ``sha256`` is (or would be) kept."""
        if not _HASH.match(sha256):  # a hash only: never a path someone could steer
            raise ValueError("not a SHA-256 hex digest")
        return self.root / "blobs" / sha256[:2] / sha256[2:4] / sha256

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def part_path(self, upload_id: uuid.UUID) -> Path:
        return self._folder("uploads") / f"{uuid.UUID(str(upload_id))}.part"

    def write_chunk(self, upload_id: uuid.UUID, offset: int, data: bytes) -> int:
        """Write ``data`` at ``offset`` of the upload's part file; returns the new length.

        Writing at an offset (not appending) makes a retried chunk harmless."""
        part = self.part_path(upload_id)
        with open(part, "r+b" if part.exists() else "wb") as file:
            file.truncate(offset)
            file.seek(offset)
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
            return file.tell()

    def part_size(self, upload_id: uuid.UUID) -> int:
        part = self.part_path(upload_id)
        return part.stat().st_size if part.exists() else 0

    def part_digest(self, upload_id: uuid.UUID) -> str:
        digest = hashlib.sha256()
        with open(self.part_path(upload_id), "rb") as file:
            while chunk := file.read(_READ_SIZE):
                digest.update(chunk)
        return digest.hexdigest()

    def commit(self, upload_id: uuid.UUID, sha256: str) -> Path:
        """Move a finished upload into place (or drop it if the blob is already there)."""
        target = self.path(sha256)
        part = self.part_path(upload_id)
        if target.exists():
            part.unlink(missing_ok=True)
            return target
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.replace(part, target)
        return target

    def put(self, sha256: str, data: bytes) -> Path:
        """Store bytes whose hash the caller computed (demo data, not uploads)."""
        target = self.path(sha256)
        if not target.exists():
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            temporary = target.with_name(target.name + ".tmp")
            temporary.write_bytes(data)
            os.replace(temporary, target)
        return target

    def quarantine(self, upload_id: uuid.UUID, sha256: str) -> Path:
        """Keep a refused file where nothing serves it (for an admin to inspect)."""
        target = self._folder("quarantine") / self.path(sha256).name
        os.replace(self.part_path(upload_id), target)
        return target

    def discard(self, upload_id: uuid.UUID) -> None:
        self.part_path(upload_id).unlink(missing_ok=True)

    def read(self, sha256: str) -> Iterator[bytes]:
        with open(self.path(sha256), "rb") as file:
            while chunk := file.read(_READ_SIZE):
                yield chunk
