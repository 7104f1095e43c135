"""Reading a live stream (``GET /api/sync/events``) in tests: a thread that parses the
Server-Sent Events into a queue, so a test can wait for the next one with a timeout."""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
import requests

from sync_server.child_server import LiveServer


@dataclass(frozen=True)
class Event:
    """One SSE message: ``event`` "changed" or "presence" with ``data``, or a heartbeat
    comment ("ping")."""

    event: str
    id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def buckets(self) -> set[str]:
        return set(self.data.get("buckets", []))


#: What the reader puts in the queue when the server ends the stream.
ENDED = Event("ended")


class EventReader:
    """Opens the stream as ``token`` and reads it in a daemon thread until closed or ended."""

    def __init__(self, url: str, token: str, last_event_id: str | None = None) -> None:
        headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        self.response = requests.get(f"{url}/api/sync/events", headers=headers, stream=True, timeout=30)
        self.events: queue.Queue[Event] = queue.Queue()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        kind, event_id, data = "", None, ""
        try:
            for raw in self.response.iter_lines(decode_unicode=True):
                line = raw or ""
                if not line:
                    if kind or data:
                        body = orjson.loads(data) if data else {}
                        self.events.put(Event(kind or "message", event_id, body))
                    kind, event_id, data = "", None, ""
                elif line.startswith(":"):
                    self.events.put(Event("ping"))
                else:
                    name, _, value = line.partition(":")
                    value = value.removeprefix(" ")
                    if name == "event":
                        kind = value
                    elif name == "id":
                        event_id = value
                    elif name == "data":
                        data += value
        except (requests.RequestException, AttributeError, ValueError):  # closed under us
            pass
        self.events.put(ENDED)

    def next(self, timeout: float = 10.0, *, skip_pings: bool = True) -> Event:
        """The next event (heartbeats skipped unless asked for); raises ``queue.Empty``."""
        while True:
            got = self.events.get(timeout=timeout)
            if got.event != "ping" or not skip_pings:
                return got

    def changes(self, within: float) -> list[Event]:
        """Every ``changed`` event that arrives within ``within`` seconds."""
        return self.events_of("changed", within)

    def presences(self, within: float) -> list[Event]:
        """Every ``presence`` event that arrives within ``within`` seconds."""
        return self.events_of("presence", within)

    def events_of(self, kind: str, within: float) -> list[Event]:
        """Every event named ``kind`` that arrives within ``within`` seconds."""
        found: list[Event] = []
        deadline = time.monotonic() + within
        while (left := deadline - time.monotonic()) > 0:
            try:
                got = self.events.get(timeout=left)
            except queue.Empty:
                break
            if got.event == kind:
                found.append(got)
        return found

    def next_presence(self, timeout: float = 10.0) -> Event:
        """The next ``presence`` event (anything else skipped); raises ``queue.Empty``."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.events.get(timeout=max(deadline - time.monotonic(), 0.001))
            if got.event == "presence":
                return got

    def close(self) -> None:
        self.response.close()
        self._thread.join(timeout=5)


def token(url: str, email: str, password: str) -> str:
    answer = requests.post(f"{url}/api/auth/login", json={"email": email, "password": password}, timeout=10)
    assert answer.status_code == 200, answer.text
    access: str = answer.json()["access_token"]
    return access


@contextlib.contextmanager
def two_servers(
    database_url: str, heartbeat: float = 15.0, **settings: str
) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Two server processes on one database, with live heartbeats every ``heartbeat`` seconds
    and other ``TICKETDESK_*`` settings (``sla_check_seconds="0.2"``)."""
    env = {"TICKETDESK_LIVE_HEARTBEAT_SECONDS": str(heartbeat)}
    env.update({f"TICKETDESK_{name.upper()}": value for name, value in settings.items()})
    one, two = LiveServer(database_url, env=env), LiveServer(database_url, env=env)
    one.start()
    try:
        two.start()
        try:
            yield one, two
        finally:
            two.stop()
    finally:
        one.stop()
