"""The service-level API: business calendars and SLA policies. Admins write, agents read, users
are refused; a desk starts with the 24/7 calendar; bad calendars and policies are a 4xx JSON
answer that names what is wrong; every change is in the audit log."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.helpers.api import Account, assert_error, first_category, login
from ticketing.business_time import WEEKDAYS
from ticketing.domain import Role

BERLIN_OFFICE = {
    "name": "Berlin office",
    "timezone": "Europe/Berlin",
    "hours": {day: [["09:00", "12:00"], ["13:00", "17:00"]] for day in WEEKDAYS[:5]},
    "holidays": ["2026-12-25", "2026-12-26"],
}


@pytest.fixture
def people(client: TestClient, engine: Engine) -> dict[str, Account]:
    return {
        "admin": login(client, engine, "ada@example.com", Role.ADMIN),
        "agent": login(client, engine, "alice@example.com", Role.AGENT),
        "user": login(client, engine, "uma@example.com", Role.USER),
    }


def created(account: Account, url: str, body: dict[str, Any]) -> dict[str, Any]:
    response = account.post(url, json=body)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_a_desk_starts_with_a_24_7_calendar_that_staff_read_and_users_may_not(
    people: dict[str, Account],
) -> None:
    answer = people["agent"].get("/api/sla/calendars")
    assert answer.status_code == 200, answer.text
    (always,) = answer.json()
    assert always["is_default"] and always["name"] == "24/7" and always["timezone"] == "UTC"
    assert always["hours"] == {day: [["00:00", "24:00"]] for day in WEEKDAYS}
    for url in ("/api/sla/calendars", "/api/sla/policies"):
        assert_error(people["user"].get(url), 403)
    assert_error(people["agent"].post("/api/sla/calendars", json=BERLIN_OFFICE), 403)
    assert_error(people["user"].post("/api/sla/policies", json={"name": "x"}), 403)


def test_an_admin_writes_a_calendar_and_changes_it(people: dict[str, Account]) -> None:
    admin = people["admin"]
    calendar = created(admin, "/api/sla/calendars", BERLIN_OFFICE)
    assert calendar["hours"]["mon"] == [["09:00", "12:00"], ["13:00", "17:00"]]
    assert calendar["hours"]["sat"] == []
    assert calendar["holidays"] == ["2026-12-25", "2026-12-26"]
    assert not calendar["is_default"] and calendar["version"] == 1
    saturdays = {"hours": {"sat": [["10:00", "14:00"]]}}
    changed = admin.patch(f"/api/sla/calendars/{calendar['id']}", json=saturdays)
    assert changed.status_code == 200, changed.text
    assert changed.json()["hours"]["sat"] == [["10:00", "14:00"]]
    assert changed.json()["hours"]["mon"] == []  # the hours are replaced as a whole
    assert changed.json()["version"] == 2
    names = [c["name"] for c in people["agent"].get("/api/sla/calendars").json()]
    assert names == ["24/7", "Berlin office"]
    assert_error(admin.post("/api/sla/calendars", json=BERLIN_OFFICE), 409, "name_taken")
    answer = admin.get("/api/admin/audit?limit=10")
    assert answer.status_code == 200, answer.text
    audit = answer.json()["items"]
    assert [e["action"] for e in audit[:2]] == ["sla_calendar.changed", "sla_calendar.added"]
    assert audit[0]["summary"] == "Changed the business calendar Berlin office: hours"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"hours": {"mon": [["09:00", "12:00"], ["11:30", "13:00"]]}}, "hours.mon", "overlap"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "unknown time zone"),
        ({"hours": {"tue": [["17:00", "09:00"]]}}, "hours.tue", "ends before it starts"),
    ],
)
def test_a_bad_calendar_is_refused_naming_the_field(
    people: dict[str, Account], change: dict[str, Any], field: str, words: str
) -> None:
    body = assert_error(people["admin"].post("/api/sla/calendars", json=BERLIN_OFFICE | change), 422)
    assert body["fields"][0]["field"] == field
    assert words in body["fields"][0]["message"]
    assert [c["name"] for c in people["admin"].get("/api/sla/calendars").json()] == ["24/7"]  # nothing kept


@pytest.mark.parametrize(
    "change",
    [
        {"hours": {"mon": [["9am", "12:00"]]}},
        {"hours": {"mon": [["09:00", "24:30"]]}},
        {"hours": {"funday": []}},
        {"holidays": ["25/12/2026"]},
        {"timezone": "../../etc/passwd"},
    ],
)
def test_malformed_calendars_fail_the_schema(people: dict[str, Account], change: dict[str, Any]) -> None:
    assert_error(people["admin"].post("/api/sla/calendars", json=BERLIN_OFFICE | change), 422)


def test_policies_in_order_with_their_calendar_and_no_cap_on_targets(people: dict[str, Account]) -> None:
    admin, agent = people["admin"], people["agent"]
    office = created(admin, "/api/sla/calendars", BERLIN_OFFICE)
    category = first_category(agent)
    urgent = created(
        admin,
        "/api/sla/policies",
        {
            "name": "Urgent",
            "position": 1,
            "priorities": ["Critical", "High"],
            "calendar_id": office["id"],
            "first_response_minutes": 30,
            "resolution_minutes": 480,
        },
    )
    standard = created(
        admin,
        "/api/sla/policies",
        {"name": "Standard", "position": 5, "category_ids": [category], "resolution_minutes": 100 * 60 * 60},
    )
    assert urgent["calendar_id"] == office["id"] and urgent["priorities"] == ["Critical", "High"]
    assert urgent["pause_statuses"] == ["On Hold"] and urgent["warning_percent"] == 80
    assert urgent["next_response_minutes"] is None  # no target
    always = next(c for c in agent.get("/api/sla/calendars").json() if c["is_default"])
    assert standard["calendar_id"] == always["id"]
    assert standard["resolution_minutes"] == 6000 * 60  # 6000 hours: no 99:59 cap
    assert [p["name"] for p in agent.get("/api/sla/policies").json()] == ["Urgent", "Standard"]

    later = {"position": 9, "first_response_minutes": None}
    moved = admin.patch(f"/api/sla/policies/{urgent['id']}", json=later)
    assert moved.status_code == 200, moved.text
    assert moved.json()["first_response_minutes"] is None and moved.json()["resolution_minutes"] == 480
    assert [p["name"] for p in agent.get("/api/sla/policies").json()] == ["Standard", "Urgent"]
    assert admin.get("/api/admin/audit?limit=1").json()["items"][0]["action"] == "sla_policy.changed"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"first_response_minutes": -5}, 422, None),
        ({"warning_percent": 0}, 422, None),
        ({"pause_statuses": ["Resolved"]}, 422, "pause_statuses"),
        ({"calendar_id": "01a23469-dd39-7092-9a53-9d608ed36b47"}, 404, None),
        ({}, 422, "first_response_minutes"),  # no target at all: it would promise nothing
        ({"first_response_minutes": None, "resolution_minutes": None}, 422, "first_response_minutes"),
    ],
)
def test_a_bad_policy_is_refused(
    people: dict[str, Account], body: dict[str, Any], status: int, field: str | None
) -> None:
    answer = assert_error(people["admin"].post("/api/sla/policies", json={"name": "Bad", **body}), status)
    if field is not None:
        assert answer["fields"][0]["field"].startswith(field)
    assert people["admin"].get("/api/sla/policies").json() == []


def test_breach_actions_default_off_and_are_kept(people: dict[str, Account]) -> None:
    admin, agent = people["admin"], people["agent"]
    plain = created(admin, "/api/sla/policies", {"name": "Plain", "resolution_minutes": 60})
    assert plain["breach_actions"] == {"raise_priority": False, "reassign_to": None, "notify_admins": False}
    actions = {"raise_priority": True, "reassign_to": agent.id, "notify_admins": True}
    loud = created(
        admin, "/api/sla/policies", {"name": "Loud", "resolution_minutes": 60, "breach_actions": actions}
    )
    assert loud["breach_actions"] == actions
    listed = {p["name"]: p["breach_actions"] for p in agent.get("/api/sla/policies").json()}
    assert listed["Loud"] == actions

    quieter = {"breach_actions": {"notify_admins": True}}  # replaced as a whole: the rest go off
    changed = admin.patch(f"/api/sla/policies/{loud['id']}", json=quieter)
    assert changed.status_code == 200, changed.text
    only_admins = {"raise_priority": False, "reassign_to": None, "notify_admins": True}
    assert changed.json()["breach_actions"] == only_admins
    renamed = admin.patch(f"/api/sla/policies/{loud['id']}", json={"name": "Louder"})
    assert renamed.json()["breach_actions"]["notify_admins"] is True  # left alone when not sent


def test_breached_tickets_go_only_to_active_staff(
    people: dict[str, Account], client: TestClient, engine: Engine
) -> None:
    admin = people["admin"]
    gone = login(client, engine, "gone@example.com", Role.AGENT)
    assert admin.patch(f"/api/users/{gone.id}", json={"is_active": False}).status_code == 200
    for nobody in (people["user"].id, gone.id, "01a23469-dd39-7092-9a53-9d608ed36b47"):
        body = {"name": "To nobody", "resolution_minutes": 60, "breach_actions": {"reassign_to": nobody}}
        answer = assert_error(admin.post("/api/sla/policies", json=body), 422, "invalid_policy")
        assert answer["fields"][0]["field"] == "breach_actions.reassign_to"
    policy = created(admin, "/api/sla/policies", {"name": "Kept", "resolution_minutes": 60})
    to_user = {"breach_actions": {"reassign_to": people["user"].id}}
    answer = assert_error(admin.patch(f"/api/sla/policies/{policy['id']}", json=to_user), 422)
    assert answer["fields"][0]["field"] == "breach_actions.reassign_to"
    no_target = {"resolution_minutes": None}  # its only target taken away
    answer = assert_error(admin.patch(f"/api/sla/policies/{policy['id']}", json=no_target), 422)
    assert "at least one target" in answer["fields"][0]["message"]
    assert [p["name"] for p in admin.get("/api/sla/policies").json()] == ["Kept"]
    assert admin.get("/api/sla/policies").json()[0]["version"] == 1  # the refused patch kept nothing


def test_a_countrys_holidays_for_a_calendar(people: dict[str, Account]) -> None:
    answer = people["agent"].get("/api/sla/holidays?country=de&year=2027&subdivision=by")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["country"] == "DE" and body["year"] == 2027 and body["subdivision"] == "BY"
    assert body["holidays"][0] == {"date": "2027-01-01", "name": "Neujahr"}
    assert {"date": "2027-01-06", "name": "Heilige Drei Könige"} in body["holidays"]  # Bavaria's own
    assert [h["date"] for h in body["holidays"]] == sorted(h["date"] for h in body["holidays"])
    nationwide = people["agent"].get("/api/sla/holidays?country=DE&year=2027").json()["holidays"]
    assert "2027-01-06" not in [h["date"] for h in nationwide]
    assert_error(people["user"].get("/api/sla/holidays?country=DE&year=2027"), 403)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("country=XQ&year=2027", "country"),
        ("country=DE&year=2027&subdivision=ZZ", "subdivision"),
        ("country=DE&year=1200", "year"),
        ("country=D%00&year=2027", "country"),
        ("year=2027", "country"),
    ],
)
def test_unknown_holidays_are_refused_naming_the_field(
    people: dict[str, Account], query: str, field: str
) -> None:
    body = assert_error(people["agent"].get(f"/api/sla/holidays?{query}"), 422)
    assert field in body["fields"][0]["field"], body
