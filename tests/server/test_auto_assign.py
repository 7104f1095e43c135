"""Automatic assignment of new tickets (the ``assignment`` setting, staff availability):

- with ``least_open`` a new ticket goes to the available active agent or admin with the fewest
  open tickets, ties to whoever was auto-assigned least recently: counts stay within one, away
  and deactivated staff get none, other categories and mode ``off`` stay unassigned;
- the assignment is an ordinary one: In Progress, an ``assignee_id`` event, the assignee's
  buckets, the assignment mail; offline tickets (sync push) are assigned too;
- two sessions creating tickets at once still share them fairly (the advisory lock);
- ``PATCH /api/me {"available"}``: staff only (users 403); settings: admins only, 422s named.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from sync_server.db.models import User
from sync_server.db.session import make_session_factory
from sync_server.services.helpdesk import tickets
from sync_server.services.identity.principal import Principal
from tests.helpers.api import Account, first_category, login, submit
from ticketing.domain import AgentVisibility, Role
from ticketing.protocol import PROTOCOL_VERSION
from ticketing.schemas import TicketCreate
from ticketing.visibility import assignee_bucket


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def turn_on(admin: Account, category_ids: list[str] | None = None) -> None:
    body = {"assignment": {"mode": "least_open", "category_ids": category_ids or []}}
    settings = ok(admin.patch("/api/settings", json=body))
    assert settings["assignment"] == body["assignment"]


def staff(client: TestClient, engine: Engine) -> tuple[Account, list[Account]]:
    admin = login(client, engine, "ada@example.com", Role.ADMIN, "Ada")
    agents = [
        login(client, engine, f"{name.lower()}@example.com", Role.AGENT, name)
        for name in ("Bob", "Cy", "Dana")
    ]
    ok(admin.patch("/api/me", json={"available": False}))  # the admin is away: three agents share
    return admin, agents


def assignees(tickets_out: list[dict[str, Any]]) -> Counter[str | None]:
    return Counter(t["assignee_id"] for t in tickets_out)


def test_three_available_agents_share_new_tickets_within_one(client: TestClient, engine: Engine) -> None:
    admin, agents = staff(client, engine)
    uma = login(client, engine, "uma@example.com", Role.USER, "Uma")
    turn_on(admin)
    made = [submit(uma, f"Ticket {n}") for n in range(10)]
    counts = assignees(made)
    assert set(counts) == {a.id for a in agents}
    assert max(counts.values()) - min(counts.values()) <= 1
    assert all(t["status"] == "In Progress" for t in made)  # like any assignment of an Open ticket


def test_ties_go_round_robin_in_a_fixed_order(client: TestClient, engine: Engine) -> None:
    admin, agents = staff(client, engine)
    uma = login(client, engine, "uma@example.com", Role.USER, "Uma")
    turn_on(admin)
    order = [submit(uma, f"T{n}")["assignee_id"] for n in range(6)]
    first_round = order[:3]
    assert sorted(first_round) == sorted(a.id for a in agents)
    assert order[3:] == first_round  # least recently auto-assigned first, every round the same


def test_fewest_open_wins_and_resolved_tickets_do_not_count(client: TestClient, engine: Engine) -> None:
    admin, agents = staff(client, engine)
    bob, cy, dana = agents
    uma = login(client, engine, "uma@example.com", Role.USER, "Uma")
    busy = [submit(uma, f"Old {n}") for n in range(3)]  # mode off: unassigned
    assert assignees(busy) == Counter({None: 3})
    for ticket in busy[:2]:
        ok(admin.patch(f"/api/tickets/{ticket['id']}", json={"assignee_id": bob.id}))
    ok(admin.patch(f"/api/tickets/{busy[2]['id']}", json={"assignee_id": cy.id, "status": "Resolved"}))
    turn_on(admin)
    # Bob has two open, Cy's only ticket is resolved: Cy and Dana first, then one more each
    order = [submit(uma, f"New {n}")["assignee_id"] for n in range(5)]
    assert sorted(order[:2]) == sorted([cy.id, dana.id])
    assert order[2:4] == order[:2]
    assert order[4] == bob.id  # all at two now: never auto-assigned goes first


def test_away_and_deactivated_staff_get_none_and_nobody_available_leaves_it_unassigned(
    client: TestClient, engine: Engine
) -> None:
    admin, (bob, cy, dana) = staff(client, engine)
    uma = login(client, engine, "uma@example.com", Role.USER, "Uma")
    turn_on(admin)
    assert ok(bob.patch("/api/me", json={"available": False}))["available"] is False
    ok(admin.patch(f"/api/users/{cy.id}", json={"is_active": False}))
    made = [submit(uma, f"T{n}") for n in range(4)]
    assert assignees(made) == Counter({dana.id: 4})
    listed = {s["id"]: s["available"] for s in ok(dana.get("/api/staff"))}
    assert listed[bob.id] is False and listed[dana.id] is True
    assert ok(bob.get("/api/me"))["available"] is False

    ok(dana.patch("/api/me", json={"available": False}))
    lonely = submit(uma, "Nobody is in")
    assert lonely["assignee_id"] is None and lonely["status"] == "Open"
    ok(bob.patch("/api/me", json={"available": True}))
    assert submit(uma, "Bob is back")["assignee_id"] == bob.id


def test_only_the_chosen_categories_and_mode_off(client: TestClient, engine: Engine) -> None:
    admin, _agents = staff(client, engine)
    uma = login(client, engine, "uma@example.com", Role.USER, "Uma")
    categories = [c["id"] for c in ok(uma.get("/api/categories"))]
    assert len(categories) >= 2
    turn_on(admin, [categories[1]])
    assert submit(uma, "Not chosen", category_id=categories[0])["assignee_id"] is None
    assert submit(uma, "Chosen", category_id=categories[1])["assignee_id"] is not None
    ok(admin.patch("/api/settings", json={"assignment": {"mode": "off", "category_ids": []}}))
    assert submit(uma, "Off", category_id=categories[1])["assignee_id"] is None


def test_an_automatic_assignment_is_an_ordinary_one(client: TestClient, engine: Engine) -> None:
    admin, (bob, cy, dana) = staff(client, engine)
    for away in (cy, dana):
        ok(away.patch("/api/me", json={"available": False}))
    uma = login(client, engine, "uma@example.com", Role.USER, "Uma")
    turn_on(admin)
    ticket = submit(uma, "Mouse is dead")
    assert ticket["assignee_id"] == bob.id
    with engine.connect() as conn:
        events = conn.execute(
            text("SELECT field, old_value, new_value, actor_id FROM ticket_events WHERE ticket_id = :t"),
            {"t": ticket["id"]},
        ).all()
        buckets = set(
            conn.scalars(
                text("SELECT bucket FROM sync_op WHERE row_id = :t AND op = 'PUT'"), {"t": ticket["id"]}
            )
        )
        event_buckets = set(
            conn.scalars(
                text(
                    "SELECT s.bucket FROM sync_op s JOIN ticket_events e ON e.id = s.row_id "
                    "WHERE e.ticket_id = :t AND e.field = 'created'"
                ),
                {"t": ticket["id"]},
            )
        )
        mails = conn.execute(
            text("SELECT event, recipient_id::text, body_text FROM mail_outbox WHERE ticket_id = :t"),
            {"t": ticket["id"]},
        ).all()
    by_field = {field: (old, new, str(actor)) for field, old, new, actor in events}
    assert by_field["assignee_id"] == (None, bob.id, uma.id)
    assert by_field["status"] == ("Open", "In Progress", uma.id)
    assert assignee_bucket(uuid.UUID(bob.id)) in buckets
    assert assignee_bucket(uuid.UUID(bob.id)) in event_buckets  # the whole history reaches Bob
    assigned = [m for m in mails if m[0] == "ticket_assigned"]
    assert [m[1] for m in assigned] == [bob.id]
    assert "Automatic assignment assigned ticket" in assigned[0][2]
    assert ok(bob.get(f"/api/tickets/{ticket['id']}"))["assignee_id"] == bob.id


def test_a_ticket_written_offline_is_assigned_when_pushed(client: TestClient, engine: Engine) -> None:
    admin, agents = staff(client, engine)
    uma = login(client, engine, "uma@example.com", Role.USER, "Uma")
    turn_on(admin)
    ticket_id = str(uuid.uuid4())
    mutation = {
        "id": 1,
        "name": "create_ticket",
        "args": {
            "id": ticket_id,
            "title": "Written offline",
            "description": "<p>On the train.</p>",
            "category_id": first_category(uma),
            "priority": "Medium",
        },
    }
    body = {"protocol": PROTOCOL_VERSION, "client_id": str(uuid.uuid4()), "mutations": [mutation]}
    assert [r["status"] for r in ok(uma.post("/api/sync/push", json=body))["results"]] == ["applied"]
    pushed = ok(uma.get(f"/api/tickets/{ticket_id}"))
    assert pushed["assignee_id"] in {a.id for a in agents}
    assert pushed["status"] == "In Progress"


def test_concurrent_creations_from_two_sessions_stay_fair(client: TestClient, engine: Engine) -> None:
    admin, agents = staff(client, engine)
    uma = login(client, engine, "uma@example.com", Role.USER, "Uma")
    turn_on(admin)
    category = uuid.UUID(first_category(uma))
    factory = make_session_factory(engine)
    barrier = threading.Barrier(2)
    made: list[uuid.UUID | None] = []
    lock = threading.Lock()
    failures: list[BaseException] = []

    def create(count: int) -> None:
        try:
            for n in range(count):
                with factory() as session, session.begin():
                    principal = Principal(session.get_one(User, uuid.UUID(uma.id)), AgentVisibility.ALL)
                    if n == 0:
                        barrier.wait(timeout=10)
                    data = TicketCreate(title=f"Race {n}", description="<p>x</p>", category_id=category)
                    ticket = tickets.create_ticket(session, principal, data)
                    session.flush()
                    assignee = ticket.assignee_id
                with lock:
                    made.append(assignee)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=create, args=(6,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    counts = Counter(str(a) for a in made)
    assert set(counts) == {a.id for a in agents}
    assert sum(counts.values()) == 12
    assert max(counts.values()) - min(counts.values()) <= 1


# --- who may change what ----------------------------------------------------------------------


def test_users_cannot_mark_themselves_available(client: TestClient, engine: Engine) -> None:
    uma = login(client, engine, "uma@example.com", Role.USER, "Uma")
    response = uma.patch("/api/me", json={"available": False})
    assert response.status_code == 403
    assert response.json()["error"] == "staff_only"
    assert "staff" in response.json()["detail"]
    assert ok(uma.get("/api/me"))["available"] is True  # nothing changed


def test_agents_cannot_change_the_assignment_setting(client: TestClient, engine: Engine) -> None:
    _admin, (bob, _cy, _dana) = staff(client, engine)
    response = bob.patch("/api/settings", json={"assignment": {"mode": "least_open", "category_ids": []}})
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("assignment", "field"),
    [
        ({"mode": "busiest", "category_ids": []}, "assignment.mode"),
        ({"mode": "least_open", "category_ids": [str(uuid.uuid4())]}, "assignment.category_ids"),
        ({"mode": "least_open", "category_ids": ["not-a-uuid"]}, "assignment.category_ids"),
        ({"mode": "least_open", "groups": []}, "assignment.groups"),
    ],
)
def test_bad_assignment_settings_are_422_naming_the_field(
    client: TestClient, engine: Engine, assignment: dict[str, Any], field: str
) -> None:
    admin = login(client, engine, "ada@example.com", Role.ADMIN, "Ada")
    response = admin.patch("/api/settings", json={"assignment": assignment})
    assert response.status_code == 422, response.text
    fields = [item["field"] for item in response.json()["fields"]]
    assert any(name.startswith(field) for name in fields), fields
    assert ok(admin.get("/api/settings"))["assignment"] == {"mode": "off", "category_ids": []}


def test_changing_the_assignment_setting_is_audited(client: TestClient, engine: Engine) -> None:
    admin = login(client, engine, "ada@example.com", Role.ADMIN, "Ada")
    turn_on(admin)
    page = ok(admin.get("/api/admin/audit", params={"action": "settings.changed"}))
    details = page["items"][0]["details"]
    assert details["groups"] == ["assignment"]
    assert details["fields"]["assignment.mode"] == {"old": "off", "new": "least_open"}
