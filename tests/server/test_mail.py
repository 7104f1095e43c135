"""Which ticket events queue which mails, to whom, with what in them: through the REST API and
through pushed sync mutations, on the real database. (Delivery over SMTP is in
test_mail_sender.py.)"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from sync_server.db.models import MailOutbox, User
from sync_server.db.session import make_session_factory
from sync_server.services.helpdesk import tickets
from sync_server.services.identity.principal import Principal
from sync_server.services.mail.templates import rich_text_parts
from tests.helpers.api import Account, assert_error, first_category, login, submit
from ticketing.domain import AgentVisibility, Role
from ticketing.protocol import PROTOCOL_VERSION
from ticketing.schemas import CommentCreate


@dataclass(frozen=True)
class Mail:
    event: str
    to: str
    subject: str
    text: str
    html: str
    ticket_id: uuid.UUID | None


def outbox(engine: Engine) -> list[Mail]:
    with make_session_factory(engine)() as session:
        rows = session.scalars(select(MailOutbox).order_by(MailOutbox.created_at, MailOutbox.id)).all()
        return [Mail(r.event, r.to_address, r.subject, r.body_text, r.body_html, r.ticket_id) for r in rows]


def events(engine: Engine) -> list[tuple[str, str]]:
    return [(mail.event, mail.to) for mail in outbox(engine)]


@dataclass
class People:
    uma: Account  # end user, submits tickets
    alice: Account  # agent
    bob: Account  # agent
    ada: Account  # admin


@pytest.fixture
def people(client: TestClient, engine: Engine) -> People:
    return People(
        uma=login(client, engine, "uma@example.com", Role.USER, "Uma User"),
        alice=login(client, engine, "alice@example.com", Role.AGENT, "Alice Agent"),
        bob=login(client, engine, "bob@example.com", Role.AGENT, "Bob Agent"),
        ada=login(client, engine, "ada@example.com", Role.ADMIN, "Ada Admin"),
    )


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def comment(account: Account, key: str, content: str, *, internal: bool = False) -> None:
    ok(account.post(f"/api/tickets/{key}/comments", json={"content": content, "is_internal": internal}), 201)


# --- each event -----------------------------------------------------------------------------------


def test_a_new_ticket_mails_its_submitter_with_the_number(people: People, engine: Engine) -> None:
    ticket = submit(people.uma, "Printer jams", description="<p>It jams on <b>page two</b>.</p>")

    [mail] = outbox(engine)
    assert (mail.event, mail.to) == ("ticket_created", "uma@example.com")
    assert mail.subject == "[TKT-1001] Printer jams"
    assert str(mail.ticket_id) == ticket["id"]
    assert "Hello Uma User," in mail.text
    assert "It jams on page two." in mail.text and "<b>" not in mail.text
    assert "It jams on <b>page two</b>." in mail.html


def test_a_public_staff_reply_mails_the_submitter_and_internal_notes_never_do(
    people: People, engine: Engine
) -> None:
    key = submit(people.uma)["number"]
    before = len(outbox(engine))

    comment(people.alice, key, "<p>Secret: the printer is on the blocklist</p>", internal=True)
    assert len(outbox(engine)) == before
    comment(people.uma, key, "Any news?")  # the submitter's own reply mails nobody
    assert len(outbox(engine)) == before

    comment(people.alice, key, "<p>Please try the <i>other</i> tray.</p>")
    comment(people.ada, key, "An admin answers too.")
    replies = outbox(engine)[before:]
    assert [(m.event, m.to) for m in replies] == [
        ("agent_reply", "uma@example.com"),
        ("agent_reply", "uma@example.com"),
    ]
    assert replies[0].subject == "Re: [TKT-1001] Printer jams"
    assert "Alice Agent replied" in replies[0].text and "Please try the other tray." in replies[0].text
    assert "<i>other</i>" in replies[0].html
    assert all("blocklist" not in m.text + m.html for m in outbox(engine))


def test_a_staff_reply_on_their_own_ticket_mails_nobody(people: People, engine: Engine) -> None:
    key = submit(people.alice, "My own laptop")["number"]
    assert events(engine) == [("ticket_created", "alice@example.com")]
    comment(people.alice, key, "Note to self, but public.")
    assert events(engine) == [("ticket_created", "alice@example.com")]


def test_resolving_mails_the_submitter_other_status_changes_do_not(people: People, engine: Engine) -> None:
    key = submit(people.uma)["number"]
    ok(people.alice.patch(f"/api/tickets/{key}", json={"status": "On Hold"}))
    ok(people.alice.patch(f"/api/tickets/{key}", json={"status": "Resolved"}))
    comment(people.uma, key, "It still jams.")  # reopens the ticket: no mail
    ok(people.alice.patch(f"/api/tickets/{key}", json={"status": "Resolved"}))
    ok(people.uma.patch(f"/api/tickets/{key}", json={"status": "Closed"}))

    assert events(engine) == [
        ("ticket_created", "uma@example.com"),
        ("ticket_resolved", "uma@example.com"),
        ("ticket_resolved", "uma@example.com"),
    ]
    resolved = outbox(engine)[1]
    assert resolved.subject == "Re: [TKT-1001] Printer jams"
    assert "Alice Agent marked your ticket TKT-1001" in resolved.text and "Resolved" in resolved.text


def test_assignment_mails_the_new_agent_but_not_someone_assigning_themselves(
    people: People, engine: Engine
) -> None:
    key = submit(people.uma, "VPN drops")["number"]
    ok(people.alice.patch(f"/api/tickets/{key}", json={"assignee_id": people.alice.id}))
    ok(people.alice.patch(f"/api/tickets/{key}", json={"assignee_id": people.bob.id}))
    ok(people.bob.patch(f"/api/tickets/{key}", json={"assignee_id": None}))
    ok(people.ada.patch(f"/api/tickets/{key}", json={"assignee_id": people.alice.id}))
    ok(people.ada.patch(f"/api/tickets/{key}", json={"priority": "High"}))  # no new assignee

    assert events(engine) == [
        ("ticket_created", "uma@example.com"),
        ("ticket_assigned", "bob@example.com"),
        ("ticket_assigned", "alice@example.com"),
    ]
    to_bob = outbox(engine)[1]
    assert to_bob.subject == "Re: [TKT-1001] VPN drops"
    assert "Alice Agent assigned ticket TKT-1001" in to_bob.text
    assert "Submitted by: Uma User" in to_bob.text


def test_assigning_and_resolving_in_one_change_mails_both(people: People, engine: Engine) -> None:
    key = submit(people.uma)["number"]
    ok(people.alice.patch(f"/api/tickets/{key}", json={"assignee_id": people.bob.id, "status": "Resolved"}))
    assert sorted(events(engine)[1:]) == [
        ("ticket_assigned", "bob@example.com"),
        ("ticket_resolved", "uma@example.com"),
    ]


# --- who never gets mail ------------------------------------------------------------------------


def test_a_user_who_turned_mail_off_gets_none_until_turning_it_on(
    client: TestClient, people: People, engine: Engine
) -> None:
    me = ok(people.uma.patch("/api/me", json={"notify_email": False}))
    assert me["notify_email"] is False
    assert ok(people.uma.get("/api/me"))["notify_email"] is False

    key = submit(people.uma)["number"]
    comment(people.alice, key, "A reply.")
    ok(people.alice.patch(f"/api/tickets/{key}", json={"status": "Resolved"}))
    assert events(engine) == []

    ok(people.alice.patch("/api/me", json={"notify_email": False}))
    ok(people.bob.patch(f"/api/tickets/{key}", json={"assignee_id": people.alice.id}))
    assert events(engine) == []

    assert ok(people.uma.patch("/api/me", json={"notify_email": True}))["notify_email"] is True
    comment(people.alice, key, "Back on.")
    assert events(engine) == [("agent_reply", "uma@example.com")]


def test_notify_email_must_be_a_boolean(people: People) -> None:
    assert_error(people.uma.patch("/api/me", json={"notify_email": [1]}), 422, "validation_error")
    assert_error(people.uma.patch("/api/me", json={"notify_email": "sometimes"}), 422, "validation_error")
    assert ok(people.uma.get("/api/me"))["notify_email"] is True


def test_an_inactive_account_gets_no_mail(people: People, engine: Engine) -> None:
    key = submit(people.uma)["number"]
    ok(people.ada.patch(f"/api/users/{people.uma.id}", json={"is_active": False}))
    comment(people.alice, key, "Anyone there?")
    ok(people.alice.patch(f"/api/tickets/{key}", json={"status": "Resolved"}))
    assert events(engine) == [("ticket_created", "uma@example.com")]


def test_the_admin_switches_turn_each_event_off(people: People, engine: Engine) -> None:
    switches = {
        "ticket_created": False,
        "agent_reply": False,
        "ticket_resolved": True,
        "ticket_assigned": False,
    }
    ok(people.ada.patch("/api/settings", json={"notifications": switches}))

    key = submit(people.uma)["number"]
    ok(people.alice.patch(f"/api/tickets/{key}", json={"assignee_id": people.bob.id}))
    comment(people.bob, key, "On it.")
    ok(people.bob.patch(f"/api/tickets/{key}", json={"status": "Resolved"}))
    assert events(engine) == [("ticket_resolved", "uma@example.com")]


# --- one transaction ----------------------------------------------------------------------------


def test_the_mail_commits_or_rolls_back_with_its_change(people: People, engine: Engine) -> None:
    key = submit(people.uma)["number"]
    factory = make_session_factory(engine)

    def count() -> int:
        with factory() as other:
            return other.scalar(select(func.count()).select_from(MailOutbox)) or 0

    with factory() as session:
        session.begin()
        alice = session.get(User, uuid.UUID(people.alice.id))
        assert alice is not None
        principal = Principal(alice, AgentVisibility.ALL)
        tickets.add_comment(session, principal, key, CommentCreate(content="Rolled back."))
        assert session.scalar(select(func.count()).select_from(MailOutbox)) == 2  # queued here...
        assert count() == 1  # ...invisible to everyone else until it commits
        session.rollback()
    assert count() == 1

    with factory() as session, session.begin():
        alice = session.get(User, uuid.UUID(people.alice.id))
        assert alice is not None
        tickets.add_comment(
            session, Principal(alice, AgentVisibility.ALL), key, CommentCreate(content="Kept.")
        )
    assert count() == 2


def test_a_refused_change_queues_nothing(people: People, engine: Engine) -> None:
    key = submit(people.uma)["number"]
    ok(people.alice.patch(f"/api/tickets/{key}", json={"status": "Closed"}))
    # the assignment is applied first, then the illegal status change refuses the whole request
    refused = people.alice.patch(
        f"/api/tickets/{key}", json={"assignee_id": people.bob.id, "status": "Resolved"}
    )
    assert_error(refused, 409, "illegal_transition")
    assert_error(
        people.uma.post(f"/api/tickets/{key}/comments", json={"content": "Hello?"}), 409, "read_only"
    )
    assert events(engine) == [("ticket_created", "uma@example.com")]


# --- sync push ----------------------------------------------------------------------------------


def push(account: Account, client_id: str, mutations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    body = ok(
        account.post(
            "/api/sync/push",
            json={"protocol": PROTOCOL_VERSION, "client_id": client_id, "mutations": mutations},
        )
    )
    results: list[dict[str, Any]] = body["results"]
    return results


def test_pushed_mutations_queue_the_same_mails_as_rest(people: People, engine: Engine) -> None:
    ticket_id = str(uuid.uuid4())
    uma_client, alice_client = str(uuid.uuid4()), str(uuid.uuid4())
    created = push(
        people.uma,
        uma_client,
        [
            {
                "id": 1,
                "name": "create_ticket",
                "args": {
                    "id": ticket_id,
                    "title": "Written offline",
                    "description": "<p>On the train.</p>",
                    "category_id": first_category(people.uma),
                    "priority": "Medium",
                },
            }
        ],
    )
    assert [r["status"] for r in created] == ["applied"]

    answers = push(
        people.alice,
        alice_client,
        [
            {"id": 1, "name": "assign", "args": {"ticket_id": ticket_id, "base": None, "new": people.bob.id}},
            {
                "id": 2,
                "name": "add_comment",
                "args": {
                    "id": str(uuid.uuid4()),
                    "ticket_id": ticket_id,
                    "content": "Internal!",
                    "is_internal": True,
                },
            },
            {
                "id": 3,
                "name": "add_comment",
                "args": {
                    "id": str(uuid.uuid4()),
                    "ticket_id": ticket_id,
                    "content": "Public.",
                    "is_internal": False,
                },
            },
            {
                "id": 4,
                "name": "transition_status",
                "args": {"ticket_id": ticket_id, "from": "In Progress", "to": "Resolved"},
            },
        ],
    )
    assert [r["status"] for r in answers] == ["applied"] * 4

    refused = push(
        people.uma,
        uma_client,
        [
            {
                "id": 2,
                "name": "transition_status",
                "args": {"ticket_id": ticket_id, "from": "Resolved", "to": "On Hold"},
            }
        ],
    )
    assert [r["status"] for r in refused] == ["rejected"]
    resent = push(people.alice, alice_client, [{"id": 3, "name": "add_comment", "args": {}}])
    assert [r["status"] for r in resent] == ["applied"]  # a lost answer, resent: not applied twice

    assert events(engine) == [
        ("ticket_created", "uma@example.com"),
        ("ticket_assigned", "bob@example.com"),
        ("agent_reply", "uma@example.com"),
        ("ticket_resolved", "uma@example.com"),
    ]
    assert all(mail.ticket_id == uuid.UUID(ticket_id) for mail in outbox(engine))
    assert outbox(engine)[0].subject == "[TKT-1001] Written offline"
    assert all("Internal!" not in mail.text for mail in outbox(engine))


# --- content ------------------------------------------------------------------------------------


def test_user_content_reaches_the_html_part_only_sanitized_or_escaped(people: People, engine: Engine) -> None:
    submit(
        people.uma,
        "Title <script>alert(1)</script> & more",
        description='<p onclick="x()">Click</p><script>alert(2)</script><img src=x onerror="alert(3)">'
        '<a href="javascript:alert(4)">link</a><img src="attachment:abc" alt="screenshot">',
    )
    [mail] = outbox(engine)
    assert "<script" not in mail.html.lower()
    for dangerous in ("onclick", "onerror", "javascript:", "alert(2)", "alert(3)", "alert(4)"):
        assert dangerous not in mail.html
    assert "Title &lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in mail.html
    assert "[image: screenshot]" in mail.html and "attachment:abc" not in mail.html
    assert mail.subject == "[TKT-1001] Title <script>alert(1)</script> & more"  # a header is not HTML
    assert "Click" in mail.text and "[image: screenshot]" in mail.text and "<p" not in mail.text


def test_rich_text_becomes_readable_plain_text() -> None:
    text, _html = rich_text_parts(
        "<p>First   paragraph\nwrapped.</p><ul><li>one</li><li>two</li></ul>"
        '<ol><li>a</li><li>b</li></ol><p>See <a href="https://example.org/kb">the article</a>.</p>'
        "<pre>code\n  indented</pre><p>line<br>break &amp; entity</p>"
    )
    assert text == (
        "First paragraph wrapped.\n\n- one\n- two\n\n1. a\n2. b\n\n"
        "See the article (https://example.org/kb).\n\ncode\n  indented\n\nline\nbreak & entity"
    )


def test_a_title_with_line_breaks_cannot_inject_headers(people: People, engine: Engine) -> None:
    category = first_category(people.uma)
    body = {"title": "Hi\r\nBcc: victim@example.org", "description": "<p>x</p>", "category_id": category}
    ok(people.uma.post("/api/tickets", json=body), 201)
    [mail] = outbox(engine)
    assert "\n" not in mail.subject and "\r" not in mail.subject
    assert mail.subject == "[TKT-1001] Hi Bcc: victim@example.org"
