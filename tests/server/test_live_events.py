"""Live notices (``GET /api/sync/events``) from real server processes on one database: who
hears about which bucket, reconnecting with ``Last-Event-ID``, heartbeats, a revoked token, and
two processes fanning out to each other's streams."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from sqlalchemy import Engine

from sync_server.child_server import LiveServer
from tests.helpers.api import create_account
from tests.helpers.live import ENDED, EventReader, token, two_servers
from ticketing import visibility
from ticketing.domain import Role

#: Heartbeat of the test servers, seconds.
HEARTBEAT = 0.5
#: How long a test waits to be sure an event does NOT come.
QUIET = 1.5

PEOPLE = {
    "ada@example.com": Role.ADMIN,
    "alice@example.com": Role.AGENT,
    "uma@example.com": Role.USER,
    "vic@example.com": Role.USER,
}


@dataclass
class Pair:
    """Two server processes on one database, and everyone's password and id."""

    one: LiveServer
    two: LiveServer
    passwords: dict[str, str]
    ids: dict[str, str]

    def token(self, who: str, server: LiveServer | None = None) -> str:
        return token((server or self.one).url, who, self.passwords[who])

    def stream(self, who: str, server: LiveServer | None = None, last: str | None = None) -> EventReader:
        reader = EventReader((server or self.two).url, self.token(who, server or self.two), last)
        assert reader.response.status_code == 200, reader.response.text
        assert reader.response.headers["content-type"].startswith("text/event-stream")
        return reader


@pytest.fixture
def pair(engine: Engine, database_url: str) -> Iterator[Pair]:
    passwords, ids = {}, {}
    for email, role in PEOPLE.items():
        ids[email], passwords[email] = create_account(engine, email, role)
    with two_servers(database_url, HEARTBEAT) as (one, two):
        yield Pair(one, two, passwords, ids)


def _headers(access: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access}"}


def _submit(url: str, access: str, title: str) -> dict[str, object]:
    category = requests.get(f"{url}/api/categories", headers=_headers(access), timeout=10).json()[0]["id"]
    body = {"title": title, "description": f"<p>{title}</p>", "category_id": category}
    answer = requests.post(f"{url}/api/tickets", json=body, headers=_headers(access), timeout=10)
    assert answer.status_code == 201, answer.text
    ticket: dict[str, object] = answer.json()
    return ticket


def _comment(url: str, access: str, key: object, internal: bool) -> None:
    body = {"content": "<p>note</p>", "is_internal": internal}
    answer = requests.post(
        f"{url}/api/tickets/{key}/comments", json=body, headers=_headers(access), timeout=10
    )
    assert answer.status_code == 201, answer.text


def _first_change(reader: EventReader, timeout: float = 10.0) -> set[str]:
    event = reader.next(timeout)
    assert event.event == "changed", event
    assert event.id is not None and event.id.isdigit()
    return event.buckets


def test_each_role_hears_only_about_buckets_it_may_read(pair: Pair) -> None:
    uma = pair.ids["uma@example.com"]
    streams = {who: pair.stream(f"{who}@example.com") for who in ("uma", "vic", "alice", "ada")}
    try:
        uma_token = pair.token("uma@example.com")
        ticket = _submit(pair.one.url, uma_token, "Printer on fire")  # through the other process

        assert _first_change(streams["uma"]) == {f"requester:{uma}"}
        assert _first_change(streams["alice"]) == {visibility.QUEUE}
        assert _first_change(streams["ada"]) == {visibility.QUEUE}
        assert streams["vic"].changes(within=QUIET) == []  # another requester's ticket: nothing

        # an internal note lives in staff buckets only: the requester hears nothing of it
        _comment(pair.one.url, pair.token("alice@example.com"), ticket["number"], internal=True)
        assert _first_change(streams["alice"]) == {visibility.QUEUE_INTERNAL}
        assert _first_change(streams["ada"]) == {visibility.QUEUE_INTERNAL}
        assert streams["uma"].changes(within=QUIET) == []
        assert streams["vic"].changes(within=QUIET) == []
        assert all(f"requester:{uma}" not in e.buckets for e in streams["alice"].changes(0.2))
    finally:
        for reader in streams.values():
            reader.close()


