"""Presence (``POST /api/presence`` and ``event: presence``) between real server processes on
one database: who hears it, through the other process too, that a requester never does, that
an agent limited to assigned tickets hears only of those, the request's validation, and that
nothing of it is stored."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from sqlalchemy import Engine, text

from sync_server.child_server import LiveServer
from sync_server.services.live.hub import LiveHub, Notice
from sync_server.services.live.presence import PresenceNotice
from tests.helpers.api import create_account
from tests.helpers.live import EventReader, token, two_servers
from ticketing import visibility
from ticketing.domain import AgentVisibility, Role
from ticketing.presence import PRESENCE_TTL, PresenceOut, PresenceState

HEARTBEAT = 0.5
#: How long a test waits to be sure an event does NOT come.
QUIET = 1.5

PEOPLE = {
    "ada@example.com": Role.ADMIN,
    "alice@example.com": Role.AGENT,
    "bob@example.com": Role.AGENT,
    "uma@example.com": Role.USER,
}


@dataclass
class Desk:
    """Two server processes on one database, everyone's token and id, and a ticket of Uma's."""

    one: LiveServer
    two: LiveServer
    tokens: dict[str, str]
    ids: dict[str, str]
    ticket: dict[str, Any]

    def stream(self, who: str) -> EventReader:
        reader = EventReader(self.two.url, self.tokens[who])
        assert reader.response.status_code == 200, reader.response.text
        return reader

    def announce(
        self, who: str, state: str, ticket_id: object = None, url: str | None = None
    ) -> requests.Response:
        body = {"ticket_id": str(ticket_id or self.ticket["id"]), "state": state}
        return requests.post(
            f"{url or self.one.url}/api/presence", json=body, headers=_headers(self.tokens[who]), timeout=10
        )


def _headers(access: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access}"}


def _set_visibility(url: str, admin: str, setting: AgentVisibility) -> None:
    answer = requests.patch(
        f"{url}/api/settings", json={"agent_visibility": setting.value}, headers=_headers(admin), timeout=10
    )
    assert answer.status_code == 200, answer.text


@pytest.fixture
def desk(engine: Engine, database_url: str) -> Iterator[Desk]:
    ids, passwords = {}, {}
    for email, role in PEOPLE.items():
        ids[email.split("@")[0]], passwords[email.split("@")[0]] = create_account(engine, email, role)
    with two_servers(database_url, HEARTBEAT) as (one, two):
        tokens = {who: token(one.url, f"{who}@example.com", passwords[who]) for who in ids}
        category = requests.get(f"{one.url}/api/categories", headers=_headers(tokens["uma"]), timeout=10)
        body = {
            "title": "VPN drops",
            "description": "<p>Hourly.</p>",
            "category_id": category.json()[0]["id"],
        }
        created = requests.post(
            f"{one.url}/api/tickets", json=body, headers=_headers(tokens["uma"]), timeout=10
        )
        assert created.status_code == 201, created.text
        yield Desk(one, two, tokens, ids, created.json())


def test_presence_reaches_other_staff_through_the_other_process(desk: Desk) -> None:
    bob, ada = desk.stream("bob"), desk.stream("ada")  # on process two; Alice speaks to process one
    try:
        assert desk.announce("alice", "viewing").status_code == 204
        for reader in (bob, ada):
            event = reader.next_presence()
            assert event.id is None  # never replayed: no id
            assert event.data == {
                "ticket_id": desk.ticket["id"],
                "user_id": desk.ids["alice"],
                "name": "Alice",
                "state": "viewing",
                "expires_in": PRESENCE_TTL,
            }
        assert desk.announce("alice", "replying").status_code == 204
        assert bob.next_presence().data["state"] == "replying"
        assert desk.announce("alice", "left").status_code == 204
        left = bob.next_presence().data
        assert (left["state"], left["expires_in"]) == ("left", 0)
    finally:
        bob.close()
        ada.close()


def test_nobody_hears_about_themself(desk: Desk) -> None:
    alice = desk.stream("alice")
    try:
        assert desk.announce("alice", "viewing", url=desk.two.url).status_code == 204
        assert alice.presences(within=QUIET) == []
    finally:
        alice.close()


def test_a_requester_never_hears_staff_presence_even_on_their_own_ticket(desk: Desk) -> None:
    uma, bob = desk.stream("uma"), desk.stream("bob")
    try:
        assert desk.announce("alice", "replying").status_code == 204
        assert bob.next_presence().data["user_id"] == desk.ids["alice"]  # it was sent
        assert uma.presences(within=QUIET) == []
    finally:
        uma.close()
        bob.close()


def test_an_agent_limited_to_assigned_tickets_hears_only_of_those(desk: Desk) -> None:
    _set_visibility(desk.one.url, desk.tokens["ada"], AgentVisibility.ASSIGNED)
    bob, ada = desk.stream("bob"), desk.stream("ada")
    try:
        # Alice is limited too: the ticket is hers, not Bob's
        assign = requests.patch(
            f"{desk.one.url}/api/tickets/{desk.ticket['id']}",
            json={"assignee_id": desk.ids["alice"]},
            headers=_headers(desk.tokens["ada"]),
            timeout=10,
        )
        assert assign.status_code == 200, assign.text
        assert desk.announce("alice", "viewing").status_code == 204
        assert ada.next_presence().data["user_id"] == desk.ids["alice"]  # an admin sees every ticket
        assert bob.presences(within=QUIET) == []  # not Bob's ticket

        # and Bob may not announce himself on a ticket he cannot read
        refused = desk.announce("bob", "viewing")
        assert refused.status_code == 404, refused.text
        assert refused.json()["error"] == "not_found"
    finally:
        bob.close()
        ada.close()


def test_a_restricted_agent_hears_of_a_ticket_assigned_to_them(desk: Desk) -> None:
    _set_visibility(desk.one.url, desk.tokens["ada"], AgentVisibility.ASSIGNED)
    assign = requests.patch(
        f"{desk.one.url}/api/tickets/{desk.ticket['id']}",
        json={"assignee_id": desk.ids["bob"]},
        headers=_headers(desk.tokens["ada"]),
        timeout=10,
    )
    assert assign.status_code == 200, assign.text
    bob = desk.stream("bob")
    try:
        assert desk.announce("ada", "viewing").status_code == 204
        assert bob.next_presence().data["user_id"] == desk.ids["ada"]
    finally:
        bob.close()


def _error(answer: requests.Response, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = answer.json()
    assert isinstance(body["error"], str) and isinstance(body["detail"], str)
    return body


def test_announcements_are_checked(desk: Desk) -> None:
    assert _error(desk.announce("uma", "viewing"), 403)["error"] == "forbidden"
    assert _error(desk.announce("alice", "typing"), 422)["error"]
    assert _error(desk.announce("alice", "viewing", ticket_id=uuid.uuid4()), 404)["error"] == "not_found"
    no_token = requests.post(
        f"{desk.one.url}/api/presence", json={"ticket_id": desk.ticket["id"], "state": "viewing"}, timeout=10
    )
    _error(no_token, 401)
    extra = requests.post(
        f"{desk.one.url}/api/presence",
        json={"ticket_id": desk.ticket["id"], "state": "viewing", "name": "Mallory"},
        headers=_headers(desk.tokens["alice"]),
        timeout=10,
    )
    _error(extra, 422)


def test_a_burst_of_announcements_is_limited(desk: Desk) -> None:
    answers = [desk.announce("alice", PresenceState.VIEWING.value).status_code for _ in range(40)]
    assert answers[0] == 204
    assert 429 in answers
    limited = desk.announce("alice", "viewing")
    body = _error(limited, 429)
    assert body["error"] == "rate_limited" and int(limited.headers["Retry-After"]) >= 1
    assert desk.announce("bob", "viewing").status_code == 204  # per account


def _row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        tables = conn.scalars(
            text("SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema()")
        ).all()
        return {table: int(conn.scalar(text(f"SELECT count(*) FROM {table}")) or 0) for table in tables}


def test_presence_stores_nothing(desk: Desk, engine: Engine) -> None:
    bob = desk.stream("bob")
    try:
        before = _row_counts(engine)
        with engine.connect() as conn:
            last_seq = conn.scalar(text("SELECT last_value FROM sync_op_seq"))
        for state in ("viewing", "replying", "viewing", "left"):
            assert desk.announce("alice", state).status_code == 204
            assert bob.next_presence().data["state"] == state
        assert _row_counts(engine) == before
        with engine.connect() as conn:
            assert (
                conn.scalar(text("SELECT last_value FROM sync_op_seq")) == last_seq
            )  # not even a notice id was drawn
        assert before["sync_op"] > 0  # the ticket itself is in the change log: the count means something
        assert bob.changes(within=QUIET) == []  # presence is no change: nothing to pull
    finally:
        bob.close()


def test_the_hub_never_keeps_presence_for_replay() -> None:
    """Presence is not a change: no event id, nothing in the ring buffer, only to staff who may
    read the ticket and are not the announcer (the hub alone, on an event loop of its own)."""

    async def run() -> None:
        hub = LiveHub()
        announcer, requester = uuid.uuid4(), uuid.uuid4()
        staff = hub.subscribe(uuid.uuid4(), staff=True, buckets=frozenset({visibility.QUEUE}))
        limited = hub.subscribe(
            uuid.uuid4(), staff=True, buckets=frozenset({visibility.assignee_bucket(uuid.uuid4())})
        )
        user = hub.subscribe(
            requester, staff=False, buckets=frozenset({visibility.requester_bucket(requester)})
        )
        myself = hub.subscribe(announcer, staff=True, buckets=frozenset({visibility.QUEUE}))
        hub.publish(Notice(7, frozenset({visibility.QUEUE})))
        said = PresenceOut(
            ticket_id=uuid.uuid4(),
            user_id=announcer,
            name="Alice",
            state=PresenceState.VIEWING,
            expires_in=15,
        )
        hub.publish_presence(PresenceNotice(said, visibility.ticket_buckets(requester, None)))
        assert hub.latest_id == 7 and hub.since("7") == []  # the buffer holds the change only
        assert staff.queue.qsize() == 2 and isinstance(staff.queue.get_nowait(), Notice)
        assert isinstance(staff.queue.get_nowait(), PresenceNotice)
        assert [s.queue.qsize() for s in (limited, user, myself)] == [1, 1, 1]  # the change alone

    asyncio.run(run())
