"""Deflection over REST and push: ``record_deflection`` pushed by any role (idempotent on its
id, settled like any mutation although it writes no synced row), ``GET /api/reports/deflection``
counted per period in the report time zone with every period present and the shared filters,
and ``GET /api/kb/suggest``: published articles only, any meaningful word, 422 on a blank q."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from sync_server.services import clock
from tests.helpers.api import Account, assert_error, first_category, login
from tests.helpers.pull import pull_all
from ticketing.domain import Role
from ticketing.protocol import PROTOCOL_VERSION, MutationName

READ_AT = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)


def push(account: Account, client_id: str, *records: dict[str, Any], first: int = 1) -> list[tuple[Any, ...]]:
    body = {
        "protocol": PROTOCOL_VERSION,
        "client_id": client_id,
        "mutations": [
            {"id": n, "name": MutationName.RECORD_DEFLECTION.value, "args": args}
            for n, args in enumerate(records, first)
        ],
    }
    response = account.post("/api/sync/push", json=body)
    assert response.status_code == 200, response.text
    return [(r["status"], r["code"]) for r in response.json()["results"]]


def record(at: str, shown: int, opened: int, deflected: bool, **fields: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "at": at,
        "shown": shown,
        "opened": opened,
        "deflected": deflected,
        **fields,
    }


@pytest.fixture
def people(client: TestClient, engine: Engine) -> dict[str, Account]:
    return {
        "admin": login(client, engine, "ada@example.com", Role.ADMIN),
        "agent": login(client, engine, "alice@example.com", Role.AGENT),
        "user": login(client, engine, "uma@example.com", Role.USER),
    }


def report(account: Account, **params: Any) -> Any:
    with clock.frozen(READ_AT):
        response = account.get("/api/reports/deflection", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_any_role_records_its_sessions_once(people: dict[str, Account], engine: Engine) -> None:
    user = people["user"]
    client_id = str(uuid.uuid4())
    first = record("2026-12-01T10:00:00Z", 3, 1, True)
    assert push(user, client_id, first) == [("applied", None)]
    assert push(user, client_id, first) == [("applied", None)]  # a retry: the stored answer
    assert push(user, str(uuid.uuid4()), first) == [("applied", "already_exists")]  # another cache
    assert push(people["agent"], str(uuid.uuid4()), first) == [("rejected", "duplicate_id")]
    assert push(people["agent"], str(uuid.uuid4()), record("2026-12-01T11:00:00Z", 1, 0, False)) == [
        ("applied", None)
    ]
    bad = push(user, client_id, record("2026-12-01T10:00:00Z", 1, 2, False), first=2)
    assert bad == [("rejected", "invalid")]  # more opened than shown
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT account_id::text, shown, opened, deflected FROM deflection_events ORDER BY at")
        ).all()
    assert [tuple(r) for r in rows] == [(user.id, 3, 1, True), (people["agent"].id, 1, 0, False)]
    # no synced row: the change log carries nothing for it, and a pull settles the mutations
    assert "deflection" not in str(pull_all(user)["changes"])
    assert pull_all(user, client_id=client_id)["last_mutation_id"] == 2


@pytest.mark.parametrize(
    "bad",
    [
        {"at": "2026-12-01T10:00:00"},  # no time zone
        {"at": 1764583200},
        {"shown": -1},
        {"shown": "3"},
        {"deflected": 1},
        {"priority": ""},
        {"extra": True},
    ],
)
def test_malformed_records_are_rejected(people: dict[str, Account], bad: dict[str, Any]) -> None:
    args = {**record("2026-12-01T10:00:00Z", 3, 1, True), **bad}
    assert push(people["user"], str(uuid.uuid4()), args) == [("rejected", "invalid")]


def test_the_report_counts_per_period_with_zeros_and_filters(people: dict[str, Account]) -> None:
    user, admin = people["user"], people["admin"]
    hardware = first_category(admin)
    push(
        user,
        str(uuid.uuid4()),
        record("2026-11-30T09:00:00Z", 4, 2, True, category_id=hardware, priority="High"),
        record("2026-11-30T15:00:00Z", 2, 1, False, ticket_id=str(uuid.uuid4()), priority="Low"),
        record("2026-12-01T23:30:00Z", 1, 1, True, category_id=hardware),  # Dec 2 in Berlin
        record("2026-11-10T09:00:00Z", 5, 0, False),  # before the range
    )
    days = {"from": "2026-11-29", "to": "2026-12-02", "interval": "day"}
    assert report(admin, **days) == {
        "series": [
            {"period": "2026-11-29", "shown": 0, "opened": 0, "deflected": 0},
            {"period": "2026-11-30", "shown": 6, "opened": 3, "deflected": 1},
            {"period": "2026-12-01", "shown": 1, "opened": 1, "deflected": 1},
            {"period": "2026-12-02", "shown": 0, "opened": 0, "deflected": 0},
        ]
    }
    by_category = report(admin, category_id=hardware, **days)["series"]
    assert [(r["shown"], r["deflected"]) for r in by_category] == [(0, 0), (4, 1), (1, 1), (0, 0)]
    assert [r["shown"] for r in report(admin, priority="Low", **days)["series"]] == [0, 2, 0, 0]
    month = report(admin, interval="month", **{"from": "2026-11-01", "to": "2026-12-02"})["series"]
    assert month == [
        {"period": "2026-11-01", "shown": 11, "opened": 3, "deflected": 1},
        {"period": "2026-12-01", "shown": 1, "opened": 1, "deflected": 1},
    ]

    response = admin.patch("/api/settings", json={"reports": {"time_zone": "Europe/Berlin"}})
    assert response.status_code == 200, response.text
    berlin = report(admin, **days)["series"]
    assert [(r["period"], r["shown"]) for r in berlin][2:] == [("2026-12-01", 0), ("2026-12-02", 1)]

    with clock.frozen(READ_AT):
        csv_text = admin.get("/api/reports/deflection", params={**days, "format": "csv"}).text
    assert csv_text.splitlines()[0] == "period,shown,opened,deflected"
    assert len(csv_text.splitlines()) == 5


def test_only_admins_read_the_report_and_bad_filters_are_named(people: dict[str, Account]) -> None:
    assert_error(people["user"].get("/api/reports/deflection"), 403)
    assert_error(people["agent"].get("/api/reports/deflection"), 403)
    body = assert_error(people["admin"].get("/api/reports/deflection", params={"interval": "year"}), 422)
    assert [f["field"] for f in body["fields"]] == ["interval"]
    body = assert_error(
        people["admin"].get("/api/reports/deflection", params={"category_id": str(uuid.UUID(int=7))}), 409
    )
    assert [f["field"] for f in body["fields"]] == ["category_id"]


def _article(admin: Account, title: str, body: str, status: str) -> str:
    response = admin.post("/api/kb/articles", json={"title": title, "body": body, "status": status})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_suggest_offers_published_articles_for_a_sentence(people: dict[str, Account]) -> None:
    admin = people["admin"]
    both = _article(
        admin, "Printer jams in tray two", "<p>Open the tray and pull the paper.</p>", "published"
    )
    body_only = _article(admin, "Office devices", "<p>The printer is on floor two.</p>", "published")
    draft = _article(admin, "Printer jams: internal notes", "<p>Printer jams secret.</p>", "draft")
    _article(admin, "VPN access", "<p>Use the client.</p>", "published")
    for who in ("user", "agent", "admin"):  # staff too get published articles only
        response = people[who].get("/api/kb/suggest", params={"q": "My printer jams every morning"})
        assert response.status_code == 200, response.text
        results = response.json()["results"]
        assert [r["id"] for r in results] == [both, body_only], who
        assert draft not in [r["id"] for r in results]
        assert set(results[0]) == {"id", "title", "snippet", "rank"}
        assert results[0]["rank"] > results[1]["rank"]
    # the last word is a prefix; limit
    results = people["user"].get("/api/kb/suggest", params={"q": "pape", "limit": 1}).json()["results"]
    assert [r["id"] for r in results] == [both] and "<mark>" in results[0]["snippet"]
    # query syntax is plain text: no error, and stop words alone find nothing
    for q in ['"printer', "printer & | ! :* (", "-printer", "the and for"]:
        response = people["user"].get("/api/kb/suggest", params={"q": q})
        assert response.status_code == 200, (q, response.text)
    assert people["user"].get("/api/kb/suggest", params={"q": "the and for"}).json() == {"results": []}


@pytest.mark.parametrize("q", [None, "", "   "])
def test_suggest_needs_a_q(people: dict[str, Account], q: str | None) -> None:
    params = {} if q is None else {"q": q}
    body = assert_error(people["user"].get("/api/kb/suggest", params=params), 422)
    assert [f["field"] for f in body["fields"]] == ["q"], body
