"""A logged-in account on this computer: its API client, its cache and its sync engine.

Logging in opens the cache of exactly the account the server named (one file per server and
account); logging out stops syncing, revokes the login and deletes the cache file unless the
user keeps it for offline use. Nothing here is Qt: the UI calls these from a worker thread.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.net.api import ApiClient, ClientError, TokensListener
from desktop.store import files, queries
from desktop.store.blobs import LocalBlobs
from desktop.store.database import Store
from desktop.store.errors import CacheMismatch
from desktop.sync.engine import SyncEngine
from ticketing.schemas import UserOut

log = logging.getLogger(__name__)

CLIENT_NAME = "Ticketdesk desktop"


class UnsyncedChanges(Exception):
    """Logging out would delete changes the server has not received yet."""

    def __init__(self, pending: int) -> None:
        super().__init__(f"{pending} change(s) have not reached the server yet.")
        self.pending = pending


@dataclass
class AccountSession:
    """``user`` is the server's account row; ``None`` for a session resumed offline."""

    server_url: str
    user_id: uuid.UUID
    user: UserOut | None
    api: ApiClient
    store: Store
    engine: SyncEngine


def _open(
    server_url: str,
    user_id: uuid.UUID,
    *,
    user: UserOut | None,
    api: ApiClient,
    data_dir: Path | None,
    engine_options: dict[str, Any],
) -> AccountSession:
    path = files.cache_path(server_url, user_id, data_dir)
    if user is None:
        store = Store.open(path, server_url=server_url, user_id=user_id)
    else:
        store = Store.open(
            path, server_url=server_url, user_id=user_id, role=user.role, name=user.name, email=user.email
        )
    return AccountSession(server_url, user_id, user, api, store, SyncEngine(store, api, **engine_options))


def log_in(
    server_url: str,
    email: str,
    password: str,
    *,
    data_dir: Path | None = None,
    on_tokens: TokensListener | None = None,
    api: ApiClient | None = None,
    **engine_options: Any,
) -> AccountSession:
    """Log in and open this account's cache (the engine is not started yet)."""
    api = api or ApiClient(server_url, on_tokens=on_tokens)
    tokens = api.login(email, password, CLIENT_NAME)
    return _open(
        server_url,
        tokens.user.id,
        user=tokens.user,
        api=api,
        data_dir=data_dir,
        engine_options=engine_options,
    )


def resume(
    server_url: str,
    user_id: uuid.UUID | str,
    refresh_token: str,
    *,
    data_dir: Path | None = None,
    on_tokens: TokensListener | None = None,
    api: ApiClient | None = None,
    **engine_options: Any,
) -> AccountSession:
    """Reopen a remembered login: online, the server confirms who the token belongs to;
    offline, the cache of ``user_id`` opens and syncing waits for the network."""
    account = uuid.UUID(str(user_id))
    api = api or ApiClient(server_url, refresh_token=refresh_token, on_tokens=on_tokens)
    try:
        user: UserOut | None = api.refresh().user
    except ClientError as error:
        if not error.transient or not files.cache_path(server_url, account, data_dir).exists():
            raise
        user = None
    if user is not None and user.id != account:
        raise CacheMismatch("The remembered login belongs to another account.")
    return _open(server_url, account, user=user, api=api, data_dir=data_dir, engine_options=engine_options)


def log_out(session: AccountSession, *, keep_offline: bool = False, discard_pending: bool = False) -> None:
    """Stop syncing, revoke the login, close the cache and (unless kept) delete its files.

    Refuses with :class:`UnsyncedChanges` to delete a cache whose changes have not reached the
    server, unless ``discard_pending``."""
    if not keep_offline and not discard_pending:
        pending = queries.sync_counts(session.store).pending
        if pending:
            raise UnsyncedChanges(pending)
    session.engine.close()
    try:
        session.api.logout()
    except ClientError as error:  # offline: the tokens are forgotten here; they expire there
        log.info("could not revoke the login on the server: %s", error)
    session.store.close()
    if not keep_offline:
        files.delete_cache(session.store.path)
        LocalBlobs(session.store.path).delete_all()
