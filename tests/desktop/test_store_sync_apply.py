"""Applying pulls to the cache: server truth plus replayed pending intent, settling answered
mutations, rejections kept as problems, and the bucket bookkeeping that removes rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from desktop.store import Store, commands, outbox, problem_commands, queries, records, schema, state
from desktop.sync import apply
from desktop.sync.push import push_all
from tests.helpers.store import World, comment_row, open_store, page, pull, put, remove
from ticketing import visibility
from ticketing.domain import Role, Status
from ticketing.protocol import (
    DIRECTORY_USER_FIELDS,
    Change,
    Mutation,
    MutationResult,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
)

QUEUE, INTERNAL, DIRECTORY, PEOPLE = (
    visibility.QUEUE,
    visibility.QUEUE_INTERNAL,
    visibility.DIRECTORY,
    visibility.PEOPLE,
)


class Answers:
    """A push endpoint that answers each mutation with ``answer(mutation)``."""

    def __init__(self, answer: Callable[[Mutation], MutationResult] | None = None) -> None:
        self.answer = answer or (lambda m: MutationResult(id=m.id, status="applied"))
        self.received: list[Mutation] = []

    def push(self, body: PushRequest) -> PushResponse:
        self.received += body.mutations
        results = [self.answer(m) for m in body.mutations]
        return PushResponse(results=results, last_mutation_id=max(m.id for m in body.mutations))

    def pull(self, body: PullRequest) -> PullResponse:
        raise AssertionError("not used")


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def requester(tmp_path: Path, world: World) -> Store:
    store = open_store(tmp_path / "uma", world.requester, Role.USER)
    pull(store, *world.reference(for_staff=False))
    return store


@pytest.fixture
def agent(tmp_path: Path, world: World) -> Store:
    store = open_store(tmp_path / "alice", world.agent, Role.AGENT)
    pull(store, *world.reference(for_staff=True))
    return store


def _mine(world: World) -> str:
    return visibility.requester_bucket(world.requester)


def _count(store: Store, table: Any) -> int:
    with store.read() as conn:
        return conn.scalar(select(func.count()).select_from(table)) or 0


def test_the_number_arrives_and_the_draft_settles(requester: Store, world: World) -> None:
    ticket_id = commands.create_ticket(
        requester, title="VPN", description="drops", category_id=world.category["id"]
    )
    push_all(requester, Answers())
    row = queries.ticket(requester, ticket_id)
    assert row is not None and row.is_draft and row.pending  # answered, but its row is not here yet

    server_row = world.ticket(number=1042, id=ticket_id, title="VPN", description="drops")
    pull(requester, put(_mine(world), "ticket", server_row))
    row = queries.ticket(requester, ticket_id)
    assert row is not None
    assert (row.display_number, row.pending) == ("TKT-1042", False)
    assert _count(requester, schema.outbox) == 0
    assert _count(requester, schema.shadows) == 0


def test_answered_mutations_stay_replayed_until_the_last_page(agent: Store, world: World) -> None:
    ticket = world.ticket()
    pull(agent, put(QUEUE, "ticket", ticket))
    commands.change_priority(agent, ticket["id"], "High")
    push_all(agent, Answers())
    unrelated = world.ticket(number=1002)
    apply.apply_page(agent, page([put(QUEUE, "ticket", unrelated)], has_more=True), final=False)
    row = queries.ticket(agent, ticket["id"])
    assert row is not None and (row.priority, row.pending) == ("High", True)
    apply.apply_page(
        agent, page([put(QUEUE, "ticket", {**ticket, "priority": "High", "version": 2})]), final=True
    )
    row = queries.ticket(agent, ticket["id"])
    assert row is not None and (row.priority, row.pending) == ("High", False)


def test_pending_intent_is_replayed_on_top_of_newer_server_rows(agent: Store, world: World) -> None:
    ticket = world.ticket()
    pull(agent, put(QUEUE, "ticket", ticket))
    commands.change_priority(agent, ticket["id"], "High")
    commands.add_comment(agent, ticket["id"], "looking", is_internal=True)
    # meanwhile someone renamed it and another agent took it on the server
    newer = {
        **ticket,
        "title": "Printer on fire",
        "assignee_id": str(world.other_agent),
        "status": "In Progress",
    }
    pull(agent, put(QUEUE, "ticket", newer))
    detail = queries.ticket_detail(agent, ticket["id"])
    assert detail is not None
    assert (detail.ticket.title, detail.ticket.priority, detail.ticket.assignee_name) == (
        "Printer on fire",
        "High",
        "Bob",
    )
    assert [(c.content, c.pending) for c in detail.comments] == [("looking", True)]
    assert [p.name for p in detail.pending] == ["update_ticket", "add_comment"]


def test_replay_follows_the_server_rules_against_the_newest_rows(requester: Store, world: World) -> None:
    ticket = world.ticket(status="Resolved")
    pull(requester, put(_mine(world), "ticket", ticket))
    commands.reopen_ticket(requester, ticket["id"])
    row = queries.ticket(requester, ticket["id"])
    assert row is not None and row.status == Status.OPEN
    # an agent closed it meanwhile: a requester cannot reopen a closed ticket, so neither does replay
    pull(requester, put(_mine(world), "ticket", {**ticket, "status": "Closed"}))
    row = queries.ticket(requester, ticket["id"])
    assert row is not None and (row.status, row.pending) == (Status.CLOSED, True)


def test_field_edits_replay_like_the_servers_conflict_rule(agent: Store, world: World) -> None:
    ticket = world.ticket()
    pull(agent, put(QUEUE, "ticket", ticket))
    commands.change_priority(agent, ticket["id"], "High")
    commands.assign(agent, ticket["id"], world.agent)
    # someone else set Low and assigned Bob: our bases no longer match, the server's values stay
    pull(agent, put(QUEUE, "ticket", {**ticket, "priority": "Low", "assignee_id": str(world.other_agent)}))
    row = queries.ticket(agent, ticket["id"])
    assert row is not None and (row.priority, row.assignee_name) == ("Low", "Bob")


def test_a_rejected_comment_is_rolled_back_and_its_text_kept(requester: Store, world: World) -> None:
    ticket = world.ticket()
    pull(requester, put(_mine(world), "ticket", ticket))
    text = "<p>Here is <b>everything</b> I tried, in detail.</p>"
    comment_id = commands.add_comment(requester, ticket["id"], text)
    answers = Answers(
        lambda m: MutationResult(id=m.id, status="rejected", code="read_only", message="Closed.")
    )
    summary = push_all(requester, answers)
    assert (summary.sent, summary.rejected) == (1, 1)

    detail = queries.ticket_detail(requester, ticket["id"])
    assert detail is not None and detail.comments == [] and not detail.ticket.pending
    assert detail.ticket.has_problem
    [problem] = queries.problems(requester)
    assert (problem.status, problem.code, problem.message, problem.name) == (
        "rejected",
        "read_only",
        "Closed.",
        "add_comment",
    )
    assert problem.args["content"] == text and problem.args["id"] == comment_id
    assert problem.ticket_id == ticket["id"]
    assert _count(requester, schema.outbox) == 0 and _count(requester, schema.shadows) == 0


def test_a_rejected_ticket_disappears_but_its_title_and_text_are_kept(requester: Store, world: World) -> None:
    ticket_id = commands.create_ticket(
        requester, title="Laptop", description="<p>It will not boot.</p>", category_id=world.category["id"]
    )
    commands.add_comment(requester, ticket_id, "Tried safe mode too")
    push_all(
        requester,
        Answers(lambda m: MutationResult(id=m.id, status="rejected", code="invalid", message="No.")),
    )
    assert queries.ticket(requester, ticket_id) is None
    problems = queries.problems(requester)
    assert [(p.name, p.code) for p in problems] == [("create_ticket", "invalid"), ("add_comment", "invalid")]
    assert (
        problems[0].args["title"] == "Laptop"
        and problems[0].args["description"] == "<p>It will not boot.</p>"
    )
    assert problems[1].args["content"] == "Tried safe mode too"


def test_a_conflict_is_recorded_with_the_servers_values_and_can_be_applied_again(
    agent: Store, world: World
) -> None:
    ticket = world.ticket()
    pull(agent, put(QUEUE, "ticket", ticket))
    commands.change_priority(agent, ticket["id"], "High")

    def conflict(m: Mutation) -> MutationResult:
        return MutationResult(
            id=m.id,
            status="conflict",
            code="field_conflict",
            message="changed",
            server_values={"priority": "Low"},
        )

    push_all(agent, Answers(conflict))
    pull(agent, put(QUEUE, "ticket", {**ticket, "priority": "Low"}))  # the server's row
    row = queries.ticket(agent, ticket["id"])
    assert row is not None and (row.priority, row.pending, row.has_problem) == ("Low", False, True)
    [problem] = queries.problems(agent, ticket["id"])
    assert (problem.status, problem.server_values) == ("conflict", {"priority": "Low"})
    assert problem.args["changes"]["priority"] == {"base": "Medium", "new": "High"}

    problem_commands.reapply_problem(agent, problem.id)
    row = queries.ticket(agent, ticket["id"])
    assert row is not None and (row.priority, row.pending, row.has_problem) == ("High", True, False)
    with agent.read() as conn:
        [queued] = outbox.for_ticket(conn, ticket["id"])
    assert queued.args["changes"] == {"priority": {"base": "Low", "new": "High"}}


def test_a_row_stays_while_any_bucket_holds_it(agent: Store, world: World) -> None:
    ticket = world.ticket(assignee_id=str(world.agent))
    mine = visibility.assignee_bucket(world.agent)
    pull(agent, put(QUEUE, "ticket", ticket), put(mine, "ticket", ticket))
    pull(agent, remove(mine, "ticket", ticket["id"]))
    assert queries.ticket(agent, ticket["id"]) is not None
    pull(agent, remove(QUEUE, "ticket", ticket["id"]))
    assert queries.ticket(agent, ticket["id"]) is None
    assert _count(agent, schema.row_buckets) == len(world.reference(for_staff=True))


def test_removed_buckets_drop_rows_held_only_through_them(agent: Store, world: World) -> None:
    """An agent demoted to requester: internal notes and other people's tickets go."""
    own = world.ticket(submitter_id=str(world.agent))
    others = world.ticket(number=1002)
    public = comment_row(own, world.requester, "public reply")
    note = comment_row(own, world.agent, "internal note", is_internal=True)
    agent_bucket = visibility.requester_bucket(world.agent)
    pull(
        agent,
        put(QUEUE, "ticket", own),
        put(agent_bucket, "ticket", own),
        put(QUEUE, "ticket", others),
        put(QUEUE, "comment", public),
        put(agent_bucket, "comment", public),
        put(INTERNAL, "comment", note),
    )
    with agent.read() as conn:
        assert set(state.load_cursors(conn)) >= {QUEUE, INTERNAL, agent_bucket}

    pull(agent, removed=[QUEUE, INTERNAL, PEOPLE], cursors={agent_bucket: "200:1", DIRECTORY: "200:2"})
    assert [t.id for t in queries.list_tickets(agent)] == [own["id"]]
    detail = queries.ticket_detail(agent, own["id"])
    assert detail is not None and [c.content for c in detail.comments] == ["public reply"]
    with agent.read() as conn:
        assert set(state.load_cursors(conn)) == {agent_bucket, DIRECTORY}
        assert (
            conn.scalar(select(func.count()).where(schema.row_buckets.c.bucket.in_([QUEUE, INTERNAL]))) == 0
        )


