"""Suggestions beside the new-ticket form, from a real cache: only published articles and the
account's own solved tickets, any meaningful word matching (a natural sentence finds things),
bm25 order (title above body), and input that is never FTS syntax; and the counts of a form
session queued in the outbox as ``record_deflection``."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest

from desktop.store import deflection, outbox, search, suggestions
from tests.helpers.store import article_row, category_row, open_store, pull, put, ticket_row
from ticketing.domain import Role, new_id
from ticketing.protocol import MutationName
from ticketing.suggestion_words import suggestion_words
from ticketing.visibility import DIRECTORY, KB_ALL, KB_PUBLISHED, QUEUE, requester_bucket


def _ids(found: list[suggestions.Suggestion]) -> list[str]:
    return [s.id for s in found]


def test_a_user_is_offered_published_articles_and_their_own_solved_tickets(tmp_path: Path) -> None:
    me, other = new_id(), new_id()
    store = open_store(tmp_path, me, Role.AGENT)  # a staff cache holds drafts and everyone's tickets
    category = category_row()
    mine_solved = ticket_row(me, category["id"], 1001, title="Printer jams on page two", status="Resolved")
    mine_closed = ticket_row(me, category["id"], 1002, title="Printer offline", status="Closed")
    mine_open = ticket_row(me, category["id"], 1003, title="Printer makes noise", status="Open")
    theirs = ticket_row(other, category["id"], 1004, title="Printer jams again", status="Resolved")
    published = article_row(other, title="Clearing a printer jam")
    draft = article_row(other, title="Printer jams: draft notes", status="draft")
    pull(
        store,
        put(DIRECTORY, "category", category),
        *(put(QUEUE, "ticket", t) for t in (mine_solved, mine_closed, mine_open, theirs)),
        put(KB_ALL, "article", published),
        put(KB_ALL, "article", draft),
    )
    found = suggestions.suggestions(store, "printer")
    assert set(_ids(found)) == {mine_solved["id"], mine_closed["id"], published["id"]}
    kinds = {s.id: s.kind for s in found}
    assert kinds[published["id"]] == suggestions.KIND_ARTICLE
    assert kinds[mine_solved["id"]] == suggestions.KIND_TICKET
    store.close()


def test_a_natural_sentence_matches_any_meaningful_word_best_first(tmp_path: Path) -> None:
    me = new_id()
    store = open_store(tmp_path, me, Role.USER)
    both = article_row(me, title="Printer jams in tray two", body="<p>Open the tray.</p>")
    title_only = article_row(me, title="Printer drivers", body="<p>Install them.</p>")
    body_only = article_row(me, title="Office devices", body="<p>The printer is on floor two.</p>")
    unrelated = article_row(me, title="VPN access", body="<p>Use the client.</p>")
    pull(store, *(put(KB_PUBLISHED, "article", a) for a in (both, title_only, body_only, unrelated)))

    # a search box would find nothing: "my", "every", "morning" are in no article
    found = suggestions.suggestions(store, "My printer jams every morning ")
    assert _ids(found)[0] == both["id"]  # two words in the title
    assert _ids(found).index(title_only["id"]) < _ids(found).index(body_only["id"])  # title above body
    assert unrelated["id"] not in _ids(found)
    assert search.snippet_plain(found[0].snippet) == "Printer jams in tray two"  # no body match
    assert found[0].snippet.count(search.MARK_START) == 2
    # the last word, being typed, is a prefix; once a space follows it, a whole word
    assert _ids(suggestions.suggestions(store, "jam")) == [both["id"]]
    assert _ids(suggestions.suggestions(store, "jam ")) == []
    assert _ids(suggestions.suggestions(store, "jams pri"))[0] == both["id"]
    store.close()


def test_the_description_counts_and_the_limit_holds(tmp_path: Path) -> None:
    me = new_id()
    store = open_store(tmp_path, me, Role.USER)
    articles = [article_row(me, title=f"Printer model {n}") for n in range(10)]
    vpn = article_row(me, title="VPN drops", body="<p>Reconnect.</p>")
    pull(store, *(put(KB_PUBLISHED, "article", a) for a in [*articles, vpn]))
    assert len(suggestions.suggestions(store, "printer")) == suggestions.DEFAULT_LIMIT
    found = suggestions.suggestions(store, "Help", "<p>The <b>VPN</b> keeps dropping</p>")
    assert _ids(found) == [vpn["id"]]
    store.close()


@pytest.mark.parametrize(
    "typed",
    [
        '"',
        '"printer',
        "printer*",
        "NEAR(printer jams)",
        "printer AND OR NOT",
        "-printer",
        "title:printer",
        "(((",
        "^printer",
        "' OR 1=1 --",
        "\x00\x02\x03",
        "a" * 5000,
        "printer " * 500,
        "é ü ñ 中文 🖨️",
        "",
        "   ",
        "is to by me",
    ],
)
def test_garbage_never_raises(tmp_path: Path, typed: str) -> None:
    me = new_id()
    store = open_store(tmp_path, me, Role.USER)
    pull(store, put(KB_PUBLISHED, "article", article_row(me, title="Printer jams")))
    found = suggestions.suggestions(store, typed, typed)
    assert isinstance(found, list)
    words = suggestion_words(typed)
    assert all(word.isalnum() for word in words.words)  # nothing but letters and digits reaches FTS5
    if "printer" in typed.lower():
        assert len(found) == 1
    store.close()


def test_stop_words_and_short_words_match_nothing(tmp_path: Path) -> None:
    me = new_id()
    store = open_store(tmp_path, me, Role.USER)
    pull(store, put(KB_PUBLISHED, "article", article_row(me, title="How it is for me to do that")))
    assert suggestions.suggestions(store, "how is it for me to do that") == []
    store.close()


def test_suggestions_stay_fast_on_a_big_cache(tmp_path: Path) -> None:
    me = new_id()
    store = open_store(tmp_path, me, Role.AGENT)
    category = category_row()
    others = [new_id() for _ in range(50)]
    words = ["printer", "network", "laptop", "screen", "keyboard", "email", "password", "vpn", "jams", "slow"]
    tickets = [
        ticket_row(
            others[n % 50] if n % 10 else me,
            category["id"],
            1000 + n,
            title=f"{words[n % 10]} {words[(n * 7) % 10]} problem {n}",
            description=f"<p>The {words[(n * 3) % 10]} is {words[(n * 5) % 10]} since monday.</p>",
            status="Resolved" if n % 3 == 0 else "Open",
        )
        for n in range(6000)
    ]
    pull(store, put(DIRECTORY, "category", category), *(put(QUEUE, "ticket", t) for t in tickets))
    suggestions.suggestions(store, "printer")  # warm
    started = time.perf_counter()
    for _ in range(10):
        found = suggestions.suggestions(store, "my printer jams and the network is slow")
    per_query = (time.perf_counter() - started) / 10
    assert len(found) == suggestions.DEFAULT_LIMIT
    assert per_query < 0.020, f"{per_query * 1000:.1f} ms per suggestion query"
    store.close()


def test_a_form_session_is_counted_and_queued(tmp_path: Path) -> None:
    me = new_id()
    store = open_store(tmp_path, me, Role.USER)
    session = deflection.FormSession()
    assert session.record(submitted=None, category_id=None, priority=None) is None  # nothing shown
    session.saw([("article", "a1"), ("ticket", "t1")])
    session.saw([("article", "a1"), ("article", "a2")])
    session.open(("article", "a1"))
    session.open(("article", "a1"))
    category_id = str(new_id())
    left = session.record(submitted=None, category_id=category_id, priority="High")
    assert left is not None
    assert (left.shown, left.opened, left.deflected) == (3, 1, True)
    assert left.ticket_id is None and str(left.category_id) == category_id and left.priority == "High"
    ticket_id = str(new_id())
    submitted = session.record(submitted=ticket_id, category_id=None, priority=None)
    assert submitted is not None and submitted.deflected is False and str(submitted.ticket_id) == ticket_id
    unopened = deflection.FormSession(shown={("article", "a1")})
    not_deflected = unopened.record(submitted=None, category_id=None, priority=None)
    assert not_deflected is not None and not_deflected.deflected is False

    mutation_id = deflection.record_deflection(store, left)
    with store.read() as conn:
        queued = outbox.to_push(conn, 10)
    assert [(m.id, m.name) for m in queued] == [(mutation_id, MutationName.RECORD_DEFLECTION.value)]
    args = queued[0].args
    assert args["shown"] == 3 and args["opened"] == 1 and args["deflected"] is True
    assert uuid.UUID(args["id"]) == left.id and json.dumps(args)
    store.close()


def test_own_tickets_come_through_the_requester_bucket_too(tmp_path: Path) -> None:
    me = new_id()
    store = open_store(tmp_path, me, Role.USER)
    category = category_row()
    solved = ticket_row(me, category["id"], title="Laptop battery drains", status="Resolved")
    pull(store, put(DIRECTORY, "category", category), put(requester_bucket(me), "ticket", solved))
    found = suggestions.suggestions(store, "battery")
    assert _ids(found) == [solved["id"]] and found[0].title == "Laptop battery drains"
    store.close()
