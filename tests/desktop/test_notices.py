"""Desktop notification rules on a real cache: which pulled comments and events become notices
for an agent and for a user, and which never do (own changes, history, a row pulled again),
the summary over the threshold, the switches per kind and where they are kept."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import literal_column, select

from desktop.local.notice_settings import NoticeSettings
from desktop.store import Store, commands, notices, schema
from desktop.store.notice_rules import (
    SUMMARY_OVER,
    Notice,
    NoticeKind,
    enabled_only,
    kinds_for,
    summarize,
)
from tests.helpers.store import T0, World, comment_row, event_row, open_store, pull, put
from ticketing import visibility
from ticketing.domain import Role

QUEUE, INTERNAL = visibility.QUEUE, visibility.QUEUE_INTERNAL


def at(minutes: int) -> str:
    return (T0 + dt.timedelta(minutes=minutes)).isoformat()


def later(row: dict[str, Any], minutes: int) -> dict[str, Any]:
    return {**row, "created_at": at(minutes)}


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def agent(tmp_path: Path, world: World) -> Store:
    """Alice's cache, filled once (the first look only sets the marks)."""
    store = open_store(tmp_path / "agent", world.agent, Role.AGENT)
    pull(store, *world.reference(for_staff=True))
    assert notices.collect(store) == []
    yield store
    store.close()


@pytest.fixture
def user(tmp_path: Path, world: World) -> Store:
    """Uma's cache (the requester), filled once."""
    store = open_store(tmp_path / "user", world.requester, Role.USER)
    pull(store, *world.reference(for_staff=False))
    assert notices.collect(store) == []
    yield store
    store.close()


def kinds(found: list[Notice]) -> list[NoticeKind]:
    return [notice.kind for notice in found]


def test_the_first_look_at_a_filled_cache_is_silent(tmp_path: Path, world: World) -> None:
    store = open_store(tmp_path / "c", world.agent, Role.AGENT)
    ticket = world.ticket(assignee_id=str(world.agent))
    pull(
        store,
        *world.reference(for_staff=True),
        put(QUEUE, "ticket", ticket),
        put(
            QUEUE, "ticket_event", event_row(ticket, world.other_agent, "assignee_id", None, str(world.agent))
        ),
        put(QUEUE, "comment", comment_row(ticket, world.requester, "<p>Still jams</p>")),
    )
    assert notices.collect(store) == []  # a cache's history is not news
    reply = later(comment_row(ticket, world.requester, "<p>Any news?</p>"), 5)
    pull(store, put(QUEUE, "comment", reply))
    assert kinds(notices.collect(store)) == [NoticeKind.REQUESTER_REPLY]  # the marks were set
    assert notices.collect(store) == []  # and advanced
    store.close()


def test_an_agent_hears_of_assignments_requester_replies_and_critical(agent: Store, world: World) -> None:
    mine = world.ticket(1001, assignee_id=str(world.agent))
    theirs = world.ticket(1002, assignee_id=str(world.other_agent), title="Wi-Fi drops")
    pull(agent, put(QUEUE, "ticket", mine), put(QUEUE, "ticket", theirs))
    assert notices.collect(agent) == []  # new tickets with nothing else are no notice

    pull(
        agent,
        put(
            QUEUE,
            "ticket_event",
            later(event_row(mine, world.other_agent, "assignee_id", None, str(world.agent)), 1),
        ),
        put(QUEUE, "comment", later(comment_row(mine, world.requester, "<p>Thanks</p>"), 2)),
        put(
            QUEUE,
            "ticket_event",
            later(event_row(theirs, world.other_agent, "priority", "High", "Critical"), 3),
        ),
        # none of these: a reply on someone else's ticket, an internal note, a staff reply,
        # Critical to Critical, an assignment to someone else
        put(QUEUE, "comment", later(comment_row(theirs, world.requester, "<p>Hello?</p>"), 4)),
        put(INTERNAL, "comment", later(comment_row(mine, world.requester, "<p>x</p>", is_internal=True), 5)),
        put(QUEUE, "comment", later(comment_row(mine, world.other_agent, "<p>On it</p>"), 6)),
        put(
            QUEUE,
            "ticket_event",
            later(event_row(mine, world.other_agent, "priority", "Critical", "Critical"), 7),
        ),
        put(
            QUEUE,
            "ticket_event",
            later(event_row(theirs, world.agent, "assignee_id", None, str(world.other_agent)), 8),
        ),
    )
    found = notices.collect(agent)
    assert kinds(found) == [NoticeKind.ASSIGNED, NoticeKind.REQUESTER_REPLY, NoticeKind.CRITICAL]
    assigned, replied, critical = found
    assert assigned.ticket_id == mine["id"] and assigned.title == "Bob assigned TKT-1001 to you"
    assert assigned.message == "Printer jams"
    assert replied.title == "Uma replied on TKT-1001" and replied.comment_id is not None
    assert critical.ticket_id == theirs["id"] and critical.title == "TKT-1002 is now Critical (Bob)"


