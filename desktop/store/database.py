"""One account's cache as an object: open (migrate, check ownership), transactions, listeners.

:class:`Store` is what the UI, the commands, the queries and the sync engine share. It tells
listeners what changed after each commit; the UI decides what to refresh (and moves to its own
thread: listeners run on the thread that wrote).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, select

from desktop.store import files, migrations, schema, search, service_levels, state
from desktop.store.engine import make_engine, reading, writing
from desktop.store.errors import CacheMismatch
from ticketing.domain import Role, new_id
from ticketing.workflow import Actor

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChangeSet:
    """What a committed transaction changed, for views to decide what to refresh."""

    tickets: frozenset[str] = frozenset()
    reference: bool = False  # users, categories or priorities
    outbox: bool = False  # pending mutations or sync problems
    everything: bool = False  # the cache was reset
    queued: bool = False  # a user action queued a mutation (the sync engine wakes up)
    articles: frozenset[str] = frozenset()  # knowledge-base articles
    canned_replies: bool = False  # the team's or this account's canned replies
    #: The change came from the server (a pull): someone else's work, or this account's on
    #: another device or echoed back; a table marks such rows for a moment.
    remote: bool = False

    def __bool__(self) -> bool:
        return (
            bool(self.tickets)
            or bool(self.articles)
            or self.canned_replies
            or self.reference
            or self.outbox
            or self.everything
            or self.queued
        )


Listener = Callable[[ChangeSet], None]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Store:
    """The cache file of one account on one server.

    Listeners added with :meth:`add_listener` are called with a :class:`ChangeSet` after each
    commit that changed something, on the thread that committed.
    """

    def __init__(self, path: Path, engine: Engine, server_url: str, user_id: uuid.UUID) -> None:
        self.path = path
        self.engine = engine
        self.server_url = server_url
        self.user_id = user_id
        self._listeners: list[Listener] = []
        self._listeners_lock = threading.Lock()
        #: What "now" is for the service-level clocks a write recomputes (tests hold it).
        self.clock: Callable[[], dt.datetime] = _utc_now

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        server_url: str,
        user_id: uuid.UUID | str,
        role: Role | None = None,
        name: str | None = None,
        email: str | None = None,
    ) -> Store:
        """Open (creating and migrating if needed) the cache of ``user_id`` on ``server_url``.

        Raises :class:`CacheMismatch` if the file records another server or account.
        """
        account = uuid.UUID(str(user_id))
        server = files.normalize_server_url(server_url)
        files.prepare_folder(path)
        engine = make_engine(path)
        try:
            migrations.migrate(engine)
            files.restrict_file(path)
            with writing(engine) as conn:
                _claim(conn, server, account)
                if state.get(conn, state.CLIENT_ID) is None:
                    state.put(conn, state.CLIENT_ID, str(new_id()))
                for key, value in (
                    (state.USER_ROLE, role),
                    (state.USER_NAME, name),
                    (state.USER_EMAIL, email),
                ):
                    if value is not None:
                        state.put(conn, key, str(value))
        except BaseException:
            engine.dispose()
            raise
        return cls(path, engine, server, account)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with reading(self.engine) as conn:
            service_levels.hold_clock(conn, self.clock)
            yield conn

    @contextmanager
    def write(self, *, index: bool = True) -> Iterator[Connection]:
        """A write transaction; the search index follows its changes before it commits.

        ``index=False`` leaves the changed tickets noted for the next write that indexes (the
        pages of a pull before its last: an initial sync indexes each ticket once, at its end,
        instead of again for every page that brings more of its comments)."""
        with writing(self.engine) as conn:
            service_levels.hold_clock(conn, self.clock)
            yield conn
            if index:
                search.refresh(conn)
                service_levels.refresh(conn, self.clock())

    def actor(self, conn: Connection) -> Actor:
        """The account as the workflow rules see it; its role as last synced from the server."""
        role = conn.scalar(select(schema.users.c.role).where(schema.users.c.id == str(self.user_id)))
        role = role or state.get(conn, state.USER_ROLE) or Role.USER.value
        return Actor(id=self.user_id, role=Role(role))

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` after each change; returns a function that removes it."""
        with self._listeners_lock:
            self._listeners.append(listener)

        def remove() -> None:
            with self._listeners_lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return remove

    def announce(self, change: ChangeSet) -> None:
        if not change:
            return
        with self._listeners_lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(change)
            except Exception:  # a view's bug must not undo or hide a committed change
                log.exception("store listener failed")

    def close(self) -> None:
        """Close every connection (required before the file is deleted)."""
        self.engine.dispose()


def _claim(conn: Connection, server_url: str, user_id: uuid.UUID) -> None:
    """Record the owner of a new file; refuse a file that records another owner."""
    owner = (state.get(conn, state.SERVER_URL), state.get(conn, state.USER_ID))
    if owner == (None, None):
        state.put(conn, state.SERVER_URL, server_url)
        state.put(conn, state.USER_ID, str(user_id))
    elif owner != (server_url, str(user_id)):
        raise CacheMismatch("This cache file belongs to another server or account.")
