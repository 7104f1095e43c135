"""The server's side of canned replies written offline, push by push: created, edited and
deleted through the REST routes' own rules (users refused, someone else's team reply refused
to an agent, an admin may edit but not move it, someone else's personal one does not exist),
bodies sanitized, retries applied once, edits merged per field with conflicts, and team changes
audited as over REST."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sync_server.app import create_app
from tests.helpers.api import Account, login
from tests.helpers.pull import pull_all
from tests.helpers.push import push_named
from ticketing.domain import Role
from ticketing.protocol import MutationName

URL = "/api/canned-replies"
CREATE, UPDATE, DELETE = (
    MutationName.CREATE_CANNED_REPLY,
    MutationName.UPDATE_CANNED_REPLY,
    MutationName.DELETE_CANNED_REPLY,
)


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


def push(account: Account, client_id: str, *mutations: tuple[MutationName, dict[str, Any]]) -> list[Any]:
    """Send ``mutations`` as ids 1, 2, ...; each answer as (status, code, server_values)."""
    return [(r["status"], r["code"], r["server_values"]) for r in push_named(account, client_id, *mutations)]


def messages(account: Account, *mutations: tuple[MutationName, dict[str, Any]]) -> list[tuple[str, str]]:
    return [(r["status"], r["message"]) for r in push_named(account, str(uuid.uuid4()), *mutations)]


def served(account: Account) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in account.get(URL).json()}


def new(title: str, scope: str = "personal", body: str = "<p>Hi {{requester.name}}</p>") -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "title": title, "body": body, "scope": scope}


def edit(reply_id: str, **changes: tuple[Any, Any]) -> dict[str, Any]:
    return {
        "canned_reply_id": reply_id,
        "changes": {name: {"base": base, "new": value} for name, (base, value) in changes.items()},
    }


def test_created_offline_like_over_rest_and_applied_once(people: dict[str, Account]) -> None:
    alice = people["alice"]
    team = new("Greeting", "team", '<p onclick="x()">Hello</p><script>alert(1)</script>')
    own = new("Mine")
    alice_client = str(uuid.uuid4())
    assert push(alice, alice_client, (CREATE, team), (CREATE, own)) == [("applied", None, None)] * 2
    # the answer was lost: the same client sends the same mutations again
    assert push(alice, alice_client, (CREATE, team), (CREATE, own)) == [("applied", None, None)] * 2
    # a new client (a fresh cache) with the same id: the same reply, not a second one
    assert push(alice, str(uuid.uuid4()), (CREATE, team)) == [("applied", "already_exists", None)]
    mine = served(alice)
    assert set(mine) == {team["id"], own["id"]}
    assert mine[team["id"]]["body"] == "<p>Hello</p>"  # sanitized as REST does
    assert mine[team["id"]]["owner_id"] == alice.id and mine[team["id"]]["scope"] == "team"
    assert set(served(people["bob"])) == {team["id"]}  # never someone else's personal one

    assert push(people["bob"], str(uuid.uuid4()), (CREATE, team))[0][:2] == ("rejected", "duplicate_id")
    assert push(people["uma"], str(uuid.uuid4()), (CREATE, new("Nope")))[0][:2] == ("rejected", "forbidden")
    bad = push(alice, str(uuid.uuid4()), (CREATE, new("   ")), (CREATE, new("Empty", body="<p> </p>")))
    assert [answer[:2] for answer in bad] == [("rejected", "invalid"), ("rejected", "invalid")]


def test_edits_merge_per_field_and_follow_who_may_change_what(people: dict[str, Account]) -> None:
    alice, bob, ada = people["alice"], people["bob"], people["ada"]
    team, own = new("Greeting", "team"), new("Mine")
    push(alice, str(uuid.uuid4()), (CREATE, team), (CREATE, own))
    body = "<p>Hi {{requester.name}}</p>"
    answers = push(
        alice,
        str(uuid.uuid4()),
        (UPDATE, edit(team["id"], title=("Greeting", "Hello"))),
        (UPDATE, edit(team["id"], title=("Greeting", "Welcome"))),  # someone changed it meanwhile
        (UPDATE, edit(team["id"], title=("Greeting", "Hello"))),  # already so
        (UPDATE, edit(team["id"], body=(body, "<p>Hi <b>there</b></p>"))),
        (UPDATE, edit(own["id"], scope=("personal", "team"))),
        (UPDATE, edit(str(uuid.uuid4()), title=("x", "y"))),
    )
    assert answers == [
        ("applied", None, None),
        ("conflict", "field_conflict", {"title": "Hello"}),
        ("applied", None, None),
        ("applied", None, None),
        ("applied", None, None),
        ("rejected", "canned_reply_not_found", None),
    ]
    held = served(bob)
    assert (held[team["id"]]["title"], held[team["id"]]["body"]) == ("Hello", "<p>Hi <b>there</b></p>")
    assert held[own["id"]]["scope"] == "team"  # moved to the team by its author

    refused = messages(
        bob, (UPDATE, edit(team["id"], title=("Hello", "Bob's"))), (DELETE, {"canned_reply_id": team["id"]})
    )
    assert refused == [
        ("rejected", "Only its author or an admin can change a team canned reply."),
        ("rejected", "Only its author or an admin can change a team canned reply."),
    ]
    assert push(ada, str(uuid.uuid4()), (UPDATE, edit(team["id"], title=("Hello", "Hello all")))) == [
        ("applied", None, None)
    ]
    assert push(ada, str(uuid.uuid4()), (UPDATE, edit(team["id"], scope=("team", "personal"))))[0][:2] == (
        "rejected",
        "forbidden",
    )
    assert push(alice, str(uuid.uuid4()), (UPDATE, edit(team["id"], title=("Hello all", "  "))))[0][:2] == (
        "rejected",
        "invalid",
    )
    assert served(alice)[team["id"]]["title"] == "Hello all"


def test_deleted_once_edits_of_a_deleted_one_are_refused_readably(people: dict[str, Account]) -> None:
    alice, ada = people["alice"], people["ada"]
    team, own = new("Greeting", "team"), new("Mine")
    push(alice, str(uuid.uuid4()), (CREATE, team), (CREATE, own))
    # someone else's personal reply does not exist for an admin either
    assert push(ada, str(uuid.uuid4()), (UPDATE, edit(own["id"], title=("Mine", "Ada's"))))[0][:2] == (
        "rejected",
        "canned_reply_not_found",
    )
    client_id = str(uuid.uuid4())
    delete = (DELETE, {"canned_reply_id": team["id"]})
    assert push(ada, client_id, delete) == [("applied", None, None)]  # an admin deletes a team one
    assert push(ada, client_id, delete) == [("applied", None, None)]  # the same mutation again
    assert push(alice, str(uuid.uuid4()), delete) == [("applied", "already_deleted", None)]
    ((status, message),) = messages(alice, (UPDATE, edit(team["id"], title=("Greeting", "Late"))))
    assert status == "rejected" and "it was deleted" in message
    assert set(served(alice)) == {own["id"]}
    removes = [
        (c["id"], c["op"]) for c in pull_all(people["bob"])["changes"] if c["entity"] == "canned_reply"
    ]
    assert removes == [(team["id"], "REMOVE")]
    assert push(people["uma"], str(uuid.uuid4()), (DELETE, {"canned_reply_id": own["id"]}))[0][:2] == (
        "rejected",
        "forbidden",
    )


def test_team_changes_pushed_are_audited_as_over_rest(people: dict[str, Account]) -> None:
    alice, ada = people["alice"], people["ada"]
    team, own = new("Shared", "team"), new("Private")
    push(
        alice,
        str(uuid.uuid4()),
        (CREATE, team),
        (CREATE, own),
        (UPDATE, edit(own["id"], title=("Private", "Still private"))),
        (UPDATE, edit(team["id"], title=("Shared", "Shared reply"))),
        (UPDATE, edit(team["id"], title=("Shared", "Shared reply"))),  # no change: not logged
        (DELETE, {"canned_reply_id": team["id"]}),
        (DELETE, {"canned_reply_id": own["id"]}),
    )
    items = ada.get("/api/admin/audit?limit=20").json()["items"]
    logged = [(i["action"], i["details"]["title"]) for i in items if i["target_type"] == "canned_reply"]
    assert logged == [
        ("canned_reply.deleted", "Shared reply"),
        ("canned_reply.changed", "Shared reply"),
        ("canned_reply.added", "Shared"),
    ]
