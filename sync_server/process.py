"""How a server process runs and stops: SIGTERM, SIGINT and SIGHUP all end it cleanly.

What systemd, Docker, a closed terminal, ``timeout`` or Ctrl+C send must end the process the
same way: stop taking connections, let the requests in flight finish (for at most
:data:`GRACE_SECONDS`), stop the app (the mail sender gives back what it claimed), then return,
so that the caller's own clean-up runs (the embedded PostgreSQL is stopped) and the exit status
is 0. Uvicorn alone handles only SIGINT and SIGTERM, and re-raises the signal once it is done,
which ends the process before any clean-up of ours can run.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any, NoReturn

import uvicorn

#: Signals that stop a server process.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
#: Longest wait for requests in flight once a stop was asked for.
GRACE_SECONDS = 20


class GracefulServer(uvicorn.Server):
    """A uvicorn server that stops on any of :data:`STOP_SIGNALS` and returns afterwards."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        originals = {sig: signal.signal(sig, self.handle_exit) for sig in STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in originals.items():
                signal.signal(sig, handler)


def serve(app: Any, host: str, port: int) -> None:
    """Serve ``app`` until a stop signal, then return once it has stopped."""
    config = uvicorn.Config(
        app, host=host, port=port, log_level="info", timeout_graceful_shutdown=GRACE_SECONDS
    )
    GracefulServer(config).run()


def _stop(_signum: int, _frame: FrameType | None) -> NoReturn:
    raise SystemExit(0)


def exit_cleanly_on_signals() -> None:
    """Outside :func:`serve` (while migrating, say), a stop signal raises SystemExit, so that
    ``finally`` blocks and ``with`` exits still run."""
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, _stop)
