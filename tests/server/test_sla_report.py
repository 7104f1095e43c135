"""The SLA report against counts worked out by hand on a small desk with a 24/7 policy
(first response 60 minutes, resolution 480) for High, Medium and Low; Critical has none.

Times UTC; the clock is held at each step, and the report is read at Dec 10 12:00.

- A (Bob, High): created Dec 1 09:00, reply 09:30, resolved 12:00: both met.
- B (Bob, High): created Dec 1 10:00, reply 11:30 (due 11:00), resolved Dec 2 10:00 (due Dec 1
  18:00): both missed.
- C (Ada, Medium): created Dec 2 09:00, resolved 10:00 with no reply: both met (resolved before
  the first response was due, nothing is owed).
- D (Bob, Medium): created Dec 3 09:00, nothing since: both missed by the time of reading.
- G (unassigned, Low, another category): created Dec 4 09:00, nothing since: both missed.
- H (Critical, no policy): created Dec 1 09:00: never counted.
- F (Bob, Low): created Dec 7 09:00, reply 09:10, resolved 10:00, reopened by the requester
  12:00: first response met; resolution runs again (one hour used, due 19:00) and is missed.
- E (Ada, Medium): created Dec 10 11:30: both still running and not due, so not counted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from sync_server.db.models import Category
from sync_server.db.session import make_session_factory
from sync_server.services import clock
from tests.helpers.api import Account, assert_error, login, submit
from ticketing.domain import Role, Status

UTC = dt.UTC
READ_AT = dt.datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
RANGE = {"from": "2026-11-30", "to": "2026-12-10", "interval": "week"}


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def counts(fr_met: int, fr_total: int, res_met: int, res_total: int) -> dict[str, int]:
    return {
        "first_response_met": fr_met,
        "first_response_total": fr_total,
        "resolution_met": res_met,
        "resolution_total": res_total,
    }


@dataclass
class Desk:
    admin: Account
    bob: Account
    cy: Account
    user: Account
    other_category: str


def _ok(response: Any) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


@pytest.fixture
def desk(engine: Engine, client: TestClient) -> Desk:
    admin = login(client, engine, "ada@example.com", Role.ADMIN, "Ada")
    bob = login(client, engine, "bob@example.com", Role.AGENT, "Bob")
    cy = login(client, engine, "cy@example.com", Role.AGENT, "Cy")
    user = login(client, engine, "uma@example.com", Role.USER, "Uma")
    with make_session_factory(engine)() as session:
        names = sorted(session.scalars(select(Category.name)))
        other = str(session.scalar(select(Category.id).where(Category.name == names[-1])))
    with clock.frozen(at(1, 0)) as held:
        policy = {
            "name": "Around the clock",
            "priorities": ["High", "Medium", "Low"],
            "first_response_minutes": 60,
            "resolution_minutes": 480,
        }
        _ok(admin.post("/api/sla/policies", json=policy))

        def ticket(when: dt.datetime, priority: str, assignee: Account | None, **fields: Any) -> str:
            held.set(when)
            ticket_id: str = submit(user, priority=priority, **fields)["id"]
            if assignee is not None:
                _ok(admin.patch(f"/api/tickets/{ticket_id}", json={"assignee_id": assignee.id}))
            return ticket_id

        def reply(when: dt.datetime, who: Account, ticket_id: str) -> None:
            held.set(when)
            _ok(who.post(f"/api/tickets/{ticket_id}/comments", json={"content": "<p>On it.</p>"}))

        def resolve(when: dt.datetime, who: Account, ticket_id: str) -> None:
            held.set(when)
            _ok(who.patch(f"/api/tickets/{ticket_id}", json={"status": Status.RESOLVED}))

        a = ticket(at(1, 9), "High", bob)
        reply(at(1, 9, 30), bob, a)
        resolve(at(1, 12), bob, a)
        b = ticket(at(1, 10), "High", bob)
        reply(at(1, 11, 30), bob, b)
        resolve(at(2, 10), bob, b)
        c = ticket(at(2, 9), "Medium", admin)
        resolve(at(2, 10), admin, c)
        ticket(at(3, 9), "Medium", bob)
        ticket(at(4, 9), "Low", None, category_id=other)
        ticket(at(1, 9), "Critical", bob)
        f = ticket(at(7, 9), "Low", bob)
        reply(at(7, 9, 10), bob, f)
        resolve(at(7, 10), bob, f)
        reply(at(7, 12), user, f)
        ticket(at(10, 11, 30), "Medium", admin)
    return Desk(admin, bob, cy, user, other)


def read(account: Account, **params: Any) -> Any:
    with clock.frozen(READ_AT):
        response = account.get("/api/reports/sla", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_met_missed_and_running_targets_per_period_of_creation(desk: Desk) -> None:
    body = read(desk.admin, **RANGE)
    assert body["series"] == [
        {"period": "2026-11-30", **counts(2, 5, 2, 5)},  # A, C met; B, D, G missed; H no policy
        {"period": "2026-12-07", **counts(1, 1, 0, 1)},  # F (reopened: resolution missed); E running
    ]


def test_per_agent_assigned_now_with_every_staff_member(desk: Desk) -> None:
    body = read(desk.admin, **RANGE)
    assert body["agents"] == [
        {"agent_id": desk.admin.id, "agent_name": "Ada", **counts(1, 1, 1, 1)},  # C; E running
        {"agent_id": desk.bob.id, "agent_name": "Bob", **counts(2, 4, 1, 4)},  # A, B, D, F
        {"agent_id": desk.cy.id, "agent_name": "Cy", **counts(0, 0, 0, 0)},
    ]


def test_per_priority_most_urgent_first(desk: Desk) -> None:
    body = read(desk.admin, **RANGE)
    assert body["priorities"] == [
        {"priority": "Critical", **counts(0, 0, 0, 0)},  # H has no policy
        {"priority": "High", **counts(1, 2, 1, 2)},
        {"priority": "Medium", **counts(1, 2, 1, 2)},  # C met, D missed, E running
        {"priority": "Low", **counts(1, 2, 0, 2)},  # F, G
    ]


def test_the_filters_apply(desk: Desk) -> None:
    high = read(desk.admin, priority="High", **RANGE)
    assert [r["first_response_total"] for r in high["series"]] == [2, 0]
    assert [
        (a["agent_name"], a["first_response_met"], a["first_response_total"]) for a in high["agents"]
    ] == [
        ("Ada", 0, 0),
        ("Bob", 1, 2),
        ("Cy", 0, 0),
    ]
    other = read(desk.admin, category_id=desk.other_category, **RANGE)
    assert other["series"][0] == {"period": "2026-11-30", **counts(0, 1, 0, 1)}  # G only
    assert all(a["first_response_total"] == 0 for a in other["agents"])  # G is unassigned
    later = read(desk.admin, **{"from": "2026-12-07", "to": "2026-12-10", "interval": "day"})
    assert [r["period"] for r in later["series"]] == ["2026-12-07", "2026-12-08", "2026-12-09", "2026-12-10"]
    assert later["series"][0] == {"period": "2026-12-07", **counts(1, 1, 0, 1)}
    assert sum(r["resolution_total"] for r in later["series"]) == 1


def test_the_csv_is_the_series(desk: Desk) -> None:
    with clock.frozen(READ_AT):
        response = desk.admin.get("/api/reports/sla", params={**RANGE, "format": "csv"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows == [
        ["period", "first_response_met", "first_response_total", "resolution_met", "resolution_total"],
        ["2026-11-30", "2", "5", "2", "5"],
        ["2026-12-07", "1", "1", "0", "1"],
    ]


def test_only_admins_read_it(desk: Desk) -> None:
    for account in (desk.user, desk.bob):
        assert_error(account.get("/api/reports/sla"), 403)


def test_bad_filters_are_refused_naming_the_field(desk: Desk) -> None:
    body = assert_error(
        desk.admin.get("/api/reports/sla", params={"from": "2026-12-10", "to": "2026-12-01"}), 422
    )
    assert [f["field"] for f in body["fields"]] == ["from"]
    body = assert_error(desk.admin.get("/api/reports/sla", params={"interval": "fortnight"}), 422)
    assert "interval" in str(body["fields"])
    assert_error(
        desk.admin.get("/api/reports/sla", params={"priority": "Urgentest"}), 409, "unknown_priority"
    )
