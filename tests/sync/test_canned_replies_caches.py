"""Canned replies in real caches against a live server: a team reply reaches another agent's
cache and a personal one does not, an end user's cache never holds one, and a use counted
offline reaches the server's count when the outbox is pushed."""

from __future__ import annotations

from desktop.store import canned_replies
from desktop.sync import session as sessions
from tests.helpers.sync import Desk, sync_until


def held(session: sessions.AccountSession) -> dict[str, int]:
    """title -> uses of the replies the cache holds."""
    return {r.title: r.uses for r in canned_replies.list_replies(session.store)}


def test_team_replies_reach_other_staff_caches_personal_ones_only_their_owners(desk: Desk) -> None:
    alice_api = desk.rest("alice@example.com")
    alice_api.request(
        "POST", "/api/canned-replies", {"title": "Greeting", "body": "<p>Hi</p>", "scope": "team"}
    )
    alice_api.request(
        "POST", "/api/canned-replies", {"title": "Mine", "body": "<p>Me</p>", "scope": "personal"}
    )
    # a later team reply by another: once it has arrived, so has everything before it
    desk.rest("ada@example.com").request(
        "POST", "/api/canned-replies", {"title": "Zz fence", "body": "<p>z</p>", "scope": "team"}
    )
    alice, bob, uma = (desk.desktop(f"{who}@example.com") for who in ("alice", "bob", "uma"))
    sync_until(alice, lambda: "Zz fence" in held(alice))
    sync_until(bob, lambda: "Zz fence" in held(bob))
    assert set(held(alice)) == {"Greeting", "Mine", "Zz fence"}
    assert set(held(bob)) == {"Greeting", "Zz fence"}
    uma.engine.sync_once()
    uma.engine.sync_once()
    assert held(uma) == {}
    with uma.store.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM canned_replies").scalar() == 0


def test_a_use_counted_offline_reaches_the_server_and_other_caches(desk: Desk) -> None:
    created = desk.rest("ada@example.com").request(
        "POST", "/api/canned-replies", {"title": "Greeting", "body": "<p>Hi</p>", "scope": "team"}
    )
    alice, bob = desk.desktop("alice@example.com"), desk.desktop("bob@example.com")
    sync_until(alice, lambda: "Greeting" in held(alice))
    canned_replies.count_use(alice.store, created["id"])  # not pushed yet: as if offline
    canned_replies.count_use(alice.store, created["id"])
    assert held(alice) == {"Greeting": 2}
    sync_until(alice, lambda: _waiting(alice) == 0)  # back online: pushed, and settled
    assert held(alice) == {"Greeting": 2}
    (on_server,) = desk.rest("bob@example.com").request("GET", "/api/canned-replies")
    assert on_server["uses"] == 2
    sync_until(bob, lambda: held(bob) == {"Greeting": 2})
    with alice.store.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM sync_problems").scalar() == 0


def _waiting(session: sessions.AccountSession) -> int:
    with session.store.read() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM outbox").scalar() or 0)
