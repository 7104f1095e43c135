"""A cluster-wide background job in a thread of each server process: every few seconds the
process tries the job's lease (:mod:`.lease`) and, holding it, runs passes until there is
nothing more to do. Every process runs one, so when the holder stops, another takes over
within a lease's length; restarting loses nothing, since the work is found in the database."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sync_server.db.session import make_session_factory
from sync_server.services.jobs import lease

log = logging.getLogger(__name__)

#: One pass in the caller's transaction; answers whether more work is waiting.
Pass = Callable[[Session], bool]


def process_name() -> str:
    """Who holds a lease: this host and process, and a nonce for a restarted process id."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class LeasedJob:
    """Runs ``work`` every ``interval`` seconds while this process holds the lease ``name``."""

    def __init__(self, engine: Engine, name: str, work: Pass, interval: float) -> None:
        self.name = name
        self.holder = process_name()
        self._work = work
        self._interval = interval
        self._lease_for = dt.timedelta(seconds=max(60.0, 4 * interval))
        self._sessions = make_session_factory(engine)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"job-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Finish the pass under way, then give the lease back for another process."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
        try:
            with self._sessions() as session, session.begin():
                lease.release(session, self.name, self.holder)
        except Exception:  # the database may be gone at shutdown; the lease then runs out
            log.warning("could not give back the %s lease", self.name, exc_info=True)

    def run_once(self) -> bool:
        """Passes until no more work, while holding the lease; False when another holds it."""
        more = True
        while more and not self._stop.is_set():
            with self._sessions() as session, session.begin():
                if not lease.acquire(session, self.name, self.holder, self._lease_for):
                    return False
                more = self._work(session)
        return True

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # a failed pass is retried on the next tick; the thread lives on
                log.exception("the %s job failed; trying again in %.0f s", self.name, self._interval)
            self._stop.wait(self._interval)
