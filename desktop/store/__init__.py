"""The local SQLite cache of one account on one server: what it may see, plus its outbox.

No Qt and no network here: windows read it through :mod:`desktop.store.queries`, user actions go
through :mod:`desktop.store.commands`, and the sync engine (:mod:`desktop.sync`) fills it.
"""

from desktop.store.database import ChangeSet, Store
from desktop.store.errors import ActionRefused, CacheError, CacheMismatch, CacheTooNew

__all__ = ["ActionRefused", "CacheError", "CacheMismatch", "CacheTooNew", "ChangeSet", "Store"]