def test_the_accounts_own_changes_never_notify(agent: Store, world: World) -> None:
    ticket = world.ticket(assignee_id=str(world.agent))
    pull(agent, put(QUEUE, "ticket", ticket))
    notices.collect(agent)
    pull(
        agent,
        put(
            QUEUE,
            "ticket_event",
            later(event_row(ticket, world.agent, "assignee_id", None, str(world.agent)), 1),
        ),
        put(QUEUE, "ticket_event", later(event_row(ticket, world.agent, "priority", "Low", "Critical"), 2)),
    )
    assert notices.collect(agent) == []
    # a reply written on this computer: in the cache at once, then pulled back from the server
    comment_id = commands.add_comment(agent, ticket["id"], "<p>Done</p>", is_internal=False)
    assert notices.collect(agent) == []
    mine = {**comment_row(ticket, world.agent, "<p>Done</p>"), "id": comment_id, "created_at": at(3)}
    pull(agent, put(QUEUE, "comment", mine))
    assert notices.collect(agent) == []


def test_a_row_pulled_again_is_not_news_again(agent: Store, world: World) -> None:
    ticket = world.ticket(assignee_id=str(world.agent))
    pull(agent, put(QUEUE, "ticket", ticket))
    notices.collect(agent)
    reply = later(comment_row(ticket, world.requester, "<p>Thanks</p>"), 1)
    staff_reply = later(comment_row(ticket, world.other_agent, "<p>On it</p>"), 2)  # not the newest row
    pull(agent, put(QUEUE, "comment", reply), put(QUEUE, "comment", staff_reply))
    rowid = literal_column("comments.rowid")

    def rowid_of_reply() -> Any:
        with agent.read() as conn:
            return conn.scalar(
                select(rowid).select_from(schema.comments).where(schema.comments.c.id == reply["id"])
            )

    before = rowid_of_reply()
    assert kinds(notices.collect(agent)) == [NoticeKind.REQUESTER_REPLY]
    # the same comment again (another bucket, a re-sent page), and edited: an upsert in place
    pull(agent, put(QUEUE, "comment", reply), put(QUEUE, "ticket", {**ticket, "title": "Printer jams!"}))
    pull(agent, put(QUEUE, "comment", {**reply, "content": "<p>Thanks!</p>"}))
    assert rowid_of_reply() == before
    assert notices.collect(agent) == []


def test_a_ticket_new_to_the_cache_brings_its_history_silently(agent: Store, world: World) -> None:
    """A ticket handed over to Alice arrives with everything said on it before: only the
    assignment is news."""
    pull(
        agent, put(QUEUE, "comment", later(comment_row(world.ticket(1009), world.requester, "<p>a</p>"), 10))
    )
    notices.collect(agent)  # the cache has seen rows up to minute 10
    ticket = world.ticket(1005, assignee_id=str(world.agent))
    pull(
        agent,
        put(QUEUE, "ticket", ticket),
        put(QUEUE, "comment", later(comment_row(ticket, world.requester, "<p>Old reply</p>"), 2)),
        put(
            QUEUE,
            "ticket_event",
            later(event_row(ticket, world.requester, "priority", "High", "Critical"), 3),
        ),
        put(
            QUEUE,
            "ticket_event",
            later(event_row(ticket, world.other_agent, "assignee_id", None, str(world.agent)), 20),
        ),
    )
    assert kinds(notices.collect(agent)) == [NoticeKind.ASSIGNED]


def test_an_automatic_assignment_says_so_instead_of_naming_the_requester(agent: Store, world: World) -> None:
    """The server assigns a new ticket as it is created, in the creator's name: the notice says
    "automatically"; an assignment by the same person later is theirs."""
    notices.collect(agent)
    created = at(30)
    ticket = {**world.ticket(1006, assignee_id=str(world.agent)), "created_at": created}
    pull(
        agent,
        put(QUEUE, "ticket", ticket),
        put(
            QUEUE,
            "ticket_event",
            later(event_row(ticket, world.requester, "assignee_id", None, str(world.agent)), 30),
        ),
    )
    [automatic] = notices.collect(agent)
    assert automatic.kind == NoticeKind.ASSIGNED
    assert automatic.title == "TKT-1006 was assigned to you automatically"

    pull(
        agent,
        put(
            QUEUE,
            "ticket_event",
            later(event_row(ticket, world.other_agent, "assignee_id", None, str(world.agent)), 31),
        ),
    )
    [by_hand] = notices.collect(agent)
    assert by_hand.title == "Bob assigned TKT-1006 to you"