def test_directory_rows_merge_and_lose_what_only_a_departed_bucket_carried(
    agent: Store, world: World
) -> None:
    bob = next(row for row in world.users if row["name"] == "Bob")
    pull(agent, put(DIRECTORY, "user", {**bob, "name": "Robert"}, fields=DIRECTORY_USER_FIELDS))
    with agent.read() as conn:
        merged = records.read(conn, "user", bob["id"])
    assert merged is not None and (merged["name"], merged["email"]) == ("Robert", bob["email"])  # not nulled

    pull(agent, removed=[PEOPLE], cursors={DIRECTORY: "300:1"})
    with agent.read() as conn:
        kept = records.read(conn, "user", bob["id"])
        requester_row = records.read(conn, "user", str(world.requester))
    assert kept is not None and (kept["name"], kept["email"]) == (
        "Robert",
        None,
    )  # the directory shows no email
    assert requester_row is None  # held only through `people`


def test_losing_sight_of_a_ticket_with_pending_changes(agent: Store, world: World) -> None:
    ticket = world.ticket()
    pull(agent, put(QUEUE, "ticket", ticket))
    commands.add_comment(agent, ticket["id"], "on it")
    pull(agent, remove(QUEUE, "ticket", ticket["id"]))
    assert queries.ticket(agent, ticket["id"]) is None
    assert queries.ticket_detail(agent, ticket["id"]) is None
    assert _count(agent, schema.comments) == 0
    push_all(
        agent,
        Answers(lambda m: MutationResult(id=m.id, status="rejected", code="not_found", message="Gone.")),
    )
    assert [p.args["content"] for p in queries.problems(agent)] == ["on it"]
    assert _count(agent, schema.shadows) == 0


