"""Who may call which endpoint: every role against every REST endpoint, with the exact answer.

One data set is built per module and every test runs inside a transaction that is rolled back
afterwards (``rolled_back``), so a test that closes a ticket or renames a category leaves the
next test the same world.

The ticket under test, T, was submitted by the *owner*, is assigned to the agent *assignee*
and is still Open; it has one public reply and one internal note. Columns of the matrix:

- ``anon``: no token;
- ``owner``: the user who submitted T; ``other``: another user;
- ``agent``: an agent, with agent visibility "all";
- ``limited``: the same agent with agent visibility "assigned" (T is not assigned to them);
- ``assignee``: T's assignee with agent visibility "assigned";
- ``admin``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sync_server.app import create_app
from tests.helpers.api import Account, assert_error, login, reset_database, rolled_back, submit
from ticketing.domain import Role

PRINCIPALS = ("anon", "owner", "other", "agent", "limited", "assignee", "admin")
#: The principals that see the world with agent visibility "assigned".
LIMITED = frozenset({"limited", "assignee"})

#: The error code each refusal must carry (every 409 in the matrix is a workflow refusal).
ERROR_CODES = {401: "not_authenticated", 403: "forbidden", 404: "not_found", 409: "illegal_transition"}

T = "/api/tickets/{ticket}"

# fmt: off
#: (action, method, path, JSON body, expected status for each of PRINCIPALS).
#: Placeholders: {ticket} T's number, {ticket_id} T's UUID, {me} the caller's user id, {someone}
#: another user's id, {category}/{priority} ids of existing ones.
MATRIX: tuple[tuple[str, str, str, Any, tuple[int, ...]], ...] = (
    # action                      method   path                           body
    #                                                        anon owner other agent limited assignee admin
    ("list tickets",              "GET",   "/api/tickets",               None,
                                                            (401, 200,  200,  200,  200,    200,     200)),
    ("create ticket",             "POST",  "/api/tickets",
        {"title": "New one", "description": "<p>help</p>", "category_id": "{category}"},
                                                            (401, 201,  201,  201,  201,    201,     201)),
    ("get ticket by number",      "GET",   T,                            None,
                                                            (401, 200,  404,  200,  404,    200,     200)),
    ("get ticket by id",          "GET",   "/api/tickets/{ticket_id}",   None,
                                                            (401, 200,  404,  200,  404,    200,     200)),
    ("edit title",                "PATCH", T,                            {"title": "Edited"},
                                                            (401, 200,  404,  200,  404,    200,     200)),
    ("change priority",           "PATCH", T,                            {"priority": "High"},
                                                            (401, 200,  404,  200,  404,    200,     200)),
    ("move to In Progress",       "PATCH", T,                            {"status": "In Progress"},
                                                            (401, 409,  404,  200,  404,    200,     200)),
    ("move to Resolved",          "PATCH", T,                            {"status": "Resolved"},
                                                            (401, 409,  404,  200,  404,    200,     200)),
    ("close",                     "PATCH", T,                            {"status": "Closed"},
                                                            (401, 200,  404,  200,  404,    200,     200)),
    ("assign to self",            "PATCH", T,                            {"assignee_id": "{me}"},
                                                            (401, 403,  404,  200,  404,    200,     200)),
    ("unassign",                  "PATCH", T,                            {"assignee_id": None},
                                                            (401, 403,  404,  200,  404,    200,     200)),
    ("list comments",             "GET",   T + "/comments",              None,
                                                            (401, 200,  404,  200,  404,    200,     200)),
    ("reply",                     "POST",  T + "/comments",              {"content": "<p>reply</p>"},
                                                            (401, 201,  404,  201,  404,    201,     201)),
    ("write internal note",       "POST",  T + "/comments",
        {"content": "note", "is_internal": True},           (401, 403,  404,  201,  404,    201,     201)),
    ("list history",              "GET",   T + "/events",                None,
                                                            (401, 200,  404,  200,  404,    200,     200)),
    ("list categories",           "GET",   "/api/categories",            None,
                                                            (401, 200,  200,  200,  200,    200,     200)),
    ("create category",           "POST",  "/api/categories",            {"name": "Furniture"},
                                                            (401, 403,  403,  403,  403,    403,     201)),
    ("rename category",           "PATCH", "/api/categories/{category}", {"name": "Kit"},
                                                            (401, 403,  403,  403,  403,    403,     200)),
    ("list priorities",           "GET",   "/api/priorities",            None,
                                                            (401, 200,  200,  200,  200,    200,     200)),
    ("create priority",           "POST",  "/api/priorities",            {"name": "Urgent", "rank": 50},
                                                            (401, 403,  403,  403,  403,    403,     201)),
    ("rename priority",           "PATCH", "/api/priorities/{priority}", {"name": "Lowest"},
                                                            (401, 403,  403,  403,  403,    403,     200)),
    ("list users",                "GET",   "/api/users",                 None,
                                                            (401, 403,  403,  403,  403,    403,     200)),
    ("create user",               "POST",  "/api/users",
        {"email": "new@example.com", "name": "New", "role": "agent", "password": "long-enough"},
                                                            (401, 403,  403,  403,  403,    403,     201)),
    ("get own user row",          "GET",   "/api/users/{me}",            None,
                                                            (401, 403,  403,  403,  403,    403,     200)),
    ("get another user row",      "GET",   "/api/users/{someone}",       None,
                                                            (401, 403,  403,  403,  403,    403,     200)),
    ("edit own user row",         "PATCH", "/api/users/{me}",            {"name": "Renamed"},
                                                            (401, 403,  403,  403,  403,    403,     200)),
    ("edit another user row",     "PATCH", "/api/users/{someone}",       {"name": "Renamed"},
                                                            (401, 403,  403,  403,  403,    403,     200)),
    ("list staff",                "GET",   "/api/staff",                 None,
                                                            (401, 403,  403,  200,  200,    200,     200)),
    ("read settings",             "GET",   "/api/settings",              None,
                                                            (401, 403,  403,  403,  403,    403,     200)),
    ("change settings",           "PATCH", "/api/settings",
        {"notifications": {"ticket_created": False}},       (401, 403,  403,  403,  403,    403,     200)),
    ("read audit log",            "GET",   "/api/admin/audit",           None,
                                                            (401, 403,  403,  403,  403,    403,     200)),
    ("list articles",             "GET",   "/api/kb/articles",           None,
                                                            (401, 200,  200,  200,  200,    200,     200)),
    ("write article",             "POST",  "/api/kb/articles",
        {"title": "How to", "body": "<p>steps</p>"},        (401, 403,  403,  201,  201,    201,     201)),
    ("read published article",    "GET",   "/api/kb/articles/{published}", None,
                                                            (401, 200,  200,  200,  200,    200,     200)),
    ("read draft article",        "GET",   "/api/kb/articles/{draft}",   None,
                                                            (401, 404,  404,  200,  200,    200,     200)),
    ("edit article",              "PATCH", "/api/kb/articles/{published}", {"title": "Edited"},
                                                            (401, 403,  403,  200,  200,    200,     200)),
    ("publish article",           "PATCH", "/api/kb/articles/{draft}",   {"status": "published"},
                                                            (401, 403,  403,  200,  200,    200,     200)),
    ("list a ticket's articles",  "GET",   T + "/articles",              None,
                                                            (401, 200,  404,  200,  404,    200,     200)),
    ("search",                    "GET",   "/api/search?q=laptop",       None,
                                                            (401, 200,  200,  200,  200,    200,     200)),
    ("volume report",             "GET",   "/api/reports/volume",        None,
                                                            (401, 403,  403,  403,  403,    403,     200)),
    ("backlog report",            "GET",   "/api/reports/backlog",       None,
                                                            (401, 403,  403,  403,  403,    403,     200)),
    ("resolution report",         "GET",   "/api/reports/resolution",    None,
                                                            (401, 403,  403,  403,  403,    403,     200)),
    ("agents report (own row)",   "GET",   "/api/reports/agents",        None,
                                                            (401, 403,  403,  200,  200,    200,     200)),
    ("categories report",         "GET",   "/api/reports/categories",    None,
                                                            (401, 403,  403,  403,  403,    403,     200)),
    ("deflection report",         "GET",   "/api/reports/deflection",    None,
                                                            (401, 403,  403,  403,  403,    403,     200)),
    ("SLA report",                "GET",   "/api/reports/sla",           None,
                                                            (401, 403,  403,  403,  403,    403,     200)),
    ("suggest articles",          "GET",   "/api/kb/suggest?q=laptop",   None,
                                                            (401, 200,  200,  200,  200,    200,     200)),
    ("read me",                   "GET",   "/api/me",                    None,
                                                            (401, 200,  200,  200,  200,    200,     200)),
    ("change me",                 "PATCH", "/api/me",                    {"name": "Me Myself"},
                                                            (401, 200,  200,  200,  200,    200,     200)),
)
# fmt: on


@dataclass
class World:
    app: FastAPI
    client: TestClient
    engine: Engine
    accounts: dict[str, Account]
    ticket: dict[str, Any]
    other_ticket: dict[str, Any]
    public_reply: str
    internal_note: str
    category_id: str
    priority_id: str
    draft_id: str = ""
    published_id: str = ""

    def account(self, principal: str) -> Account | None:
        """The logged-in account behind a principal; visibility is set by :func:`act_as`."""
        names = {"limited": "agent"}
        return None if principal == "anon" else self.accounts[names.get(principal, principal)]

    @property
    def admin(self) -> Account:
        return self.accounts["admin"]


@pytest.fixture(scope="module")
def world(migrated_engine: Engine) -> World:
    reset_database(migrated_engine)
    app = create_app(migrated_engine)
    client = TestClient(app)
    people = {
        "owner": ("uma@example.com", Role.USER, "Uma Owner"),
        "other": ("victor@example.com", Role.USER, "Victor Other"),
        "agent": ("alice@example.com", Role.AGENT, "Alice Agent"),
        "assignee": ("bob@example.com", Role.AGENT, "Bob Assignee"),
        "admin": ("ada@example.com", Role.ADMIN, "Ada Admin"),
    }
    accounts = {
        key: login(client, migrated_engine, email, role, name) for key, (email, role, name) in people.items()
    }
    ticket = submit(accounts["owner"], "Laptop will not boot")
    assigned = accounts["admin"].patch(
        f"/api/tickets/{ticket['number']}", json={"assignee_id": accounts["assignee"].id, "status": "Open"}
    )
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["status"] == "Open"
    key = ticket["number"]
    bob = accounts["assignee"]
    reply = bob.post(f"/api/tickets/{key}/comments", json={"content": "Which model is it?"})
    note = bob.post(f"/api/tickets/{key}/comments", json={"content": "Board is dead", "is_internal": True})
    assert reply.status_code == note.status_code == 201
    other_ticket = submit(accounts["other"], "Mouse is sticky")
    priorities = accounts["admin"].get("/api/priorities").json()
    articles = {
        status: accounts["admin"].post(
            "/api/kb/articles", json={"title": f"A {status} one", "body": "<p>x</p>", "status": status}
        )
        for status in ("draft", "published")
    }
    assert all(response.status_code == 201 for response in articles.values())
    return World(
        app,
        client,
        migrated_engine,
        accounts,
        assigned.json(),
        other_ticket,
        reply.json()["id"],
        note.json()["id"],
        category_id=accounts["admin"].get("/api/categories").json()[0]["id"],
        priority_id=next(p["id"] for p in priorities if p["key"] == "Low"),
        draft_id=articles["draft"].json()["id"],
        published_id=articles["published"].json()["id"],
    )


@pytest.fixture
def scene(world: World) -> Iterator[World]:
    """The world for one test; everything the test changes is rolled back afterwards."""
    with rolled_back(world.app, world.engine):
        yield world


def act_as(world: World, principal: str) -> Account | None:
    """The account for ``principal``, with the agent visibility setting it stands for."""
    if principal in LIMITED:
        response = world.admin.patch("/api/settings", json={"agent_visibility": "assigned"})
        assert response.status_code == 200, response.text
    return world.account(principal)


def _fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    return value


def _placeholders(world: World, account: Account | None) -> dict[str, str]:
    me = account.id if account else world.accounts["owner"].id
    someone = world.accounts["other"].id if me != world.accounts["other"].id else world.accounts["owner"].id
    return {
        "ticket": world.ticket["number"],
        "ticket_id": world.ticket["id"],
        "me": me,
        "someone": someone,
        "category": world.category_id,
        "priority": world.priority_id,
        "draft": world.draft_id,
        "published": world.published_id,
    }


def _cases() -> Iterator[Any]:
    for action, method, path, body, statuses in MATRIX:
        assert len(statuses) == len(PRINCIPALS), action
        for principal, status in zip(PRINCIPALS, statuses, strict=True):
            yield pytest.param(method, path, body, principal, status, id=f"{action}-{principal}")


@pytest.mark.parametrize(("method", "path", "body", "principal", "expected"), list(_cases()))
def test_permission_matrix(
    scene: World, method: str, path: str, body: Any, principal: str, expected: int
) -> None:
    account = act_as(scene, principal)
    names = _placeholders(scene, account)
    url = _fill(path, names)
    headers = account.headers if account else {}
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        kwargs["json"] = _fill(body, names)
    response = scene.client.request(method, url, **kwargs)
    if expected >= 400:
        assert_error(response, expected, ERROR_CODES[expected])
    else:
        assert response.status_code == expected, response.text


# --- the rules behind the matrix, one at a time --------------------------------------------


def _numbers(account: Account, **params: Any) -> set[str]:
    response = account.get("/api/tickets", params=params)
    assert response.status_code == 200, response.text
    return {t["number"] for t in response.json()["items"]}


def test_each_principal_lists_only_the_tickets_it_may_see(scene: World) -> None:
    mine, theirs = scene.ticket["number"], scene.other_ticket["number"]
    assert _numbers(scene.accounts["owner"]) == {mine}
    assert _numbers(scene.accounts["other"]) == {theirs}
    assert _numbers(scene.accounts["agent"]) == {mine, theirs}
    assert _numbers(scene.admin) == {mine, theirs}
    act_as(scene, "limited")
    assert _numbers(scene.accounts["agent"]) == set()
    assert _numbers(scene.accounts["assignee"]) == {mine}
    assert _numbers(scene.admin) == {mine, theirs}


def _found(account: Account, q: str) -> set[tuple[str, str]]:
    response = account.get("/api/search", params={"q": q})
    assert response.status_code == 200, response.text
    return {(h["kind"], h["id"]) for h in response.json()["results"]}


def test_each_principal_finds_only_what_it_may_read(scene: World) -> None:
    ticket, note = ("ticket", scene.ticket["id"]), ("comment", scene.internal_note)
    draft, published = ("article", scene.draft_id), ("article", scene.published_id)
    assert _found(scene.accounts["owner"], "laptop") == {ticket}
    assert _found(scene.accounts["other"], "laptop") == set()
    assert _found(scene.accounts["owner"], "board dead") == set()
    assert _found(scene.accounts["agent"], "board dead") == {note}
    assert _found(scene.accounts["owner"], "one") == {published}
    assert _found(scene.accounts["agent"], "one") == {draft, published}
    act_as(scene, "limited")
    assert _found(scene.accounts["agent"], "laptop") == set()
    assert _found(scene.accounts["assignee"], "laptop boot") == {ticket}
    assert _found(scene.accounts["assignee"], "board dead") == {note}


def test_another_users_ticket_is_not_found_rather_than_forbidden(scene: World) -> None:
    other = scene.accounts["other"]
    key = scene.ticket["number"]
    for response in (
        other.get(f"/api/tickets/{key}"),
        other.get(f"/api/tickets/{scene.ticket['id']}"),
        other.patch(f"/api/tickets/{key}", json={"status": "Closed"}),
        other.post(f"/api/tickets/{key}/comments", json={"content": "me too"}),
    ):
        body = assert_error(response, 404, "not_found")
        assert "Laptop" not in body["detail"]


def test_a_user_never_sees_an_internal_note(scene: World) -> None:
    key = scene.ticket["number"]
    owner_view = scene.accounts["owner"].get(f"/api/tickets/{key}/comments").json()
    assert [c["id"] for c in owner_view] == [scene.public_reply]
    assert all(not c["is_internal"] for c in owner_view)
    for staff in ("agent", "assignee", "admin"):
        staff_view = {c["id"] for c in scene.accounts[staff].get(f"/api/tickets/{key}/comments").json()}
        assert staff_view == {scene.public_reply, scene.internal_note}, staff
    act_as(scene, "limited")
    assignee_view = {c["id"] for c in scene.accounts["assignee"].get(f"/api/tickets/{key}/comments").json()}
    assert assignee_view == {scene.public_reply, scene.internal_note}


def test_an_internal_note_leaves_no_trace_for_the_requester(scene: World) -> None:
    owner, agent = scene.accounts["owner"], scene.accounts["agent"]
    key = scene.ticket["number"]
    before = owner.get(f"/api/tickets/{key}").json()
    history_before = owner.get(f"/api/tickets/{key}/events").json()
    assert (
        agent.post(f"/api/tickets/{key}/comments", json={"content": "x", "is_internal": True}).status_code
        == 201
    )
    after = owner.get(f"/api/tickets/{key}").json()
    assert (after["updated_at"], after["version"]) == (before["updated_at"], before["version"])
    assert owner.get(f"/api/tickets/{key}/events").json() == history_before


def test_a_user_cannot_write_an_internal_note(scene: World) -> None:
    owner = scene.accounts["owner"]
    key = scene.ticket["number"]
    response = owner.post(f"/api/tickets/{key}/comments", json={"content": "psst", "is_internal": True})
    assert_error(response, 403, "forbidden")
    contents = [c["content"] for c in scene.admin.get(f"/api/tickets/{key}/comments").json()]
    assert "psst" not in contents


def test_a_user_closes_their_own_ticket(scene: World) -> None:
    owner = scene.accounts["owner"]
    response = owner.patch(f"/api/tickets/{scene.ticket['number']}", json={"status": "Closed"})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "Closed"
    assert response.json()["closed_at"] is not None
    assert response.json()["allowed_transitions"] == []


def test_a_user_cannot_resolve_their_own_ticket(scene: World) -> None:
    owner = scene.accounts["owner"]
    key = scene.ticket["number"]
    assert_error(owner.patch(f"/api/tickets/{key}", json={"status": "Resolved"}), 409, "illegal_transition")
    assert owner.get(f"/api/tickets/{key}").json()["status"] == "Open"


def test_a_reply_on_a_resolved_ticket_reopens_it(scene: World) -> None:
    owner, agent = scene.accounts["owner"], scene.accounts["agent"]
    key = scene.ticket["number"]
    assert agent.patch(f"/api/tickets/{key}", json={"status": "Resolved"}).json()["status"] == "Resolved"
    assert owner.post(f"/api/tickets/{key}/comments", json={"content": "Still broken"}).status_code == 201
    ticket = owner.get(f"/api/tickets/{key}").json()
    assert ticket["status"] == "Open"
    assert ticket["resolved_at"] is None
    history = [
        (e["field"], e["old_value"], e["new_value"]) for e in owner.get(f"/api/tickets/{key}/events").json()
    ]
    assert history[-1] == ("status", "Resolved", "Open")


def test_a_staff_reply_on_a_resolved_ticket_does_not_reopen_it(scene: World) -> None:
    agent = scene.accounts["agent"]
    key = scene.ticket["number"]
    agent.patch(f"/api/tickets/{key}", json={"status": "Resolved"})
    assert agent.post(f"/api/tickets/{key}/comments", json={"content": "Done, see above"}).status_code == 201
    assert agent.get(f"/api/tickets/{key}").json()["status"] == "Resolved"


def test_a_closed_ticket_is_read_only_to_its_user(scene: World) -> None:
    owner, agent = scene.accounts["owner"], scene.accounts["agent"]
    key = scene.ticket["number"]
    assert owner.patch(f"/api/tickets/{key}", json={"status": "Closed"}).status_code == 200
    assert_error(owner.post(f"/api/tickets/{key}/comments", json={"content": "one more"}), 409, "read_only")
    assert_error(owner.patch(f"/api/tickets/{key}", json={"title": "Changed"}), 409, "read_only")
    assert_error(owner.patch(f"/api/tickets/{key}", json={"status": "Open"}), 409, "illegal_transition")
    assert owner.get(f"/api/tickets/{key}").json()["title"] == "Laptop will not boot"
    # staff may still reopen it and write on it
    assert agent.post(f"/api/tickets/{key}/comments", json={"content": "reopening"}).status_code == 201
    assert agent.patch(f"/api/tickets/{key}", json={"status": "Open"}).json()["status"] == "Open"


def test_a_requester_edits_only_until_work_starts(scene: World) -> None:
    owner, agent = scene.accounts["owner"], scene.accounts["agent"]
    key = scene.ticket["number"]
    assert owner.patch(f"/api/tickets/{key}", json={"title": "Laptop dead"}).status_code == 200
    assert agent.patch(f"/api/tickets/{key}", json={"status": "In Progress"}).status_code == 200
    assert_error(owner.patch(f"/api/tickets/{key}", json={"priority": "Critical"}), 409, "read_only")
    assert owner.get(f"/api/tickets/{key}").json()["priority"] == "Medium"


def test_assigning_an_open_ticket_moves_it_to_in_progress(scene: World) -> None:
    agent = scene.accounts["agent"]
    key = scene.ticket["number"]
    response = agent.patch(f"/api/tickets/{key}", json={"assignee_id": agent.id})
    assert response.status_code == 200, response.text
    assert (response.json()["assignee_id"], response.json()["status"]) == (agent.id, "In Progress")
    history = [(e["field"], e["new_value"]) for e in agent.get(f"/api/tickets/{key}/events").json()]
    assert history[-2:] == [("assignee_id", agent.id), ("status", "In Progress")]


def test_unassigning_leaves_the_status_alone(scene: World) -> None:
    agent = scene.accounts["agent"]
    key = scene.ticket["number"]
    agent.patch(f"/api/tickets/{key}", json={"status": "On Hold"})
    response = agent.patch(f"/api/tickets/{key}", json={"assignee_id": None})
    assert (response.json()["assignee_id"], response.json()["status"]) == (None, "On Hold")


def test_only_staff_can_be_assigned(scene: World) -> None:
    agent = scene.accounts["agent"]
    key = scene.ticket["number"]
    user_id = scene.accounts["other"].id
    assert_error(agent.patch(f"/api/tickets/{key}", json={"assignee_id": user_id}), 409, "invalid_assignee")
    assert agent.get(f"/api/tickets/{key}").json()["assignee_id"] == scene.accounts["assignee"].id


def test_agents_change_status_priority_and_category(scene: World) -> None:
    agent = scene.accounts["agent"]
    key = scene.ticket["number"]
    software = next(c["id"] for c in agent.get("/api/categories").json() if c["name"] == "Software")
    response = agent.patch(
        f"/api/tickets/{key}", json={"status": "On Hold", "priority": "Critical", "category_id": software}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["priority"], body["category_id"]) == ("On Hold", "Critical", software)


def test_a_limited_agent_loses_a_ticket_reassigned_away(scene: World) -> None:
    act_as(scene, "limited")
    bob, alice = scene.accounts["assignee"], scene.accounts["agent"]
    key = scene.ticket["number"]
    assert bob.get(f"/api/tickets/{key}").status_code == 200
    assert bob.patch(f"/api/tickets/{key}", json={"assignee_id": alice.id}).status_code == 200
    assert_error(bob.get(f"/api/tickets/{key}"), 404, "not_found")
    assert_error(bob.get(f"/api/tickets/{key}/comments"), 404, "not_found")
    assert alice.get(f"/api/tickets/{key}").status_code == 200
    assert {c["id"] for c in alice.get(f"/api/tickets/{key}/comments").json()} == {
        scene.public_reply,
        scene.internal_note,
    }


def test_staff_list_shows_only_active_staff(scene: World) -> None:
    names = {s["name"] for s in scene.accounts["agent"].get("/api/staff").json()}
    assert names == {"Alice Agent", "Bob Assignee", "Ada Admin"}
    scene.admin.patch(f"/api/users/{scene.accounts['assignee'].id}", json={"is_active": False})
    names = {s["name"] for s in scene.accounts["agent"].get("/api/staff").json()}
    assert names == {"Alice Agent", "Ada Admin"}


def test_users_see_only_active_categories_staff_may_ask_for_all(scene: World) -> None:
    category = scene.admin.get("/api/categories").json()[0]
    scene.admin.patch(f"/api/categories/{category['id']}", json={"is_active": False})
    for who in ("owner", "agent"):
        shown = {c["id"] for c in scene.accounts[who].get("/api/categories").json()}
        assert category["id"] not in shown, who
    user_all = {c["id"] for c in scene.accounts["owner"].get("/api/categories?include_inactive=true").json()}
    staff_all = {c["id"] for c in scene.accounts["agent"].get("/api/categories?include_inactive=true").json()}
    assert category["id"] not in user_all
    assert category["id"] in staff_all


def test_an_admin_cannot_demote_or_deactivate_themselves(scene: World) -> None:
    admin = scene.admin
    assert_error(admin.patch(f"/api/users/{admin.id}", json={"role": "agent"}), 403, "forbidden")
    assert_error(admin.patch(f"/api/users/{admin.id}", json={"is_active": False}), 403, "forbidden")
    assert admin.get("/api/me").json()["role"] == "admin"


def test_me_patch_cannot_change_role(scene: World) -> None:
    owner = scene.accounts["owner"]
    response = owner.patch("/api/me", json={"role": "admin"})
    body = assert_error(response, 422, "validation_error")
    assert [f["field"] for f in body["fields"]] == ["role"]
    assert owner.get("/api/me").json()["role"] == "user"