def test_a_user_hears_of_staff_replies_and_resolution(user: Store, world: World) -> None:
    bucket = visibility.requester_bucket(world.requester)
    ticket = world.ticket(assignee_id=str(world.agent))
    pull(user, put(bucket, "ticket", ticket))
    notices.collect(user)
    pull(
        user,
        put(bucket, "comment", later(comment_row(ticket, world.agent, "<p>Try this</p>"), 1)),
        put(bucket, "comment", later(comment_row(ticket, world.requester, "<p>Did not help</p>"), 2)),
        put(
            bucket, "ticket_event", later(event_row(ticket, world.agent, "status", "Open", "In Progress"), 3)
        ),
        put(
            bucket,
            "ticket_event",
            later(event_row(ticket, world.agent, "status", "In Progress", "Resolved"), 4),
        ),
        # staff kinds never reach a user
        put(bucket, "ticket_event", later(event_row(ticket, world.agent, "priority", "High", "Critical"), 5)),
        put(
            bucket,
            "ticket_event",
            later(event_row(ticket, world.other_agent, "assignee_id", None, str(world.requester)), 6),
        ),
    )
    found = notices.collect(user)
    assert kinds(found) == [NoticeKind.AGENT_REPLY, NoticeKind.RESOLVED]
    assert found[0].title == "Alice replied on TKT-1001" and found[1].title == "TKT-1001 was resolved"


def test_after_a_reset_the_next_look_starts_over(agent: Store, world: World) -> None:
    ticket = world.ticket(assignee_id=str(world.agent))
    pull(agent, put(QUEUE, "ticket", ticket))
    notices.collect(agent)
    notices.forget_marks(agent)
    pull(agent, put(QUEUE, "comment", later(comment_row(ticket, world.requester, "<p>Hi</p>"), 1)))
    assert notices.collect(agent) == []


def test_many_notices_make_one_summary_and_switched_off_kinds_go() -> None:
    def notice(kind: NoticeKind, ticket: str) -> Notice:
        return Notice(kind, ticket, "t", "m")

    burst = [notice(NoticeKind.REQUESTER_REPLY, f"t{n % 3}") for n in range(9)] + [
        notice(NoticeKind.ASSIGNED, "t9")
    ]
    summary = summarize(burst)
    assert summary is not None
    assert summary.title == "10 updates on 4 tickets"
    assert summary.message == "assigned to you: 1, requester replies: 9"
    assert summarize(burst[:SUMMARY_OVER]) is None  # a few are shown one by one

    on = set(kinds_for(Role.AGENT)) - {NoticeKind.REQUESTER_REPLY}
    assert enabled_only(burst, on) == [burst[-1]]
    assert set(kinds_for(Role.USER)) == {NoticeKind.AGENT_REPLY, NoticeKind.RESOLVED}
    assert set(kinds_for(Role.ADMIN)) == set(kinds_for(Role.AGENT))


def test_the_switches_are_kept_per_account(tmp_path: Path) -> None:
    path = tmp_path / "notifications.json"
    alice, bob = NoticeSettings("s|alice", path), NoticeSettings("s|bob", path)
    assert alice.is_enabled(NoticeKind.CRITICAL)  # everything is on at first
    alice.set_enabled(NoticeKind.CRITICAL, False)
    bob.set_enabled(NoticeKind.ASSIGNED, False)
    again = NoticeSettings("s|alice", path)
    assert not again.is_enabled(NoticeKind.CRITICAL) and again.is_enabled(NoticeKind.ASSIGNED)
    assert bob.enabled(kinds_for(Role.AGENT)) == {
        NoticeKind.REQUESTER_REPLY,
        NoticeKind.CRITICAL,
        NoticeKind.SERVICE_LEVEL,
    }
    alice.set_enabled(NoticeKind.CRITICAL, True)
    assert NoticeSettings("s|alice", path).is_enabled(NoticeKind.CRITICAL)
    assert json.loads(path.read_text()) == {
        "accounts": {"s|alice": {"off": []}, "s|bob": {"off": ["assigned"]}}
    }
    path.write_text("not json")
    assert NoticeSettings("s|alice", path).is_enabled(NoticeKind.CRITICAL)  # a damaged file: defaults


def test_service_level_lines_notify_the_assignee_or_everyone_while_unassigned(
    agent: Store, world: World
) -> None:
    mine = world.ticket(1001, assignee_id=str(world.agent))
    unassigned = world.ticket(1002, title="Wi-Fi drops")
    theirs = world.ticket(1003, assignee_id=str(world.other_agent), title="VPN")
    pull(agent, *(put(QUEUE, "ticket", t) for t in (mine, unassigned, theirs)))

    def line(ticket: dict[str, Any], field: str, minutes: int) -> Any:
        row = {**event_row(ticket, world.agent, field, "first_response", at(30)), "actor_id": None}
        return put(INTERNAL, "ticket_event", later(row, minutes))

    pull(
        agent,
        line(mine, "sla_warning", 1),
        line(unassigned, "sla_breached", 2),
        line(theirs, "sla_breached", 3),
    )
    found = notices.collect(agent)
    assert kinds(found) == [NoticeKind.SERVICE_LEVEL, NoticeKind.SERVICE_LEVEL]
    assert [n.title for n in found] == [
        "TKT-1001: first response target due soon",
        "TKT-1002 missed its first response target",
    ]
