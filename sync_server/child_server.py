"""A sync server in a child process: :func:`wait_until_healthy` for whoever starts one (``make
run``, the screenshot scripts, tests of the server process), and :class:`LiveServer`, one on a
free loopback port for tests and benchmarks (``kill()`` it to play a crash)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerDidNotStart(RuntimeError):
    """The child server exited, or did not answer its health check in time."""


def wait_until_healthy(process: subprocess.Popen[bytes], url: str, timeout: float) -> None:
    """Wait until the server at ``url`` answers ``GET /api/health`` with 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerDidNotStart(f"the sync server exited with {process.returncode}")
        try:
            if requests.get(f"{url}/api/health", timeout=2).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):  # not listening yet, or still busy
            time.sleep(0.1)
    raise ServerDidNotStart(f"the sync server did not answer within {timeout:.0f} s")


@dataclass
class LiveServer:
    """``python -m sync_server serve`` as a child process; ``kill()`` and ``start()`` again."""

    database_url: str
    #: The server's data folder (uploaded files); a fresh temporary one unless given.
    data_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="ticketdesk-server-")))
    port: int = field(default_factory=free_port)
    #: Server processes (``serve --workers``).
    workers: int = 1
    #: More environment for the child (``TICKETDESK_LIVE_HEARTBEAT_SECONDS``, say).
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        env = dict(
            os.environ, DATABASE_URL=self.database_url, TICKETDESK_DATA_DIR=str(self.data_dir), **self.env
        )
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "sync_server",
                "serve",
                "--port",
                str(self.port),
                *(["--workers", str(self.workers)] if self.workers != 1 else []),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until_healthy(self.process, self.url, timeout)

    def kill(self) -> None:
        """Stop the process at once (SIGKILL): no graceful shutdown, as in a crash."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None
