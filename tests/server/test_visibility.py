"""Who sees what: the pure rules, the SQL read helpers built on them, and the sync change log.

(a) Properties of ``ticketing.visibility`` and ``ticketing.workflow`` over generated inputs.
(b) The read helpers in ``sync_server.services.sync.readable`` return, for every principal, exactly
    the rows whose buckets meet the principal's subscriptions.
(c) After a realistic run of API calls, every synced row has a PUT op in exactly the buckets it
    is in now and a REMOVE op in each bucket it left, and every change wrote fresh ops.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.orm import Session

from sync_server.app import create_app
from sync_server.db.models import Category, User
from sync_server.db.session import make_session_factory
from sync_server.services.helpdesk import tickets
from sync_server.services.identity import accounts
from sync_server.services.identity.principal import Principal
from sync_server.services.knowledge import articles
from sync_server.services.sync.readable import (
    readable_articles,
    readable_comments,
    readable_events,
    readable_tickets,
)
from tests.helpers.api import Account, login, submit
from ticketing import visibility as vis
from ticketing import workflow
from ticketing.domain import AgentVisibility, ArticleStatus, Role, Status
from ticketing.protocol import ENTITY_FIELDS
from ticketing.schemas import ArticleCreate, CommentCreate, TicketCreate, TicketPatch, UserCreate
from ticketing.workflow import Actor, TicketState

# --- (a) the pure rules ---------------------------------------------------------------------

#: A few ids, so that generated submitters, assignees and actors often coincide.
people = st.sampled_from([uuid.UUID(int=n) for n in range(1, 5)])
maybe_people = st.none() | people
roles = st.sampled_from(list(Role))
settings = st.sampled_from(list(AgentVisibility))
statuses = st.sampled_from(list(Status))
states = st.builds(TicketState, status=statuses, submitter_id=people, assignee_id=maybe_people)
actors = st.builds(Actor, id=people, role=roles)
NOW = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)


@given(user=people, setting=settings)
def test_a_user_subscribes_only_to_their_own_buckets(user: uuid.UUID, setting: AgentVisibility) -> None:
    subscribed = vis.subscriptions(Role.USER, user, setting)
    assert subscribed == {
        vis.requester_bucket(user),
        vis.account_bucket(user),
        vis.DIRECTORY,
        vis.KB_PUBLISHED,
    }
    assert vis.QUEUE_INTERNAL not in subscribed
    assert not any(b.startswith(("assignee", "queue")) for b in subscribed)


@given(user=people, setting=settings, submitter=people, assignee=maybe_people)
def test_internal_notes_never_reach_a_user(
    user: uuid.UUID, setting: AgentVisibility, submitter: uuid.UUID, assignee: uuid.UUID | None
) -> None:
    subscribed = vis.subscriptions(Role.USER, user, setting)
    internal = vis.comment_buckets(submitter, assignee, is_internal=True)
    assert internal == vis.internal_buckets(assignee)
    assert subscribed.isdisjoint(internal)
    assert not vis.can_see(subscribed, internal)


@given(viewer=people, role=roles, setting=settings, owner=people)
def test_only_the_account_itself_subscribes_to_its_account_bucket(
    viewer: uuid.UUID, role: Role, setting: AgentVisibility, owner: uuid.UUID
) -> None:
    subscribed = vis.subscriptions(role, viewer, setting)
    assert (vis.account_bucket(owner) in subscribed) == (viewer == owner)


@given(submitter=people, assignee=maybe_people)
def test_internal_and_public_buckets_never_overlap(submitter: uuid.UUID, assignee: uuid.UUID | None) -> None:
    public = vis.comment_buckets(submitter, assignee, is_internal=False)
    assert public == vis.ticket_buckets(submitter, assignee)
    assert public.isdisjoint(vis.internal_buckets(assignee))


@given(
    viewer=people,
    role=roles,
    setting=settings,
    submitter=people,
    assignee=maybe_people,
    internal=st.booleans(),
)
def test_who_sees_a_ticket_and_its_comments(
    viewer: uuid.UUID,
    role: Role,
    setting: AgentVisibility,
    submitter: uuid.UUID,
    assignee: uuid.UUID | None,
    internal: bool,
) -> None:
    """The rules of the seed, spelled out once more without buckets."""
    subscribed = vis.subscriptions(role, viewer, setting)
    if role == Role.USER:
        expected = viewer == submitter and not internal
    elif role == Role.AGENT and setting == AgentVisibility.ASSIGNED:
        expected = viewer == assignee
    else:
        expected = True
    assert vis.can_see(subscribed, vis.comment_buckets(submitter, assignee, internal)) == expected
    if not internal:
        assert vis.can_see(subscribed, vis.ticket_buckets(submitter, assignee)) == expected


@given(viewer=people, viewer_role=roles, setting=settings, row=people, row_role=roles)
def test_who_sees_an_account(
    viewer: uuid.UUID, viewer_role: Role, setting: AgentVisibility, row: uuid.UUID, row_role: Role
) -> None:
    subscribed = vis.subscriptions(viewer_role, viewer, setting)
    seen = vis.can_see(subscribed, vis.user_buckets(row, row_role))
    if viewer_role.is_staff:
        assert seen  # staff see every account
    else:
        assert seen == (row == viewer or row_role.is_staff)  # a user: themselves and the staff names
    assert vis.can_see(subscribed, vis.reference_buckets())


@given(viewer=people, setting=settings)
def test_admin_and_agent_subscriptions(viewer: uuid.UUID, setting: AgentVisibility) -> None:
    agent = vis.subscriptions(Role.AGENT, viewer, setting)
    admin = vis.subscriptions(Role.ADMIN, viewer, setting)
    assert admin - agent >= {vis.ADMIN}
    assert vis.ADMIN not in agent
    assert {vis.QUEUE, vis.QUEUE_INTERNAL} <= admin  # the setting limits agents, never admins
    assert (vis.QUEUE in agent) == (setting == AgentVisibility.ALL)


@given(submitter=people, assignee=maybe_people, internal=st.booleans())
def test_buckets_parse_back(submitter: uuid.UUID, assignee: uuid.UUID | None, internal: bool) -> None:
    for bucket in vis.comment_buckets(submitter, assignee, internal):
        kind, owner = vis.parse_bucket(bucket)
        assert (f"{kind}:{owner}" if owner else kind) == bucket
        assert (owner is None) == (bucket in (vis.QUEUE, vis.QUEUE_INTERNAL))


@given(actor=actors, ticket=states)
def test_allowed_transitions_never_contain_the_current_status(actor: Actor, ticket: TicketState) -> None:
    assert ticket.status not in workflow.allowed_transitions(actor, ticket)


@given(actor=actors, ticket=states)
def test_requesters_never_get_staff_transitions(actor: Actor, ticket: TicketState) -> None:
    allowed = workflow.allowed_transitions(actor, ticket)
    if actor.role == Role.USER:
        if actor.id == ticket.submitter_id:
            assert allowed == workflow.REQUESTER_TRANSITIONS[ticket.status]
            assert allowed <= {Status.CLOSED, Status.OPEN}
            assert Status.RESOLVED not in allowed and Status.IN_PROGRESS not in allowed
        else:
            assert allowed == frozenset()
    else:
        assert allowed >= workflow.STAFF_TRANSITIONS[ticket.status]


@given(actor=actors, ticket=states, to=statuses)
def test_check_transition_agrees_with_allowed_transitions(
    actor: Actor, ticket: TicketState, to: Status
) -> None:
    allowed = to in workflow.allowed_transitions(actor, ticket)
    try:
        workflow.check_transition(actor, ticket, to)
    except workflow.WorkflowError as error:
        assert not allowed
        assert error.code in ("forbidden", "illegal_transition")
        if actor.role == Role.USER and actor.id != ticket.submitter_id and to != ticket.status:
            assert error.code == "forbidden"
    else:
        assert allowed


@given(actor=actors, ticket=states, internal=st.booleans())
def test_who_may_comment(actor: Actor, ticket: TicketState, internal: bool) -> None:
    try:
        workflow.check_comment(actor, ticket, internal)
        permitted = True
    except workflow.WorkflowError:
        permitted = False
    requester_may = actor.id == ticket.submitter_id and not internal and ticket.status != Status.CLOSED
    assert permitted == (actor.role.is_staff or requester_may)


@given(actor=actors, ticket=states, internal=st.booleans())
def test_only_a_requesters_reply_reopens_a_resolved_ticket(
    actor: Actor, ticket: TicketState, internal: bool
) -> None:
    changes = workflow.comment_changes(actor, ticket, internal, NOW)
    reopens = not internal and actor.id == ticket.submitter_id and ticket.status == Status.RESOLVED
    assert (changes.get("status") == Status.OPEN) == reopens
    assert bool(changes) == reopens


@given(ticket=states, assignee=maybe_people)
def test_assigning_an_open_ticket_starts_work(ticket: TicketState, assignee: uuid.UUID | None) -> None:
    changes = workflow.assign_changes(ticket, assignee)
    assert changes["assignee_id"] == assignee
    if assignee is not None and ticket.status == Status.OPEN:
        assert changes["status"] == Status.IN_PROGRESS
    else:
        assert "status" not in changes


@given(actor=actors, ticket=states, field=st.sampled_from(sorted(workflow.EDITABLE_FIELDS)))
def test_who_may_edit(actor: Actor, ticket: TicketState, field: str) -> None:
    try:
        workflow.check_edit(actor, ticket, field)
        permitted = True
    except workflow.WorkflowError:
        permitted = False
    requester_may = actor.id == ticket.submitter_id and ticket.status == Status.OPEN
    assert permitted == (actor.role.is_staff or requester_may)


@given(start=statuses, to=statuses)
def test_transition_timestamps(start: Status, to: Status) -> None:
    changes = workflow.transition_changes(start, to, NOW)
    assert changes["status"] == to
    assert (changes["closed_at"] is not None) == (to == Status.CLOSED)
    if to == Status.RESOLVED:
        assert changes["resolved_at"] == NOW
    elif to != Status.CLOSED:
        assert changes["resolved_at"] is None


def test_staff_can_reach_every_status_from_every_status() -> None:
    reachable = {s: set(workflow.STAFF_TRANSITIONS[s]) for s in Status}
    for _ in Status:
        for s in Status:
            reachable[s] |= {t for r in reachable[s] for t in workflow.STAFF_TRANSITIONS[r]}
    assert all(reachable[s] >= set(Status) - {s} for s in Status)


# --- (b) the SQL read helpers against the rules ---------------------------------------------


def _create_user(session: Session, email: str, role: Role) -> User:
    return accounts.create_user(
        session, UserCreate(email=email, name=email.split("@", maxsplit=1)[0], role=role, password="x" * 8)
    )


@dataclass
class Mixed:
    users: list[User]
    ticket_count: int


def _build_mixed(session: Session) -> Mixed:
    users = [
        _create_user(session, "u1@example.com", Role.USER),
        _create_user(session, "u2@example.com", Role.USER),
        _create_user(session, "u3@example.com", Role.USER),
        _create_user(session, "a1@example.com", Role.AGENT),
        _create_user(session, "a2@example.com", Role.AGENT),
        _create_user(session, "boss@example.com", Role.ADMIN),
    ]
    u1, u2, _u3, a1, a2, boss = users
    category = session.scalars(select(Category)).first()
    assert category is not None
    staff = Principal(boss, AgentVisibility.ALL)
    count = 0
    # every submitter that files tickets (an agent files one too) x every assignee, one note each
    for submitter, assignee in itertools.product((u1, u2, a1), (None, a1, a2, boss)):
        author = Principal(submitter, AgentVisibility.ALL)
        ticket = tickets.create_ticket(
            session, author, TicketCreate(title=f"t{count}", description="<p>d</p>", category_id=category.id)
        )
        key = str(ticket.id)
        if assignee is not None:
            tickets.update_ticket(session, staff, key, TicketPatch(assignee_id=assignee.id))
        tickets.add_comment(session, author, key, CommentCreate(content="public question"))
        tickets.add_comment(session, staff, key, CommentCreate(content="staff note", is_internal=True))
        if count % 3 == 0:
            tickets.update_ticket(session, staff, key, TicketPatch(status=Status.ON_HOLD, priority="High"))
        count += 1
    for n, status in enumerate((ArticleStatus.DRAFT, ArticleStatus.PUBLISHED, ArticleStatus.PUBLISHED)):
        made = articles.create_article(
            session, Principal(a1, AgentVisibility.ASSIGNED), ArticleCreate(title=f"a{n}", body="<p>b</p>")
        )
        articles.set_status(session, staff, made.id, status)
    return Mixed(users, count)


def test_read_helpers_return_exactly_what_the_buckets_allow(engine: Engine) -> None:
    with make_session_factory(engine)() as session, session.begin():
        mixed = _build_mixed(session)
        owners = {
            row.id: (row.submitter_id, row.assignee_id)
            for row in session.execute(text("SELECT id, submitter_id, assignee_id FROM tickets"))
        }
        comments = session.execute(text("SELECT id, ticket_id, is_internal FROM comments")).all()
        events = session.execute(text("SELECT id, ticket_id FROM ticket_events")).all()
        kb = session.execute(text("SELECT id, status FROM articles")).all()
        assert len(owners) == mixed.ticket_count == 12
        assert sum(c.is_internal for c in comments) == 12

        checked = 0
        for user, setting in itertools.product(mixed.users, AgentVisibility):
            principal = Principal(user, setting)
            subscribed = principal.buckets
            want_tickets = {
                t for t, (s, a) in owners.items() if vis.can_see(subscribed, vis.ticket_buckets(s, a))
            }
            want_comments = {
                c.id
                for c in comments
                if vis.can_see(subscribed, vis.comment_buckets(*owners[c.ticket_id], c.is_internal))
            }
            want_events = {
                e.id for e in events if vis.can_see(subscribed, vis.ticket_buckets(*owners[e.ticket_id]))
            }
            got_tickets = {t.id for t in session.scalars(readable_tickets(principal))}
            got_comments = {c.id for c in session.scalars(readable_comments(principal))}
            got_events = {e.id for e in session.scalars(readable_events(principal))}
            want_articles = {
                a.id for a in kb if vis.can_see(subscribed, vis.article_buckets(ArticleStatus(a.status)))
            }
            got_articles = {a.id for a in session.scalars(readable_articles(principal))}
            assert got_articles == want_articles, user.email
            assert len(got_articles) == (2 if user.role == Role.USER else 3), user.email
            who = f"{user.email} ({setting})"
            assert got_tickets == want_tickets, who
            assert got_comments == want_comments, who
            assert got_events == want_events, who
            if user.role == Role.USER:
                assert len(got_tickets) == (4 if user.email != "u3@example.com" else 0), who
                assert not any(c.is_internal for c in comments if c.id in got_comments), who
            checked += 1
        assert checked == 12

        # the data set tells a limited agent's view from the queue
        a1 = next(u for u in mixed.users if u.email == "a1@example.com")
        limited = {t.id for t in session.scalars(readable_tickets(Principal(a1, AgentVisibility.ASSIGNED)))}
        assert 0 < len(limited) < len(owners)


# --- (c) the change log after a realistic run ------------------------------------------------

TABLES = {
    "user": "users",
    "category": "categories",
    "priority": "priorities",
    "ticket": "tickets",
    "comment": "comments",
    "ticket_event": "ticket_events",
    "article": "articles",
    "sla_calendar": "sla_calendars",
    "sla_policy": "sla_policies",
}
Key = tuple[str, uuid.UUID]


def _rows(conn: Connection) -> dict[Key, tuple[Any, ...]]:
    """Every synced row's synced fields, by (entity, id)."""
    rows: dict[Key, tuple[Any, ...]] = {}
    for entity, table in TABLES.items():
        columns = ", ".join(ENTITY_FIELDS[entity])
        for row in conn.execute(text(f"SELECT {columns} FROM {table}")):
            rows[(entity, row.id)] = tuple(row)
    return rows


