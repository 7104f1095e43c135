"""The embedded PostgreSQL a new user gets when no database URL is given.

It runs from the ``pgserver`` package inside the server's data folder, so trying Ticketdesk
needs no database install. Production installs pass ``--database-url`` instead.

:class:`EmbeddedDatabase` owns the server's life: ``start()`` starts it, or takes over one that
an earlier process left running (killed, say, before it could stop it: one log line says so),
and ``stop()`` stops it when no other live process of ours still uses it. ``pgserver`` counts
its users in ``.handle_pids.json`` and stops the server when the last one leaves; a process
that was killed never leaves, so dead ids are pruned first, or the server would never stop.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DATABASE_NAME = "ticketdesk"
#: pgserver's list of the processes using a data folder's server.
_HANDLES = ".handle_pids.json"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _postmaster_pid(pgdata: Path) -> int | None:
    """The pid of a PostgreSQL server running on ``pgdata``, if one is."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None
    return pid if _alive(pid) else None


def _prune_dead_handles(pgdata: Path) -> list[int]:
    """Drop the ids of processes that died without saying so; the other live users remain."""
    path = pgdata / _HANDLES
    try:
        pids = [int(pid) for pid in json.loads(path.read_text())]
    except (OSError, ValueError, TypeError):
        return []
    live = [pid for pid in pids if _alive(pid)]
    if live != pids:
        path.write_text(json.dumps(live))
    return [pid for pid in live if pid != os.getpid()]


class EmbeddedDatabase:
    """The embedded PostgreSQL of ``data_dir`` for the life of this process (or a ``with``)."""

    def __init__(self, data_dir: Path) -> None:
        self.pgdata = data_dir / "pgdata"
        self._server: Any = None

    def start(self) -> str:
        """Start (or reuse, or take over) the server; a URL for the Ticketdesk database."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "XDG_RUNTIME_DIR is not set" on headless machines
            import pgserver  # noqa: PLC0415 - imported only when the embedded database is wanted

        self.pgdata.mkdir(parents=True, exist_ok=True)
        running = _postmaster_pid(self.pgdata)
        users = _prune_dead_handles(self.pgdata)
        if running is not None and not users:
            log.warning(
                "Taking over the embedded PostgreSQL (pid %s) that an earlier server left running in %s",
                running,
                self.pgdata,
            )
        self._server = pgserver.get_server(self.pgdata, cleanup_mode="stop")  # type: ignore[attr-defined]
        self._server.__enter__()  # one use; stop() ends it
        exists = self._server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608 - a constant
        if "1 row" not in exists:
            self._server.psql(f"CREATE DATABASE {DATABASE_NAME};")
        return str(self._server.get_uri(DATABASE_NAME))

    def stop(self) -> None:
        """Stop the server unless another live process still uses it."""
        server, self._server = self._server, None
        if server is not None:
            _prune_dead_handles(self.pgdata)
            server.__exit__(None, None, None)

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def start_embedded(data_dir: Path) -> str:
    """Start the embedded server for the rest of this process (stopped when it exits)."""
    return EmbeddedDatabase(data_dir).start()
