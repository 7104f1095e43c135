"""``make run``: start the sync server (embedded PostgreSQL, demo data) and open the desktop app.

The server runs as a child process and stops when the app's window closes. Without a screen
(no DISPLAY on Linux) only the server runs, until Ctrl+C. SIGTERM and SIGHUP (``kill``, a
closed terminal, ``timeout``) stop both as cleanly as Ctrl+C: the server, and the embedded
PostgreSQL it started, stop before this script exits.
"""

from __future__ import annotations

import os
import subprocess
import sys

from sync_server.child_server import ServerDidNotStart, wait_until_healthy
from sync_server.process import exit_cleanly_on_signals

PORT = int(os.environ.get("TICKETDESK_PORT", "8700"))
URL = f"http://127.0.0.1:{PORT}"


def wait_for_server(process: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    try:
        wait_until_healthy(process, URL, timeout)
    except ServerDidNotStart as error:
        raise SystemExit(f"The sync server did not start: {error}.") from error


def stop(child: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGTERM (a clean stop: the server finishes its requests and stops its database), then
    SIGKILL if it takes longer than ``timeout``."""
    if child.poll() is None:
        child.terminate()
    try:
        child.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()


def main() -> int:
    exit_cleanly_on_signals()  # SIGTERM and SIGHUP end in the `finally` below, as Ctrl+C does
    command = [sys.executable, "-m", "sync_server", "demo", "--port", str(PORT)]
    server = subprocess.Popen(command)  # noqa: S603  # our own interpreter and module
    app: subprocess.Popen[bytes] | None = None
    try:
        wait_for_server(server)
        has_screen = sys.platform != "linux" or bool(
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
        )
        if not has_screen:
            print(
                "No screen found: the server keeps running; start the app elsewhere with "
                f"`python -m desktop --server {URL}`. Ctrl+C stops the server.",
                flush=True,
            )
            return server.wait()
        app = subprocess.Popen([sys.executable, "-m", "desktop", "--server", URL])  # noqa: S603
        return app.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if app is not None:
            stop(app, timeout=10)
        stop(server, timeout=40)


if __name__ == "__main__":
    raise SystemExit(main())
