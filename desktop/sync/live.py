"""The desktop's live stream: one ``GET /api/sync/events`` kept open while the engine runs.

A ``changed`` notice only means "pull": :class:`LiveStream` asks the engine for a sync
(:meth:`SyncEngine.notify_remote_change`, which coalesces a burst into one pull), never applies
anything itself. When the stream cannot be opened or drops, the engine falls back to polling at
its normal interval and the stream reconnects by itself with backoff, sending the
``Last-Event-ID`` it last saw so the server can tell it what it missed. Runs on a plain thread
of its own, never on the UI thread; :meth:`stop` closes the connection to end it at once.

A ``presence`` event (a colleague viewing or replying on a ticket, staff only) is parsed and
handed to ``on_presence``; it asks for no pull, and one that does not parse is ignored.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Protocol

import requests
from pydantic import ValidationError

from desktop.net.api import AuthError, ClientError, UpgradeRequired
from desktop.sync.backoff import Backoff
from ticketing.presence import PRESENCE_EVENT, PresenceOut

log = logging.getLogger(__name__)

#: Longest silence (no event, no heartbeat) before the stream counts as lost; the server sends a
#: heartbeat every 15 s by default.
READ_TIMEOUT = 45.0


class EventSource(Protocol):
    def open_events(self, last_event_id: str | None, read_timeout: float) -> requests.Response: ...


def parse_events(lines: Iterator[str | bytes]) -> Iterator[tuple[str, str | None, str]]:
    """``(event name, id, data)`` of each message of a Server-Sent Events stream (several
    ``data:`` lines joined by newlines); comments (heartbeats) come out as ``("", None, "")``
    so the caller knows the stream is alive."""
    name, event_id, has_fields = "", None, False
    data: list[str] = []
    for raw in lines:
        line = raw.decode() if isinstance(raw, bytes) else raw
        if not line:
            if has_fields:
                yield name or "message", event_id, "\n".join(data)
            name, event_id, data, has_fields = "", None, [], False
        elif line.startswith(":"):
            yield "", None, ""
        else:
            field, _, value = line.partition(":")
            has_fields = True
            if field == "event":
                name = value.removeprefix(" ")
            elif field == "id":
                event_id = value.removeprefix(" ")
            elif field == "data":
                data.append(value.removeprefix(" "))


def parse_presence(data: str) -> PresenceOut | None:
    """The announcement in a ``presence`` event's data, or None if it is not one."""
    try:
        return PresenceOut.model_validate_json(data)
    except ValidationError:
        log.info("ignoring a malformed presence event: %.200s", data)
        return None


class LiveStream:
    """Keeps the stream open; ``on_changed`` on each notice, ``on_state(connected)`` when it
    opens or is lost, ``on_presence(PresenceOut)`` on each presence event (all called on the
    stream's thread)."""

    def __init__(
        self,
        source: EventSource,
        on_changed: Callable[[], None],
        on_state: Callable[[bool], None],
        *,
        backoff: Backoff | None = None,
        read_timeout: float = READ_TIMEOUT,
        on_presence: Callable[[PresenceOut], None] | None = None,
    ) -> None:
        self._source = source
        self._on_changed = on_changed
        self._on_state = on_state
        self._on_presence = on_presence
        self.backoff = backoff or Backoff(initial=1.0, maximum=60.0)
        self.read_timeout = read_timeout
        self.last_event_id: str | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._response: requests.Response | None = None
        self._thread: threading.Thread | None = None
        self.connected = False

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="ticketdesk-live", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """End the stream (logout, quit): closes the connection so the thread stops at once."""
        self._stop.set()
        with self._lock:
            if self._response is not None:
                self._response.close()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _set_connected(self, connected: bool) -> None:
        if connected != self.connected:
            self.connected = connected
            self._on_state(connected)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except (AuthError, UpgradeRequired) as error:
                log.info("live stream refused (%s); polling only until the next sync", error)
            except (ClientError, OSError, requests.RequestException, ValueError) as error:
                log.info("live stream lost: %s", error)
            except Exception:
                if not self._stop.is_set():  # closing the response under the reader ends it so
                    log.exception("live stream failed")
            self._set_connected(False)
            self._stop.wait(self.backoff.next_delay())

    def _listen(self) -> None:
        response = self._source.open_events(self.last_event_id, self.read_timeout)
        with self._lock:
            if self._stop.is_set():
                response.close()
                return
            self._response = response
        try:
            self._set_connected(True)
            self.backoff.reset()
            self._on_changed()  # whatever changed before the stream opened
            for name, event_id, data in parse_events(response.iter_lines(decode_unicode=True)):
                if event_id is not None:
                    self.last_event_id = event_id
                if name == "changed":
                    self._on_changed()
                elif name == PRESENCE_EVENT and self._on_presence is not None:
                    presence = parse_presence(data)
                    if presence is not None:
                        self._on_presence(presence)
        finally:
            with self._lock:
                self._response = None
            response.close()
