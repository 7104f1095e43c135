"""Two server processes on one database run the escalation job side by side: every breach is
acted on exactly once (one history line, the priority one step up, not two), whichever process
holds the lease, and the job goes on when the holder stops."""

from __future__ import annotations

import time
import uuid

import requests
from sqlalchemy import Engine, func, select

from sync_server.db.models import JobLease, SlaEscalation, SlaPolicy, Ticket, TicketEvent
from sync_server.db.session import make_session_factory
from tests.helpers.api import create_account
from tests.helpers.live import token, two_servers
from ticketing.domain import Role

TICKETS = 12


def _post(url: str, bearer: str, path: str, body: dict[str, object]) -> dict[str, object]:
    answer = requests.post(
        f"{url}{path}", json=body, headers={"Authorization": f"Bearer {bearer}"}, timeout=10
    )
    assert answer.status_code == 201, answer.text
    created: dict[str, object] = answer.json()
    return created


def _breaches(engine: Engine) -> tuple[int, int, list[str]]:
    with make_session_factory(engine)() as session:
        escalations = session.scalar(select(func.count()).select_from(SlaEscalation)) or 0
        lines = session.scalar(select(func.count()).where(TicketEvent.field == "sla_breached")) or 0
        priorities = list(session.scalars(select(Ticket.priority)))
    return escalations, lines, priorities


def _wait_for_breaches(engine: Engine, count: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while _breaches(engine)[0] < count:
        assert time.monotonic() < deadline, f"only {_breaches(engine)[0]} of {count} breaches acted on"
        time.sleep(0.1)


def test_two_processes_act_on_each_breach_exactly_once(engine: Engine, database_url: str) -> None:
    admin_email, user_email = "ada@example.com", "uma@example.com"
    _, admin_password = create_account(engine, admin_email, Role.ADMIN)
    _, user_password = create_account(engine, user_email, Role.USER)
    with two_servers(database_url, sla_check_seconds="0.2") as (one, two):
        admin = token(one.url, admin_email, admin_password)
        user = token(two.url, user_email, user_password)
        # due the moment a ticket is filed: every ticket breaches at the job's next pass
        policy = _post(one.url, admin, "/api/sla/policies", {"name": "At once", "first_response_minutes": 0})
        with make_session_factory(engine)() as session, session.begin():
            stored = session.get(SlaPolicy, uuid.UUID(str(policy["id"])))
            assert stored is not None
            stored.breach_raise_priority = True
        categories = requests.get(
            f"{two.url}/api/categories", headers={"Authorization": f"Bearer {user}"}, timeout=10
        ).json()
        for n in range(TICKETS):
            server = one if n % 2 else two
            body = {"title": f"Broken {n}", "description": "<p>x</p>", "category_id": categories[0]["id"]}
            _post(server.url, user, "/api/tickets", {**body, "priority": "Medium"})
        _wait_for_breaches(engine, TICKETS)
        time.sleep(1.0)  # many more passes of both processes
        escalations, lines, priorities = _breaches(engine)
        assert (escalations, lines) == (TICKETS, TICKETS)
        assert priorities == ["High"] * TICKETS  # raised one step once, not twice
        holder_pid = _lease_holder_pid(engine)
        holding, other = (one, two) if one.process and one.process.pid == holder_pid else (two, one)
        assert other.process is not None and holding.process is not None
        holding.stop()  # a clean stop gives the lease back: the other process takes over
        _post(other.url, user, "/api/tickets", {**body, "priority": "Medium"})
        _wait_for_breaches(engine, TICKETS + 1)
        assert _lease_holder_pid(engine) == other.process.pid


def _lease_holder_pid(engine: Engine) -> int:
    with make_session_factory(engine)() as session:
        holder = session.scalars(select(JobLease.holder)).one()
    return int(holder.split(":")[1])
