"""SQL injection: classic payloads in every text field (titles, descriptions, comments, names,
emails, passwords, category and priority names, settings, the search box) and in every filter,
sort and paging parameter of the ticket and audit queries, the ticket key in the path, and the
sync endpoints, and the full-text search's words, filters, cursor and limit.

Every answer is a 2xx or a 4xx with the API's JSON error; afterwards every table still exists,
the row counts are exactly what the accepted requests made, valid text is stored verbatim, and
a search for a payload finds exactly the rows that contain it (so ``%``, ``_`` and quotes are
data, never syntax).
"""

from __future__ import annotations

import html
import re
import uuid
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from sync_server.app import create_app
from sync_server.db.models import Base
from tests.helpers.api import first_category, login
from tests.helpers.limits import GENEROUS, set_rate_limits
from ticketing.domain import DEFAULT_CATEGORIES, DEFAULT_PRIORITIES, Role
from ticketing.protocol import PROTOCOL_VERSION

PAYLOADS = [
    "' OR '1'='1",
    "' OR 1=1 --",
    "admin'--",
    "' OR ''='",
    "') OR ('a'='a",
    "1) OR (1=1",
    "'; DROP TABLE tickets; --",
    '"; DROP TABLE users; --',
    "x'; DELETE FROM comments WHERE 't'='t",
    "'; TRUNCATE users CASCADE; --",
    "' UNION SELECT password_hash, email FROM users --",
    "%' AND 1=0 UNION SELECT NULL, NULL --",
    "' || (SELECT version()) || '",
    "'; SELECT pg_sleep(10); --",
    "1' AND SLEEP(5)#",
    "'; COPY users TO PROGRAM 'id'; --",
    "$$; DROP TABLE categories; $$",
    "E'\\x27; DROP TABLE priorities; --",
    "\\'; UPDATE users SET role='admin'; --",
    "' AND extractvalue(1, concat(0x7e, version())) --",
    "'; EXEC xp_cmdshell('dir'); --",
    "ORDER BY 1--",
    "/* comment */ SELECT",
    "%",
    "_",
    "%_%",
    "\\",
    "''",
]


def json_error_or_success(response: Any) -> Any:
    """A 2xx, or a 4xx carrying the API's JSON error; never a 5xx."""
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body["error"], str) and isinstance(body["detail"], str), body
    return response


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table.name: int(conn.scalar(text(f'SELECT count(*) FROM "{table.name}"')) or 0)
            for table in Base.metadata.sorted_tables
        }


@pytest.fixture
def client(engine: Engine) -> TestClient:
    set_rate_limits(engine, GENEROUS)  # hundreds of writes from one account
    return TestClient(create_app(engine))


