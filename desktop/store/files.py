"""Where each account's cache file lives, and how it is removed without leaving traces.

One file per (server, account): the server's address picks a folder, the account's user id
names the file, so one login can never open another account's cache. Logging out deletes the
file together with SQLite's ``-wal`` and ``-shm`` companions, which hold recent rows too.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs

APP_NAME = "ticketdesk"
CACHE_FOLDER = "caches"
#: SQLite writes these next to a database; each may hold rows of the account.
COMPANION_SUFFIXES: tuple[str, ...] = ("-wal", "-shm", "-journal")


def data_root(base: Path | None = None) -> Path:
    """The app's user data folder (platformdirs), or ``base`` when given (tests, portable use)."""
    if base is not None:
        return base
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def normalize_server_url(server_url: str) -> str:
    """``HTTP://Example.org:8700/`` -> ``http://example.org:8700``: one server, one spelling."""
    parts = urlsplit(server_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"Not a server address: {server_url!r}")
    port = f":{parts.port}" if parts.port else ""
    path = parts.path.rstrip("/")
    return f"{parts.scheme}://{parts.hostname.lower()}{port}{path}"


def server_key(server_url: str) -> str:
    """A folder name for a server: readable, and unique through a hash of the full address."""
    normalized = normalize_server_url(server_url)
    readable = re.sub(r"[^a-z0-9]+", "-", normalized.split("://", 1)[1]).strip("-")[:60]
    digest = hashlib.sha256(normalized.encode()).hexdigest()[:12]
    return f"{readable}-{digest}"


def cache_path(server_url: str, user_id: str | uuid.UUID, base: Path | None = None) -> Path:
    """The cache file of account ``user_id`` on ``server_url``."""
    account = uuid.UUID(str(user_id))  # a user id only: never a path someone could steer
    return data_root(base) / CACHE_FOLDER / server_key(server_url) / f"{account}.sqlite3"


def prepare_folder(path: Path) -> None:
    """Create the cache's folder readable by this OS user only."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)


def restrict_file(path: Path) -> None:
    """Make the cache file readable by this OS user only (SQLite gives its companions the same)."""
    if path.exists() and os.name == "posix":
        path.chmod(0o600)


def _with_companions(path: Path) -> tuple[Path, ...]:
    return (path, *(path.with_name(path.name + suffix) for suffix in COMPANION_SUFFIXES))


def delete_cache(path: Path) -> None:
    """Remove a cache file and its companions; the store must be closed first."""
    for candidate in _with_companions(path):
        candidate.unlink(missing_ok=True)


def cache_files(path: Path) -> list[Path]:
    """The files of one cache that exist now (the database and any companions)."""
    return [candidate for candidate in _with_companions(path) if candidate.exists()]
