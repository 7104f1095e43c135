"""Callers a server process has authenticated, by the digest of their access token.

Only for requests that check the caller again in their own statement (the sync pull, see
:mod:`sync_server.services.sync.quiet_pull`): a cached caller saves the transaction that
authenticating costs, and the pull's statement refuses it the moment its session is revoked or
expires, its account is deactivated or changes role, or the agent-visibility setting changes,
in whichever process served it. Bounded: the least recently used entries go first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials

from sync_server.api.deps import BearerDep, Caller, get_short_caller
from sync_server.services.identity.passwords import token_digest

#: Entries kept per process: far more than the clients one server sees at once.
DEFAULT_SIZE = 10_000


class CallerCache:
    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._size = size
        self._entries: OrderedDict[str, Caller] = OrderedDict()
        self._lock = threading.Lock()  # sync endpoints run in a thread pool

    def get(self, access_hash: str) -> Caller | None:
        with self._lock:
            caller = self._entries.get(access_hash)
            if caller is not None:
                self._entries.move_to_end(access_hash)
            return caller

    def put(self, access_hash: str, caller: Caller) -> None:
        with self._lock:
            self._entries[access_hash] = caller
            self._entries.move_to_end(access_hash)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def forget(self, access_hash: str) -> None:
        with self._lock:
            self._entries.pop(access_hash, None)

    def __len__(self) -> int:
        return len(self._entries)


@dataclass(frozen=True)
class SyncCaller:
    """The caller of a sync pull, and whether it came from the cache (not yet checked)."""

    caller: Caller
    access_hash: str
    cached: bool
    credentials: HTTPAuthorizationCredentials | None


def get_sync_caller(request: Request, credentials: BearerDep) -> SyncCaller:
    """The caller from this process's cache, or authenticated (in a transaction of its own) and
    cached; the endpoint must check a cached one again (``quiet_pull`` does)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        return SyncCaller(get_short_caller(request, credentials), "", False, credentials)  # raises 401
    access_hash = token_digest(credentials.credentials)
    cache: CallerCache = request.app.state.callers
    caller = cache.get(access_hash)
    if caller is not None:
        return SyncCaller(caller, access_hash, True, credentials)
    return authenticate_again(request, credentials, access_hash)


def authenticate_again(
    request: Request, credentials: HTTPAuthorizationCredentials | None, access_hash: str
) -> SyncCaller:
    """Authenticate (401 if the token is no longer good) and cache the caller anew."""
    cache: CallerCache = request.app.state.callers
    cache.forget(access_hash)
    caller = get_short_caller(request, credentials)
    cache.put(access_hash, caller)
    return SyncCaller(caller, access_hash, False, credentials)


SyncCallerDep = Annotated[SyncCaller, Depends(get_sync_caller)]
