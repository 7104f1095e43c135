"""The desktop sync engine against a real sync server process: login, initial sync, offline
work that reaches the server, the agent workflow, rejections, conflicts, role changes, resets."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from desktop.net.api import ApiClient, AuthError, Unreachable
from desktop.store import CacheMismatch, Store, commands, files, problem_commands, queries
from desktop.sync import session as sessions
from desktop.sync.backoff import Backoff
from desktop.sync.engine import SyncEngine
from desktop.sync.pull import PullProgress, pull_all
from desktop.sync.status import ErrorKind, SyncStatus
from sync_server.db.session import make_session_factory
from sync_server.services.sync import changelog
from tests.helpers.store import EPOCH, World, open_store, pull
from tests.helpers.sync import Desk, comments_of, field_of, status_of, submit, sync_until, titles
from ticketing.domain import Role, Status
from ticketing.protocol import MutationResult, PullRequest, PullResponse, PushRequest, PushResponse


def test_login_and_initial_sync_see_what_each_role_may_see(desk: Desk) -> None:
    uma, vic, alice = (
        desk.rest("uma@example.com"),
        desk.rest("vic@example.com"),
        desk.rest("alice@example.com"),
    )
    mine = submit(uma, "VPN drops")
    submit(vic, "Printer jams")
    alice.request(
        "POST", f"/api/tickets/{mine['id']}/comments", {"content": "cert expired", "is_internal": True}
    )
    alice.request("POST", f"/api/tickets/{mine['id']}/comments", {"content": "Please reconnect."})

    agent = desk.desktop("alice@example.com")
    report = agent.engine.sync_once()
    assert report.pushed.sent == 0  # (what it pulled may wait for the cluster's xid horizon)
    sync_until(agent, lambda: len(comments_of(agent, mine["id"])) == 2)
    assert titles(agent) == ["Printer jams", "VPN drops"]
    detail = queries.ticket_detail(agent.store, mine["id"])
    assert detail is not None
    assert [(c.content, c.is_internal) for c in detail.comments] == [
        ("cert expired", True),
        ("Please reconnect.", False),
    ]
    assert detail.ticket.display_number == "TKT-1001" and detail.ticket.submitter_name == "Uma"
    assert detail.events[0].field == "created"
    assert len(queries.staff(agent.store)) == 3 and queries.categories(agent.store)

    user = desk.desktop("uma@example.com")
    user.engine.sync_once()
    assert titles(user) == ["VPN drops"]
    detail = queries.ticket_detail(user.store, mine["id"])
    assert detail is not None and [c.content for c in detail.comments] == ["Please reconnect."]
    assert user.engine.status.online is True and user.engine.status.last_sync_at is not None
    assert agent.store.path != user.store.path


def test_a_ticket_made_offline_gets_its_number(desk: Desk) -> None:
    user = desk.desktop("uma@example.com")
    user.engine.sync_once()
    category = queries.categories(user.store)[0].id
    desk.server.kill()

    ticket_id = commands.create_ticket(
        user.store, title="Laptop", description="<p>No boot</p>", category_id=category
    )
    comment_id = commands.add_comment(user.store, ticket_id, "Tried safe mode")
    row = queries.ticket(user.store, ticket_id)
    assert row is not None and (row.display_number, row.pending) == ("Draft", True)
    with pytest.raises(Unreachable):
        user.engine.sync_once()
    status = user.engine.status
    assert (status.online, status.error_kind, status.pending) == (False, ErrorKind.OFFLINE, 2)

    desk.server.start()
    report = user.engine.sync_once()
    assert (report.pushed.sent, report.pushed.applied) == (2, 2)
    sync_until(user, lambda: field_of(user, ticket_id, "number") is not None)
    detail = queries.ticket_detail(user.store, ticket_id)
    assert detail is not None
    assert (detail.ticket.display_number, detail.ticket.pending, detail.pending) == ("TKT-1001", False, [])
    assert [(c.id, c.content, c.pending) for c in detail.comments] == [(comment_id, "Tried safe mode", False)]
    assert user.engine.status.pending == 0 and user.engine.status.online is True
    on_server = desk.rest("alice@example.com").request("GET", "/api/tickets/TKT-1001")
    assert on_server["id"] == ticket_id and on_server["title"] == "Laptop"


def test_the_agent_workflow_round_trip(desk: Desk) -> None:
    user, agent = desk.desktop("uma@example.com"), desk.desktop("alice@example.com")
    user.engine.sync_once()
    ticket_id = commands.create_ticket(
        user.store,
        title="Mail bounces",
        description="since Monday",
        category_id=queries.categories(user.store)[0].id,
    )
    user.engine.sync_once()

    sync_until(agent, lambda: status_of(agent, ticket_id) == Status.OPEN)
    alice = desk.ids["alice@example.com"]
    commands.assign(agent.store, ticket_id, alice)
    commands.change_priority(agent.store, ticket_id, "High")
    commands.add_comment(agent.store, ticket_id, "quota full", is_internal=True)
    commands.add_comment(agent.store, ticket_id, "I raised your quota.")
    commands.change_status(agent.store, ticket_id, Status.RESOLVED)
    assert agent.engine.sync_once().pushed.applied == 5
    sync_until(agent, lambda: field_of(agent, ticket_id, "pending") is False)
    sync_until(agent, lambda: status_of(agent, ticket_id) == Status.RESOLVED)
    row = queries.ticket(agent.store, ticket_id)
    assert row is not None and (row.status, row.priority, row.assignee_name, row.pending) == (
        Status.RESOLVED,
        "High",
        "Alice",
        False,
    )

    sync_until(user, lambda: status_of(user, ticket_id) == Status.RESOLVED)
    detail = queries.ticket_detail(user.store, ticket_id)
    assert detail is not None
    assert (detail.ticket.status, detail.ticket.assignee_name) == (Status.RESOLVED, "Alice")
    assert [c.content for c in detail.comments] == ["I raised your quota."]  # no internal note
    assert {e.field for e in detail.events} >= {"created", "assignee_id", "status", "priority"}

    commands.add_comment(user.store, ticket_id, "Still bouncing")  # reopens
    row = queries.ticket(user.store, ticket_id)
    assert row is not None and (row.status, row.pending) == (Status.OPEN, True)
    # settled once a pull's horizon passes the push (a transaction elsewhere may hold it back)
    sync_until(user, lambda: field_of(user, ticket_id, "pending") is False)
    row = queries.ticket(user.store, ticket_id)
    assert row is not None and (row.status, row.pending) == (Status.OPEN, False)
    sync_until(agent, lambda: status_of(agent, ticket_id) == Status.OPEN)


def test_a_rejected_comment_keeps_its_text(desk: Desk) -> None:
    user = desk.desktop("uma@example.com")
    uma_rest = desk.rest("uma@example.com")
    ticket = submit(uma_rest, "Old issue")
    sync_until(user, lambda: status_of(user, ticket["id"]) == Status.OPEN)
    desk.rest("alice@example.com").request("PATCH", f"/api/tickets/{ticket['id']}", {"status": "Closed"})
    text_ = "<p>One more <b>thing</b> about this</p>"
    commands.add_comment(user.store, ticket["id"], text_)  # the cache still says Open
    report = user.engine.sync_once()
    assert report.pushed.rejected == 1
    sync_until(user, lambda: status_of(user, ticket["id"]) == Status.CLOSED)
    detail = queries.ticket_detail(user.store, ticket["id"])
    assert detail is not None and detail.ticket.status == Status.CLOSED and detail.comments == []
    [problem] = queries.problems(user.store)
    assert (problem.status, problem.code, problem.args["content"]) == ("rejected", "read_only", text_)
    assert user.engine.status.problems == 1


def test_a_conflicting_edit_is_reported_with_the_servers_value(desk: Desk) -> None:
    ticket = submit(desk.rest("uma@example.com"), "Slow PC")
    alice, bob = desk.desktop("alice@example.com"), desk.desktop("bob@example.com")
    sync_until(alice, lambda: status_of(alice, ticket["id"]) == Status.OPEN)
    sync_until(bob, lambda: status_of(bob, ticket["id"]) == Status.OPEN)
    commands.change_priority(alice.store, ticket["id"], "High")
    commands.change_priority(bob.store, ticket["id"], "Low")
    alice.engine.sync_once()
    assert bob.engine.sync_once().pushed.conflicts == 1
    sync_until(bob, lambda: field_of(bob, ticket["id"], "priority") == "High")
    row = queries.ticket(bob.store, ticket["id"])
    assert row is not None and row.priority == "High" and row.has_problem
    [problem] = queries.problems(bob.store)
    assert (problem.status, problem.server_values) == ("conflict", {"priority": "High"})
    problem_commands.reapply_problem(bob.store, problem.id)
    bob.engine.sync_once()
    sync_until(alice, lambda: field_of(alice, ticket["id"], "priority") == "Low")


def test_a_demoted_agent_loses_what_it_may_no_longer_see(desk: Desk) -> None:
    uma = desk.rest("uma@example.com")
    ticket = submit(uma, "Shared drive")
    alice_rest = desk.rest("alice@example.com")
    alice_rest.request(
        "POST", f"/api/tickets/{ticket['id']}/comments", {"content": "perm issue", "is_internal": True}
    )
    own = submit(alice_rest, "My own monitor")
    agent = desk.desktop("alice@example.com")
    sync_until(agent, lambda: titles(agent) == ["My own monitor", "Shared drive"])

    desk.rest("ada@example.com").request(
        "PATCH", f"/api/users/{desk.ids['alice@example.com']}", {"role": "user"}
    )

    def demoted() -> bool:
        with agent.store.read() as conn:
            return agent.store.actor(conn).role == Role.USER and titles(agent) == ["My own monitor"]

    sync_until(agent, demoted)
    assert queries.ticket_detail(agent.store, ticket["id"]) is None
    with agent.store.read() as conn:
        internal = conn.execute(text("SELECT count(*) FROM comments WHERE is_internal")).scalar()
        emails = conn.execute(text("SELECT count(*) FROM users WHERE email IS NOT NULL")).scalar()
    assert internal == 0
    assert emails == 1  # only their own account row keeps an email
    assert queries.ticket(agent.store, own["id"]) is not None


def test_a_restored_server_database_resyncs_and_keeps_the_outbox(desk: Desk, engine: Engine) -> None:
    user = desk.desktop("uma@example.com")
    ticket = submit(desk.rest("uma@example.com"), "Before restore")
    sync_until(user, lambda: titles(user) == ["Before restore"])
    commands.add_comment(user.store, ticket["id"], "written offline")
    with engine.begin() as conn:  # what a restore from backup looks like to clients
        conn.execute(text("UPDATE server_meta SET value = 'restored' WHERE key = 'db_epoch'"))
        conn.execute(text("DELETE FROM sync_mutation_results"))
        conn.execute(text("DELETE FROM sync_clients"))
    report = user.engine.sync_once()
    assert report.pulled.resets == 1
    sync_until(user, lambda: len(comments_of(user, ticket["id"])) == 1)
    detail = queries.ticket_detail(user.store, ticket["id"])
    assert detail is not None and [c.content for c in detail.comments] == ["written offline"]
    assert not detail.ticket.pending


def test_initial_sync_in_pages_reports_progress_and_resumes(desk: Desk) -> None:
    uma = desk.rest("uma@example.com")
    for n in range(12):
        submit(uma, f"Ticket {n:02}")
    admin = desk.desktop("ada@example.com")
    sync_until(admin, lambda: len(titles(admin)) == 12)  # from now on every pull sees them all
    progress: list[PullProgress] = []

    class CutAfterTwoPages:
        def __init__(self, api: ApiClient) -> None:
            self.api, self.pulls = api, 0

        def pull(self, body: PullRequest) -> PullResponse:
            self.pulls += 1
            if self.pulls > 2:
                raise Unreachable("cable pulled")
            return self.api.pull(body)

        def push(self, body: PushRequest) -> PushResponse:
            return self.api.push(body)

    fresh = desk.desktop("bob@example.com")
    full = pull_all(fresh.store, fresh.api, page_size=7, on_progress=progress.append)
    assert full.pages >= 3 and len(progress) == full.pages
    assert [p.done for p in progress] == sorted(p.done for p in progress)
    assert progress[-1].done == progress[-1].total == full.changes
    assert all(p.total >= p.done for p in progress)

    agent = desk.desktop("alice@example.com")  # same buckets as Bob, so the same changes
    cut = SyncEngine(agent.store, CutAfterTwoPages(agent.api), page_size=5)
    with pytest.raises(Unreachable):
        cut.sync_once()
    cut.close()
    with agent.store.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM row_buckets")).scalar() == 10  # two pages kept
    resumed = SyncEngine(agent.store, agent.api, page_size=5)
    report = resumed.sync_once()
    resumed.close()
    assert report.pulled.changes == full.changes - 10  # nothing pulled twice
    assert titles(agent, limit=100) == titles(fresh, limit=100) and len(titles(agent, limit=100)) == 12


def _wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def test_the_background_worker_syncs_local_changes_and_recovers_after_an_outage(desk: Desk) -> None:
    statuses: list[SyncStatus] = []
    lock = threading.Lock()

    def remember(status: SyncStatus) -> None:
        with lock:
            statuses.append(status)

    user = desk.desktop(
        "uma@example.com",
        interval=0.5,  # the periodic sync also picks up what a lagging xid horizon held back
        debounce=0.05,
        backoff=Backoff(initial=0.1, maximum=0.3),
        on_status=remember,
    )
    user.engine.start()
    _wait_for(lambda: user.engine.status.last_sync_at is not None and not user.engine.status.syncing)
    category = queries.categories(user.store)[0].id

    ticket_id = commands.create_ticket(user.store, title="Worker", description="d", category_id=category)
    _wait_for(lambda: (row := queries.ticket(user.store, ticket_id)) is not None and not row.is_draft)

    desk.server.kill()
    commands.add_comment(user.store, ticket_id, "while the server is down")
    _wait_for(lambda: user.engine.status.online is False)
    assert user.engine.status.pending == 1
    desk.server.start()
    user.engine.notify_network_available()
    _wait_for(lambda: user.engine.status.pending == 0 and user.engine.status.online is True)
    user.engine.stop()
    assert not user.engine.running
    with lock:
        assert any(s.syncing for s in statuses) and any(s.error_kind == ErrorKind.OFFLINE for s in statuses)


def test_logout_deletes_the_cache_unless_kept(desk: Desk) -> None:
    first = desk.desktop("uma@example.com")
    first.engine.sync_once()
    path = first.store.path
    commands.create_ticket(
        first.store, title="unsent", description="d", category_id=queries.categories(first.store)[0].id
    )
    with pytest.raises(sessions.UnsyncedChanges):
        sessions.log_out(first)
    first.engine.sync_once()
    sessions.log_out(first)
    assert files.cache_files(path) == []

    kept = desk.desktop("uma@example.com")
    kept.engine.sync_once()
    sessions.log_out(kept, keep_offline=True)
    assert path.exists()

    other = desk.desktop("vic@example.com")  # switching account on the same computer
    assert other.store.path != path and titles(other) == []


def test_resume_refuses_a_bad_token_and_opens_the_cache_offline(desk: Desk) -> None:
    submit(desk.rest("uma@example.com"), "Kept offline")
    user = desk.desktop("uma@example.com")
    sync_until(user, lambda: titles(user) == ["Kept offline"])
    token = user.api.refresh_token
    assert token is not None
    user.engine.close()
    user.store.close()
    with pytest.raises(AuthError):
        sessions.resume(desk.server.url, user.user_id, "tdr_wrong", data_dir=desk.data_dir)
    with pytest.raises(CacheMismatch):  # a remembered token never opens another account's cache
        sessions.resume(desk.server.url, desk.ids["vic@example.com"], token, data_dir=desk.data_dir)
    desk.server.kill()
    offline = sessions.resume(desk.server.url, user.user_id, token, data_dir=desk.data_dir)
    desk.sessions.append(offline)
    assert offline.user is None and titles(offline) == ["Kept offline"]
    with pytest.raises(Unreachable):
        offline.engine.sync_once()


def test_a_fresh_client_pages_through_a_bucket_with_pruned_tombstones(desk: Desk, engine: Engine) -> None:
    admin = desk.rest("ada@example.com")
    admin.request("PATCH", "/api/settings", {"agent_visibility": "assigned"})
    alice, bob = desk.ids["alice@example.com"], desk.ids["bob@example.com"]
    for n in range(6):
        ticket = submit(admin, f"Assigned {n}")
        admin.request("PATCH", f"/api/tickets/{ticket['id']}", {"assignee_id": alice})
    moved = submit(admin, "Moved on")
    admin.request("PATCH", f"/api/tickets/{moved['id']}", {"assignee_id": alice})
    admin.request("PATCH", f"/api/tickets/{moved['id']}", {"assignee_id": bob})  # a REMOVE in alice's bucket
    with engine.begin() as conn:
        conn.execute(text("UPDATE sync_op SET changed_at = now() - interval '100 days' WHERE op = 'REMOVE'"))
    with make_session_factory(engine)() as session, session.begin():
        changelog.prune_tombstones(session)
    agent = desk.desktop("alice@example.com", page_size=5)
    agent.engine.sync_once()
    assert len(titles(agent)) == 6


# --- the engine's own behaviour, with a scripted server -----------------------------------------


class Scripted:
    """A sync server that accepts every mutation and answers pulls from a script."""

    def __init__(self, confirm_after: int = 0) -> None:
        self.failures: list[Exception] = []
        self.pulls = self.pushes = 0
        self.last = 0
        self.confirm_after = confirm_after  # pulls that do not include the last push yet

    def push(self, body: PushRequest) -> PushResponse:
        self.pushes += 1
        if self.failures:
            raise self.failures.pop(0)
        self.last = max([m.id for m in body.mutations] + [self.last])
        results = [MutationResult(id=m.id, status="applied") for m in body.mutations]
        return PushResponse(results=results, last_mutation_id=self.last)

    def pull(self, body: PullRequest) -> PullResponse:
        self.pulls += 1
        if self.failures:
            raise self.failures.pop(0)
        confirmed = self.last if self.confirm_after <= 0 else 0
        self.confirm_after -= 1
        return PullResponse(
            db_epoch=EPOCH, changes=[], cursors={}, has_more=False, remaining=0, last_mutation_id=confirmed
        )


@pytest.fixture
def offline_store(tmp_path: Path) -> Iterator[Store]:
    world = World()
    store = open_store(tmp_path, world.requester, Role.USER)
    pull(store, *world.reference(for_staff=False))
    yield store
    store.close()


def _draft(store: Store) -> str:
    return commands.create_ticket(
        store, title="t", description="d", category_id=queries.categories(store)[0].id
    )


def test_sync_once_pulls_again_until_the_server_includes_our_changes(offline_store: Store) -> None:
    server = Scripted(confirm_after=2)
    engine = SyncEngine(offline_store, server)
    _draft(offline_store)
    report = engine.sync_once()
    assert server.pulls == 3 and report.pulled.unconfirmed == 0
    assert engine.status.pending == 0
    engine.close()


def test_the_worker_backs_off_and_halts_when_the_user_must_act(offline_store: Store) -> None:
    server = Scripted()
    server.failures = [Unreachable("down")] * 3
    engine = SyncEngine(
        offline_store, server, interval=60.0, debounce=0.01, backoff=Backoff(initial=0.05, maximum=0.1)
    )
    engine.start()
    _wait_for(lambda: server.pulls == 4 and not engine.status.syncing)  # three failures, then through
    assert engine.status.online is True
    assert engine.status.error_kind is None and engine.backoff.failures == 0

    server.failures = [AuthError(401, "invalid_token", "Please log in again.")]
    _draft(offline_store)  # a local change wakes the worker
    _wait_for(lambda: engine.status.error_kind == ErrorKind.AUTH)
    pushes = server.pushes
    _draft(offline_store)  # halted: local changes wait for the user
    time.sleep(0.3)
    assert server.pushes == pushes and engine.status.pending == 2
    engine.request_sync()  # logged in again
    _wait_for(lambda: engine.status.pending == 0)
    engine.close()
    assert not engine.running
