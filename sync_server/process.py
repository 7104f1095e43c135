"""How a server process runs and stops: SIGTERM, SIGINT and SIGHUP all end it cleanly.

What systemd, Docker, a closed terminal, ``timeout`` or Ctrl+C send must end the process the
same way: stop taking connections, let the requests in flight finish (for at most
:data:`GRACE_SECONDS`), stop the app (the mail sender gives back what it claimed), then return,
so that the caller's own clean-up runs (the embedded PostgreSQL is stopped) and the exit status
is 0. Uvicorn alone handles only SIGINT and SIGTERM, and re-raises the signal once it is done,
which ends the process before any clean-up of ours can run.

:func:`serve_workers` runs several such servers (``serve --workers N``): the server keeps no
state of its own (DESIGN.md), so processes on one database need no coordination beyond what the
database gives (rate limits, mail claims with ``SKIP LOCKED``). The parent binds the socket,
forks the workers, which share it, and on a stop signal passes SIGTERM on to them, waits for
them, and returns like :func:`serve`. Python runs one request's code at a time per process, so
this is how a server uses more than one core.

Uvicorn's own proxy-header handling is off in both: by default it believes ``X-Forwarded-For``
from 127.0.0.1 and ::1 (any local process) or from ``$FORWARDED_ALLOW_IPS``. The app believes it only
from the proxies the admin names (``TICKETDESK_TRUSTED_PROXIES``, see ``sync_server.app``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
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
        app,
        host=host,
        port=port,
        log_level="info",
        timeout_graceful_shutdown=GRACE_SECONDS,
        proxy_headers=False,  # the app decides whom to believe (TICKETDESK_TRUSTED_PROXIES)
    )
    GracefulServer(config).run()


log = logging.getLogger(__name__)


def _listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _worker(make_app: Callable[[], Any], sock: socket.socket) -> NoReturn:
    """The body of one forked worker: serve until a stop signal, then leave at once (never
    back into the parent's code, whose clean-up is the parent's)."""
    code = 1
    try:
        config = uvicorn.Config(
            make_app(), log_level="info", timeout_graceful_shutdown=GRACE_SECONDS, proxy_headers=False
        )
        GracefulServer(config).run(sockets=[sock])
        code = 0
    except SystemExit:  # a stop signal before the server took over its handling
        code = 0
    except BaseException:
        log.exception("server worker %d failed", os.getpid())
    finally:
        os._exit(code)


def serve_workers(make_app: Callable[[], Any], host: str, port: int, workers: int) -> int:
    """Serve with ``workers`` forked processes (each builds its app with ``make_app``) until a
    stop signal, or until one of them ends on its own; returns 0, or 1 if a worker failed."""
    sock = _listening_socket(host, port)
    stop = threading.Event()
    children: list[int] = []
    try:
        for _ in range(workers):
            pid = os.fork()
            if pid == 0:
                _worker(make_app, sock)
            children.append(pid)
        originals = {sig: signal.signal(sig, lambda _s, _f: stop.set()) for sig in STOP_SIGNALS}
        failed = False
        try:
            while not stop.wait(0.2):
                ended = [pid for pid in children if os.waitpid(pid, os.WNOHANG)[0] == pid]
                if ended:  # a worker died (killed, out of memory): stop all; the supervisor restarts
                    log.error("server worker(s) %s ended; stopping the server", ended)
                    children = [pid for pid in children if pid not in ended]
                    failed = True
                    break
        finally:
            for sig, handler in originals.items():
                signal.signal(sig, handler)
        _stop_workers(children)
        return 1 if failed else 0
    finally:
        sock.close()


def _stop_workers(children: list[int]) -> None:
    for pid in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS + 5
    waiting = list(children)
    while waiting and time.monotonic() < deadline:
        waiting = [pid for pid in waiting if os.waitpid(pid, os.WNOHANG)[0] != pid]
        time.sleep(0.05)
    for pid in waiting:  # did not stop within the grace period
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def _stop(_signum: int, _frame: FrameType | None) -> NoReturn:
    raise SystemExit(0)


def exit_cleanly_on_signals() -> None:
    """Outside :func:`serve` (while migrating, say), a stop signal raises SystemExit, so that
    ``finally`` blocks and ``with`` exits still run."""
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, _stop)
