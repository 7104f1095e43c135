"""The search index of real caches synced from a real server holds only what each account may
see: an agent's internal note is never in a requester's index nor anywhere in their cache's
files, and tickets that leave a cache (reassigned away under "assigned" visibility) leave its
index."""

from __future__ import annotations

from pathlib import Path

from desktop.store import commands, everywhere, queries, search
from desktop.sync import session as sessions
from tests.helpers.sync import Desk, comments_of, field_of, submit, sync_until
from ticketing.schemas import TicketQuery

SECRET = "zanzibarquokka"  # a word only the internal note says
PUBLIC = "flamingoteapot"  # a word of the public reply


def found(session: sessions.AccountSession, text: str) -> list[str]:
    return queries.ticket_ids(session.store, TicketQuery(q=text), ranked=True)


def cache_files(session: sessions.AccountSession) -> list[Path]:
    path = session.store.path
    return [p for p in path.parent.iterdir() if p.name.startswith(path.name)]


def test_an_internal_note_never_reaches_a_requesters_index(desk: Desk) -> None:
    ticket = submit(desk.rest("uma@example.com"), "Monitor flickers")
    agent = desk.desktop("alice@example.com")
    sync_until(agent, lambda: field_of(agent, ticket["id"], "title") == "Monitor flickers")
    commands.add_comment(agent.store, ticket["id"], f"Between us: the {SECRET} firmware", is_internal=True)
    commands.add_comment(agent.store, ticket["id"], f"Please try the {PUBLIC} cable")
    sync_until(agent, lambda: not any(c.pending for c in comments_of(agent, ticket["id"])), timeout=60)
    assert found(agent, SECRET) == [ticket["id"]]  # staff find their notes

    user = desk.desktop("uma@example.com")
    sync_until(user, lambda: len(comments_of(user, ticket["id"])) == 1)
    assert found(user, PUBLIC) == [ticket["id"]]
    assert found(user, SECRET) == []
    assert found(user, SECRET[:5]) == []  # nor as a prefix
    with user.store.read() as conn:
        assert search.snippets(conn, PUBLIC, [ticket["id"]])[ticket["id"]].count(search.MARK_START) == 1
        assert SECRET not in str(conn.exec_driver_sql("SELECT comments FROM search_docs").all())

    user.engine.close()
    user.store.close()  # the WAL stays beside the file until the last connection closes
    files = cache_files(user)
    assert any(PUBLIC.encode() in path.read_bytes() for path in files)  # the check can see words
    for path in files:
        data = path.read_bytes()
        assert SECRET.encode() not in data, path.name
        assert b"Between us" not in data, path.name


def test_tickets_reassigned_away_leave_the_index(desk: Desk) -> None:
    admin = desk.rest("ada@example.com")
    admin.request("PATCH", "/api/settings", {"agent_visibility": "assigned"})
    alice, bob = desk.ids["alice@example.com"], desk.ids["bob@example.com"]
    ticket = submit(admin, f"Badge reader {PUBLIC}")
    kept = submit(admin, "Badge printer")
    for assigned in (ticket, kept):
        admin.request("PATCH", f"/api/tickets/{assigned['id']}", {"assignee_id": alice})
    agent = desk.desktop("alice@example.com")
    sync_until(agent, lambda: field_of(agent, kept["id"], "title") is not None, timeout=60)
    assert field_of(agent, ticket["id"], "title") is not None, queries.list_tickets(agent.store)
    commands.add_comment(agent.store, ticket["id"], f"Replaced the {SECRET} reader", is_internal=True)
    sync_until(agent, lambda: not any(c.pending for c in comments_of(agent, ticket["id"])), timeout=60)
    assert found(agent, SECRET) == [ticket["id"]]
    assert sorted(found(agent, "badge")) == sorted([ticket["id"], kept["id"]])

    admin.request("PATCH", f"/api/tickets/{ticket['id']}", {"assignee_id": bob})
    sync_until(agent, lambda: field_of(agent, ticket["id"], "title") is None)
    assert found(agent, SECRET) == []
    assert found(agent, PUBLIC) == []
    assert found(agent, "badge") == [kept["id"]]
    with agent.store.read() as conn:
        refs = [row[0] for row in conn.exec_driver_sql("SELECT ref_id FROM search_docs")]
        assert ticket["id"] not in refs
        matched = conn.exec_driver_sql(
            "SELECT count(*) FROM search_index WHERE search_index MATCH ?", (f'"{SECRET}"',)
        ).scalar()
        assert matched == 0


