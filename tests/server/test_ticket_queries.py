"""Finding tickets (filters, search, sort, paging) and what the API refuses or cleans on the way in.

The data set is built once for the module; each test runs in a transaction that is rolled
back afterwards. Six tickets, TKT-1001 to TKT-1006, chosen so that every sort order differs
from the order of their numbers:

========  ==========================  =========  ============  ========  ===========  ========
number    title                       submitter  category      priority  status       assignee
========  ==========================  =========  ============  ========  ===========  ========
TKT-1001  Delta printer jams          Uma        Hardware      Low       Open         -
TKT-1002  Alpha VPN down              Victor     Network       High      In Progress  Alice
TKT-1003  Foxtrot mail bounces        Uma        Email Problem Critical  On Hold      Bruno
TKT-1004  Charlie CPU at 100% load    Victor     Software      Medium    Resolved     Alice
TKT-1005  Bravo snake_case error      Uma        Software      Medium    Closed       Bruno
TKT-1006  Echo ' OR 1=1 -- quote      Victor     Login Issue   Low       Open         -
========  ==========================  =========  ============  ========  ===========  ========
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, get_args

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text

from sync_server.app import create_app
from tests.helpers.api import Account, assert_error, login, reset_database, rolled_back
from ticketing.domain import Role, Status
from ticketing.schemas import TicketSort

INJECTION = "' OR 1=1 --"

#: (title, submitter, category, priority, status, assignee, created day, updated day) per ticket.
TICKETS: tuple[tuple[str, str, str, str, str, str | None, int, int], ...] = (
    ("Delta printer jams", "uma", "Hardware", "Low", "Open", None, 3, 2),
    ("Alpha VPN down", "victor", "Network", "High", "In Progress", "alice", 1, 6),
    ("Foxtrot mail bounces", "uma", "Email Problem", "Critical", "On Hold", "bruno", 6, 1),
    ("Charlie CPU at 100% load", "victor", "Software", "Medium", "Resolved", "alice", 2, 5),
    ("Bravo snake_case error", "uma", "Software", "Medium", "Closed", "bruno", 5, 3),
    (f"Echo {INJECTION} quote", "victor", "Login Issue", "Low", "Open", None, 4, 4),
)
DESCRIPTIONS = (
    "<p>Paper feed grinds</p>",
    "<p>Tunnel drops</p>",
    "<p>Bounces back</p>",
    "<p>Fan is loud</p>",
    "<p>Stack trace attached</p>",
    "<p>Odd title</p>",
)


def created_at(day: int) -> dt.datetime:
    return dt.datetime(2026, 1, day, 9, 0, tzinfo=dt.UTC)


def updated_at(day: int) -> dt.datetime:
    return dt.datetime(2026, 2, day, 9, 0, tzinfo=dt.UTC)


@dataclass
class Desk:
    app: FastAPI
    client: TestClient
    engine: Engine
    people: dict[str, Account]
    categories: dict[str, str]
    ranks: dict[str, int]

    @property
    def admin(self) -> Account:
        return self.people["admin"]


@pytest.fixture(scope="module")
def desk(migrated_engine: Engine) -> Desk:
    reset_database(migrated_engine)
    app = create_app(migrated_engine)
    client = TestClient(app)
    people = {
        "admin": login(client, migrated_engine, "ada@example.com", Role.ADMIN, "Ada Admin"),
        "alice": login(client, migrated_engine, "alice@example.com", Role.AGENT, "Alice Agent"),
        "bruno": login(client, migrated_engine, "bruno@example.com", Role.AGENT, "Bruno Agent"),
        "uma": login(client, migrated_engine, "uma@example.com", Role.USER, "Uma User"),
        "victor": login(client, migrated_engine, "victor@example.com", Role.USER, "Victor User"),
    }
    admin = people["admin"]
    categories = {c["name"]: c["id"] for c in admin.get("/api/categories").json()}
    ranks = {p["key"]: p["rank"] for p in admin.get("/api/priorities").json()}
    for (title, who, category, priority, status, assignee, _c, _u), description in zip(
        TICKETS, DESCRIPTIONS, strict=True
    ):
        body = {"title": title, "description": description, "category_id": categories[category]}
        created = people[who].post("/api/tickets", json={**body, "priority": priority})
        assert created.status_code == 201, created.text
        key = created.json()["number"]
        if assignee:
            assert (
                admin.patch(f"/api/tickets/{key}", json={"assignee_id": people[assignee].id}).status_code
                == 200
            )
        if status == "Closed":
            assert admin.patch(f"/api/tickets/{key}", json={"status": "Resolved"}).status_code == 200
        if status not in ("Open", "In Progress"):
            assert admin.patch(f"/api/tickets/{key}", json={"status": status}).status_code == 200
    with migrated_engine.begin() as conn:
        for number, (*_rest, created_day, updated_day) in enumerate(TICKETS, start=1001):
            conn.execute(
                text("UPDATE tickets SET created_at = :c, updated_at = :u WHERE number = :n"),
                {"c": created_at(created_day), "u": updated_at(updated_day), "n": number},
            )
    return Desk(app, client, migrated_engine, people, categories, ranks)


@pytest.fixture
def conn(desk: Desk) -> Iterator[Connection]:
    """The transaction this test's requests run in, rolled back afterwards."""
    with rolled_back(desk.app, desk.engine) as connection:
        yield connection


