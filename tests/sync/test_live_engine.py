"""The desktop engine's live stream against a real server: a change made elsewhere reaches the
cache without waiting for the poll, and when the stream fails the engine polls, then the stream
comes back by itself."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import requests

from desktop.net.api import Unreachable
from desktop.sync.backoff import Backoff
from tests.helpers.sync import Desk, submit, titles


def _wait(condition: Callable[[], bool], timeout: float) -> None:
    """Until ``condition()`` holds; fails after ``timeout`` (the tests keep the next poll far
    beyond it, so what arrives in time came by the live stream)."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < timeout, "timed out"
        time.sleep(0.02)


def test_a_change_elsewhere_reaches_the_cache_without_waiting_for_the_poll(desk: Desk) -> None:
    other_device = desk.rest("uma@example.com")
    uma = desk.desktop("uma@example.com", interval=300.0)  # the poll would come in five minutes
    uma.engine.start()
    try:
        live = uma.engine.live
        assert live is not None
        _wait(lambda: live.connected, timeout=10)
        _wait(lambda: uma.engine.next_sync_in is not None and uma.engine.next_sync_in > 200, 10)
        submit(other_device, "Sent from the phone")
        _wait(lambda: titles(uma) == ["Sent from the phone"], timeout=10)  # the poll is 200 s away
        assert live.last_event_id is not None and live.last_event_id.isdigit()
    finally:
        uma.engine.stop()
    assert uma.engine.live is not None and not uma.engine.live.connected  # stopped with the engine


def test_when_the_stream_fails_the_engine_polls_then_the_stream_comes_back(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    other_device = desk.rest("uma@example.com")
    uma = desk.desktop("uma@example.com", interval=0.5)
    live = uma.engine.live
    assert live is not None
    live.backoff = Backoff(initial=0.2, maximum=0.5, jitter=0.0)
    refused = {"on": True, "attempts": 0}
    real_open = uma.api.open_events

    def flaky_open(last_event_id: str | None, read_timeout: float) -> requests.Response:
        refused["attempts"] += 1
        if refused["on"]:
            raise Unreachable("the stream endpoint is down")
        return real_open(last_event_id, read_timeout)

    monkeypatch.setattr(uma.api, "open_events", flaky_open)
    uma.engine.start()
    try:
        submit(other_device, "Polled")
        _wait(lambda: titles(uma) == ["Polled"], timeout=10)  # by polling: no stream yet
        assert not live.connected
        _wait(lambda: refused["attempts"] >= 3, timeout=10)  # it keeps trying by itself

        refused["on"] = False
        _wait(lambda: live.connected, timeout=10)
        _wait(lambda: uma.engine.next_sync_in is not None and uma.engine.next_sync_in > 30, 10)
        submit(other_device, "Noticed")  # polling is slow again: only the notice brings it soon
        _wait(lambda: titles(uma) == ["Noticed", "Polled"], timeout=10)  # the poll is 30 s away
    finally:
        uma.engine.stop()
