"""The one ``LISTEN`` connection of a server process, in a background thread.

It waits for notices on :data:`~sync_server.services.live.notify.CHANNEL` (and presence notices
on :data:`~sync_server.services.live.presence.PRESENCE_CHANNEL`) and hands each to the
process's :class:`~sync_server.services.live.hub.LiveHub` on the app's event loop. When the
database connection drops it reconnects with backoff; as notices may have been missed
meanwhile, the first thing it publishes after a reconnect is a wildcard notice without an id
(every stream tells its client to pull, and the ring buffer starts again).
"""

from __future__ import annotations

import asyncio
import logging
import threading

import orjson
import psycopg
from psycopg import sql
from psycopg.rows import TupleRow
from sqlalchemy import Engine

from sync_server.services.live import presence
from sync_server.services.live.hub import LiveHub, Notice
from sync_server.services.live.notify import CHANNEL, WILDCARD
from sync_server.services.live.presence import PRESENCE_CHANNEL, PresenceNotice

log = logging.getLogger(__name__)

#: Seconds between attempts to reconnect: doubling from the first to the last.
FIRST_RETRY = 0.2
LAST_RETRY = 10.0
#: How often the thread looks up from waiting to see whether it must stop.
POLL_SECONDS = 0.5


def parse(payload: str) -> Notice | None:
    """The notice in a NOTIFY payload, or None if it is not one of ours."""
    try:
        body = orjson.loads(payload)
        event_id = int(body["id"])
        buckets = frozenset(str(b) for b in body["buckets"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        log.warning("ignoring a malformed live notice: %.200s", payload)
        return None
    return Notice(event_id, buckets)


class LiveListener:
    """LISTENs on one connection of its own and publishes what it hears on ``loop``."""

    def __init__(self, engine: Engine, hub: LiveHub, loop: asyncio.AbstractEventLoop) -> None:
        self._url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._hub = hub
        self._loop = loop
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="live-listener", daemon=True)
        #: Set once the first LISTEN is in place (tests and the bench wait for it).
        self.listening = threading.Event()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _publish(self, notice: Notice) -> None:
        if not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._hub.publish, notice)

    def _publish_presence(self, notice: PresenceNotice) -> None:
        if not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._hub.publish_presence, notice)

    def _received(self, channel: str, payload: str) -> None:
        if channel == PRESENCE_CHANNEL:
            announced = presence.parse(payload)
            if announced is not None:
                self._publish_presence(announced)
            return
        notice = parse(payload)
        if notice is not None:
            self._publish(notice)

    def _connect(self) -> psycopg.Connection[TupleRow] | None:
        try:
            connection = psycopg.connect(self._url, autocommit=True)
            for channel in (CHANNEL, PRESENCE_CHANNEL):
                connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        except psycopg.Error as exc:
            log.warning("live notices: cannot listen (%s); retrying", exc)
            return None
        return connection

    def _run(self) -> None:
        retry = FIRST_RETRY
        connected_before = False
        while not self._stop.is_set():
            connection = self._connect()
            if connection is None:
                self._stop.wait(retry)
                retry = min(retry * 2, LAST_RETRY)
                continue
            retry = FIRST_RETRY
            if connected_before:  # notices may have been sent while we were away
                self._publish(Notice(None, frozenset({WILDCARD})))
            connected_before = True
            self.listening.set()
            try:
                with connection:
                    while not self._stop.is_set():
                        for received in connection.notifies(timeout=POLL_SECONDS):
                            self._received(received.channel, received.payload)
            except psycopg.Error as exc:
                log.warning("live notices: connection lost (%s); reconnecting", exc)
                self._stop.wait(retry)