@pytest.fixture
def scene(desk: Desk, conn: Connection) -> Desk:
    return desk


def numbers(account: Account, params: Any = None) -> list[int]:
    response = account.get("/api/tickets", params=params)
    assert response.status_code == 200, response.text
    return [int(t["number"].removeprefix("TKT-")) for t in response.json()["items"]]


def found(account: Account, params: Any) -> set[int]:
    return set(numbers(account, params))


# --- filters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {1001, 1002, 1003, 1004, 1005, 1006}),
        ({"status": "Open"}, {1001, 1006}),
        ([("status", "Open"), ("status", "Closed")], {1001, 1005, 1006}),
        ([("status", "On Hold"), ("status", "In Progress"), ("status", "Resolved")], {1002, 1003, 1004}),
        ({"priority": "Low"}, {1001, 1006}),
        ([("priority", "Low"), ("priority", "Critical")], {1001, 1003, 1006}),
        ({"priority": "Nonexistent"}, set()),
        ({"priority": INJECTION}, set()),
        ({"assignee": "none"}, {1001, 1006}),
        ([("status", "Open"), ("priority", "Low"), ("q", "printer")], {1001}),
    ],
    ids=repr,
)
def test_filters(scene: Desk, params: Any, expected: set[int]) -> None:
    assert found(scene.admin, params) == expected


def test_filter_by_category(scene: Desk) -> None:
    software, network = scene.categories["Software"], scene.categories["Network"]
    assert found(scene.admin, {"category_id": software}) == {1004, 1005}
    assert found(scene.admin, [("category_id", software), ("category_id", network)]) == {1002, 1004, 1005}
    assert found(scene.admin, {"category_id": str(uuid.uuid4())}) == set()


def test_filter_by_assignee(scene: Desk) -> None:
    alice, bruno = scene.people["alice"], scene.people["bruno"]
    assert found(alice, {"assignee": "me"}) == {1002, 1004}
    assert found(bruno, {"assignee": "me"}) == {1003, 1005}
    assert found(scene.admin, {"assignee": "me"}) == set()
    assert found(scene.admin, {"assignee": bruno.id}) == {1003, 1005}
    assert found(scene.admin, {"assignee": bruno.id.upper()}) == {1003, 1005}
    assert found(scene.admin, {"assignee": str(uuid.uuid4())}) == set()


def test_filter_by_submitter(scene: Desk) -> None:
    victor = scene.people["victor"]
    assert found(scene.admin, {"submitter_id": victor.id}) == {1002, 1004, 1006}
    # a user's filters only ever narrow their own tickets
    assert found(scene.people["uma"], {"submitter_id": victor.id}) == set()
    assert found(victor, {"submitter_id": victor.id}) == {1002, 1004, 1006}


