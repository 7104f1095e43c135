"""User actions offline: each updates the cache and queues its mutation in one transaction,
shows at once, stays pending, and is refused locally when the shared rules say no."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from desktop.store import ActionRefused, ChangeSet, Store, commands, queries, schema, shadows
from tests.helpers.store import World, open_store, pull, put
from ticketing import visibility
from ticketing.domain import Role, Status


@pytest.fixture
def world() -> World:
    return World()


def _store(tmp_path: Path, world: World, role: Role) -> Store:
    user_id = world.requester if role == Role.USER else world.agent
    store = open_store(tmp_path, user_id, role)
    pull(store, *world.reference(for_staff=role.is_staff))
    return store


@pytest.fixture
def requester(tmp_path: Path, world: World) -> Store:
    return _store(tmp_path / "uma", world, Role.USER)


@pytest.fixture
def agent(tmp_path: Path, world: World) -> Store:
    return _store(tmp_path / "alice", world, Role.AGENT)


def _outbox(store: Store) -> list[tuple[int, str, dict[str, Any]]]:
    with store.read() as conn:
        rows = conn.execute(select(schema.outbox).order_by(schema.outbox.c.id)).all()
    return [(row.id, row.name, json.loads(row.args)) for row in rows]


def _with_ticket(store: Store, world: World, **fields: Any) -> dict[str, Any]:
    ticket = world.ticket(**fields)
    bucket = (
        visibility.QUEUE if store.user_id == world.agent else visibility.requester_bucket(world.requester)
    )
    pull(store, put(bucket, "ticket", ticket))
    return ticket


def test_ticket_created_offline_is_a_pending_draft(requester: Store, world: World) -> None:
    ticket_id = commands.create_ticket(
        requester,
        title="  VPN drops  ",
        description="<p>Every hour</p><script>x()</script>",
        category_id=world.category["id"],
    )
    row = queries.ticket(requester, ticket_id)
    assert row is not None
    assert (row.number, row.display_number, row.is_draft) == (None, "Draft", True)
    assert (row.title, row.status, row.priority, row.pending) == ("VPN drops", Status.OPEN, "Medium", True)
    assert row.submitter_name == "Uma" and row.category_name == "Hardware"
    detail = queries.ticket_detail(requester, ticket_id)
    assert detail is not None and detail.description == "<p>Every hour</p>"  # sanitized as the server will
    [(mutation_id, name, args)] = _outbox(requester)
    assert (mutation_id, name) == (1, "create_ticket")
    assert args == {
        "id": ticket_id,
        "title": "VPN drops",
        "description": "<p>Every hour</p>",
        "category_id": world.category["id"],
        "priority": "Medium",
    }
    assert queries.pending_ticket_ids(requester) == {ticket_id}
    assert queries.sync_counts(requester).pending == 1


def test_mutation_ids_count_up_from_one(requester: Store, world: World) -> None:
    ticket_id = commands.create_ticket(
        requester, title="A", description="a", category_id=world.category["id"]
    )
    commands.add_comment(requester, ticket_id, "more")
    commands.close_ticket(requester, ticket_id)
    assert [(i, name) for i, name, _ in _outbox(requester)] == [
        (1, "create_ticket"),
        (2, "add_comment"),
        (3, "transition_status"),
    ]


def test_every_staff_action_shows_at_once_and_is_queued(agent: Store, world: World) -> None:
    ticket = _with_ticket(agent, world)
    tid = ticket["id"]
    commands.add_comment(agent, tid, "<p>Did you restart it?</p>")
    commands.add_comment(agent, tid, "Firmware bug, see KB-12", is_internal=True)
    commands.change_priority(agent, tid, "High")
    commands.change_category(agent, tid, world.other_category["id"])
    commands.edit_ticket(agent, tid, title="Printer jams on page 2")
    commands.assign(agent, tid, world.other_agent)
    row = queries.ticket(agent, tid)
    assert row is not None
    assert (row.priority, row.category_name, row.title) == ("High", "Network", "Printer jams on page 2")
    assert (row.assignee_name, row.status) == ("Bob", Status.IN_PROGRESS)  # assigning starts the work
    commands.change_status(agent, tid, Status.ON_HOLD)
    commands.change_status(agent, tid, Status.RESOLVED)
    row = queries.ticket(agent, tid)
    assert row is not None and row.status == Status.RESOLVED and row.resolved_at is not None
    commands.close_ticket(agent, tid)
    commands.reopen_ticket(agent, tid)
    detail = queries.ticket_detail(agent, tid)
    assert detail is not None
    assert detail.ticket.status == Status.OPEN and detail.ticket.closed_at is None and detail.ticket.pending
    assert [(c.content, c.is_internal, c.pending) for c in detail.comments] == [
        ("<p>Did you restart it?</p>", False, True),
        ("Firmware bug, see KB-12", True, True),
    ]
    names = [name for _, name, _ in _outbox(agent)]
    assert (
        names
        == ["add_comment", "add_comment", "update_ticket", "update_ticket", "update_ticket", "assign"]
        + ["transition_status"] * 4
    )
    update = _outbox(agent)[2][2]
    assert update == {"ticket_id": tid, "changes": {"priority": {"base": "Medium", "new": "High"}}}
    assign = _outbox(agent)[5][2]
    assert assign == {"ticket_id": tid, "base": None, "new": str(world.other_agent)}


def test_requester_reply_on_a_resolved_ticket_reopens_it(requester: Store, world: World) -> None:
    ticket = _with_ticket(requester, world, status="Resolved")
    commands.add_comment(requester, ticket["id"], "Still broken")
    row = queries.ticket(requester, ticket["id"])
    assert row is not None and row.status == Status.OPEN


def test_a_change_that_changes_nothing_is_not_queued(agent: Store, world: World) -> None:
    ticket = _with_ticket(agent, world)
    assert commands.change_priority(agent, ticket["id"], "Medium") is None
    assert commands.assign(agent, ticket["id"], None) is None
    assert _outbox(agent) == []


ILLEGAL: list[tuple[str, Role, dict[str, Any], Callable[[Store, str, World], object], str]] = [
    (
        "requester starts work",
        Role.USER,
        {},
        lambda s, t, w: commands.change_status(s, t, Status.IN_PROGRESS),
        "illegal_transition",
    ),
    (
        "requester reopens a closed ticket",
        Role.USER,
        {"status": "Closed"},
        lambda s, t, w: commands.reopen_ticket(s, t),
        "illegal_transition",
    ),
    (
        "already in that status",
        Role.AGENT,
        {},
        lambda s, t, w: commands.change_status(s, t, Status.OPEN),
        "illegal_transition",
    ),
    (
        "staff cannot resolve a closed ticket",
        Role.AGENT,
        {"status": "Closed"},
        lambda s, t, w: commands.change_status(s, t, Status.RESOLVED),
        "illegal_transition",
    ),
    (
        "requester writes an internal note",
        Role.USER,
        {},
        lambda s, t, w: commands.add_comment(s, t, "psst", is_internal=True),
        "forbidden",
    ),
    (
        "requester replies to a closed ticket",
        Role.USER,
        {"status": "Closed"},
        lambda s, t, w: commands.add_comment(s, t, "hello?"),
        "read_only",
    ),
    ("requester assigns", Role.USER, {}, lambda s, t, w: commands.assign(s, t, w.agent), "forbidden"),
    (
        "requester edits after work started",
        Role.USER,
        {"status": "In Progress"},
        lambda s, t, w: commands.change_priority(s, t, "High"),
        "read_only",
    ),
    (
        "assign to a requester",
        Role.AGENT,
        {},
        lambda s, t, w: commands.assign(s, t, w.requester),
        "invalid_assignee",
    ),
    (
        "inactive category",
        Role.AGENT,
        {},
        lambda s, t, w: commands.change_category(s, t, w.retired_category["id"]),
        "invalid",
    ),
    (
        "unknown priority",
        Role.AGENT,
        {},
        lambda s, t, w: commands.change_priority(s, t, "Whenever"),
        "invalid",
    ),
    ("empty comment", Role.AGENT, {}, lambda s, t, w: commands.add_comment(s, t, "<p> </p>"), "invalid"),
    (
        "title too long",
        Role.AGENT,
        {},
        lambda s, t, w: commands.edit_ticket(s, t, title="x" * 201),
        "invalid",
    ),
    (
        "ticket not in the cache",
        Role.AGENT,
        {},
        lambda s, t, w: commands.add_comment(s, w.category["id"], "hi"),
        "not_found",
    ),
]


@pytest.mark.parametrize(
    ("why", "role", "fields", "action", "code"), ILLEGAL, ids=[case[0] for case in ILLEGAL]
)
def test_illegal_actions_are_refused_before_queueing(
    tmp_path: Path,
    world: World,
    why: str,
    role: Role,
    fields: dict[str, Any],
    action: Callable[[Store, str, World], object],
    code: str,
) -> None:
    store = _store(tmp_path, world, role)
    ticket = _with_ticket(store, world, **fields)
    before = queries.ticket_detail(store, ticket["id"])
    with pytest.raises(ActionRefused) as refused:
        action(store, ticket["id"], world)
    assert refused.value.code == code, refused.value.message
    assert refused.value.message
    assert _outbox(store) == []
    assert queries.ticket_detail(store, ticket["id"]) == before
    with store.read() as conn:
        assert conn.scalar(select(func.count()).select_from(schema.shadows)) == 0


def test_create_ticket_is_refused_with_an_inactive_category(requester: Store, world: World) -> None:
    with pytest.raises(ActionRefused) as refused:
        commands.create_ticket(
            requester, title="Fax", description="x", category_id=world.retired_category["id"]
        )
    assert refused.value.code == "invalid"
    with pytest.raises(ActionRefused):
        commands.create_ticket(requester, title=" ", description="x", category_id=world.category["id"])
    assert queries.list_tickets(requester) == [] and _outbox(requester) == []


ACTIONS: list[tuple[str, Callable[[Store, str, World], object]]] = [
    ("comment", lambda s, t, w: commands.add_comment(s, t, "hello")),
    ("internal note", lambda s, t, w: commands.add_comment(s, t, "note", is_internal=True)),
    ("status", lambda s, t, w: commands.change_status(s, t, Status.ON_HOLD)),
    ("priority", lambda s, t, w: commands.change_priority(s, t, "High")),
    ("category", lambda s, t, w: commands.change_category(s, t, w.other_category["id"])),
    ("assignee", lambda s, t, w: commands.assign(s, t, w.agent)),
    ("close", lambda s, t, w: commands.close_ticket(s, t)),
    (
        "create",
        lambda s, t, w: commands.create_ticket(s, title="New", description="d", category_id=w.category["id"]),
    ),
]


@pytest.mark.parametrize("step", ["queue", "rebuild"])
@pytest.mark.parametrize(("what", "action"), ACTIONS, ids=[case[0] for case in ACTIONS])
def test_cache_and_outbox_are_written_in_one_transaction(
    agent: Store,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    what: str,
    action: Callable[[Store, str, World], object],
    step: str,
) -> None:
    ticket = _with_ticket(agent, world)
    before = (queries.list_tickets(agent), queries.ticket_detail(agent, ticket["id"]))

    def crash(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    # fail after the other half of the action has been written
    target = (commands.outbox, "enqueue") if step == "queue" else (shadows, "rebuild")
    monkeypatch.setattr(*target, crash)
    with pytest.raises(OSError):
        action(agent, ticket["id"], world)
    monkeypatch.undo()
    assert (queries.list_tickets(agent), queries.ticket_detail(agent, ticket["id"])) == before
    assert _outbox(agent) == []
    with agent.read() as conn:
        assert conn.scalar(select(func.count()).select_from(schema.shadows)) == 0


def test_listeners_hear_about_queued_changes(agent: Store, world: World) -> None:
    ticket = _with_ticket(agent, world)
    heard: list[ChangeSet] = []
    agent.add_listener(heard.append)
    commands.change_priority(agent, ticket["id"], "High")
    assert heard == [ChangeSet(tickets=frozenset({ticket["id"]}), outbox=True, queued=True)]
