"""A real nginx in front of server processes, for tests: an unprivileged process with its own
config, logs and temp folders in a temporary folder, listening on a free loopback port, with
the locations shipped in ``docs/deploy/ticketdesk-locations.conf`` (so the example an admin
copies is the one tested)."""

from __future__ import annotations

import getpass
import os
import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

import requests

from sync_server.child_server import free_port

#: The shipped locations (SSE settings, X-Forwarded-For), included as they are.
LOCATIONS = Path(__file__).resolve().parents[2] / "docs" / "deploy" / "ticketdesk-locations.conf"

#: Where Debian puts nginx; /usr/sbin is not on an ordinary user's PATH.
_SBIN = "/usr/sbin:/usr/local/sbin:/sbin"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or shutil.which("nginx", path=_SBIN)


_CONFIG = """\
{user}worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {root}/access.log;
    client_body_temp_path {root}/client_body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    upstream ticketdesk {{
{servers}
        keepalive 4;
    }}
    server {{
        listen 127.0.0.1:{port};
        proxy_read_timeout {read_timeout}s;
        include {locations};
    }}
}}
"""


class NginxDidNotStart(RuntimeError):
    """nginx exited, or did not answer through to a server in time."""


class Nginx:
    """``nginx -p <root> -c <root>/nginx.conf -g 'daemon off;'`` proxying to ``upstreams``
    (``host:port``, round robin), closing upstream reads idle for ``read_timeout`` seconds."""

    def __init__(self, root: Path, upstreams: Sequence[str], *, read_timeout: float) -> None:
        binary = nginx_binary()
        if binary is None:
            raise FileNotFoundError("nginx")
        self.binary = binary
        self.root = root
        self.port = free_port()
        root.mkdir(parents=True, exist_ok=True)
        # run as root, nginx would hand its workers to "nobody", who cannot enter a private folder
        user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""
        servers = "\n".join(f"        server {upstream};" for upstream in upstreams)
        self.config = root / "nginx.conf"
        self.config.write_text(
            _CONFIG.format(
                user=user,
                root=root,
                servers=servers,
                port=self.port,
                read_timeout=f"{read_timeout:g}",
                locations=LOCATIONS,
            )
        )
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> None:
        command = [self.binary, "-p", str(self.root), "-e", str(self.root / "error.log")]
        self.process = subprocess.Popen(
            [*command, "-c", str(self.config), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = self.process.stderr.read().decode() if self.process.stderr else ""
                raise NginxDidNotStart(f"nginx exited with {self.process.returncode}: {error}")
            try:
                if requests.get(f"{self.url}/api/health", timeout=2).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)
        self.stop()
        raise NginxDidNotStart(f"nginx did not answer within {timeout:.0f} s")

    def error_log(self) -> str:
        path = self.root / "error.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # fast shutdown: open live streams are closed
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()
        self.process = None