def test_filter_by_date_ranges(scene: Desk) -> None:
    admin = scene.admin
    # created days: 1001->3, 1002->1, 1003->6, 1004->2, 1005->5, 1006->4; "from" counts, "to" does not
    window = {"created_from": created_at(2).isoformat(), "created_to": created_at(4).isoformat()}
    assert found(admin, window) == {1004, 1001}
    assert found(admin, {"created_from": created_at(5).isoformat()}) == {1005, 1003}
    assert found(admin, {"created_to": created_at(2).isoformat()}) == {1002}
    # updated days: 1001->2, 1002->6, 1003->1, 1004->5, 1005->3, 1006->4
    window = {"updated_from": updated_at(3).isoformat(), "updated_to": updated_at(5).isoformat()}
    assert found(admin, window) == {1005, 1006}
    both = {"created_from": created_at(3).isoformat(), "updated_to": updated_at(4).isoformat()}
    assert found(admin, both) == {1001, 1003, 1005}
    # another time zone names the same instant
    berlin = dt.timezone(dt.timedelta(hours=1))
    assert found(admin, {"created_to": created_at(2).astimezone(berlin).isoformat()}) == {1002}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("printer", {1001}),
        ("PRINTER", {1001}),
        ("paper feed", {1001}),  # the description counts too
        ("TKT-1003", {1003}),
        ("tkt-1003", {1003}),
        ("1003", {1003}),
        ("   ", {1001, 1002, 1003, 1004, 1005, 1006}),
        ("%", {1004}),
        ("100%", {1004}),
        ("100_", set()),  # "_" is a character, not "any character"
        ("_", {1005}),
        ("snake_case", {1005}),
        ("%%", set()),
        ("\\", set()),
        ("\\%", set()),
        (INJECTION, {1006}),
        ("1=1", {1006}),
        ("' OR '1'='1", set()),
        ("'; DROP TABLE tickets; --", set()),
        ("nothing like this", set()),
    ],
    ids=repr,
)
def test_search(scene: Desk, q: str, expected: set[int]) -> None:
    assert found(scene.admin, {"q": q}) == expected


def test_search_only_within_what_the_caller_may_see(scene: Desk) -> None:
    assert found(scene.people["uma"], {"q": "TKT-1002"}) == set()
    assert found(scene.people["victor"], {"q": "TKT-1002"}) == {1002}
    assert found(scene.people["uma"], {"q": "a"}) == {1001, 1003, 1005}


# --- sorting and paging ---------------------------------------------------------------------


def _sort_key(desk: Desk, column: str) -> Callable[[dict[str, Any]], Any]:
    keys: dict[str, Callable[[dict[str, Any]], Any]] = {
        "number": lambda t: int(t["number"].removeprefix("TKT-")),
        "title": lambda t: t["title"].lower(),
        "status": lambda t: list(Status).index(Status(t["status"])),  # workflow order
        "priority": lambda t: desk.ranks[t["priority"]],
        "category": lambda t: t["category_name"].lower(),
        "assignee": lambda t: t["assignee_name"].lower() if t["assignee_name"] else None,
        "submitter": lambda t: t["submitter_name"].lower(),
        "created_at": lambda t: dt.datetime.fromisoformat(t["created_at"]),
        "updated_at": lambda t: dt.datetime.fromisoformat(t["updated_at"]),
    }
    return keys[column]


def expected_order(desk: Desk, items: list[dict[str, Any]], sort: str) -> list[str]:
    """``sort`` applied in Python: ties by id, a missing value last in both directions."""
    key = _sort_key(desk, sort.lstrip("-"))
    by_id = sorted(items, key=lambda t: uuid.UUID(t["id"]))
    present = [t for t in by_id if key(t) is not None]
    missing = [t for t in by_id if key(t) is None]
    ordered = sorted(present, key=key, reverse=sort.startswith("-")) + missing
    return [t["number"] for t in ordered]


#: "due" needs a service-level policy, which this data set has none of (tests/server/test_sla_tickets.py)
@pytest.mark.parametrize("sort", [s for s in get_args(TicketSort) if s.lstrip("-") != "due"])
def test_sort(scene: Desk, sort: str) -> None:
    response = scene.admin.get("/api/tickets", params={"sort": sort})
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert len(items) == 6
    shown = [t["number"] for t in items]
    assert shown == expected_order(scene, items, sort)
    # the data set is built so that no sort order is just the ticket numbers
    if sort.lstrip("-") != "number":
        assert shown not in (sorted(shown), sorted(shown, reverse=True)), sort


def test_sort_by_priority_uses_the_rank_not_the_name(scene: Desk) -> None:
    shown = numbers(scene.admin, {"sort": "-priority"})
    assert shown[:2] == [1003, 1002]  # Critical, High
    assert set(shown[2:4]) == {1004, 1005}  # Medium
    assert set(shown[4:]) == {1001, 1006}  # Low


def test_default_sort_is_most_recently_updated_first(scene: Desk) -> None:
    assert numbers(scene.admin) == [1002, 1004, 1006, 1005, 1001, 1003]