def _buckets_now(conn: Connection) -> dict[Key, frozenset[str]]:
    """The buckets ``ticketing.visibility`` puts each row in, from the rows as they are now."""
    owners = {r.id: (r.submitter_id, r.assignee_id) for r in conn.execute(text("SELECT * FROM tickets"))}
    buckets: dict[Key, frozenset[str]] = {}
    for r in conn.execute(text("SELECT id, role FROM users")):
        buckets[("user", r.id)] = vis.user_buckets(r.id, Role(r.role))
    for entity in ("category", "priority"):
        for row_id in conn.scalars(text(f"SELECT id FROM {TABLES[entity]}")):
            buckets[(entity, row_id)] = vis.reference_buckets()
    for ticket_id, (submitter, assignee) in owners.items():
        buckets[("ticket", ticket_id)] = vis.ticket_buckets(submitter, assignee)
    for r in conn.execute(text("SELECT id, ticket_id, is_internal FROM comments")):
        buckets[("comment", r.id)] = vis.comment_buckets(*owners[r.ticket_id], r.is_internal)
    for r in conn.execute(text("SELECT id, ticket_id FROM ticket_events")):
        buckets[("ticket_event", r.id)] = vis.ticket_buckets(*owners[r.ticket_id])
    for r in conn.execute(text("SELECT id, status FROM articles")):
        buckets[("article", r.id)] = vis.article_buckets(r.status)
    for entity in ("sla_calendar", "sla_policy"):
        for row_id in conn.scalars(text(f"SELECT id FROM {TABLES[entity]}")):
            buckets[(entity, row_id)] = vis.staff_buckets()
    return buckets


