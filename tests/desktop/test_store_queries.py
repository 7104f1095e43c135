"""What the UI reads from the cache: filtered and sorted lists, a ticket's timeline, metrics."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from desktop.store import Store, commands, queries
from tests.helpers.store import T0, World, comment_row, event_row, open_store, pull, put
from ticketing import visibility
from ticketing.domain import Role, Status
from ticketing.schemas import TicketQuery

QUEUE = visibility.QUEUE


def _at(hours: float) -> str:
    return (T0 + dt.timedelta(hours=hours)).isoformat()


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def agent(tmp_path: Path, world: World) -> Store:
    store = open_store(tmp_path, world.agent, Role.AGENT)
    pull(store, *world.reference(for_staff=True))
    rows = [
        world.ticket(1001, title="Printer jams", priority="Low", created_at=_at(0), updated_at=_at(5)),
        world.ticket(
            1002,
            title="VPN drops",
            status="In Progress",
            priority="High",
            assignee_id=str(world.agent),
            category_id=world.other_category["id"],
            created_at=_at(1),
            updated_at=_at(1),
        ),
        world.ticket(
            1003,
            title="Mail quota",
            description="<p>The printer queue mails me</p>",
            status="On Hold",
            assignee_id=str(world.other_agent),
            created_at=_at(2),
            updated_at=_at(2),
        ),
        world.ticket(
            1004, title="Screen", status="Resolved", resolved_at=_at(3), created_at=_at(3), updated_at=_at(3)
        ),
        world.ticket(
            1005, title="Old", status="Closed", closed_at=_at(4), created_at=_at(-48), updated_at=_at(4)
        ),
    ]
    pull(store, *(put(QUEUE, "ticket", row) for row in rows))
    return store


def _numbers(store: Store, **query: object) -> list[str]:
    return [row.display_number for row in queries.list_tickets(store, TicketQuery.model_validate(query))]


def test_filters(agent: Store, world: World) -> None:
    assert _numbers(agent, status=["Open", "On Hold"], sort="number") == ["TKT-1001", "TKT-1003"]
    assert _numbers(agent, priority=["High"]) == ["TKT-1002"]
    assert _numbers(agent, category_id=[world.other_category["id"]]) == ["TKT-1002"]
    assert _numbers(agent, assignee="me") == ["TKT-1002"]
    assert _numbers(agent, assignee=str(world.other_agent)) == ["TKT-1003"]
    assert _numbers(agent, assignee="none", sort="number") == ["TKT-1001", "TKT-1004", "TKT-1005"]
    assert _numbers(agent, q="printer", sort="number") == ["TKT-1001", "TKT-1003"]  # title or description
    assert _numbers(agent, q="tkt-1004") == ["TKT-1004"]
    assert _numbers(agent, q="100%") == []  # LIKE wildcards are literal
    since, until = T0 + dt.timedelta(hours=1), T0 + dt.timedelta(hours=3)
    assert _numbers(agent, created_from=since, created_to=until, sort="number") == ["TKT-1002", "TKT-1003"]
    assert _numbers(agent, updated_from=T0 + dt.timedelta(hours=4), sort="number") == ["TKT-1001", "TKT-1005"]
    assert queries.count_tickets(agent, TicketQuery(status=[Status.OPEN, Status.IN_PROGRESS])) == 2


def test_sorting_and_paging(agent: Store, world: World) -> None:
    assert _numbers(agent) == ["TKT-1001", "TKT-1005", "TKT-1004", "TKT-1003", "TKT-1002"]  # -updated_at
    by_priority = _numbers(agent, sort="-priority")  # by rank, not by name: High, Medium..., Low
    assert (by_priority[0], by_priority[-1]) == ("TKT-1002", "TKT-1001")
    assert _numbers(agent, sort="title")[:2] == ["TKT-1003", "TKT-1005"]
    assert _numbers(agent, sort="assignee", status=["In Progress", "On Hold"]) == ["TKT-1002", "TKT-1003"]
    assert _numbers(agent, sort="number", limit=2, offset=1) == ["TKT-1002", "TKT-1003"]
    draft = commands.create_ticket(
        agent, title="Draft one", description="d", category_id=world.category["id"]
    )
    assert _numbers(agent, sort="-number")[:2] == ["Draft", "TKT-1005"]  # drafts are the newest
    assert _numbers(agent, sort="number")[-1] == "Draft"
    ids = queries.ticket_ids(agent, TicketQuery(sort="-number"))
    assert ids[0] == draft and len(ids) == 6
    rows = queries.tickets_by_id(agent, ids[:2])
    assert rows[draft].pending and rows[ids[1]].display_number == "TKT-1005"


def test_ticket_detail_has_a_timeline_of_comments_and_events(agent: Store, world: World) -> None:
    [ticket] = [queries.ticket(agent, t.id) for t in queries.list_tickets(agent, TicketQuery(q="TKT-1002"))]
    assert ticket is not None and ticket.assignee_name == "Alice" and ticket.category_name == "Network"
    as_row = {"id": ticket.id}
    pull(
        agent,
        put(
            QUEUE,
            "ticket_event",
            {**event_row(as_row, world.requester, "created", None, "TKT-1002"), "created_at": _at(1)},
        ),
        put(
            QUEUE,
            "comment",
            {**comment_row(as_row, world.requester, "It drops hourly"), "created_at": _at(1.5)},
        ),
        put(
            visibility.QUEUE_INTERNAL,
            "comment",
            {**comment_row(as_row, world.agent, "cert expired", is_internal=True), "created_at": _at(2)},
        ),
        put(
            QUEUE,
            "ticket_event",
            {**event_row(as_row, world.agent, "status", "Open", "In Progress"), "created_at": _at(2.5)},
        ),
    )
    detail = queries.ticket_detail(agent, ticket.id)
    assert detail is not None
    assert [(c.author_name, c.is_internal) for c in detail.comments] == [("Uma", False), ("Alice", True)]
    assert [e.field for e in detail.events] == ["created", "status"]
    timeline = [
        (entry.comment.content if entry.comment else entry.event.field if entry.event else "")
        for entry in detail.timeline
    ]
    assert timeline == ["created", "It drops hourly", "cert expired", "status"]
    assert detail.allowed_transitions == [Status.OPEN, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED]
    assert detail.pending == [] and detail.problems == []
    assert queries.ticket_detail(agent, world.category["id"]) is None


def test_metrics(agent: Store) -> None:
    day_start = T0 - dt.timedelta(hours=1)
    assert queries.metrics(agent, day_start=day_start) == queries.Metrics(
        open=1, unassigned=1, in_progress=1, on_hold=1, resolved_today=1
    )
    assert queries.metrics(agent, day_start=T0 + dt.timedelta(days=1)).resolved_today == 0


def test_pending_flags(agent: Store) -> None:
    first = queries.list_tickets(agent, TicketQuery(q="TKT-1001"))[0]
    assert not first.pending and queries.pending_ticket_ids(agent) == set()
    commands.change_status(agent, first.id, Status.IN_PROGRESS)
    assert queries.pending_ticket_ids(agent) == {first.id}
    flagged = {row.display_number: row.pending for row in queries.list_tickets(agent)}
    assert flagged["TKT-1001"] and not flagged["TKT-1002"]
    assert queries.sync_counts(agent).pending == 1


def test_reference_data_for_forms(agent: Store) -> None:
    assert [c.name for c in queries.categories(agent)] == ["Hardware", "Network"]
    assert [c.name for c in queries.categories(agent, include_inactive=True)] == [
        "Fax",
        "Hardware",
        "Network",
    ]
    assert [p.key for p in queries.priorities(agent)] == ["High", "Medium", "Low"]
    assert [(s.name, s.role) for s in queries.staff(agent)] == [("Alice", Role.AGENT), ("Bob", Role.AGENT)]