def test_paging(scene: Desk) -> None:
    pages = []
    for offset in (0, 2, 4, 6):
        response = scene.admin.get("/api/tickets", params={"sort": "title", "limit": 2, "offset": offset})
        body = response.json()
        assert (body["total"], body["limit"], body["offset"]) == (6, 2, offset)
        pages.append([t["number"] for t in body["items"]])
    assert [len(p) for p in pages] == [2, 2, 2, 0]
    everything = [
        t["number"] for t in scene.admin.get("/api/tickets", params={"sort": "title"}).json()["items"]
    ]
    assert [n for page in pages for n in page] == everything


def test_total_counts_the_filtered_tickets_not_the_page(scene: Desk) -> None:
    body = scene.admin.get("/api/tickets", params={"status": "Open", "limit": 1}).json()
    assert (body["total"], len(body["items"])) == (2, 1)
    body = scene.people["uma"].get("/api/tickets", params={"limit": 1}).json()
    assert (body["total"], len(body["items"])) == (3, 1)


# --- validation -----------------------------------------------------------------------------


def _fields(response: Any) -> list[str]:
    body = assert_error(response, 422, "validation_error")
    return [f["field"] for f in body["fields"]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "Pending"}, "status.0"),
        ({"sort": "password"}, "sort"),
        ({"sort": "number; DROP TABLE tickets"}, "sort"),
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"offset": -1}, "offset"),
        ({"category_id": "not-a-uuid"}, "category_id.0"),
        ({"submitter_id": "123"}, "submitter_id"),
        ({"assignee": "someone"}, "assignee"),
        ({"assignee": INJECTION}, "assignee"),
        ({"created_from": "yesterday"}, "created_from"),
        ({"q": "a\x00b"}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"colour": "red"}, "colour"),
    ],
    ids=repr,
)
def test_bad_query_parameters_are_named(scene: Desk, params: dict[str, Any], field: str) -> None:
    assert _fields(scene.admin.get("/api/tickets", params=params)) == [field]


def _new_ticket(desk: Desk, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Monitor flickers",
        "description": "<p>Every few seconds</p>",
        "category_id": desk.categories["Hardware"],
    }
    body.update(fields)
    return body


def test_unknown_fields_are_refused_by_name(scene: Desk) -> None:
    uma = scene.people["uma"]
    assert _fields(uma.post("/api/tickets", json=_new_ticket(scene, colour="red"))) == ["colour"]
    assert _fields(uma.patch("/api/tickets/TKT-1001", json={"titel": "Typo"})) == ["titel"]
    assert _fields(uma.post("/api/tickets/TKT-1001/comments", json={"content": "x", "internal": True})) == [
        "internal"
    ]
    assert _fields(uma.patch("/api/me", json={"email": "new@example.com"})) == ["email"]
    assert uma.get("/api/tickets/TKT-1001").json()["title"] == "Delta printer jams"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "a\x00b"}, "title"),
        ({"description": "<p>a\x00b</p>"}, "description"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"category_id": "hardware"}, "category_id"),
        ({"category_id": None}, "category_id"),
        ({"priority": ""}, "priority"),
        ({"id": "not-a-uuid"}, "id"),
    ],
    ids=repr,
)
def test_invalid_ticket_fields_are_refused_by_name(scene: Desk, fields: dict[str, Any], field: str) -> None:
    response = scene.people["uma"].post("/api/tickets", json=_new_ticket(scene, **fields))
    assert _fields(response) == [field]
    assert found(scene.admin, {}) == {1001, 1002, 1003, 1004, 1005, 1006}


def test_text_that_is_not_unicode_is_refused(scene: Desk) -> None:
    """A lone surrogate (``\\ud800``) is valid JSON but no text a database can store."""
    uma = scene.people["uma"]
    body = json.dumps(_new_ticket(scene, description="<p>a\ud800</p>"))
    headers = {**uma.headers, "Content-Type": "application/json"}
    assert _fields(scene.client.post("/api/tickets", content=body, headers=headers)) == ["description"]
    refresh = json.dumps({"refresh_token": "tdr_\ud800"})
    assert _fields(scene.client.post("/api/auth/refresh", content=refresh, headers=headers)) == [
        "refresh_token"
    ]


def test_nul_characters_are_refused_everywhere(scene: Desk) -> None:
    admin = scene.admin
    assert _fields(admin.post("/api/tickets/TKT-1001/comments", json={"content": "a\x00"})) == ["content"]
    assert _fields(admin.post("/api/categories", json={"name": "Kit\x00"})) == ["name"]
    assert _fields(admin.patch("/api/me", json={"name": "\x00"})) == ["name"]
    login = {"email": "ada@example.com", "password": "pw\x00"}
    assert _fields(scene.client.post("/api/auth/login", json=login)) == ["password"]