def test_text_fields_store_injection_strings_verbatim(client: TestClient, engine: Engine) -> None:
    admin = login(client, engine, "ada@example.com", Role.ADMIN)
    user = login(client, engine, "uma@example.com", Role.USER)
    category = first_category(user)
    before = row_counts(engine)

    tickets: dict[str, dict[str, Any]] = {}
    for payload in PAYLOADS:
        created = json_error_or_success(
            user.post(
                "/api/tickets",
                json={"title": f"T {payload}", "description": f"<p>{payload}</p>", "category_id": category},
            )
        )
        assert created.status_code == 201, created.text
        ticket = created.json()
        tickets[payload] = ticket
        assert ticket["title"] == f"T {payload}"
        assert html.unescape(re.sub(r"</?p>", "", ticket["description"])) == payload
        reply = json_error_or_success(
            user.post(f"/api/tickets/{ticket['id']}/comments", json={"content": payload})
        )
        assert reply.status_code == 201
        assert html.unescape(reply.json()["content"]) == payload
        edited = json_error_or_success(
            user.patch(f"/api/tickets/{ticket['id']}", json={"title": f"E {payload}"})
        )
        assert edited.json()["title"] == f"E {payload}"

    for n, payload in enumerate(PAYLOADS):
        name = f"C {payload}"
        made = json_error_or_success(admin.post("/api/categories", json={"name": name}))
        assert made.status_code == 201 and made.json()["name"] == name
        renamed = json_error_or_success(
            admin.patch(f"/api/categories/{made.json()['id']}", json={"name": f"R {payload}"})
        )
        assert renamed.json()["name"] == f"R {payload}"
        priority = json_error_or_success(
            admin.post("/api/priorities", json={"name": f"P {payload}", "rank": 100 + n})
        )
        assert priority.status_code == 201 and priority.json()["key"] == f"P {payload}"
        person = json_error_or_success(
            admin.post(
                "/api/users",
                json={
                    "email": f"person{n}@example.com",
                    "name": f"N {payload}",
                    "role": "user",
                    "password": f"pw {payload} long enough",
                },
            )
        )
        assert person.status_code == 201 and person.json()["name"] == f"N {payload}"
        assert (
            client.post(
                "/api/auth/login",
                json={"email": f"person{n}@example.com", "password": f"pw {payload} long enough"},
            ).status_code
            == 200
        )  # the password, quotes and all, is just a password

    me = json_error_or_success(user.patch("/api/me", json={"name": PAYLOADS[1]}))
    assert me.json()["name"] == PAYLOADS[1]
    smtp = {"host": PAYLOADS[0], "username": PAYLOADS[6], "sender": PAYLOADS[10]}
    settings = json_error_or_success(admin.patch("/api/settings", json={"smtp": smtp}))
    assert {k: settings.json()["smtp"][k] for k in smtp} == smtp

    after = row_counts(engine)
    n = len(PAYLOADS)
    assert after["tickets"] == before["tickets"] + n
    assert after["comments"] == before["comments"] + n
    assert after["categories"] == len(DEFAULT_CATEGORIES) + n
    assert after["priorities"] == len(DEFAULT_PRIORITIES) + n
    assert after["users"] == before["users"] + n
    with engine.connect() as conn:
        titles = set(conn.scalars(text("SELECT title FROM tickets")))
        names = set(conn.scalars(text("SELECT name FROM users")))
    assert titles == {f"E {p}" for p in PAYLOADS}
    assert {f"N {p}" for p in PAYLOADS} <= names

    # the search box: each payload finds exactly the tickets that contain it, nothing more
    for payload in PAYLOADS:
        expected = {
            t["number"]
            for p, t in tickets.items()
            if payload.lower() in f"E {p}".lower() or payload.lower() in html.escape(p, quote=False).lower()
        }
        found = json_error_or_success(user.get("/api/tickets", params={"q": payload, "limit": 500}))
        assert {t["number"] for t in found.json()["items"]} == expected, payload


def _query_params() -> list[dict[str, Any]]:
    """Every filter, sort and paging parameter of the ticket query, each with each payload."""
    names = (
        "status",
        "priority",
        "category_id",
        "assignee",
        "submitter_id",
        "created_from",
        "created_to",
        "updated_from",
        "updated_to",
        "q",
        "sort",
        "limit",
        "offset",
    )
    return [{name: payload} for name in names for payload in PAYLOADS]


def test_query_parameters_and_paths_are_data_never_syntax(client: TestClient, engine: Engine) -> None:
    admin = login(client, engine, "ada@example.com", Role.ADMIN)
    user = login(client, engine, "uma@example.com", Role.USER)
    category = first_category(user)
    for n in range(3):
        body = {"title": f"Ticket {n}", "description": "<p>text</p>", "category_id": category}
        assert user.post("/api/tickets", json=body).status_code == 201
    before = row_counts(engine)

    statuses: dict[str, set[int]] = {}
    for params in _query_params():
        (name,) = params
        response = json_error_or_success(admin.get("/api/tickets", params=params))
        statuses.setdefault(name, set()).add(response.status_code)
        if response.status_code == 200:
            assert response.json()["total"] in (0, 3), params  # a filter never widens what is seen
    # free text is searched for; typed parameters refuse what is not their type
    assert statuses["q"] == {200}
    assert statuses["priority"] == {200}
    for typed in (
        "status",
        "category_id",
        "assignee",
        "submitter_id",
        "created_from",
        "sort",
        "limit",
        "offset",
    ):
        assert statuses[typed] == {422}, typed

    for payload in PAYLOADS:
        for path in (
            f"/api/tickets/{quote(payload, safe='')}",
            f"/api/tickets/{quote(payload, safe='')}/comments",
            f"/api/tickets/{quote(payload, safe='')}/events",
            f"/api/users/{quote(payload, safe='')}",
            f"/api/categories/{quote(payload, safe='')}",
        ):
            assert json_error_or_success(admin.get(path)).status_code in (404, 405, 422), path
        for params in ({"action": payload}, {"actor_id": payload}, {"limit": payload}):
            assert json_error_or_success(admin.get("/api/admin/audit", params=params)).status_code == 422
        assert json_error_or_success(admin.get("/api/users", params={"role": payload})).status_code == 422

    assert row_counts(engine) == before


