"""``make run``: start the sync server (embedded PostgreSQL, demo data) and open the desktop app.

The server runs as a child process and stops when the app's window closes. Without a screen
(no DISPLAY on Linux) only the server runs, until Ctrl+C.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import requests

PORT = int(os.environ.get("TICKETDESK_PORT", "8700"))
URL = f"http://127.0.0.1:{PORT}"


def wait_for_server(process: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"The sync server stopped (exit code {process.returncode}).")
        try:
            if requests.get(f"{URL}/api/health", timeout=1).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise SystemExit("The sync server did not start in time.")


def main() -> int:
    command = [sys.executable, "-m", "sync_server", "demo", "--port", str(PORT)]
    server = subprocess.Popen(command)  # noqa: S603  # our own interpreter and module
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
        return subprocess.call([sys.executable, "-m", "desktop", "--server", URL])  # noqa: S603
    except KeyboardInterrupt:
        return 0
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    raise SystemExit(main())
