"""A server process stops cleanly on SIGTERM, SIGINT and SIGHUP, on the embedded database.

Each test runs the real command (``python -m sync_server serve``, or ``scripts/run_demo.py`` as
``make run`` does) on an embedded PostgreSQL in a temporary folder, sends it a signal as
systemd, Docker, a terminal or ``timeout`` would, and checks what a user would: the exit status,
that a request in flight still got its answer, that no PostgreSQL is left holding the folder,
and that the next start works.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import requests

from sync_server.child_server import ServerDidNotStart, free_port, wait_until_healthy

ROOT = Path(__file__).resolve().parents[2]


def _environment(data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TICKETDESK_DATABASE_URL"}}
    env.update(TICKETDESK_DATA_DIR=str(data_dir), TICKETDESK_PORT=str(port))
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    return env


#: Processes a test started, for the fixture to end if the test could not.
_STARTED: list[subprocess.Popen[bytes]] = []


def _start(command: list[str], data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        command, env=_environment(data_dir, port), stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=ROOT
    )
    _STARTED.append(process)
    try:
        wait_until_healthy(process, f"http://127.0.0.1:{port}", timeout=90)
    except ServerDidNotStart as error:
        raise AssertionError(f"{error}: {log.read_text()}") from error
    return process


def _serve(data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    return _start([sys.executable, "-m", "sync_server", "serve", "--port", str(port)], data_dir, port, log)


def _postgres_running(data_dir: Path) -> bool:
    """Whether a PostgreSQL server still holds the folder's database."""
    pid_file = data_dir / "pgdata" / "postmaster.pid"
    if not pid_file.exists():
        return False
    pid = int(pid_file.read_text().split("\n", 1)[0])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def data_dir(embedded_data_dir: Path) -> Iterator[Path]:
    folder = embedded_data_dir
    yield folder
    for process in _STARTED:  # whatever the test found, leave nothing running
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    _STARTED.clear()
    if _postgres_running(folder):
        pid = int((folder / "pgdata" / "postmaster.pid").read_text().split("\n", 1)[0])
        os.kill(pid, signal.SIGTERM)


def _half_sent_login(port: int) -> tuple[socket.socket, bytes]:
    """A request in flight: the headers and half of the body sent; the rest, still to send."""
    body = json.dumps({"email": "nobody@example.com", "password": "not the password"}).encode()
    sock = socket.create_connection(("127.0.0.1", port))
    head = (
        f"POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    sock.sendall(head + body[: len(body) // 2])
    return sock, body[len(body) // 2 :]


def _finish(sock: socket.socket, rest: bytes) -> bytes:
    sock.sendall(rest)
    answer = b""
    while chunk := sock.recv(65536):
        answer += chunk
    sock.close()
    return answer


@pytest.mark.slow
@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda s: s.name)
def test_a_stop_signal_ends_the_server_and_its_embedded_database(
    data_dir: Path, tmp_path: Path, stop_signal: signal.Signals
) -> None:
    port = free_port()
    server = _serve(data_dir, port, tmp_path / "first.log")
    assert _postgres_running(data_dir)
    in_flight, rest = _half_sent_login(port)
    time.sleep(0.3)  # the server has read the headers

    server.send_signal(stop_signal)
    time.sleep(0.5)
    answer = _finish(in_flight, rest)
    assert answer.startswith(b"HTTP/1.1 401"), answer  # the request in flight got its answer
    assert server.wait(timeout=60) == 0
    assert not _postgres_running(data_dir), (tmp_path / "first.log").read_text()
    log = (tmp_path / "first.log").read_text()
    assert "Ticketdesk sync server stopped." in log

    again = _serve(data_dir, port, tmp_path / "second.log")  # the next start works
    assert requests.get(f"http://127.0.0.1:{port}/api/health", timeout=5).json()["status"] == "ok"
    again.terminate()
    assert again.wait(timeout=60) == 0
    assert not _postgres_running(data_dir)


@pytest.mark.slow
def test_a_server_killed_outright_leaves_a_database_the_next_start_takes_over(
    data_dir: Path, tmp_path: Path
) -> None:
    port = free_port()
    killed = _serve(data_dir, port, tmp_path / "killed.log")
    killed.kill()  # SIGKILL: no clean-up at all
    killed.wait(timeout=10)
    assert _postgres_running(data_dir)  # orphaned, holding the folder

    server = _serve(data_dir, port, tmp_path / "next.log")
    log = (tmp_path / "next.log").read_text()
    assert log.count("Taking over the embedded PostgreSQL") == 1, log
    server.terminate()
    assert server.wait(timeout=60) == 0
    assert not _postgres_running(data_dir), (tmp_path / "next.log").read_text()


@pytest.mark.slow
def test_make_run_stopped_with_sigterm_stops_the_server_and_the_database(
    data_dir: Path, tmp_path: Path
) -> None:
    port = free_port()
    log = tmp_path / "run.log"
    demo = _start([sys.executable, str(ROOT / "scripts" / "run_demo.py")], data_dir, port, log)
    demo.send_signal(signal.SIGTERM)
    assert demo.wait(timeout=90) == 0, log.read_text()
    assert not _postgres_running(data_dir), log.read_text()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/api/health", timeout=2)


@pytest.mark.slow
def test_serve_with_two_workers_answers_from_both_and_stops_cleanly_on_sigterm(
    data_dir: Path, tmp_path: Path
) -> None:
    port = free_port()
    log_file = tmp_path / "workers.log"
    server = _start(
        [sys.executable, "-m", "sync_server", "serve", "--port", str(port), "--workers", "2"],
        data_dir,
        port,
        log_file,
    )
    workers = [
        child for child in psutil.Process(server.pid).children() if "sync_server" in " ".join(child.cmdline())
    ]
    assert len(workers) == 2, log_file.read_text()
    answers = [requests.get(f"http://127.0.0.1:{port}/api/health", timeout=5) for _ in range(20)]
    assert all(a.status_code == 200 and a.json()["status"] == "ok" for a in answers)
    in_flight, rest = _half_sent_login(port)
    time.sleep(0.3)  # a worker has read the headers

    server.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    assert _finish(in_flight, rest).startswith(b"HTTP/1.1 401")  # the request in flight got its answer
    assert server.wait(timeout=60) == 0, log_file.read_text()
    assert not any(w.is_running() and w.status() != psutil.STATUS_ZOMBIE for w in workers)
    assert not _postgres_running(data_dir)
    log = log_file.read_text()
    assert "2 worker processes" in log and "Ticketdesk sync server stopped." in log
    assert "Traceback" not in log