def test_full_text_search_with_injection_strings(client: TestClient, engine: Engine) -> None:
    """``GET /api/search``: payloads as words, as filter values, as the kind, the cursor and the
    limit; the words are data (a payload's own words find the ticket that holds it)."""
    user = login(client, engine, "uma@example.com", Role.USER)
    other = login(client, engine, "otto@example.com", Role.USER)
    category = first_category(user)
    body = {"title": "Quokka printer", "description": "<p>'; DROP TABLE tickets; --</p>"}
    assert user.post("/api/tickets", json={**body, "category_id": category}).status_code == 201
    before = row_counts(engine)
    for payload in PAYLOADS:
        for q in (payload, f"quokka {payload}", f"status:{payload}", f"priority:{payload}", f"#{payload}"):
            json_error_or_success(user.get("/api/search", params={"q": q}))
            found = json_error_or_success(other.get("/api/search", params={"q": q}))
            assert found.status_code == 422 or found.json()["results"] == [], q
        for params in ({"kind": payload}, {"cursor": payload}, {"limit": payload}):
            response = json_error_or_success(user.get("/api/search", params={"q": "printer", **params}))
            assert response.status_code == 422, params
    found = json_error_or_success(user.get("/api/search", params={"q": "drop table tickets"}))
    assert [hit["title"] for hit in found.json()["results"]] == ["Quokka printer"]
    assert row_counts(engine) == before


def test_logins_and_sync_requests_with_injection_strings(engine: Engine) -> None:
    app = create_app(engine)
    set_rate_limits(engine, GENEROUS)
    client = TestClient(app)
    user = login(client, engine, "uma@example.com", Role.USER)
    before = row_counts(engine)

    for n, payload in enumerate(PAYLOADS):
        guesser = TestClient(app, client=(f"10.9.0.{n + 1}", 50000))  # no address lockout in the way
        for email in (payload, f"{payload}@example.com", "uma@example.com"):
            answer = json_error_or_success(
                guesser.post("/api/auth/login", json={"email": email, "password": payload})
            )
            assert answer.status_code in (401, 422, 429), answer.text  # uma locks after five
        answer = json_error_or_success(client.post("/api/auth/refresh", json={"refresh_token": payload}))
        assert answer.status_code == 401

        pull = json_error_or_success(
            user.post(
                "/api/sync/pull",
                json={
                    "protocol": PROTOCOL_VERSION,
                    "client_id": str(uuid.uuid4()),
                    "cursors": {payload: "0:0"},
                },
            )
        )
        assert pull.status_code == 200  # the server decides the buckets; a made-up one is ignored
        bad_cursor = {
            "protocol": PROTOCOL_VERSION,
            "client_id": str(uuid.uuid4()),
            "cursors": {"queue": payload},
        }
        assert json_error_or_success(user.post("/api/sync/pull", json=bad_cursor)).status_code == 422
        push = json_error_or_success(
            user.post(
                "/api/sync/push",
                json={
                    "protocol": PROTOCOL_VERSION,
                    "client_id": str(uuid.uuid4()),
                    "mutations": [
                        {"id": 1, "name": payload, "args": {"id": payload}},
                        {"id": 2, "name": "add_comment", "args": {"id": payload, "ticket_id": payload}},
                    ],
                },
            )
        )
        assert [r["status"] for r in push.json()["results"]] == ["rejected", "rejected"]

    after = row_counts(engine)
    growing = {"rate_limits", "sync_clients", "sync_mutation_results"}  # the bookkeeping of it all
    assert {k: v for k, v in after.items() if k not in growing} == {
        k: v for k, v in before.items() if k not in growing
    }
    assert after["sync_mutation_results"] == before["sync_mutation_results"] + 2 * len(PAYLOADS)
    with engine.connect() as conn:
        roles = {email: role for email, role in conn.execute(text("SELECT email, role FROM users"))}
    assert roles == {"uma@example.com": "user"}
