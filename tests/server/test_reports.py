"""The reports against figures worked out by hand on a small desk written through the write layer.

The desk (times UTC; the clock is held at each step):

- T1 "Printer jams again" (Hardware, High): created Nov 2 09:00, Bob takes it 09:30, replies
  10:00 (first response: 60 min), resolves 12:00; the requester replies Nov 3 08:00 (reopened),
  Bob resolves again Nov 4 09:00 (latest resolution: 2880 min), Ada closes it Nov 5 09:00.
- T2 "Printer offline" (Hardware, Medium): created Nov 10 08:00, Ada assigns Bob 08:10, Bob
  writes an internal note 08:20 (no first response); never resolved.
- T5 "VPN drops" (Network, Medium): created Nov 20 10:00, Bob takes it 10:05, resolves 11:00;
  the requester replies Nov 21 09:00 (reopened) and it stays open.
- T3 "Cannot login to email" (Login Issue, Critical): created Nov 30 22:00, Ada takes it 22:15,
  replies 22:30 (30 min), resolves Dec 1 01:00 (180 min).
- T4 "Printer toner is empty" (Hardware, Low): created Dec 1 23:30 UTC (Dec 2 00:30 in
  Berlin), only the requester's own comment; open, unassigned.
- Cy is an agent with no tickets. The reports are read with the clock at Dec 2 12:00.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import io
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from sync_server.db.models import Category, User
from sync_server.db.session import make_session_factory
from sync_server.services import clock
from sync_server.services.helpdesk import tickets
from sync_server.services.identity.principal import Principal
from tests.helpers.api import Account, assert_error, login, submit
from ticketing.domain import AgentVisibility, Role, Status
from ticketing.protocol import PROTOCOL_VERSION
from ticketing.schemas import CommentCreate, TicketCreate, TicketPatch

UTC = dt.UTC
READ_AT = dt.datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
NOV_DEC = {"from": "2026-11-01", "to": "2026-12-02"}


def at(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=UTC)


@dataclass
class Desk:
    admin: Account
    bob: Account
    cy: Account
    user: Account
    tickets: dict[str, uuid.UUID]
    categories: dict[str, uuid.UUID]


class _Writer:
    """Each step in its own transaction, at the time given."""

    def __init__(self, engine: Engine, held: clock.FrozenClock) -> None:
        self.factory = make_session_factory(engine)
        self.held = held

    def _principal(self, session: Session, account: Account) -> Principal:
        user = session.get(User, uuid.UUID(account.id))
        assert user is not None
        return Principal(user, AgentVisibility.ALL)

    def create(
        self, when: dt.datetime, who: Account, title: str, category: uuid.UUID, priority: str
    ) -> uuid.UUID:
        self.held.set(when)
        with self.factory() as session, session.begin():
            data = TicketCreate(
                title=title, description="<p>Details.</p>", category_id=category, priority=priority
            )
            return tickets.create_ticket(session, self._principal(session, who), data).id

    def patch(self, when: dt.datetime, who: Account, ticket: uuid.UUID, **fields: Any) -> None:
        self.held.set(when)
        with self.factory() as session, session.begin():
            tickets.update_ticket(session, self._principal(session, who), str(ticket), TicketPatch(**fields))

    def comment(self, when: dt.datetime, who: Account, ticket: uuid.UUID, *, internal: bool = False) -> None:
        self.held.set(when)
        with self.factory() as session, session.begin():
            data = CommentCreate(content="<p>A word.</p>", is_internal=internal)
            tickets.add_comment(session, self._principal(session, who), str(ticket), data)


@pytest.fixture
def desk(engine: Engine, client: TestClient) -> Desk:
    admin = login(client, engine, "ada@example.com", Role.ADMIN, "Ada")
    bob = login(client, engine, "bob@example.com", Role.AGENT, "Bob")
    cy = login(client, engine, "cy@example.com", Role.AGENT, "Cy")
    user = login(client, engine, "uma@example.com", Role.USER, "Uma")
    with make_session_factory(engine)() as session:
        categories = {c.name: c.id for c in session.scalars(select(Category))}
    ids: dict[str, uuid.UUID] = {}
    with clock.frozen(at(11, 1, 0)) as held:
        w = _Writer(engine, held)
        hw = categories["Hardware"]
        t1 = ids["T1"] = w.create(at(11, 2, 9), user, "Printer jams again", hw, "High")
        w.patch(at(11, 2, 9, 30), bob, t1, assignee_id=uuid.UUID(bob.id))
        w.comment(at(11, 2, 10), bob, t1)
        w.patch(at(11, 2, 12), bob, t1, status=Status.RESOLVED)
        w.comment(at(11, 3, 8), user, t1)
        w.patch(at(11, 4, 9), bob, t1, status=Status.RESOLVED)
        w.patch(at(11, 5, 9), admin, t1, status=Status.CLOSED)

        t2 = ids["T2"] = w.create(at(11, 10, 8), user, "Printer offline", hw, "Medium")
        w.patch(at(11, 10, 8, 10), admin, t2, assignee_id=uuid.UUID(bob.id))
        w.comment(at(11, 10, 8, 20), bob, t2, internal=True)

        t5 = ids["T5"] = w.create(at(11, 20, 10), user, "VPN drops", categories["Network"], "Medium")
        w.patch(at(11, 20, 10, 5), bob, t5, assignee_id=uuid.UUID(bob.id))
        w.patch(at(11, 20, 11), bob, t5, status=Status.RESOLVED)
        w.comment(at(11, 21, 9), user, t5)

        t3 = ids["T3"] = w.create(
            at(11, 30, 22), user, "Cannot login to email", categories["Login Issue"], "Critical"
        )
        w.patch(at(11, 30, 22, 15), admin, t3, assignee_id=uuid.UUID(admin.id))
        w.comment(at(11, 30, 22, 30), admin, t3)
        w.patch(at(12, 1, 1), admin, t3, status=Status.RESOLVED)

        t4 = ids["T4"] = w.create(at(12, 1, 23, 30), user, "Printer toner is empty", hw, "Low")
        w.comment(at(12, 1, 23, 40), user, t4)
    return Desk(admin, bob, cy, user, ids, categories)


def read(account: Account, report: str, **params: Any) -> Any:
    with clock.frozen(READ_AT):
        response = account.get(f"/api/reports/{report}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


# --- figures kept at write time --------------------------------------------------------------


def _figures(engine: Engine, ticket_id: uuid.UUID) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT first_response_at, first_resolved_at, resolved_at, closed_at, reopen_count, "
                "resolved_by_id FROM tickets WHERE id = :id"
            ),
            {"id": ticket_id},
        ).one()
    return dict(row._mapping)


def test_the_write_layer_keeps_the_figures(engine: Engine, desk: Desk) -> None:
    bob, admin = uuid.UUID(desk.bob.id), uuid.UUID(desk.admin.id)
    assert _figures(engine, desk.tickets["T1"]) == {
        "first_response_at": at(11, 2, 10),
        "first_resolved_at": at(11, 2, 12),
        "resolved_at": at(11, 4, 9),  # the latest resolution, kept through Closed
        "closed_at": at(11, 5, 9),
        "reopen_count": 1,
        "resolved_by_id": bob,
    }
    assert _figures(engine, desk.tickets["T2"]) == {  # an internal note is no response
        "first_response_at": None,
        "first_resolved_at": None,
        "resolved_at": None,
        "closed_at": None,
        "reopen_count": 0,
        "resolved_by_id": None,
    }
    assert _figures(engine, desk.tickets["T5"]) == {  # reopened: resolved_at cleared
        "first_response_at": None,
        "first_resolved_at": at(11, 20, 11),
        "resolved_at": None,
        "closed_at": None,
        "reopen_count": 1,
        "resolved_by_id": bob,
    }
    assert _figures(engine, desk.tickets["T3"])["resolved_by_id"] == admin
    assert _figures(engine, desk.tickets["T4"])["first_response_at"] is None  # the requester's own


def _fill_statements() -> tuple[str, ...]:
    path = Path("sync_server/db/migrations/versions/20261201_0006_report_figures.py")
    spec = importlib.util.spec_from_file_location("report_figures_migration", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    statements: tuple[str, ...] = module.FILL_STATEMENTS
    return statements


def test_the_migration_fills_the_same_figures_from_history(engine: Engine, desk: Desk) -> None:
    before = {key: _figures(engine, ticket_id) for key, ticket_id in desk.tickets.items()}
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE tickets SET first_response_at = NULL, first_resolved_at = NULL, "
                "reopen_count = 0, resolved_by_id = NULL"
            )
        )
        for statement in _fill_statements():
            conn.execute(text(statement))
    assert {key: _figures(engine, ticket_id) for key, ticket_id in desk.tickets.items()} == before


# --- volume ------------------------------------------------------------------------------------


def test_volume_by_month_across_the_month_boundary(desk: Desk) -> None:
    body = read(desk.admin, "volume", interval="month", **NOV_DEC)
    assert body == {
        "series": [
            {"period": "2026-11-01", "created": 4, "resolved": 1, "reopened": 2},
            {"period": "2026-12-01", "created": 1, "resolved": 1, "reopened": 0},
        ]
    }


def test_volume_by_week_names_each_monday_and_keeps_empty_weeks(desk: Desk) -> None:
    body = read(desk.admin, "volume", interval="week", **{"from": "2026-11-16", "to": "2026-12-02"})
    assert body["series"] == [
        {"period": "2026-11-16", "created": 1, "resolved": 0, "reopened": 1},  # T5; its reopen
        {"period": "2026-11-23", "created": 0, "resolved": 0, "reopened": 0},
        {"period": "2026-11-30", "created": 2, "resolved": 1, "reopened": 0},  # T3, T4; T3
    ]


def test_volume_filters_by_category_and_priority(desk: Desk) -> None:
    hardware = str(desk.categories["Hardware"])
    body = read(desk.admin, "volume", interval="month", category_id=hardware, **NOV_DEC)
    assert [(r["created"], r["resolved"], r["reopened"]) for r in body["series"]] == [(2, 1, 1), (1, 0, 0)]
    body = read(desk.admin, "volume", interval="month", priority="Critical", **NOV_DEC)
    assert [(r["created"], r["resolved"], r["reopened"]) for r in body["series"]] == [(1, 0, 0), (0, 1, 0)]


def test_an_empty_range_has_its_periods_with_zeros(desk: Desk) -> None:
    body = read(desk.admin, "volume", interval="day", **{"from": "2025-01-01", "to": "2025-01-03"})
    assert body["series"] == [
        {"period": f"2025-01-0{d}", "created": 0, "resolved": 0, "reopened": 0} for d in (1, 2, 3)
    ]
    resolution = read(desk.admin, "resolution", **{"from": "2025-01-01", "to": "2025-01-03"})
    assert resolution["resolution_minutes"] == {"count": 0, "mean": None, "median": None, "p90": None}
    assert resolution["first_response_minutes"]["without_response"] == 0
    agents = read(desk.admin, "agents", **{"from": "2025-01-01", "to": "2025-01-03"})
    assert all(a["assigned"] == a["resolved"] == a["public_replies"] == 0 for a in agents["agents"])
    categories = read(desk.admin, "categories", **{"from": "2025-01-01", "to": "2025-01-03"})
    assert all(c["created"] == 0 and c["share"] == 0.0 for c in categories["categories"])
    assert categories["terms"] == []


def test_days_are_counted_in_the_configured_time_zone(desk: Desk) -> None:
    days = {"from": "2026-12-01", "to": "2026-12-02", "interval": "day"}
    assert [r["created"] for r in read(desk.admin, "volume", **days)["series"]] == [1, 0]
    response = desk.admin.patch("/api/settings", json={"reports": {"time_zone": "Europe/Berlin"}})
    assert response.status_code == 200, response.text
    assert response.json()["reports"] == {"time_zone": "Europe/Berlin"}
    series = read(desk.admin, "volume", **days)["series"]
    # T4, 23:30 UTC on Dec 1, is 00:30 on Dec 2 in Berlin; T3's resolution (01:00 UTC) stays Dec 1
    assert series == [
        {"period": "2026-12-01", "created": 0, "resolved": 1, "reopened": 0},
        {"period": "2026-12-02", "created": 1, "resolved": 0, "reopened": 0},
    ]


def test_an_unknown_time_zone_is_refused_naming_the_field(desk: Desk) -> None:
    response = desk.admin.patch("/api/settings", json={"reports": {"time_zone": "Mars/Olympus"}})
    body = assert_error(response, 422)
    assert [f["field"] for f in body["fields"]] == ["reports.time_zone"]


# --- backlog -----------------------------------------------------------------------------------


def test_backlog_by_status_priority_and_age(desk: Desk) -> None:
    body = read(desk.admin, "backlog")
    # not Closed: T2 In Progress/Medium, T3 Resolved/Critical, T4 Open/Low, T5 Open/Medium
    assert body["by_status"] == {"Open": 2, "In Progress": 1, "On Hold": 0, "Resolved": 1}
    assert body["by_priority"] == {"Critical": 1, "High": 0, "Medium": 2, "Low": 1}
    assert body["by_status_priority"]["Open"] == {"Critical": 0, "High": 0, "Medium": 1, "Low": 1}
    assert body["by_status_priority"]["Resolved"] == {"Critical": 1, "High": 0, "Medium": 0, "Low": 0}
    ages = sorted(h / 24 for h in (12.5, 38, 290, 532))  # T4, T3, T5, T2 at Dec 2 12:00
    assert body["open_age_days"]["median"] == pytest.approx((ages[1] + ages[2]) / 2)
    assert body["open_age_days"]["p90"] == pytest.approx(ages[2] + 0.7 * (ages[3] - ages[2]))
    high = read(desk.admin, "backlog", priority="High")
    assert high["by_status"] == {"Open": 0, "In Progress": 0, "On Hold": 0, "Resolved": 0}
    assert high["open_age_days"] == {"median": None, "p90": None}


# --- resolution --------------------------------------------------------------------------------


def test_resolution_and_first_response_minutes(desk: Desk) -> None:
    body = read(desk.admin, "resolution", interval="month", **NOV_DEC)
    # resolved: T1 (2880, latest resolution) and T3 (180); T5 was reopened and is not resolved
    assert body["resolution_minutes"] == {
        "count": 2,
        "mean": pytest.approx(1530),
        "median": pytest.approx(1530),
        "p90": pytest.approx(180 + 0.9 * 2700),
    }
    # created in the range: T1 60, T3 30; T2 (internal note only), T4, T5 without
    assert body["first_response_minutes"] == {
        "count": 2,
        "mean": pytest.approx(45),
        "median": pytest.approx(45),
        "p90": pytest.approx(57),
        "without_response": 3,
    }
    assert body["series"] == [
        {
            "period": "2026-11-01",
            "median_resolution_minutes": pytest.approx(2880),
            "median_first_response_minutes": pytest.approx(45),
            "p90_resolution_minutes": pytest.approx(2880),
            "p90_first_response_minutes": pytest.approx(57),
        },
        {
            "period": "2026-12-01",
            "median_resolution_minutes": pytest.approx(180),
            "median_first_response_minutes": None,
            "p90_resolution_minutes": pytest.approx(180),
            "p90_first_response_minutes": None,
        },
    ]


# --- agents ------------------------------------------------------------------------------------


def test_agents_every_active_staff_member_with_their_figures(desk: Desk) -> None:
    body = read(desk.admin, "agents", **NOV_DEC)
    assert body["agents"] == [
        {
            "agent_id": desk.admin.id,
            "name": "Ada",
            "assigned": 1,
            "resolved": 1,
            "median_resolution_minutes": pytest.approx(180),
            "median_first_response_minutes": pytest.approx(30),
            "reopened": 0,
            "public_replies": 1,
            "internal_notes": 0,
        },
        {
            "agent_id": desk.bob.id,
            "name": "Bob",
            "assigned": 3,  # T1, T2, T5
            "resolved": 1,  # T1 (T5 was reopened)
            "median_resolution_minutes": pytest.approx(2880),
            "median_first_response_minutes": pytest.approx(60),  # T1 only; T2 and T5 have none
            "reopened": 2,  # T1 on Nov 3, T5 on Nov 21
            "public_replies": 1,
            "internal_notes": 1,
        },
        {
            "agent_id": desk.cy.id,
            "name": "Cy",
            "assigned": 0,
            "resolved": 0,
            "median_resolution_minutes": None,
            "median_first_response_minutes": None,
            "reopened": 0,
            "public_replies": 0,
            "internal_notes": 0,
        },
    ]


def test_an_agent_sees_only_their_own_row(desk: Desk) -> None:
    rows = read(desk.bob, "agents", **NOV_DEC)["agents"]
    assert [(r["agent_id"], r["assigned"], r["reopened"]) for r in rows] == [(desk.bob.id, 3, 2)]
    assert [r["agent_id"] for r in read(desk.cy, "agents")["agents"]] == [desk.cy.id]


# --- categories ----------------------------------------------------------------------------------


def test_categories_with_shares_and_title_terms(desk: Desk) -> None:
    body = read(desk.admin, "categories", **NOV_DEC)
    assert [
        (c["name"], c["created"], c["share"], c["median_resolution_minutes"]) for c in body["categories"]
    ] == [
        ("Hardware", 3, pytest.approx(0.6), pytest.approx(2880)),
        ("Login Issue", 1, pytest.approx(0.2), pytest.approx(180)),
        ("Network", 1, pytest.approx(0.2), None),
        ("Email Problem", 0, 0.0, None),
        ("Printer Not Working", 0, 0.0, None),
        ("Software", 0, 0.0, None),
    ]
    # words, not stems; stop words ("again", "to", "is") left out; each ticket counts once
    assert body["terms"][0] == {"term": "printer", "count": 3}
    assert sorted(t["term"] for t in body["terms"][1:]) == sorted(
        ["jams", "offline", "vpn", "drops", "cannot", "login", "email", "toner", "empty"]
    )
    assert all(t["count"] == 1 for t in body["terms"][1:])
    assert len(read(desk.admin, "categories", limit=2, **NOV_DEC)["terms"]) == 2
    # the filters reach the words too: a category's titles, a priority's, a narrower range
    network = str(desk.categories["Network"])
    terms = read(desk.admin, "categories", category_id=network, **NOV_DEC)["terms"]
    assert terms == [{"term": "drops", "count": 1}, {"term": "vpn", "count": 1}]
    low = read(desk.admin, "categories", priority="Low", **NOV_DEC)["terms"]
    assert sorted(t["term"] for t in low) == ["empty", "printer", "toner"]
    november_10 = read(desk.admin, "categories", **{"from": "2026-11-10", "to": "2026-11-10"})["terms"]
    assert sorted(t["term"] for t in november_10) == ["offline", "printer"]


# --- CSV -----------------------------------------------------------------------------------------


def _csv(account: Account, report: str, **params: Any) -> list[list[str]]:
    with clock.frozen(READ_AT):
        response = account.get(f"/api/reports/{report}", params={"format": "csv", **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    assert f"ticketdesk-{report}-" in response.headers["content-disposition"]
    return list(csv.reader(io.StringIO(response.text)))


def test_csv_has_a_header_of_json_keys_and_every_row(desk: Desk) -> None:
    rows = _csv(desk.admin, "volume", interval="month", **NOV_DEC)
    assert rows == [
        ["period", "created", "resolved", "reopened"],
        ["2026-11-01", "4", "1", "2"],
        ["2026-12-01", "1", "1", "0"],
    ]
    agents = _csv(desk.admin, "agents", **NOV_DEC)
    assert agents[0][:3] == ["agent_id", "name", "assigned"] and len(agents) == 4
    assert agents[3][4] == ""  # Cy's median: empty, not "None"
    backlog = _csv(desk.admin, "backlog")
    assert backlog[0] == ["status", "priority", "count"] and len(backlog) == 1 + 4 * 4
    assert ["Open", "Medium", "1"] in backlog
    assert _csv(desk.admin, "categories", **NOV_DEC)[1][1] == "Hardware"
    assert len(_csv(desk.admin, "resolution", interval="day", **NOV_DEC)) == 1 + 32


# --- permissions and bad parameters ----------------------------------------------------------------

REPORTS = ("volume", "backlog", "resolution", "agents", "categories", "deflection")


@pytest.mark.parametrize("report", REPORTS)
def test_requesters_may_read_no_report(desk: Desk, report: str) -> None:
    assert_error(desk.user.get(f"/api/reports/{report}"), 403)


@pytest.mark.parametrize("report", [r for r in REPORTS if r != "agents"])
def test_agents_may_read_only_the_agents_report(desk: Desk, report: str) -> None:
    assert_error(desk.bob.get(f"/api/reports/{report}"), 403)


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"from": "2026-13-01"}, 422, "from"),
        ({"from": "1700000000"}, 422, "from"),
        ({"to": "yesterday"}, 422, "to"),
        ({"from": "2026-12-02", "to": "2026-11-01"}, 422, "from"),
        ({"interval": "year"}, 422, "interval"),
        ({"from": "2020-01-01", "to": "2026-01-01", "interval": "day"}, 422, "interval"),
        ({"category_id": "not-a-uuid"}, 422, "category_id"),
        ({"category_id": str(uuid.UUID(int=7))}, 409, "category_id"),
        ({"priority": "Urgentest"}, 409, "priority"),
        ({"format": "xlsx"}, 422, "format"),
    ],
)
def test_a_bad_parameter_is_a_json_error_naming_it(
    desk: Desk, params: dict[str, str], status: int, field: str
) -> None:
    for report in ("volume", "agents"):
        body = assert_error(desk.admin.get(f"/api/reports/{report}", params=params), status)
        assert [f["field"] for f in body["fields"]] == [field], body


def test_the_default_range_is_the_last_30_days(desk: Desk) -> None:
    series = read(desk.admin, "volume", interval="day")["series"]
    assert (series[0]["period"], series[-1]["period"], len(series)) == ("2026-11-03", "2026-12-02", 30)


def test_a_reply_through_the_rest_api_is_a_first_response_and_a_note_is_not(
    engine: Engine, client: TestClient
) -> None:
    agent = login(client, engine, "bob@example.com", Role.AGENT, "Bob")
    user = login(client, engine, "uma@example.com", Role.USER, "Uma")
    with clock.frozen(at(11, 2, 9)) as held:
        ticket = submit(user, "Monitor flickers")
        held.set(at(11, 2, 9, 5))
        assert (
            user.post(f"/api/tickets/{ticket['number']}/comments", json={"content": "Still"}).status_code
            == 201
        )
        held.set(at(11, 2, 9, 10))
        note = {"content": "Cable?", "is_internal": True}
        assert agent.post(f"/api/tickets/{ticket['number']}/comments", json=note).status_code == 201
        assert _figures(engine, uuid.UUID(ticket["id"]))["first_response_at"] is None
        held.set(at(11, 2, 9, 20))
        assert (
            agent.post(f"/api/tickets/{ticket['number']}/comments", json={"content": "On it"}).status_code
            == 201
        )
        held.set(at(11, 2, 9, 30))
        assert (
            agent.post(f"/api/tickets/{ticket['number']}/comments", json={"content": "Fixed?"}).status_code
            == 201
        )
    assert _figures(engine, uuid.UUID(ticket["id"]))["first_response_at"] == at(11, 2, 9, 20)


def test_a_sync_push_keeps_the_same_figures(engine: Engine, client: TestClient) -> None:
    agent = login(client, engine, "bob@example.com", Role.AGENT, "Bob")
    user = login(client, engine, "uma@example.com", Role.USER, "Uma")
    with clock.frozen(at(11, 2, 9)):
        ticket_id = submit(user, "Dock dead")["id"]

    def push(account: Account, mutations: list[dict[str, Any]]) -> None:
        body = {"protocol": PROTOCOL_VERSION, "client_id": str(uuid.uuid4()), "mutations": mutations}
        response = account.post("/api/sync/push", json=body)
        assert response.status_code == 200, response.text
        assert [r["status"] for r in response.json()["results"]] == ["applied"] * len(mutations)

    def comment(n: int, internal: bool) -> dict[str, Any]:
        args = {"id": str(uuid.uuid4()), "ticket_id": ticket_id, "content": "Hm.", "is_internal": internal}
        return {"id": n, "name": "add_comment", "args": args}

    def transition(n: int, old: str, new: str) -> dict[str, Any]:
        return {
            "id": n,
            "name": "transition_status",
            "args": {"ticket_id": ticket_id, "from": old, "to": new},
        }

    with clock.frozen(at(11, 2, 10)) as held:
        push(agent, [comment(1, True)])
        held.set(at(11, 2, 11))
        push(agent, [comment(1, False), transition(2, "Open", "Resolved")])
        held.set(at(11, 2, 12))
        push(user, [comment(1, False)])  # the requester's reply reopens it
        held.set(at(11, 2, 13))
        push(agent, [transition(1, "Open", "Resolved")])
    assert _figures(engine, uuid.UUID(ticket_id)) == {
        "first_response_at": at(11, 2, 11),
        "first_resolved_at": at(11, 2, 11),
        "resolved_at": at(11, 2, 13),
        "closed_at": None,
        "reopen_count": 1,
        "resolved_by_id": uuid.UUID(agent.id),
    }