def test_a_reset_wipes_server_rows_but_keeps_the_outbox(requester: Store, world: World) -> None:
    ticket = world.ticket()
    pull(requester, put(_mine(world), "ticket", ticket))
    commands.add_comment(requester, ticket["id"], "any news?")
    draft = commands.create_ticket(requester, title="New", description="d", category_id=world.category["id"])
    push_all(requester, Answers())  # answered, not settled yet
    apply.reset(requester, "epoch-2")
    assert [t.id for t in queries.list_tickets(requester)] == [draft]  # the draft is replayed from the outbox
    assert _count(requester, schema.categories) == 0
    with requester.read() as conn:
        assert state.load_cursors(conn) == {} and state.db_epoch(conn) == "epoch-2"
        assert [m.state for m in outbox.to_push(conn, 10)] == ["pending", "pending"]  # asked again
    pull(
        requester, put(_mine(world), "ticket", ticket), epoch="epoch-2"
    )  # refilled: the comment is back on it
    detail = queries.ticket_detail(requester, ticket["id"])
    assert detail is not None and [c.content for c in detail.comments] == ["any news?"]


def test_a_page_applies_completely_or_not_at_all(
    agent: Store, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = world.ticket(), world.ticket(number=1002)
    with agent.read() as conn:
        cursors_before = state.load_cursors(conn)
    real_merge_many = records.merge_many

    def failing_merge_many(conn: Any, entity: str, rows: Iterable[dict[str, Any]]) -> None:
        real_merge_many(conn, entity, rows)  # the rows are written, then the disk fills up
        raise OSError("disk full")

    monkeypatch.setattr(records, "merge_many", failing_merge_many)
    with pytest.raises(OSError):
        pull(agent, put(QUEUE, "ticket", first), put(QUEUE, "ticket", second), cursors={QUEUE: "900:9"})
    monkeypatch.undo()
    assert queries.list_tickets(agent) == []
    with agent.read() as conn:
        assert state.load_cursors(conn) == cursors_before


def test_changes_of_unknown_entities_are_skipped(agent: Store, world: World) -> None:
    future = Change(
        bucket="kb_all", entity="kb_article", op="PUT", id=world.agent, row={"id": str(world.agent)}
    )
    pull(agent, future, put(QUEUE, "ticket", world.ticket()))
    assert len(queries.list_tickets(agent)) == 1


def test_settling_reports_what_changed(agent: Store, world: World) -> None:
    ticket = world.ticket()
    pull(agent, put(QUEUE, "ticket", ticket))
    commands.change_priority(agent, ticket["id"], "High")
    push_all(agent, Answers())
    change = apply.apply_page(agent, page([put(QUEUE, "ticket", {**ticket, "priority": "High"})]), final=True)
    assert change.tickets == {ticket["id"]} and change.outbox and not change.queued


def test_only_mutations_the_server_says_a_pull_includes_settle(agent: Store, world: World) -> None:
    ticket = world.ticket()
    pull(agent, put(QUEUE, "ticket", ticket))
    commands.change_priority(agent, ticket["id"], "High")
    commands.change_category(agent, ticket["id"], world.other_category["id"])
    push_all(agent, Answers())
    # the second change committed behind an older transaction: this pull cannot include it yet
    pull(agent, put(QUEUE, "ticket", {**ticket, "priority": "High"}), last_mutation_id=1)
    row = queries.ticket(agent, ticket["id"])
    assert row is not None and (row.priority, row.category_name, row.pending) == ("High", "Network", True)
    with agent.read() as conn:
        assert [m.id for m in outbox.for_ticket(conn, ticket["id"])] == [2]
        assert outbox.count_answered(conn) == 1
    changed = {**ticket, "priority": "High", "category_id": world.other_category["id"]}
    pull(agent, put(QUEUE, "ticket", changed), last_mutation_id=2)
    row = queries.ticket(agent, ticket["id"])
    assert row is not None and (row.category_name, row.pending) == ("Network", False)


class OrderedServer:
    """A push endpoint that, like the real one, applies ids in order and stops at a gap."""

    def __init__(self, last: int = 0) -> None:
        self.last = last
        self.applied: list[tuple[int, str]] = []

    def push(self, body: PushRequest) -> PushResponse:
        results = []
        for mutation in body.mutations:
            if mutation.id <= self.last:
                results.append(MutationResult(id=mutation.id, status="applied", code="already_applied"))
                continue
            if mutation.id != self.last + 1:
                break
            self.last = mutation.id
            self.applied.append((mutation.id, mutation.name))
            results.append(MutationResult(id=mutation.id, status="applied"))
        return PushResponse(results=results, last_mutation_id=self.last)

    def pull(self, body: PullRequest) -> PullResponse:
        raise AssertionError("not used")


def test_pending_mutations_are_renumbered_when_the_server_expects_lower_ids(
    agent: Store, world: World
) -> None:
    ticket = world.ticket()
    pull(agent, put(QUEUE, "ticket", ticket))
    for priority in ("High", "Low", "Medium"):
        commands.change_priority(agent, ticket["id"], priority)
    push_all(agent, OrderedServer())
    pull(agent, put(QUEUE, "ticket", ticket))  # settled: ids 1-3 are gone
    commands.change_priority(agent, ticket["id"], "High")
    commands.add_comment(agent, ticket["id"], "after the restore")

    restored = OrderedServer(last=0)  # a server restored from a backup without this client
    summary = push_all(agent, restored)
    assert restored.applied == [(1, "update_ticket"), (2, "add_comment")]
    assert summary.applied == 2
    commands.change_priority(agent, ticket["id"], "Low")
    with agent.read() as conn:
        assert [m.id for m in outbox.for_ticket(conn, ticket["id"])] == [1, 2, 3]


def test_resending_answered_ids_is_harmless(agent: Store, world: World) -> None:
    ticket = world.ticket()
    pull(agent, put(QUEUE, "ticket", ticket))
    commands.change_priority(agent, ticket["id"], "High")
    server = OrderedServer(last=1)  # it applied mutation 1 but its answer was lost on the way
    assert push_all(agent, server).applied == 1 and server.applied == []
