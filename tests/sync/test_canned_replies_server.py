"""Canned replies in the sync change log: a team reply goes to every staff member's ``staff``
bucket, a personal one to its owner's ``account:<id>`` only, and an end user's pull never
carries one; editing the scope moves a reply, deleting it removes it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sync_server.app import create_app
from tests.helpers.api import Account, login
from tests.helpers.pull import pull_all
from ticketing.domain import Role
from ticketing.visibility import STAFF, account_bucket

URL = "/api/canned-replies"


@pytest.fixture
def client(engine: Engine) -> TestClient:
    return TestClient(create_app(engine))


@pytest.fixture
def people(client: TestClient, engine: Engine) -> dict[str, Account]:
    return {
        "alice": login(client, engine, "alice@example.com", Role.AGENT),
        "bob": login(client, engine, "bob@example.com", Role.AGENT),
        "ada": login(client, engine, "ada@example.com", Role.ADMIN),
        "uma": login(client, engine, "uma@example.com", Role.USER),
    }


def replies(account: Account) -> dict[str, dict[str, Any]]:
    """The canned replies a full pull leaves in a cache: id -> row. As the client does, a row
    stays while any bucket holds it (a REMOVE in one bucket lets go of that bucket only)."""
    rows: dict[str, dict[str, Any]] = {}
    buckets: dict[str, set[str]] = {}
    for change in pull_all(account)["changes"]:
        if change["entity"] != "canned_reply":
            continue
        if change["op"] == "PUT":
            rows[change["id"]] = change["row"]
            buckets.setdefault(change["id"], set()).add(change["bucket"])
        else:
            buckets.get(change["id"], set()).discard(change["bucket"])
    return {row_id: row for row_id, row in rows.items() if buckets[row_id]}


def create(account: Account, title: str, scope: str) -> str:
    response = account.post(
        URL, json={"title": title, "body": "<p>Hi {{requester.name}}</p>", "scope": scope}
    )
    assert response.status_code == 201, response.text
    reply_id: str = response.json()["id"]
    return reply_id


def test_team_replies_reach_all_staff_personal_ones_their_owner_and_users_none(
    people: dict[str, Account],
) -> None:
    team = create(people["alice"], "Team greeting", "team")
    own = create(people["alice"], "Alice's own", "personal")
    assert set(replies(people["alice"])) == {team, own}
    assert set(replies(people["bob"])) == {team}
    assert set(replies(people["ada"])) == {team}
    assert replies(people["uma"]) == {}
    row = replies(people["bob"])[team]
    assert row["scope"] == "team" and row["owner_id"] == people["alice"].id and row["uses"] == 0
    buckets = {c["bucket"] for c in pull_all(people["alice"])["changes"] if c["entity"] == "canned_reply"}
    assert buckets == {STAFF, account_bucket(uuid.UUID(people["alice"].id))}


def test_a_users_pull_never_carries_one_whatever_happens_to_it(people: dict[str, Account]) -> None:
    alice = people["alice"]
    reply = create(alice, "Moving", "personal")
    alice.patch(f"{URL}/{reply}", json={"scope": "team"})
    alice.post(f"{URL}/{reply}/use")
    alice.patch(f"{URL}/{reply}", json={"scope": "personal"})
    other = create(people["ada"], "Shared", "team")
    everything = pull_all(people["uma"])["changes"]
    assert [c for c in everything if c["entity"] == "canned_reply"] == []
    assert set(replies(people["bob"])) == {other}  # back to personal: bob let go of it
    assert replies(alice)[reply]["uses"] == 1


def test_a_deleted_reply_leaves_every_cache(people: dict[str, Account]) -> None:
    alice = people["alice"]
    reply = create(alice, "Short-lived", "team")
    assert reply in replies(people["bob"])
    assert alice.client.delete(f"{URL}/{reply}", headers=alice.headers).status_code == 204
    changes = [c for c in pull_all(people["bob"])["changes"] if c["entity"] == "canned_reply"]
    assert [(c["id"], c["op"]) for c in changes] == [(reply, "REMOVE")]
