"""Files of one account on this computer, named by SHA-256 beside its cache.

A file attached in the app is copied here first (hashing while copying), so it can upload
later, offline or after a restart, even if the original moves. Downloaded attachments land here
too, checked against their hash, so each is fetched once. The folder belongs to the cache:
logging out deletes both.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path

from ticketing.files import clean_file_name

_HASH = re.compile(r"^[0-9a-f]{64}$")
_READ_SIZE = 1024 * 1024


class LocalBlobs:
    def __init__(self, cache_path: Path) -> None:
        self.folder = cache_path.with_name(cache_path.stem + ".files")

    def path(self, sha256: str) -> Path:
        if not _HASH.match(sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.folder / sha256

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def _prepare(self) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)

    def add_file(self, source: Path) -> tuple[str, int]:
        """Copy ``source`` in; returns its SHA-256 and size."""
        self._prepare()
        digest = hashlib.sha256()
        size = 0
        with (
            open(source, "rb") as reader,
            tempfile.NamedTemporaryFile(dir=self.folder, delete=False) as writer,
        ):
            try:
                while chunk := reader.read(_READ_SIZE):
                    digest.update(chunk)
                    writer.write(chunk)
                    size += len(chunk)
            except BaseException:
                Path(writer.name).unlink(missing_ok=True)
                raise
        self._settle(Path(writer.name), digest.hexdigest())
        return digest.hexdigest(), size

    def adopt_download(self, partial: Path, sha256: str) -> bool:
        """Keep a downloaded file if its bytes match ``sha256``; returns whether they did."""
        digest = hashlib.sha256()
        with open(partial, "rb") as reader:
            while chunk := reader.read(_READ_SIZE):
                digest.update(chunk)
        if digest.hexdigest() != sha256:
            partial.unlink(missing_ok=True)
            return False
        self._settle(partial, sha256)
        return True

    def download_target(self) -> Path:
        """A fresh file name in the folder for a download in progress."""
        self._prepare()
        handle, name = tempfile.mkstemp(dir=self.folder, suffix=".download")
        os.close(handle)
        return Path(name)

    def _settle(self, temporary: Path, sha256: str) -> None:
        target = self.path(sha256)
        if target.exists():
            temporary.unlink(missing_ok=True)
        else:
            os.replace(temporary, target)
            if os.name == "posix":
                target.chmod(0o600)

    def read_chunk(self, sha256: str, offset: int, size: int) -> bytes:
        with open(self.path(sha256), "rb") as reader:
            reader.seek(offset)
            return reader.read(size)

    def named_copy(self, sha256: str, attachment_id: str, file_name: str) -> Path:
        """The file under its own name (for opening it with the system's application)."""
        folder = self.folder / "open" / re.sub(r"[^0-9a-f-]", "", attachment_id)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = folder / clean_file_name(file_name)
        if not target.exists():
            shutil.copyfile(self.path(sha256), target)
        return target

    def delete_all(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