def test_blank_names_are_refused(scene: Desk) -> None:
    admin = scene.admin
    assert _fields(admin.post("/api/categories", json={"name": "   "})) == ["name"]
    assert _fields(admin.post("/api/priorities", json={"name": " ", "rank": 1})) == ["name"]
    assert _fields(admin.patch("/api/me", json={"name": "\t "})) == ["name"]
    assert _fields(admin.patch("/api/tickets/TKT-1001", json={"title": "  "})) == ["title"]
    user = {"email": "new@example.com", "name": "  ", "password": "long-enough"}
    assert _fields(admin.post("/api/users", json=user)) == ["name"]
    assert admin.get("/api/me").json()["name"] == "Ada Admin"


def test_bad_ids_in_paths_are_validation_errors(scene: Desk) -> None:
    admin = scene.admin
    assert _fields(admin.get("/api/users/not-a-uuid")) == ["user_id"]
    assert _fields(admin.patch("/api/categories/42", json={"name": "x"})) == ["category_id"]
    assert _fields(admin.patch("/api/priorities/zz", json={"name": "x"})) == ["priority_id"]


@pytest.mark.parametrize(
    "key",
    [
        "TKT-9999",
        "9999",
        "TKT-0",
        str(uuid.uuid4()),
        "no-such-ticket",
        "TKT-1001x",
        INJECTION,
        "TKT-99999999999",
    ],
)
def test_unknown_ticket_keys_are_not_found(scene: Desk, key: str) -> None:
    admin = scene.admin
    assert_error(admin.get(f"/api/tickets/{key}"), 404, "not_found")
    assert_error(admin.get(f"/api/tickets/{key}/comments"), 404, "not_found")
    assert_error(admin.patch(f"/api/tickets/{key}", json={"status": "Closed"}), 404, "not_found")


def test_unknown_users_categories_and_priorities_are_not_found(scene: Desk) -> None:
    admin = scene.admin
    missing = str(uuid.uuid4())
    assert_error(admin.get(f"/api/users/{missing}"), 404, "not_found")
    assert_error(admin.patch(f"/api/users/{missing}", json={"name": "x"}), 404, "not_found")
    assert_error(admin.patch(f"/api/categories/{missing}", json={"name": "x"}), 404, "not_found")
    assert_error(admin.patch(f"/api/priorities/{missing}", json={"name": "x"}), 404, "not_found")


def test_illegal_transitions_are_explained(scene: Desk) -> None:
    uma, admin = scene.people["uma"], scene.admin
    body = assert_error(
        uma.patch("/api/tickets/TKT-1001", json={"status": "Resolved"}), 409, "illegal_transition"
    )
    assert "Open" in body["detail"] and "Resolved" in body["detail"]
    body = assert_error(
        admin.patch("/api/tickets/TKT-1005", json={"status": "Resolved"}), 409, "illegal_transition"
    )
    assert "Closed" in body["detail"]
    assert_error(uma.patch("/api/tickets/TKT-1001", json={"status": "Done"}), 422, "validation_error")
    assert admin.get("/api/tickets/TKT-1001").json()["status"] == "Open"
    assert admin.get("/api/tickets/TKT-1005").json()["status"] == "Closed"


def test_tickets_need_an_active_category_and_priority(scene: Desk) -> None:
    uma, admin = scene.people["uma"], scene.admin
    assert_error(
        uma.post("/api/tickets", json=_new_ticket(scene, priority="Whenever")), 409, "invalid_priority"
    )
    assert_error(
        uma.post("/api/tickets", json=_new_ticket(scene, category_id=str(uuid.uuid4()))),
        409,
        "invalid_category",
    )
    admin.patch(f"/api/categories/{scene.categories['Hardware']}", json={"is_active": False})
    assert_error(uma.post("/api/tickets", json=_new_ticket(scene)), 409, "invalid_category")


def test_a_new_priority_name_must_fit_its_key(scene: Desk) -> None:
    """A priority's name becomes its key; a name too long for a key is a validation error."""
    admin = scene.admin
    assert _fields(admin.post("/api/priorities", json={"name": "p" * 61, "rank": 5})) == ["name"]
    created = admin.post("/api/priorities", json={"name": "p" * 60, "rank": 5})
    assert created.status_code == 201, created.text
    assert created.json()["key"] == "p" * 60