def test_heartbeats_arrive_while_nothing_changes(pair: Pair) -> None:
    reader = pair.stream("vic@example.com")
    try:
        pings = [reader.next(timeout=HEARTBEAT * 4, skip_pings=False) for _ in range(3)]
        assert [p.event for p in pings] == ["ping"] * 3
    finally:
        reader.close()


def test_reconnecting_with_last_event_id_is_never_left_behind(pair: Pair) -> None:
    uma = pair.ids["uma@example.com"]
    uma_token = pair.token("uma@example.com")
    reader = pair.stream("uma@example.com")
    _submit(pair.one.url, uma_token, "First")
    first = reader.next()
    reader.close()
    assert first.id is not None

    _submit(pair.one.url, uma_token, "Made while disconnected")
    again = pair.stream("uma@example.com", last=first.id)  # the notice after it is in the buffer
    try:
        missed = again.next()
        assert missed.event == "changed" and missed.buckets == {f"requester:{uma}"}
        assert missed.id is not None and int(missed.id) > int(first.id)
    finally:
        again.close()

    unknown = pair.stream("uma@example.com", last="999999999")  # older than the buffer, or unknown
    try:
        told = unknown.next(timeout=5)
        assert told.event == "changed"
        assert told.buckets == {
            f"requester:{uma}",
            f"account:{uma}",  # the account's own read marks
            visibility.DIRECTORY,
            visibility.KB_PUBLISHED,
        }
    finally:
        unknown.close()

    up_to_date = pair.stream("uma@example.com", last=missed.id)  # nothing since: nothing sent
    try:
        assert up_to_date.changes(within=QUIET) == []
    finally:
        up_to_date.close()


def test_a_revoked_token_ends_the_stream(pair: Pair) -> None:
    login = requests.post(
        f"{pair.two.url}/api/auth/login",
        json={"email": "vic@example.com", "password": pair.passwords["vic@example.com"]},
        timeout=10,
    ).json()
    reader = EventReader(pair.two.url, login["access_token"])
    try:
        assert reader.next(timeout=HEARTBEAT * 4, skip_pings=False).event == "ping"
        answer = requests.post(
            f"{pair.one.url}/api/auth/logout", json={"refresh_token": login["refresh_token"]}, timeout=10
        )
        assert answer.status_code == 204
        deadline_events = []
        while True:
            got = reader.next(timeout=HEARTBEAT * 6, skip_pings=False)
            deadline_events.append(got.event)
            if got is ENDED:
                break
            assert len(deadline_events) < 5, deadline_events  # at most the heartbeat in flight
    finally:
        reader.close()
    refused = requests.get(
        f"{pair.two.url}/api/sync/events", headers=_headers(login["access_token"]), timeout=10
    )
    assert refused.status_code == 401


def test_two_processes_fan_out_to_each_other(pair: Pair) -> None:
    uma = pair.ids["uma@example.com"]
    on_one = pair.stream("uma@example.com", server=pair.one)
    on_two = pair.stream("uma@example.com", server=pair.two)
    try:
        _submit(pair.one.url, pair.token("uma@example.com", pair.one), "Through one")
        assert _first_change(on_two) == {f"requester:{uma}"}
        assert _first_change(on_one) == {f"requester:{uma}"}
        _submit(pair.two.url, pair.token("uma@example.com", pair.two), "Through two")
        assert _first_change(on_one) == {f"requester:{uma}"}
        assert _first_change(on_two) == {f"requester:{uma}"}
    finally:
        on_one.close()
        on_two.close()


def test_streams_without_a_token_are_refused(pair: Pair) -> None:
    answer = requests.get(f"{pair.two.url}/api/sync/events", timeout=10)
    assert answer.status_code == 401
    assert answer.json()["error"] == "not_authenticated"


def test_every_worker_of_serve_workers_informs_its_own_streams(engine: Engine, database_url: str) -> None:
    uma_id, password = create_account(engine, "uma@example.com", Role.USER)
    server = LiveServer(database_url, workers=2, env={"TICKETDESK_LIVE_HEARTBEAT_SECONDS": str(HEARTBEAT)})
    server.start()
    try:
        access = token(server.url, "uma@example.com", password)
        readers = [EventReader(server.url, access) for _ in range(6)]  # most likely on both workers
        try:
            _submit(server.url, access, "Seen by every worker")
            assert all(_first_change(reader) == {f"requester:{uma_id}"} for reader in readers)
        finally:
            for reader in readers:
                reader.close()
    finally:
        server.stop()
