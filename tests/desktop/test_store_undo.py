"""Undo of a status, assignee or priority change on a real cache: withdrawn while it never left
(the cache exactly as before, side effects included, its id handed out again), otherwise the
reverse change queued under the shared rules, or refused with a reason and nothing queued."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from desktop.store import ActionRefused, Store, commands, queries, schema, state
from desktop.store.undo import Facts, TicketField, Undoable, reverse_steps
from tests.helpers.store import World, open_store, pull, put
from ticketing import visibility
from ticketing.domain import Role, Status


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def agent(tmp_path: Path, world: World) -> Store:
    store = open_store(tmp_path, world.agent, Role.AGENT)
    pull(store, *world.reference(for_staff=True))
    return store


def _ticket(store: Store, world: World, number: int = 1001, **fields: Any) -> dict[str, Any]:
    ticket = world.ticket(number, **fields)
    pull(store, put(visibility.QUEUE, "ticket", ticket))
    return ticket


def _outbox(store: Store) -> list[tuple[int, str, dict[str, Any]]]:
    with store.read() as conn:
        rows = conn.execute(select(schema.outbox).order_by(schema.outbox.c.id)).all()
    return [(row.id, row.name, json.loads(row.args)) for row in rows]


def _row(store: Store, ticket_id: str) -> queries.TicketRow:
    row = queries.ticket(store, ticket_id)
    assert row is not None
    return row


def _sent(store: Store) -> None:
    """What a push does before sending: everything queued so far may now be on the server."""
    with store.write() as conn:
        state.mark_sent_through(conn, max(m[0] for m in _outbox(store)))


def _shadows(store: Store) -> int:
    with store.read() as conn:
        return len(conn.execute(select(schema.shadows)).all())


def _change(store: Store, ticket_id: str, field: TicketField, value: str | None) -> Undoable:
    change = commands.change_field(store, ticket_id, field, value)
    assert change is not None
    return change


def test_an_unsent_status_change_is_withdrawn_and_its_id_reused(agent: Store, world: World) -> None:
    ticket = _ticket(agent, world)
    change = _change(agent, ticket["id"], TicketField.STATUS, Status.IN_PROGRESS.value)
    assert _row(agent, ticket["id"]).status == Status.IN_PROGRESS

    undone = commands.undo_change(agent, change)

    assert undone.withdrawn
    assert _outbox(agent) == []
    row = _row(agent, ticket["id"])
    assert (row.status, row.pending) == (Status.OPEN, False)
    assert _shadows(agent) == 0  # the visible row is the server's again
    again = _change(agent, ticket["id"], TicketField.PRIORITY, "High")
    assert again.mutation_id == change.mutation_id  # the server never saw that id: no gap

    # undone twice (a stale Undo): the id now names the priority change, which stays
    with pytest.raises(ActionRefused, match="status has changed since"):
        commands.undo_change(agent, change)
    assert [name for _, name, _ in _outbox(agent)] == ["update_ticket"]


def test_withdrawing_an_assignment_also_takes_back_the_start_it_caused(agent: Store, world: World) -> None:
    ticket = _ticket(agent, world)
    change = _change(agent, ticket["id"], TicketField.ASSIGNEE, str(world.agent))
    assert (change.before.status, change.after.status) == (Status.OPEN, Status.IN_PROGRESS)

    assert commands.undo_change(agent, change).withdrawn
    row = _row(agent, ticket["id"])
    assert (row.assignee_id, row.status) == (None, Status.OPEN)


def test_a_change_that_may_have_left_is_reversed_by_a_new_mutation(agent: Store, world: World) -> None:
    ticket = _ticket(agent, world)
    change = _change(agent, ticket["id"], TicketField.ASSIGNEE, str(world.other_agent))
    _sent(agent)

    undone = commands.undo_change(agent, change)

    assert not undone.withdrawn
    queued = [(name, args) for _, name, args in _outbox(agent)]
    assert queued[1:] == [
        ("assign", {"ticket_id": ticket["id"], "base": str(world.other_agent), "new": None}),
        ("transition_status", {"ticket_id": ticket["id"], "from": "In Progress", "to": "Open"}),
    ]
    row = _row(agent, ticket["id"])
    assert (row.assignee_id, row.status, row.pending) == (None, Status.OPEN, True)


def test_a_priority_change_followed_by_other_work_is_reversed_not_withdrawn(
    agent: Store, world: World
) -> None:
    ticket, other = _ticket(agent, world), _ticket(agent, world, 1002, title="Other")
    change = _change(agent, ticket["id"], TicketField.PRIORITY, "High")
    comment_id = commands.add_comment(agent, other["id"], "<p>Still here</p>")

    assert not commands.undo_change(agent, change).withdrawn
    names = [(name, args.get("id")) for _, name, args in _outbox(agent)]
    assert names == [("update_ticket", None), ("add_comment", comment_id), ("update_ticket", None)]
    assert _outbox(agent)[2][2]["changes"] == {"priority": {"base": "High", "new": "Medium"}}
    assert _row(agent, ticket["id"]).priority == "Medium"


def test_a_way_back_the_workflow_forbids_is_refused_and_nothing_is_queued(agent: Store, world: World) -> None:
    ticket = _ticket(agent, world, status="Resolved")
    change = _change(agent, ticket["id"], TicketField.STATUS, Status.CLOSED.value)
    _sent(agent)
    before = _outbox(agent)

    with pytest.raises(ActionRefused) as refused:
        commands.undo_change(agent, change)

    assert refused.value.message == "Cannot undo: Support staff cannot move a ticket from Closed to Resolved."
    assert _outbox(agent) == before
    assert _row(agent, ticket["id"]).status == Status.CLOSED


def test_a_field_changed_since_is_not_overwritten(agent: Store, world: World) -> None:
    ticket = _ticket(agent, world)
    change = _change(agent, ticket["id"], TicketField.STATUS, Status.IN_PROGRESS.value)
    commands.change_status(agent, ticket["id"], Status.ON_HOLD)

    with pytest.raises(ActionRefused, match=r"status has changed since \(it is now On Hold\)"):
        commands.undo_change(agent, change)
    assert len(_outbox(agent)) == 2


def test_reverse_steps_restore_only_what_the_change_moved() -> None:
    before = Facts(Status.OPEN, None, "Medium")
    after = Facts(Status.IN_PROGRESS, "a1", "Medium")
    change = Undoable("t", 7, {}, TicketField.ASSIGNEE, before, after)
    assert reverse_steps(change, after) == [(TicketField.ASSIGNEE, None), (TicketField.STATUS, "Open")]
    # someone put the ticket on hold meanwhile: the assignee goes back, the status stays
    held = Facts(Status.ON_HOLD, "a1", "Medium")
    assert reverse_steps(change, held) == [(TicketField.ASSIGNEE, None)]
    with pytest.raises(ActionRefused, match="assignee has changed since"):
        reverse_steps(change, Facts(Status.IN_PROGRESS, "b2", "Medium"))
