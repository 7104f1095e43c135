"""Unread state in the cache: activity by others after the account's read mark (and after the
account began) makes a ticket unread; opening it queues one ``mark_read`` and nothing when it
is read already; the count is of the tickets the account's window is about."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from desktop.store import Store, commands, deferred_indexes, queries, read_commands, schema, unread
from desktop.sync import apply
from tests.helpers.store import T0, World, comment_row, event_row, open_store, page, pull, put
from ticketing import visibility
from ticketing.domain import Role
from ticketing.protocol import MutationName, ticket_read_id

LATER = T0 + dt.timedelta(hours=1)


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def agent(tmp_path: Path, world: World) -> Store:
    store = open_store(tmp_path / "alice", world.agent, Role.AGENT)
    pull(store, *world.reference(for_staff=True))
    return store


@pytest.fixture
def requester(tmp_path: Path, world: World) -> Store:
    store = open_store(tmp_path / "uma", world.requester, Role.USER)
    pull(store, *world.reference(for_staff=False))
    return store


def at(moment: dt.datetime) -> str:
    return moment.isoformat()


def mutations(store: Store) -> list[tuple[str, dict[str, Any]]]:
    with store.read() as conn:
        rows = conn.execute(select(schema.outbox).order_by(schema.outbox.c.id)).all()
    return [(row.name, json.loads(row.args)) for row in rows]


def is_unread(store: Store, ticket_id: str) -> bool:
    row = queries.ticket(store, ticket_id)
    assert row is not None
    return row.unread


def test_a_new_ticket_is_unread_until_opened_and_opening_again_queues_nothing(
    agent: Store, world: World
) -> None:
    ticket = world.ticket(created_at=at(LATER), assignee_id=str(world.agent))
    pull(agent, put(visibility.QUEUE, "ticket", ticket))
    assert is_unread(agent, ticket["id"])
    assert unread.unread_count(agent) == 1

    assert read_commands.mark_read(agent, ticket["id"]) is True
    assert not is_unread(agent, ticket["id"])
    assert unread.unread_count(agent) == 0
    row = queries.ticket(agent, ticket["id"])
    assert row is not None and not row.pending  # reading is not a change of the ticket
    [(name, args)] = mutations(agent)
    assert (name, args["ticket_id"]) == (MutationName.MARK_READ.value, ticket["id"])
    assert dt.datetime.fromisoformat(args["read_at"]) == LATER

    assert read_commands.mark_read(agent, ticket["id"]) is False
    assert len(mutations(agent)) == 1


def test_others_activity_makes_a_ticket_unread_again_but_ones_own_does_not(
    agent: Store, world: World
) -> None:
    ticket = world.ticket(created_at=at(LATER), assignee_id=str(world.agent))
    pull(agent, put(visibility.QUEUE, "ticket", ticket))
    read_commands.mark_read(agent, ticket["id"])

    mine = comment_row(ticket, world.agent, "On it", is_internal=False)
    mine["created_at"] = at(LATER + dt.timedelta(minutes=5))
    status = event_row(ticket, world.agent, "status", "Open", "In Progress")
    status["created_at"] = at(LATER + dt.timedelta(minutes=6))
    pull(agent, put(visibility.QUEUE, "comment", mine), put(visibility.QUEUE, "ticket_event", status))
    assert not is_unread(agent, ticket["id"])
    commands.add_comment(agent, ticket["id"], "<p>Written here</p>")
    assert not is_unread(agent, ticket["id"])

    reply = comment_row(ticket, world.requester, "Still broken")
    reply["created_at"] = at(LATER + dt.timedelta(minutes=10))
    pull(agent, put(visibility.QUEUE, "comment", reply))
    assert is_unread(agent, ticket["id"])
    note = comment_row(ticket, world.other_agent, "Colleague's note", is_internal=True)
    note["created_at"] = at(LATER + dt.timedelta(minutes=20))
    pull(agent, put(visibility.QUEUE_INTERNAL, "comment", note))
    read_commands.mark_read(agent, ticket["id"])
    assert not is_unread(agent, ticket["id"])
    # the mark is the latest activity by others the cache held: the colleague's note
    latest = dt.datetime.fromisoformat(mutations(agent)[-1][1]["read_at"])
    assert latest == LATER + dt.timedelta(minutes=20)


def test_activity_before_the_account_began_is_not_unread(agent: Store, world: World) -> None:
    old = world.ticket(number=1001, created_at=at(T0 - dt.timedelta(days=30)), assignee_id=str(world.agent))
    new = world.ticket(number=1002, created_at=at(LATER), assignee_id=str(world.agent))
    pull(agent, put(visibility.QUEUE, "ticket", old), put(visibility.QUEUE, "ticket", new))
    assert not is_unread(agent, old["id"])
    assert is_unread(agent, new["id"])
    assert read_commands.mark_read(agent, old["id"]) is False
    assert mutations(agent) == []


def test_the_count_is_of_assigned_tickets_for_staff_and_own_tickets_for_a_user(
    agent: Store, requester: Store, world: World
) -> None:
    mine = world.ticket(number=1001, created_at=at(LATER), assignee_id=str(world.agent))
    unassigned = world.ticket(number=1002, created_at=at(LATER))
    pull(agent, put(visibility.QUEUE, "ticket", mine), put(visibility.QUEUE, "ticket", unassigned))
    assert is_unread(agent, unassigned["id"])  # bold in the queue, but not in the count
    assert unread.unread_count(agent) == 1

    bucket = visibility.requester_bucket(world.requester)
    pull(requester, put(bucket, "ticket", mine))
    assert not is_unread(requester, mine["id"])  # their own ticket's creation
    assert unread.unread_count(requester) == 0
    reply = comment_row(mine, world.agent, "Try again")
    reply["created_at"] = at(LATER + dt.timedelta(minutes=1))
    pull(requester, put(bucket, "comment", reply))
    assert unread.unread_count(requester) == 1


def test_a_pending_mark_is_not_undone_by_an_older_mark_from_the_server(agent: Store, world: World) -> None:
    ticket = world.ticket(created_at=at(LATER), assignee_id=str(world.agent))
    reply = comment_row(ticket, world.requester, "Hello again")
    reply["created_at"] = at(LATER + dt.timedelta(hours=1))
    pull(agent, put(visibility.QUEUE, "ticket", ticket), put(visibility.QUEUE, "comment", reply))
    read_commands.mark_read(agent, ticket["id"])

    # another device's older mark arrives before this one is pushed
    old_mark = {
        "id": str(ticket_read_id(world.agent, ticket["id"])),
        "user_id": str(world.agent),
        "ticket_id": ticket["id"],
        "read_at": at(LATER),
    }
    pull(agent, put(visibility.account_bucket(world.agent), "ticket_read", old_mark))
    assert not is_unread(agent, ticket["id"])

    # the server answered and its row has the later mark: settled, and still read
    newer = {**old_mark, "read_at": at(LATER + dt.timedelta(hours=1))}
    with agent.write() as conn:
        conn.execute(schema.outbox.update().values(state="applied"))
    apply.apply_page(
        agent,
        page([put(visibility.account_bucket(world.agent), "ticket_read", newer)], last_mutation_id=10),
        final=True,
    )
    assert mutations(agent) == []
    assert not is_unread(agent, ticket["id"])
    with agent.read() as conn:
        assert conn.execute(select(schema.shadows)).all() == []


def test_an_unknown_ticket_is_not_marked(agent: Store) -> None:
    assert read_commands.mark_read(agent, str(uuid.uuid4())) is False


def test_nothing_is_unread_while_a_fill_has_the_indexes_aside(agent: Store, world: World) -> None:
    ticket = world.ticket(created_at=at(LATER), assignee_id=str(world.agent))
    pull(agent, put(visibility.QUEUE, "ticket", ticket))
    with agent.write() as conn:
        assert deferred_indexes.defer(conn) > 0
    # the lookups would read every comment per row now: skipped until the indexes are back
    assert not is_unread(agent, ticket["id"])
    assert unread.unread_count(agent) == 0
    assert read_commands.mark_read(agent, ticket["id"]) is False
    with agent.write() as conn:
        deferred_indexes.restore(conn)
    assert is_unread(agent, ticket["id"])
    assert unread.unread_count(agent) == 1
