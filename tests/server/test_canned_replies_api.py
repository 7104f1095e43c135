"""The canned-reply API: personal replies are their owner's alone (404 to anyone else), team
replies every staff member's (their owner or an admin may change them), users are refused;
bodies are sanitized rich text; bad input is a 422 naming the field; uses are counted."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.helpers.api import Account, assert_error, login
from ticketing.domain import Role
from ticketing.protocol import PROTOCOL_VERSION, MutationName

URL = "/api/canned-replies"


@pytest.fixture
def people(client: TestClient, engine: Engine) -> dict[str, Account]:
    return {
        "owner": login(client, engine, "alice@example.com", Role.AGENT),
        "agent": login(client, engine, "bob@example.com", Role.AGENT),
        "admin": login(client, engine, "ada@example.com", Role.ADMIN),
        "user": login(client, engine, "uma@example.com", Role.USER),
    }


def created(account: Account, scope: str, title: str = "Greeting") -> dict[str, Any]:
    body = {"title": title, "body": "<p>Hello {{requester.name}},</p>", "scope": scope}
    response = account.post(URL, json=body)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def titles(account: Account) -> list[str]:
    response = account.get(URL)
    assert response.status_code == 200, response.text
    return [r["title"] for r in response.json()]


def test_the_answer_has_the_agreed_shape(people: dict[str, Account]) -> None:
    reply = created(people["owner"], "personal")
    assert set(reply) == {"id", "title", "body", "scope", "owner_id", "uses"}
    assert reply["owner_id"] == people["owner"].id
    assert (reply["scope"], reply["uses"]) == ("personal", 0)
    assert reply["body"] == "<p>Hello {{requester.name}},</p>"
    default = people["owner"].post(URL, json={"title": "No scope", "body": "x"})
    assert default.json()["scope"] == "personal"


def test_personal_replies_are_seen_by_their_owner_and_team_ones_by_all_staff(
    people: dict[str, Account],
) -> None:
    created(people["owner"], "personal", "Alice's own")
    created(people["owner"], "team", "Team greeting")
    created(people["admin"], "personal", "Ada's own")
    assert titles(people["owner"]) == ["Alice's own", "Team greeting"]
    assert titles(people["agent"]) == ["Team greeting"]
    assert titles(people["admin"]) == ["Ada's own", "Team greeting"]


# (action, expected status for owner, other agent, admin, user) on a personal and a team reply
MATRIX = [
    ("personal", "patch", (200, 404, 404, 403)),
    ("personal", "delete", (204, 404, 404, 403)),
    ("personal", "use", (200, 404, 404, 403)),
    ("team", "patch", (200, 403, 200, 403)),
    ("team", "delete", (204, 403, 204, 403)),
    ("team", "use", (200, 200, 200, 403)),
]


@pytest.mark.parametrize(("scope", "action", "statuses"), MATRIX)
def test_who_may_change_delete_and_use_a_reply(
    people: dict[str, Account], scope: str, action: str, statuses: tuple[int, ...]
) -> None:
    for caller, expected in zip(("owner", "agent", "admin", "user"), statuses, strict=True):
        reply = created(people["owner"], scope)
        account = people[caller]
        if action == "patch":
            response = account.patch(f"{URL}/{reply['id']}", json={"title": "Renamed"})
        elif action == "delete":
            response = account.client.delete(f"{URL}/{reply['id']}", headers=account.headers)
        else:
            response = account.post(f"{URL}/{reply['id']}/use")
        if expected >= 400:
            assert_error(response, expected)
        else:
            assert response.status_code == expected, (caller, response.text)
        still = [r["id"] for r in people["owner"].get(URL).json()]
        assert (reply["id"] in still) == (action != "delete" or expected >= 400), caller


def test_users_are_refused_everything(people: dict[str, Account]) -> None:
    user = people["user"]
    assert_error(user.get(URL), 403, "forbidden")
    assert_error(user.post(URL, json={"title": "x", "body": "y", "scope": "personal"}), 403, "forbidden")


def test_the_body_is_sanitized_and_an_empty_one_refused(people: dict[str, Account]) -> None:
    owner = people["owner"]
    reply = owner.post(URL, json={"title": "T", "body": '<p onclick="x()">Hi<script>alert(1)</script></p>'})
    assert reply.status_code == 201, reply.text
    assert reply.json()["body"] == "<p>Hi</p>"
    empty = assert_error(owner.post(URL, json={"title": "T", "body": "<script>x</script>"}), 422)
    assert empty["fields"][0]["field"] == "body"
    patched = owner.patch(f"{URL}/{reply.json()['id']}", json={"body": "<b> </b><script>x</script>"})
    assert assert_error(patched, 422)["fields"][0]["field"] == "body"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "  ", "body": "x"}, "title"),
        ({"body": "x"}, "title"),
        ({"title": "T", "body": ""}, "body"),
        ({"title": "T", "body": "x", "scope": "everyone"}, "scope"),
        ({"title": "T", "body": "x", "uses": 5}, "uses"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    people: dict[str, Account], body: dict[str, Any], field: str
) -> None:
    answer = assert_error(people["owner"].post(URL, json=body), 422)
    assert any(field in item["field"] for item in answer["fields"]), answer


def test_a_patch_changes_fields_and_only_the_owner_changes_the_scope(people: dict[str, Account]) -> None:
    owner, admin = people["owner"], people["admin"]
    reply = created(owner, "team")
    assert_error(admin.patch(f"{URL}/{reply['id']}", json={"scope": "personal"}), 403)
    assert_error(people["agent"].patch(f"{URL}/{reply['id']}", json={"body": "<p>mine now</p>"}), 403)
    changed = admin.patch(f"{URL}/{reply['id']}", json={"body": "<p>Hi {{agent.name}}</p>"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["body"] == "<p>Hi {{agent.name}}</p>"
    private = owner.patch(f"{URL}/{reply['id']}", json={"scope": "personal"})
    assert private.json()["scope"] == "personal"
    assert titles(people["agent"]) == []
    assert_error(admin.patch(f"{URL}/{reply['id']}", json={"title": "x"}), 404)
    assert_error(owner.patch(f"{URL}/{uuid.uuid4()}", json={"title": "x"}), 404, "canned_reply_not_found")


def test_uses_are_counted_by_rest_and_by_the_sync_mutation_once_each(people: dict[str, Account]) -> None:
    reply = created(people["owner"], "team")
    assert people["agent"].post(f"{URL}/{reply['id']}/use").json()["uses"] == 1
    push = {
        "protocol": PROTOCOL_VERSION,
        "client_id": str(uuid.uuid4()),
        "mutations": [
            {"id": 1, "name": MutationName.USE_CANNED_REPLY.value, "args": {"canned_reply_id": reply["id"]}}
        ],
    }
    for _ in range(2):  # the same mutation sent again (a lost answer) counts once
        answer = people["admin"].post("/api/sync/push", json=push)
        assert answer.json()["results"][0]["status"] == "applied", answer.text
    (listed,) = people["owner"].get(URL).json()
    assert listed["uses"] == 2
    refused = people["user"].post("/api/sync/push", json={**push, "client_id": str(uuid.uuid4())})
    assert refused.json()["results"][0]["status"] == "rejected"


def test_team_reply_changes_are_audited_and_personal_ones_are_not(people: dict[str, Account]) -> None:
    owner, admin = people["owner"], people["admin"]
    created(owner, "personal", "Private")
    team = created(owner, "team", "Shared")
    admin.patch(f"{URL}/{team['id']}", json={"title": "Shared reply"})
    admin.patch(f"{URL}/{team['id']}", json={"title": "Shared reply"})  # no change: not logged
    admin.client.delete(f"{URL}/{team['id']}", headers=admin.headers)
    items = admin.get("/api/admin/audit?limit=10").json()["items"]
    mine = [(i["action"], i["details"]["title"]) for i in items if i["target_type"] == "canned_reply"]
    assert mine == [
        ("canned_reply.deleted", "Shared reply"),
        ("canned_reply.changed", "Shared reply"),
        ("canned_reply.added", "Shared"),
    ]