NOTE_WORD = "xylophonegiraffe"  # only an internal note on uma's own ticket says it
OTHER_WORD = "quasarpelican"  # only vic's ticket and its public reply say it
DRAFT_WORD = "marzipanorbit"  # only a draft article says it
LIVE_WORD = "kiwilantern"  # a published article's word


def test_the_search_box_of_a_user_never_shows_notes_other_tickets_or_drafts(desk: Desk) -> None:
    """The index itself, after a real sync: every kind, every hidden word, whole and as a
    prefix, finds nothing, and the words are not in search_docs at all."""
    own = submit(desk.rest("uma@example.com"), "Keyboard sticks")
    other = submit(desk.rest("vic@example.com"), f"Scanner {OTHER_WORD} offline")
    agent_api = desk.rest("alice@example.com")
    agent_api.request(
        "POST",
        f"/api/tickets/{own['id']}/comments",
        {"content": f"<p>{NOTE_WORD} note</p>", "is_internal": True},
    )
    agent_api.request(
        "POST", f"/api/tickets/{other['id']}/comments", {"content": f"<p>{OTHER_WORD} reply</p>"}
    )
    agent_api.request(
        "POST", "/api/kb/articles", {"title": f"Draft {DRAFT_WORD}", "body": f"<p>{DRAFT_WORD}</p>"}
    )
    live = {"title": "Live guide", "body": f"<p>{LIVE_WORD}</p>", "status": "published"}
    agent_api.request("POST", "/api/kb/articles", live)

    agent = desk.desktop("alice@example.com")
    sync_until(agent, lambda: len(everywhere.search_page(agent.store, DRAFT_WORD).results) == 1, timeout=60)
    staff = {w: everywhere.search_page(agent.store, w).results for w in (NOTE_WORD, OTHER_WORD)}
    assert [r.kind for r in staff[NOTE_WORD]] == [everywhere.ResultKind.COMMENT]  # staff see them
    assert {r.kind for r in staff[OTHER_WORD]} == {
        everywhere.ResultKind.TICKET,
        everywhere.ResultKind.COMMENT,
    }

    user = desk.desktop("uma@example.com")
    sync_until(user, lambda: len(everywhere.search_page(user.store, LIVE_WORD).results) == 1, timeout=60)
    sync_until(user, lambda: field_of(user, own["id"], "title") == "Keyboard sticks")
    assert [r.title for r in everywhere.search_page(user.store, "keyboard").results] == ["Keyboard sticks"]
    every_kind = [everywhere.SearchFilters(kinds=frozenset({kind})) for kind in everywhere.ResultKind]
    for word in (NOTE_WORD, OTHER_WORD, DRAFT_WORD, "Draft", "Scanner"):
        for typed in (word, word[:4], word[:6] + " ", f'"{word}"'):
            for filters in [everywhere.SearchFilters(), *every_kind]:
                page = everywhere.search_page(user.store, typed, filters)
                assert page.results == [] and page.error is None, (typed, filters, page.results)
    assert everywhere.search_page(user.store, "#" + str(other["number"])).results == []
    with user.store.read() as conn:
        docs = str(conn.exec_driver_sql("SELECT title, body, comments FROM search_docs").all())
    for word in (NOTE_WORD, OTHER_WORD, DRAFT_WORD):
        assert word not in docs
    assert LIVE_WORD in docs  # the check can see words
