"""Canned replies written offline in real caches against a live server process: created, edited
and deleted with the server stopped, shown at once (marked not synced yet), and sent when it is
back; another staff device gets the team ones and never someone else's personal one; a push
the server refuses (an edit of a reply deleted meanwhile) ends in the sync problems with the
cache back at the server's state; an edit that raced another is a conflict that can be applied
again; the same push sent twice applies once."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from desktop.store import (
    canned_replies,
    canned_reply_commands,
    outbox,
    problem_commands,
    queries,
    schema,
    state,
)
from desktop.store.canned_replies import CannedReplyRow
from desktop.store.errors import ActionRefused
from desktop.sync import session as sessions
from desktop.ui.shell.problems_dialog import describe, details_html
from tests.helpers.sync import Desk, sync_until
from ticketing.canned_replies import Scope
from ticketing.protocol import PROTOCOL_VERSION


def held(session: sessions.AccountSession) -> dict[str, CannedReplyRow]:
    """title -> reply, as the cache holds them."""
    return {r.title: r for r in canned_replies.list_replies(session.store)}


def waiting(session: sessions.AccountSession) -> int:
    with session.store.read() as conn:
        return outbox.count(conn)


def on_server(desk: Desk, email: str) -> dict[str, dict[str, object]]:
    return {r["title"]: r for r in desk.rest(email).request("GET", "/api/canned-replies")}


def test_written_edited_and_deleted_offline_then_synced_to_other_staff(desk: Desk) -> None:
    alice, bob = desk.desktop("alice@example.com"), desk.desktop("bob@example.com")
    for session in (alice, bob):
        session.engine.sync_once()

    desk.server.kill()  # alice is offline for days
    team = canned_reply_commands.create_reply(
        alice.store,
        title="Greeting",
        body="<p>Hi {{requester.name}}</p><script>x()</script>",
        scope=Scope.TEAM,
    )
    own = canned_reply_commands.create_reply(alice.store, title="Mine", body="<p>Just me</p>")
    gone = canned_reply_commands.create_reply(alice.store, title="Short-lived", body="<p>Soon gone</p>")
    assert canned_reply_commands.edit_reply(alice.store, team, title="Hello") is not None
    assert canned_reply_commands.edit_reply(alice.store, team, title="Hello") is None  # no change
    canned_reply_commands.delete_reply(alice.store, gone)
    shown = held(alice)
    assert set(shown) == {"Hello", "Mine"}  # at once; the deleted one hidden at once
    assert shown["Hello"].pending and shown["Mine"].pending
    assert shown["Hello"].body == "<p>Hi {{requester.name}}</p>"  # sanitized as the server will
    assert (shown["Hello"].scope, shown["Hello"].owner_id) == (Scope.TEAM, str(desk.ids["alice@example.com"]))
    with pytest.raises(ActionRefused, match="text cannot be empty"):
        canned_reply_commands.create_reply(alice.store, title="Empty", body="<p> </p>")
    with pytest.raises(ActionRefused, match="title"):
        canned_reply_commands.create_reply(alice.store, title="   ", body="<p>x</p>")

    desk.server.start()  # back online: pushed, and settled
    sync_until(alice, lambda: waiting(alice) == 0)
    shown = held(alice)
    assert set(shown) == {"Hello", "Mine"} and not any(r.pending for r in shown.values())
    assert set(on_server(desk, "alice@example.com")) == {"Hello", "Mine"}
    assert queries.problems(alice.store) == []

    sync_until(bob, lambda: "Hello" in held(bob))
    assert set(held(bob)) == {"Hello"}  # the team one, never alice's personal one
    assert held(bob)["Hello"].id == team

    desk.server.kill()
    canned_reply_commands.edit_reply(alice.store, own, body="<p>Still just me</p>", scope=Scope.TEAM)
    canned_reply_commands.delete_reply(alice.store, team)
    assert set(held(alice)) == {"Mine"} and held(alice)["Mine"].scope == Scope.TEAM
    desk.server.start()
    sync_until(alice, lambda: waiting(alice) == 0)
    sync_until(bob, lambda: set(held(bob)) == {"Mine"})  # moved to the team; the other gone
    assert held(bob)["Mine"].body == "<p>Still just me</p>"


def test_an_edit_of_a_reply_deleted_meanwhile_is_a_problem_and_the_cache_follows_the_server(
    desk: Desk,
) -> None:
    alice = desk.desktop("alice@example.com")
    ada = desk.rest("ada@example.com")
    reply = ada.request("POST", "/api/canned-replies", {"title": "Team", "body": "<p>t</p>", "scope": "team"})
    mine = desk.rest("alice@example.com").request(
        "POST", "/api/canned-replies", {"title": "Old title", "body": "<p>o</p>", "scope": "team"}
    )
    sync_until(alice, lambda: {"Team", "Old title"} <= set(held(alice)))
    with pytest.raises(ActionRefused, match="Only its author or an admin"):  # refused before queuing
        canned_reply_commands.edit_reply(alice.store, reply["id"], title="Alice's")

    canned_reply_commands.edit_reply(alice.store, mine["id"], title="Alice's title")  # not pushed yet
    assert held(alice)["Alice's title"].pending
    ada.request("DELETE", f"/api/canned-replies/{mine['id']}")  # an admin deletes it meanwhile
    sync_until(alice, lambda: len(queries.problems(alice.store)) == 1)
    (problem,) = queries.problems(alice.store)
    assert problem.status == "rejected" and problem.code == "canned_reply_not_found"
    assert describe(problem).startswith("Rejected: Canned reply edit — No canned reply")
    assert "it was deleted" in describe(problem)  # the line the Sync problems dialog lists
    sync_until(alice, lambda: set(held(alice)) == {"Team"})  # the server's truth: gone
    assert waiting(alice) == 0


def test_a_racing_edit_is_a_conflict_that_can_be_applied_again(desk: Desk) -> None:
    alice = desk.desktop("alice@example.com")
    created = desk.rest("alice@example.com").request(
        "POST", "/api/canned-replies", {"title": "Greeting", "body": "<p>g</p>", "scope": "team"}
    )
    sync_until(alice, lambda: "Greeting" in held(alice))
    desk.server.kill()
    canned_reply_commands.edit_reply(alice.store, created["id"], title="Offline title")
    desk.server.start()
    desk.rest("ada@example.com").request("PATCH", f"/api/canned-replies/{created['id']}", {"title": "Ada's"})
    sync_until(alice, lambda: len(queries.problems(alice.store)) == 1)
    (problem,) = queries.problems(alice.store)
    assert (problem.status, problem.server_values) == ("conflict", {"title": "Ada's"})
    assert describe(problem).startswith("Conflict: Canned reply edit")
    assert "title: yours <i>Offline title</i>, server <i>Ada&#x27;s</i>" in details_html(problem)
    sync_until(alice, lambda: set(held(alice)) == {"Ada's"})  # the server kept its value

    problem_commands.reapply_problem(alice.store, problem.id)
    assert set(held(alice)) == {"Offline title"}
    sync_until(alice, lambda: waiting(alice) == 0)
    assert set(on_server(desk, "ada@example.com")) == {"Offline title"}


def test_the_same_push_sent_again_applies_once(desk: Desk) -> None:
    alice = desk.desktop("alice@example.com")
    alice.engine.sync_once()
    reply_id = canned_reply_commands.create_reply(
        alice.store, title="Once", body="<p>1</p>", scope=Scope.TEAM
    )
    canned_reply_commands.edit_reply(alice.store, reply_id, title="Once more")
    with alice.store.read() as conn:
        client_id = str(state.client_id(conn))
        rows = conn.execute(select(schema.outbox).order_by(schema.outbox.c.id)).all()
    body = {
        "protocol": PROTOCOL_VERSION,
        "client_id": client_id,
        "mutations": [{"id": row.id, "name": row.name, "args": json.loads(row.args)} for row in rows],
    }
    sync_until(alice, lambda: waiting(alice) == 0)
    # the answer was lost (a proxy dropped it, say): the client sends the same push again
    again = alice.api.request("POST", "/api/sync/push", body)
    assert [r["status"] for r in again["results"]] == ["applied", "applied"]
    assert [r["title"] for r in desk.rest("bob@example.com").request("GET", "/api/canned-replies")] == [
        "Once more"
    ]
    alice.engine.sync_once()
    assert set(held(alice)) == {"Once more"} and queries.problems(alice.store) == []
