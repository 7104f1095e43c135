"""What every window of a logged-in account needs, handed over as one object.

The login window builds an :class:`AppContext` once the account's session is open; the main
windows (user portal, agent console, admin console) and their widgets read from it instead of
reaching for globals.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ticketing.domain import Role

if TYPE_CHECKING:  # the app imports this module before the login window; these load after it
    from desktop.net.api import ApiClient
    from desktop.store.database import Store
    from desktop.sync.session import AccountSession
    from desktop.tasks import TaskRunner
    from desktop.ui.shell.sync_controller import SyncController


@dataclass(frozen=True)
class CurrentUser:
    """The logged-in account as the windows show it (from the server, or the cache offline)."""

    id: str
    name: str
    email: str
    role: Role

    @property
    def is_staff(self) -> bool:
        return self.role.is_staff


@dataclass
class AppContext:
    """One logged-in account: who, where, its cache, its HTTP client, background work, sync,
    and the folder the app writes to (``None``: the user folders; see :mod:`desktop.local.paths`)."""

    server_url: str
    user: CurrentUser
    store: Store
    api: ApiClient
    tasks: TaskRunner
    sync: SyncController
    session: AccountSession
    data_dir: Path | None = None
