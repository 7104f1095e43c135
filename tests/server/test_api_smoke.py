"""The seed's whole workflow through the REST API, end to end."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.helpers.api import login, submit
from ticketing.domain import Role


def test_seed_workflow(client: TestClient, engine: Engine) -> None:
    user = login(client, engine, "uma@example.com", Role.USER)
    agent = login(client, engine, "alice@example.com", Role.AGENT)

    ticket = submit(user, "VPN fails")
    assert ticket["number"] == "TKT-1001"
    assert ticket["status"] == "Open"
    key = ticket["number"]

    assigned = agent.patch(f"/api/tickets/{key}", json={"assignee_id": agent.id})
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["status"] == "In Progress"

    note = agent.post(f"/api/tickets/{key}/comments", json={"content": "cert expired", "is_internal": True})
    assert note.status_code == 201
    reply = agent.post(f"/api/tickets/{key}/comments", json={"content": "Please reconnect now."})
    assert reply.status_code == 201

    seen_by_user = [c["content"] for c in user.get(f"/api/tickets/{key}/comments").json()]
    assert seen_by_user == ["Please reconnect now."]
    seen_by_agent = [c["content"] for c in agent.get(f"/api/tickets/{key}/comments").json()]
    assert seen_by_agent == ["cert expired", "Please reconnect now."]

    assert agent.patch(f"/api/tickets/{key}", json={"status": "Resolved"}).json()["status"] == "Resolved"
    assert user.post(f"/api/tickets/{key}/comments", json={"content": "Still broken"}).status_code == 201
    assert user.get(f"/api/tickets/{key}").json()["status"] == "Open"

    assert agent.patch(f"/api/tickets/{key}", json={"status": "Resolved"}).status_code == 200
    closed = user.patch(f"/api/tickets/{key}", json={"status": "Closed"})
    assert closed.status_code == 200
    assert closed.json()["status"] == "Closed"

    refused = user.post(f"/api/tickets/{key}/comments", json={"content": "one more thing"})
    assert refused.status_code == 409
    assert refused.json()["error"] == "read_only"

    history = [(e["field"], e["new_value"]) for e in user.get(f"/api/tickets/{key}/events").json()]
    assert ("status", "Closed") in history
    assert history[0] == ("created", "TKT-1001")
