"""What the sync engine tells the UI: online or not, pending work, last sync, last error."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass


class ErrorKind(enum.StrEnum):
    """Decides how the UI reacts to a failed sync."""

    OFFLINE = "offline"  # no answer: retry on its own, show "offline"
    SERVER = "server"  # 5xx: retry on its own
    RATE_LIMITED = "rate_limited"  # 429: retry on its own, not before the server's Retry-After
    AUTH = "auth"  # log in again; no retry until then
    UPGRADE = "upgrade"  # update the app (or the server); no retry until then
    REFUSED = "refused"  # the server refused a request: a bug or a protocol mismatch
    INTERNAL = "internal"  # a bug in this app


#: Failures the engine retries on its own with backoff; the others wait for the user.
RETRIED = frozenset(
    {ErrorKind.OFFLINE, ErrorKind.SERVER, ErrorKind.RATE_LIMITED, ErrorKind.REFUSED, ErrorKind.INTERNAL}
)


@dataclass(frozen=True)
class SyncProgress:
    """A running sync: ``phase`` is ``upload`` (bytes of a file), ``push`` or ``pull`` (rows);
    ``done`` of ``total``."""

    phase: str
    done: int = 0
    total: int = 0


@dataclass(frozen=True)
class SyncStatus:
    online: bool | None = None  # None until the first attempt
    syncing: bool = False
    pending: int = 0
    problems: int = 0
    last_sync_at: dt.datetime | None = None
    last_error: str | None = None
    error_kind: ErrorKind | None = None
    progress: SyncProgress | None = None
    #: When the engine tries again after a failure (UTC); None while no retry is waiting.
    retry_at: dt.datetime | None = None