@dataclass(frozen=True)
class Op:
    bucket: str
    op: str
    seq: int


def _ops(conn: Connection) -> dict[Key, list[Op]]:
    ops: dict[Key, list[Op]] = defaultdict(list)
    for r in conn.execute(text("SELECT bucket, entity, row_id, op, seq FROM sync_op")):
        ops[(r.entity, r.row_id)].append(Op(r.bucket, r.op, r.seq))
    return ops


class ChangeLogWatcher:
    """Runs API steps and checks after each one that every changed row wrote fresh PUT ops."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.ever: dict[Key, set[str]] = defaultdict(set)
        self.steps = 0
        self._remember()

    def _remember(self) -> None:
        with self.engine.connect() as conn:
            self.rows = _rows(conn)
            for key, buckets in _buckets_now(conn).items():
                self.ever[key] |= buckets
            self.max_seq = conn.scalar(text("SELECT coalesce(max(seq), 0) FROM sync_op")) or 0

    def step(self, action: Callable[[], Any], expect: int = 200) -> Any:
        response = action()
        assert response.status_code == expect, response.text
        before_rows, before_seq = self.rows, self.max_seq
        with self.engine.connect() as conn:
            after_rows = _rows(conn)
            buckets = _buckets_now(conn)
            ops = _ops(conn)
        changed = [key for key, row in after_rows.items() if before_rows.get(key) != row]
        for key in changed:
            fresh = {o.bucket for o in ops[key] if o.op == "PUT" and o.seq > before_seq}
            assert fresh == buckets[key], (self.steps, key, fresh, buckets[key])
        self.steps += 1
        self._remember()
        return response


def test_the_change_log_follows_every_row_into_and_out_of_its_buckets(engine: Engine) -> None:
    client = TestClient(create_app(engine))
    admin = login(client, engine, "ada@example.com", Role.ADMIN, "Ada Admin")
    ann = login(client, engine, "ann@example.com", Role.AGENT, "Ann Agent")
    ben = login(client, engine, "ben@example.com", Role.AGENT, "Ben Agent")
    uma = login(client, engine, "uma@example.com", Role.USER, "Uma User")
    vic = login(client, engine, "vic@example.com", Role.USER, "Vic User")
    watch = ChangeLogWatcher(engine)
    step = watch.step

    first = step(lambda: uma.post("/api/tickets", json=_ticket(uma, "Laptop dead")), 201).json()
    second = step(lambda: vic.post("/api/tickets", json=_ticket(vic, "Mouse sticky")), 201).json()
    t1, t2 = first["number"], second["number"]
    step(lambda: admin.patch("/api/settings", json={"agent_visibility": "assigned"}))
    step(lambda: admin.patch(f"/api/tickets/{t1}", json={"assignee_id": ann.id}))
    step(lambda: ann.post(f"/api/tickets/{t1}/comments", json={"content": "Which model?"}), 201)
    note = step(
        lambda: ann.post(f"/api/tickets/{t1}/comments", json={"content": "dead", "is_internal": True}), 201
    )
    step(lambda: uma.post(f"/api/tickets/{t1}/comments", json={"content": "A T14"}), 201)
    step(lambda: ann.patch(f"/api/tickets/{t1}", json={"priority": "High", "title": "Laptop T14 dead"}))
    early_events = [e["id"] for e in admin.get(f"/api/tickets/{t1}/events").json()]
    assert len(early_events) >= 5
    # reassigned from Ann to Ben: everything of the ticket leaves Ann's buckets
    step(lambda: admin.patch(f"/api/tickets/{t1}", json={"assignee_id": ben.id}))
    assert ann.get(f"/api/tickets/{t1}").status_code == 404
    step(lambda: ben.patch(f"/api/tickets/{t1}", json={"status": "Resolved"}))
    step(lambda: uma.post(f"/api/tickets/{t1}/comments", json={"content": "Still dead"}), 201)
    software = next(c["id"] for c in admin.get("/api/categories").json() if c["name"] == "Software")
    step(lambda: ben.patch(f"/api/tickets/{t1}", json={"category_id": software, "assignee_id": None}))
    step(lambda: admin.patch(f"/api/tickets/{t2}", json={"assignee_id": ann.id, "status": "On Hold"}))
    step(
        lambda: ann.post(f"/api/tickets/{t2}/comments", json={"content": "ordered", "is_internal": True}), 201
    )
    step(lambda: vic.patch(f"/api/tickets/{t2}", json={"status": "Closed"}))
    # knowledge base: written by an agent under "assigned" visibility, published, unpublished
    article = step(lambda: ann.post(f"/api/kb/articles/from-ticket/{t2}"), 201).json()
    kb = f"/api/kb/articles/{article['id']}"
    step(lambda: uma.patch(kb, json={"status": "published"}), 403)
    step(lambda: ann.patch(kb, json={"status": "published", "tags": ["mouse"]}))
    step(lambda: admin.patch(kb, json={"title": "Sticky mouse"}))
    step(lambda: ann.patch(kb, json={"status": "draft"}))
    kept = step(lambda: admin.post("/api/kb/articles", json=_article("Kept", "published")), 201).json()
    # reference data and accounts
    category = step(lambda: admin.post("/api/categories", json={"name": "Furniture"}), 201).json()
    step(lambda: admin.patch(f"/api/categories/{category['id']}", json={"name": "Desks", "is_active": False}))
    priority = step(lambda: admin.post("/api/priorities", json={"name": "Urgent", "rank": 50}), 201).json()
    step(lambda: admin.patch(f"/api/priorities/{priority['id']}", json={"name": "Asap", "rank": 45}))
    new = step(
        lambda: admin.post(
            "/api/users", json={"email": "new@example.com", "name": "New", "password": "12345678"}
        ),
        201,
    ).json()
    step(lambda: admin.patch(f"/api/users/{new['id']}", json={"role": "agent", "name": "New Agent"}))
    step(lambda: admin.patch(f"/api/users/{ben.id}", json={"role": "user"}))  # Ben leaves the staff
    step(lambda: admin.patch(f"/api/users/{vic.id}", json={"is_active": False}))
    step(lambda: uma.patch("/api/me", json={"name": "Uma Renamed", "notify_email": False}))
    # service levels: staff only
    policy = step(
        lambda: admin.post("/api/sla/policies", json={"name": "Standard", "first_response_minutes": 60}), 201
    ).json()
    step(lambda: admin.patch(f"/api/sla/policies/{policy['id']}", json={"resolution_minutes": 480}))
    assert watch.steps == 32

    with engine.connect() as conn:
        now = _buckets_now(conn)
        ops = _ops(conn)
    assert set(ops) == set(now), "ops for rows that do not exist, or rows without ops"
    for key, buckets in now.items():
        put = {o.bucket for o in ops[key] if o.op == "PUT"}
        remove = {o.bucket for o in ops[key] if o.op == "REMOVE"}
        assert put == buckets, (key, put, buckets)
        assert remove >= watch.ever[key] - buckets, (key, remove, watch.ever[key])
        assert remove.isdisjoint(buckets), key

    # the examples by name
    ticket_id = uuid.UUID(first["id"])
    assert _op(ops, ("ticket", ticket_id), vis.assignee_bucket(uuid.UUID(ann.id))) == "REMOVE"
    assert _op(ops, ("ticket", ticket_id), vis.assignee_bucket(uuid.UUID(ben.id))) == "REMOVE"
    note_key = ("comment", uuid.UUID(note.json()["id"]))
    assert _op(ops, note_key, vis.assignee_internal_bucket(uuid.UUID(ann.id))) == "REMOVE"
    assert _op(ops, note_key, vis.QUEUE_INTERNAL) == "PUT"
    assert _op(ops, note_key, vis.requester_bucket(uuid.UUID(uma.id))) is None
    assert _op(ops, ("user", uuid.UUID(ben.id)), vis.DIRECTORY) == "REMOVE"
    assert _op(ops, ("user", uuid.UUID(new["id"])), vis.DIRECTORY) == "PUT"
    unpublished = ("article", uuid.UUID(article["id"]))
    assert _op(ops, unpublished, vis.KB_PUBLISHED) == "REMOVE"
    assert _op(ops, unpublished, vis.KB_ALL) == "PUT"
    assert _op(ops, ("article", uuid.UUID(kept["id"])), vis.KB_PUBLISHED) == "PUT"
    for event_id in early_events:
        assert (
            _op(ops, ("ticket_event", uuid.UUID(event_id)), vis.assignee_bucket(uuid.UUID(ann.id)))
            == "REMOVE"
        )


def _op(ops: dict[Key, list[Op]], key: Key, bucket: str) -> str | None:
    return next((o.op for o in ops[key] if o.bucket == bucket), None)


def _ticket(account: Account, title: str) -> dict[str, Any]:
    category = account.get("/api/categories").json()[0]["id"]
    return {"title": title, "description": "<p>help</p>", "category_id": category}


def test_a_new_ticket_is_logged_in_the_queue_and_its_requesters_bucket(engine: Engine) -> None:
    """The smallest case: one ticket from a user is in the queue and in its requester's bucket."""
    client = TestClient(create_app(engine))
    uma = login(client, engine, "uma@example.com", Role.USER)
    ticket = submit(uma)
    with engine.connect() as conn:
        ops = _ops(conn)
    key = ("ticket", uuid.UUID(ticket["id"]))
    assert {(o.bucket, o.op) for o in ops[key]} == {
        (vis.QUEUE, "PUT"),
        (vis.requester_bucket(uuid.UUID(uma.id)), "PUT"),
    }


@pytest.mark.parametrize("setting", list(AgentVisibility))
def test_reading_through_the_api_matches_the_helpers(engine: Engine, setting: AgentVisibility) -> None:
    """The REST list is the read helper: an agent limited to assigned tickets sees only those."""
    client = TestClient(create_app(engine))
    admin = login(client, engine, "ada@example.com", Role.ADMIN)
    ann = login(client, engine, "ann@example.com", Role.AGENT)
    uma = login(client, engine, "uma@example.com", Role.USER)
    mine, other = submit(uma, "one"), submit(uma, "two")
    admin.patch(f"/api/tickets/{mine['number']}", json={"assignee_id": ann.id})
    admin.patch("/api/settings", json={"agent_visibility": setting.value})
    shown = {t["number"] for t in ann.get("/api/tickets").json()["items"]}
    if setting == AgentVisibility.ASSIGNED:
        assert shown == {mine["number"]}
    else:
        assert shown == {mine["number"], other["number"]}


def _article(title: str, status: str) -> dict[str, Any]:
    return {"title": title, "body": "<p>steps</p>", "status": status}
