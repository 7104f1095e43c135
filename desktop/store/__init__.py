"""The local SQLite cache of one account on one server: what it may see, plus its outbox.

No Qt and no network here: windows read it through :mod:`desktop.store.queries`, user actions go
through :mod:`desktop.store.commands`, and the sync engine (:mod:`desktop.sync`) fills it.

The names below are imported on first use: the login window needs
:mod:`desktop.store.files` (cache paths, server addresses) and nothing that loads SQLAlchemy
and the pydantic schemas, which took about half a second of the app's start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop.store.database import ChangeSet, Store
    from desktop.store.errors import ActionRefused, CacheError, CacheMismatch, CacheTooNew

__all__ = ["ActionRefused", "CacheError", "CacheMismatch", "CacheTooNew", "ChangeSet", "Store"]

_HOMES = {
    "ChangeSet": "desktop.store.database",
    "Store": "desktop.store.database",
    "ActionRefused": "desktop.store.errors",
    "CacheError": "desktop.store.errors",
    "CacheMismatch": "desktop.store.errors",
    "CacheTooNew": "desktop.store.errors",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
