"""The server's side of article sync, request by request: what each role's pull carries (the
article's wire row, a REMOVE when it is unpublished) and how pushed article mutations are
answered (users rejected, retries idempotent, field merge and conflicts)."""

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
from ticketing.protocol import ENTITY_FIELDS, MutationName
from ticketing.visibility import KB_ALL, KB_PUBLISHED


@pytest.fixture
def client(engine: Engine) -> TestClient:
    return TestClient(create_app(engine))


def push(account: Account, client_id: str, *mutations: tuple[MutationName, dict[str, Any]]) -> list[Any]:
    """Send ``mutations`` as ids 1, 2, ...; each answer as (status, code, server_values)."""
    return [(r["status"], r["code"], r["server_values"]) for r in push_named(account, client_id, *mutations)]


def article_changes(account: Account) -> list[dict[str, Any]]:
    return [c for c in pull_all(account)["changes"] if c["entity"] == "article"]


def test_pulls_carry_articles_to_whoever_may_read_them(client: TestClient, engine: Engine) -> None:
    agent = login(client, engine, "alice@example.com", Role.AGENT)
    user = login(client, engine, "uma@example.com", Role.USER)
    article_id = str(uuid.uuid4())
    create = {"id": article_id, "title": "VPN", "body": "<p>Renew</p>", "tags": ["VPN", "vpn"]}
    assert push(agent, str(uuid.uuid4()), (MutationName.CREATE_ARTICLE, create)) == [("applied", None, None)]

    staff = article_changes(agent)
    assert [(c["bucket"], c["op"]) for c in staff] == [(KB_ALL, "PUT")]
    row = staff[0]["row"]
    assert set(row) == set(ENTITY_FIELDS["article"])
    assert (row["tags"], row["status"], row["version"]) == (["vpn"], "draft", 1)
    assert row["created_at"].endswith("+00:00")
    assert article_changes(user) == []  # a draft is not in the user's buckets

    client_id = str(uuid.uuid4())
    status = {"article_id": article_id, "status": "published"}
    assert push(agent, client_id, (MutationName.SET_ARTICLE_STATUS, status)) == [("applied", None, None)]
    published = article_changes(user)
    assert [(c["bucket"], c["op"], c["row"]["status"]) for c in published] == [
        (KB_PUBLISHED, "PUT", "published")
    ]

    first = pull_all(user)
    unpublish = {"article_id": article_id, "status": "draft"}
    assert push(agent, str(uuid.uuid4()), (MutationName.SET_ARTICLE_STATUS, unpublish)) == [
        ("applied", None, None)
    ]
    after = pull_all(user, first["cursors"])["changes"]
    assert [(c["entity"], c["bucket"], c["op"]) for c in after] == [("article", KB_PUBLISHED, "REMOVE")]


def test_pushed_article_mutations_are_answered_like_ticket_ones(client: TestClient, engine: Engine) -> None:
    alice = login(client, engine, "alice@example.com", Role.AGENT)
    bob = login(client, engine, "bob@example.com", Role.AGENT)
    user = login(client, engine, "uma@example.com", Role.USER)
    article_id = str(uuid.uuid4())
    create = {"id": article_id, "title": "Wi-Fi", "body": "<p>Restart</p>"}
    assert push(user, str(uuid.uuid4()), (MutationName.CREATE_ARTICLE, create))[0][:2] == (
        "rejected",
        "forbidden",
    )

    alice_client = str(uuid.uuid4())
    assert push(alice, alice_client, (MutationName.CREATE_ARTICLE, create)) == [("applied", None, None)]
    # the answer was lost: the same client sends it again and gets the same answer
    assert push(alice, alice_client, (MutationName.CREATE_ARTICLE, create)) == [("applied", None, None)]
    # another agent reusing the id is refused
    assert push(bob, str(uuid.uuid4()), (MutationName.CREATE_ARTICLE, create))[0][:2] == (
        "rejected",
        "duplicate_id",
    )

    def edit(**changes: Any) -> dict[str, Any]:
        return {"article_id": article_id, "changes": changes}

    answers = push(
        bob,
        str(uuid.uuid4()),
        (MutationName.UPDATE_ARTICLE, edit(title={"base": "Wi-Fi", "new": "Wi-Fi drops"})),
        (MutationName.UPDATE_ARTICLE, edit(title={"base": "Wi-Fi", "new": "Wireless"})),
        (MutationName.UPDATE_ARTICLE, edit(tags={"base": [], "new": [" WiFi "]})),
        (MutationName.UPDATE_ARTICLE, edit(tags={"base": [], "new": ["wifi"]})),
        (MutationName.UPDATE_ARTICLE, edit(body={"base": "<p>Restart</p>", "new": "<p>Forget it</p>"})),
        (MutationName.SET_ARTICLE_STATUS, {"article_id": article_id, "status": "draft"}),
        (MutationName.UPDATE_ARTICLE, {"article_id": str(uuid.uuid4()), "changes": {}}),
    )
    assert answers == [
        ("applied", None, None),
        ("conflict", "field_conflict", {"title": "Wi-Fi drops"}),
        ("applied", None, None),
        ("applied", None, None),  # already so: normalized tags compare equal
        ("applied", None, None),
        ("applied", "no_change", None),
        ("rejected", "not_found", None),
    ]
    served = alice.get(f"/api/kb/articles/{article_id}").json()
    assert (served["title"], served["tags"], served["body"], served["version"]) == (
        "Wi-Fi drops",
        ["wifi"],
        "<p>Forget it</p>",
        4,
    )
    assert push(
        user,
        str(uuid.uuid4()),
        (MutationName.SET_ARTICLE_STATUS, {"article_id": article_id, "status": "published"}),
    )[0][:2] == ("rejected", "forbidden")
