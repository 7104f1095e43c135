"""The knowledge-base REST API: who reads and writes articles, the article's shape, filters and
paging, "create from ticket" on solved tickets only, and bad input answered as 4xx JSON."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.helpers.api import Account, assert_error, first_category, login, submit
from ticketing.domain import Role

ARTICLE_FIELDS = {
    "id",
    "title",
    "body",
    "category_id",
    "tags",
    "status",
    "author_id",
    "source_ticket_id",
    "created_at",
    "updated_at",
    "version",
}


@pytest.fixture
def people(client: TestClient, engine: Engine) -> dict[str, Account]:
    return {
        "admin": login(client, engine, "ada@example.com", Role.ADMIN),
        "agent": login(client, engine, "alice@example.com", Role.AGENT),
        "user": login(client, engine, "uma@example.com", Role.USER),
    }


def write(account: Account, **fields: Any) -> dict[str, Any]:
    body = {"title": "Reset a password", "body": "<p>Open <b>Settings</b>.</p>", **fields}
    response = account.post("/api/kb/articles", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_staff_write_and_the_answer_has_exactly_the_article_fields(people: dict[str, Account]) -> None:
    agent, admin = people["agent"], people["admin"]
    article = write(agent, tags=[" VPN ", "vpn", "Remote Access"], category_id=first_category(agent))
    assert set(article) == ARTICLE_FIELDS
    assert article["status"] == "draft"
    assert article["tags"] == ["vpn", "remote access"]
    assert article["author_id"] == agent.id
    assert article["version"] == 1
    edited = admin.patch(f"/api/kb/articles/{article['id']}", json={"title": "Reset your password"})
    assert edited.status_code == 200, edited.text
    assert edited.json()["version"] == 2
    assert edited.json()["author_id"] == agent.id
    same = admin.patch(f"/api/kb/articles/{article['id']}", json={"title": "Reset your password"})
    assert same.json()["version"] == 2  # nothing changed


def test_body_is_sanitized_like_comments(people: dict[str, Account]) -> None:
    article = write(people["agent"], body='<p onclick="x()">Hi<script>alert(1)</script></p>')
    assert "script" not in article["body"]
    assert "onclick" not in article["body"]
    assert_error(
        people["agent"].post("/api/kb/articles", json={"title": "T", "body": "<script>x</script>"}), 422
    )


def test_users_read_published_articles_only_and_never_write(people: dict[str, Account]) -> None:
    agent, user = people["agent"], people["user"]
    draft = write(agent, title="Draft only")
    published = write(agent, title="Published one", status="published")
    listed = user.get("/api/kb/articles").json()
    assert [a["title"] for a in listed["items"]] == ["Published one"]
    assert listed["total"] == 1
    assert user.get(f"/api/kb/articles/{published['id']}").status_code == 200
    assert_error(user.get(f"/api/kb/articles/{draft['id']}"), 404, "not_found")
    assert user.get("/api/kb/articles", params={"status": "draft"}).json()["items"] == []
    assert_error(user.post("/api/kb/articles", json={"title": "Mine", "body": "<p>x</p>"}), 403)
    assert_error(user.patch(f"/api/kb/articles/{published['id']}", json={"title": "Mine"}), 403)
    assert_error(user.patch(f"/api/kb/articles/{draft['id']}", json={"status": "published"}), 403)
    assert sorted(a["title"] for a in agent.get("/api/kb/articles").json()["items"]) == [
        "Draft only",
        "Published one",
    ]

    unpublished = agent.patch(f"/api/kb/articles/{published['id']}", json={"status": "draft"})
    assert unpublished.json()["status"] == "draft"
    assert_error(user.get(f"/api/kb/articles/{published['id']}"), 404)
    assert user.get("/api/kb/articles").json()["total"] == 0


def test_filters_and_paging(people: dict[str, Account]) -> None:
    agent = people["agent"]
    category = first_category(agent)
    write(agent, title="VPN drops", tags=["vpn"], category_id=category, status="published")
    write(agent, title="Printer offline", body="<p>Check the 50% toner_level</p>", tags=["printer"])
    write(agent, title="Mail bounces", tags=["mail", "vpn"])

    def titles(**params: Any) -> list[str]:
        response = agent.get("/api/kb/articles", params=params)
        assert response.status_code == 200, response.text
        return sorted(a["title"] for a in response.json()["items"])

    assert titles(tag="VPN") == ["Mail bounces", "VPN drops"]
    assert titles(tag="  vpn ") == ["Mail bounces", "VPN drops"]  # compared as tags are stored
    assert titles(tag=" ") == ["Mail bounces", "Printer offline", "VPN drops"]  # blank: no filter
    assert titles(category_id=category) == ["VPN drops"]
    assert titles(status="published") == ["VPN drops"]
    assert titles(status="draft") == ["Mail bounces", "Printer offline"]
    assert titles(q="printer") == ["Printer offline"]
    assert titles(q="toner") == ["Printer offline"]  # in the body
    assert titles(q="50%") == ["Printer offline"]  # LIKE's wildcards are literal
    assert titles(q="_") == ["Printer offline"]
    page = agent.get("/api/kb/articles", params={"limit": 2, "offset": 2}).json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (3, 2, 2, 1)


def _solve(engine: Engine, ticket_id: str, status: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE tickets SET status = :s WHERE id = :id"), {"s": status, "id": ticket_id})


def test_an_article_from_a_solved_ticket(people: dict[str, Account], engine: Engine) -> None:
    agent, admin, user = people["agent"], people["admin"], people["user"]
    ticket = submit(user, "VPN drops every hour", description="<p>It drops at :00.</p>")
    assert_error(agent.post(f"/api/kb/articles/from-ticket/{ticket['id']}"), 409, "not_solved")
    for author, reply in ((admin, "Admin thinks"), (agent, "Renew the lease"), (agent, "Set MTU to 1400")):
        response = author.post(f"/api/tickets/{ticket['id']}/comments", json={"content": f"<p>{reply}</p>"})
        assert response.status_code == 201, response.text
    agent.post(f"/api/tickets/{ticket['id']}/comments", json={"content": "<p>note</p>", "is_internal": True})
    user.post(f"/api/tickets/{ticket['id']}/comments", json={"content": "<p>Thanks!</p>"})
    resolved = agent.patch(f"/api/tickets/{ticket['id']}", json={"status": "Resolved"})
    assert resolved.status_code == 200, resolved.text

    assert_error(user.post(f"/api/kb/articles/from-ticket/{ticket['id']}"), 403)
    made = admin.post(f"/api/kb/articles/from-ticket/{ticket['number']}")
    assert made.status_code == 201, made.text
    article = made.json()
    assert article["status"] == "draft"
    assert article["title"] == "VPN drops every hour"
    assert article["source_ticket_id"] == ticket["id"]
    assert article["category_id"] == ticket["category_id"]
    assert article["author_id"] == admin.id
    assert "It drops at :00." in article["body"]
    assert "Set MTU to 1400" in article["body"]  # the resolver's (Alice's) last public reply
    assert "Admin thinks" not in article["body"] and "note" not in article["body"]
    assert "Thanks" not in article["body"]

    linked = agent.get(f"/api/tickets/{ticket['id']}/articles").json()
    assert [a["id"] for a in linked] == [article["id"]]
    assert user.get(f"/api/tickets/{ticket['id']}/articles").json() == []  # a draft
    agent.patch(f"/api/kb/articles/{article['id']}", json={"status": "published"})
    assert [a["id"] for a in user.get(f"/api/tickets/{ticket['id']}/articles").json()] == [article["id"]]

    closed = submit(user, "Closed one")
    _solve(engine, closed["id"], "Closed")
    with engine.begin() as conn:  # a category deactivated since: the draft has none
        conn.execute(
            text("UPDATE categories SET is_active = false WHERE id = :id"), {"id": closed["category_id"]}
        )
    from_closed = agent.post(f"/api/kb/articles/from-ticket/{closed['id']}")
    assert from_closed.status_code == 201, from_closed.text
    assert from_closed.json()["category_id"] is None
    assert_error(agent.post(f"/api/kb/articles/from-ticket/{uuid.uuid4()}"), 404)


@pytest.mark.parametrize(
    "body",
    [
        {"title": "", "body": "<p>x</p>"},
        {"title": "T"},
        {"title": "T", "body": "<p>x</p>", "tags": [""]},
        {"title": "T", "body": "<p>x</p>", "tags": ["x" * 41]},
        {"title": "T", "body": "<p>x</p>", "tags": [f"t{n}" for n in range(21)]},
        {"title": "T", "body": "<p>x</p>", "tags": "vpn"},
        {"title": "T", "body": "<p>x</p>", "status": "archived"},
        {"title": "T", "body": "<p>x</p>", "category_id": "nope"},
        {"title": "T", "body": "<p>x</p>", "author_id": str(uuid.uuid4())},
        {"title": "T\x00", "body": "<p>x</p>"},
    ],
)
def test_bad_input_is_a_422(people: dict[str, Account], body: dict[str, Any]) -> None:
    assert_error(people["agent"].post("/api/kb/articles", json=body), 422)


def test_unknown_references_are_409_and_bad_ids_4xx(people: dict[str, Account]) -> None:
    agent = people["agent"]
    missing = str(uuid.uuid4())
    basic = {"title": "T", "body": "<p>x</p>"}
    assert_error(agent.post("/api/kb/articles", json={**basic, "category_id": missing}), 409)
    assert_error(agent.post("/api/kb/articles", json={**basic, "source_ticket_id": missing}), 409)
    article = write(agent)
    assert_error(agent.post("/api/kb/articles", json={**basic, "id": article["id"]}), 409, "duplicate_id")
    assert_error(agent.patch(f"/api/kb/articles/{article['id']}", json={"category_id": missing}), 409)
    assert_error(agent.patch(f"/api/kb/articles/{article['id']}", json={"version": 3}), 422)
    assert_error(agent.get(f"/api/kb/articles/{missing}"), 404)
    assert agent.get("/api/kb/articles/not-a-uuid").status_code in (404, 422)
    assert_error(agent.get("/api/kb/articles", params={"limit": 0}), 422)
    assert_error(agent.get("/api/kb/articles", params={"status": "gone"}), 422)
    assert_error(agent.get("/api/kb/articles", params={"tag": "x" * 41}), 422)