def test_duplicate_names_are_conflicts(scene: Desk) -> None:
    admin = scene.admin
    assert_error(admin.post("/api/categories", json={"name": "hardware"}), 409, "name_taken")
    assert_error(admin.post("/api/priorities", json={"name": "LOW", "rank": 1}), 409, "name_taken")
    email = {"email": "UMA@example.com", "name": "Uma 2", "password": "long-enough"}
    assert_error(admin.post("/api/users", json=email), 409, "email_taken")


def test_a_ticket_id_can_be_chosen_once(scene: Desk) -> None:
    uma = scene.people["uma"]
    chosen = str(uuid.uuid4())
    first = uma.post("/api/tickets", json=_new_ticket(scene, id=chosen))
    assert first.status_code == 201 and first.json()["id"] == chosen
    assert_error(uma.post("/api/tickets", json=_new_ticket(scene, id=chosen)), 409, "duplicate_id")


# --- what is stored -------------------------------------------------------------------------

HOSTILE_HTML = (
    '<p onclick="steal()">Hello <b>there</b></p>'
    "<script>alert(1)</script>"
    '<img src="x" onerror="alert(2)">'
    '<a href="javascript:alert(3)">click</a>'
    '<a href=" JaVaScRiPt:alert(4)">again</a>'
    '<iframe src="https://evil.example"></iframe>'
    '<a href="https://example.com/help">help</a>'
)
FORBIDDEN = ("<script", "alert(1)", "onerror", "onclick", "javascript", "<iframe", "steal()")


def _assert_sanitized(html: str) -> None:
    lowered = html.lower()
    for bad in FORBIDDEN:
        assert bad not in lowered, (bad, html)
    assert "<b>there</b>" in html
    assert 'href="https://example.com/help"' in html
    assert "click" in html and "again" in html


def test_descriptions_and_comments_are_stored_sanitized(scene: Desk, conn: Connection) -> None:
    uma = scene.people["uma"]
    created = uma.post("/api/tickets", json=_new_ticket(scene, description=HOSTILE_HTML))
    assert created.status_code == 201, created.text
    key = created.json()["number"]
    _assert_sanitized(created.json()["description"])
    comment = uma.post(f"/api/tickets/{key}/comments", json={"content": HOSTILE_HTML})
    assert comment.status_code == 201
    _assert_sanitized(comment.json()["content"])
    edited = uma.patch(f"/api/tickets/{key}", json={"description": HOSTILE_HTML + "<p>more</p>"})
    _assert_sanitized(edited.json()["description"])

    stored = conn.execute(
        text(
            "SELECT t.description, c.content FROM tickets t JOIN comments c ON c.ticket_id = t.id "
            "WHERE t.id = :id"
        ),
        {"id": created.json()["id"]},
    ).one()
    _assert_sanitized(stored.description)
    _assert_sanitized(stored.content)
    assert "more" in stored.description


def test_text_that_sanitizes_to_nothing_is_refused(scene: Desk) -> None:
    uma = scene.people["uma"]
    response = uma.post("/api/tickets", json=_new_ticket(scene, description="<script>alert(1)</script>"))
    assert_error(response, 422, "invalid")
    response = uma.post("/api/tickets/TKT-1001/comments", json={"content": "<p> </p><style>p{}</style>"})
    assert_error(response, 422, "invalid")


def test_hostile_strings_are_stored_verbatim_as_text(scene: Desk, conn: Connection) -> None:
    admin = scene.admin
    hostile = 'Robert\'); DROP TABLE tickets; -- 100% _x_ \\ "quoted"'
    ticket = admin.post("/api/tickets", json=_new_ticket(scene, title=hostile))
    assert ticket.status_code == 201, ticket.text
    assert ticket.json()["title"] == hostile
    category = admin.post("/api/categories", json={"name": hostile[:120]})
    assert category.status_code == 201 and category.json()["name"] == hostile[:120]
    comment_text = "50% off_sale ' OR 1=1 --"
    comment = admin.post(f"/api/tickets/{ticket.json()['number']}/comments", json={"content": comment_text})
    assert comment.json()["content"] == comment_text
    user = admin.post(
        "/api/users", json={"email": "obrien@example.com", "name": "Miles O'Brien", "password": "long-enough"}
    )
    assert user.json()["name"] == "Miles O'Brien"

    assert (
        conn.scalar(text("SELECT title FROM tickets WHERE id = :id"), {"id": ticket.json()["id"]}) == hostile
    )
    assert conn.scalar(text("SELECT count(*) FROM tickets")) == 7
    assert found(admin, {"q": hostile}) == {int(ticket.json()["number"].removeprefix("TKT-"))}
