"""A fault-injecting TCP proxy on loopback, between a real client and a real server process.

Each request goes through as usual unless a fault is armed for its method and path: then the
proxy drops it before the server sees it, lets the server answer (and commit) but never passes
the answer on, passes on only part of the answer, or kills the server right after it answered.
One connection per request (``Connection: close``), so a fault hits exactly one request.
"""

from __future__ import annotations

import enum
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sync_server.child_server import free_port


class Fault(enum.Enum):
    DROP_REQUEST = "drop the request: the server never sees it"
    DROP_ANSWER = "the server answers (and commits); the client never hears back"
    CUT_ANSWER = "the client gets the headers and half of the body, then the connection closes"
    KILL_AFTER_ANSWER = "the server answers, is killed at once, and the answer is lost"


@dataclass
class _Armed:
    request_line: bytes
    fault: Fault
    times: int


class FaultProxy:
    """Listen on a free port and forward to ``target_port``; :meth:`arm` a fault for the next
    ``times`` requests whose request line starts with ``request_line`` (``b"POST /api/auth"``)."""

    def __init__(self, target_port: int, kill_server: Callable[[], None] | None = None) -> None:
        self.target_port = target_port
        self.kill_server = kill_server
        self.port = free_port()
        self.hits: list[tuple[Fault, bytes]] = []
        self._armed: list[_Armed] = []
        self._lock = threading.Lock()
        self._sock = socket.create_server(("127.0.0.1", self.port))
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def arm(self, request_line: bytes, fault: Fault, times: int = 1) -> None:
        with self._lock:
            self._armed.append(_Armed(request_line, fault, times))

    def disarm(self) -> None:
        """Pass every request on again."""
        with self._lock:
            self._armed.clear()

    def hit_count(self, fault: Fault) -> int:
        return sum(1 for hit, _ in self.hits if hit is fault)

    def close(self) -> None:
        self._sock.close()

    def _fault_for(self, request: bytes) -> Fault | None:
        with self._lock:
            for armed in self._armed:
                if armed.times > 0 and request.startswith(armed.request_line):
                    armed.times -= 1
                    self.hits.append((armed.fault, request.split(b"\r\n", 1)[0]))
                    return armed.fault
        return None

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    @staticmethod
    def _read_request(client: socket.socket) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = client.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(body) < length:
            chunk = client.recv(65536)
            if not chunk:
                break
            body += chunk
        head = b"\r\n".join(
            line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")
        )
        return head + b"\r\nConnection: close\r\n\r\n" + body

    def _handle(self, client: socket.socket) -> None:
        with client:
            request = self._read_request(client)
            if not request:
                return
            fault = self._fault_for(request)
            if fault is Fault.DROP_REQUEST:
                return
            try:
                with socket.create_connection(("127.0.0.1", self.target_port)) as upstream:
                    upstream.sendall(request)
                    response = b""
                    while chunk := upstream.recv(65536):
                        response += chunk
            except OSError:
                return  # the server is down: the client sees a closed connection
            if fault is Fault.DROP_ANSWER:
                return
            if fault is Fault.KILL_AFTER_ANSWER:
                assert self.kill_server is not None, "give the proxy a way to kill the server"
                self.kill_server()
                return
            if fault is Fault.CUT_ANSWER:
                head, _, body = response.partition(b"\r\n\r\n")
                client.sendall(head + b"\r\n\r\n" + body[: len(body) // 2])
                return
            client.sendall(response)
