"""The one search box over the cache (desktop/store/everywhere.py): kinds, ranking across
kinds, the comment that matched, keyset paging with no gaps or duplicates, the syntax's
filters, prefixes, dates, pinned ticket numbers and errors that never raise."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from desktop.store import Store, everywhere, search
from desktop.store.everywhere import Cursor, ResultKind, SearchFilters
from tests.helpers.store import T0, World, article_row, comment_row, open_store, pull, put
from ticketing import visibility
from ticketing.domain import Role, Status

QUEUE = visibility.QUEUE


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def agent(tmp_path: Path, world: World) -> Store:
    store = open_store(tmp_path, world.agent, Role.AGENT)
    pull(store, *world.reference(for_staff=True))
    return store


def _at(minutes: int) -> str:
    return (T0 + dt.timedelta(minutes=minutes)).isoformat()


def _comment(ticket: dict[str, Any], world: World, content: str, minutes: int) -> dict[str, Any]:
    row = comment_row(ticket, world.agent, content)
    row["created_at"] = _at(minutes)
    return row


def _found(store: Store, text: str, filters: SearchFilters | None = None) -> list[tuple[str, str]]:
    page = everywhere.search_page(store, text, filters or SearchFilters())
    assert page.error is None, page.error
    return [(result.kind.name, result.title) for result in page.results]


def test_title_ranks_above_body_above_comment_across_kinds(agent: Store, world: World) -> None:
    in_title = world.ticket(1001, title="Toner empty", description="<p>Nothing prints.</p>")
    in_body = world.ticket(1002, title="Third floor", description="<p>Which <b>toner</b> to order?</p>")
    in_comment = world.ticket(1003, title="Screen flickers", description="<p>Since Monday.</p>")
    article = article_row(world.agent, title="Refill guide", body="<p>Shake the toner first.</p>")
    pull(
        agent,
        *(put(QUEUE, "ticket", row) for row in (in_title, in_body, in_comment)),
        put(QUEUE, "comment", _comment(in_comment, world, "<p>Maybe the toner cable.</p>", 1)),
        put(visibility.KB_ALL, "article", article),
    )
    found = _found(agent, "toner")
    assert found[0] == ("TICKET", "Toner empty")
    assert found.index(("TICKET", "Third floor")) < found.index(("COMMENT", "Screen flickers"))
    assert ("ARTICLE", "Refill guide") in found
    assert len(found) == 4
    only = SearchFilters(kinds=frozenset({ResultKind.COMMENT}))
    assert _found(agent, "toner", only) == [("COMMENT", "Screen flickers")]
    articles = SearchFilters(kinds=frozenset({ResultKind.ARTICLE}))
    assert _found(agent, "toner", articles) == [("ARTICLE", "Refill guide")]
    assert _found(agent, "toner", SearchFilters(kinds=frozenset())) == []


def test_a_comment_result_points_at_the_comment_that_matched(agent: Store, world: World) -> None:
    ticket = world.ticket(1001, title="Laptop slow", description="<p>Since the update.</p>")
    first = _comment(ticket, world, "<p>Try a restart.</p>", 1)
    matching = _comment(ticket, world, "<p>The <b>antivirus</b> scan runs hourly.</p>", 2)
    last = _comment(ticket, world, "<p>Still slow today.</p>", 3)
    pull(agent, put(QUEUE, "ticket", ticket), *(put(QUEUE, "comment", c) for c in (first, matching, last)))
    page = everywhere.search_page(agent, "antivirus")
    [result] = page.results
    assert result.kind is ResultKind.COMMENT
    assert (result.id, result.ticket_id, result.ticket_number) == (matching["id"], ticket["id"], 1001)
    assert search.snippet_html(result.snippet) == "The <b>antivirus</b> scan runs hourly."
    # two words in different comments: the comment with more of them wins
    both = _comment(ticket, world, "<p>Restart after the antivirus scan.</p>", 4)
    pull(agent, put(QUEUE, "comment", both))
    [result] = everywhere.search_page(agent, "antivirus restart ").results
    assert result.id == both["id"]
    assert search.snippet_plain(result.snippet) == "Restart after the antivirus scan."


def test_keyset_paging_lists_every_match_once_over_many_pages(
    agent: Store, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    tickets = [
        world.ticket(1000 + n, title=f"Printer {n}", description=f"<p>printer {'word ' * (n % 7)}</p>")
        for n in range(130)
    ]
    comments = [_comment(t, world, "<p>the printer again</p>", n) for n, t in enumerate(tickets[:40])]
    articles = [article_row(world.agent, title=f"Printer guide {n}") for n in range(20)]
    pull(
        agent,
        *(put(QUEUE, "ticket", t) for t in tickets),
        *(put(QUEUE, "comment", c) for c in comments),
        *(put(visibility.KB_ALL, "article", a) for a in articles),
    )
    seen: list[tuple[ResultKind, str]] = []
    ranks: list[tuple[int, float, int]] = []
    cursor: Cursor | None = None
    pages = 0
    while True:
        page = everywhere.search_page(agent, "printer", after=cursor, limit=25)
        pages += 1
        seen += [(r.kind, r.id) for r in page.results]
        ranks += [(r.tier, r.rank, r.kind.value) for r in page.results]
        if page.next_cursor is None:
            break
        assert len(page.results) == 25
        cursor = page.next_cursor
    assert pages == 8  # 190 results: 7 full pages and one of 15
    assert len(seen) == len(set(seen)) == 130 + 40 + 20
    assert ranks == sorted(ranks)  # one order across pages
    assert {i for k, i in seen if k is ResultKind.COMMENT} == {c["id"] for c in comments}
    monkeypatch.setattr(everywhere, "FILTER_BATCH", 7)  # a filter's candidates over many batches
    filtered = SearchFilters(kinds=frozenset({ResultKind.TICKET}), status=Status.OPEN)
    cursor, tickets_seen = None, []
    while True:
        page = everywhere.search_page(agent, "printer", filtered, after=cursor, limit=25)
        tickets_seen += [r.id for r in page.results]
        if (cursor := page.next_cursor) is None:
            break
    assert tickets_seen == [i for k, i in seen if k is ResultKind.TICKET]  # same order, 6 pages
    whole = everywhere.search_page(agent, "printer", limit=1000)
    assert [(r.kind, r.id) for r in whole.results] == seen
    assert everywhere.search_page(agent, "printer").has_more  # 50 of 190


def test_syntax_filters_phrases_and_exclusions(agent: Store, world: World) -> None:
    mine = world.ticket(
        1001, title="VPN drops", status="In Progress", priority="High", assignee_id=world.agent
    )
    other = world.ticket(1002, title="VPN slow", status="Open", priority="Low", assignee_id=world.other_agent)
    phrase = world.ticket(1003, title="Drops of VPN", description="<p>vpn drops daily</p>", status="Open")
    pull(agent, *(put(QUEUE, "ticket", t) for t in (mine, other, phrase)))

    def titles(text: str) -> list[str]:
        return sorted(title for _kind, title in _found(agent, text))

    assert titles("vpn") == ["Drops of VPN", "VPN drops", "VPN slow"]
    assert titles("status:open vpn") == ["Drops of VPN", "VPN slow"]
    assert titles('status:"in progress" vpn') == ["VPN drops"]
    assert titles("priority:high vpn") == ["VPN drops"]
    assert titles("assignee:me vpn") == ["VPN drops"]
    assert titles('"vpn drops"') == ["Drops of VPN", "VPN drops"]  # the phrase, in order
    assert titles("vpn -slow") == ["Drops of VPN", "VPN drops"]
    assert titles(
        "vpn",
    ) == titles("VPN")
    ui_status = SearchFilters(status=Status.OPEN)
    assert sorted(t for _k, t in _found(agent, "vpn", ui_status)) == ["Drops of VPN", "VPN slow"]
    # a filter keeps articles out: they have no status
    pull(agent, put(visibility.KB_ALL, "article", article_row(world.agent, title="VPN setup")))
    assert "VPN setup" in titles("vpn")
    assert "VPN setup" not in titles("status:open vpn")


def test_filters_without_words_list_their_tickets_newest_first_in_pages(agent: Store, world: World) -> None:
    tickets = [
        world.ticket(
            1100 + n,
            title=f"Ticket {n}",
            description="<p>" + " ".join(f"w{k}" for k in range(20)) + "</p>",
            status="Open" if n % 3 else "Closed",
            assignee_id=world.agent if n % 2 else None,
            updated_at=_at(n),
        )
        for n in range(30)
    ]
    pull(agent, *(put(QUEUE, "ticket", t) for t in tickets))
    open_ones = [t for t in reversed(tickets) if t["status"] == "Open"]  # newest first
    cursor: Cursor | None = None
    listed: list[str] = []
    while True:
        page = everywhere.search_page(agent, "status:open", after=cursor, limit=6)
        assert page.error is None
        assert all(r.kind is ResultKind.TICKET for r in page.results)
        listed += [r.id for r in page.results]
        if (cursor := page.next_cursor) is None:
            break
    assert listed == [t["id"] for t in open_ones]  # 20 in 4 pages, none twice, none skipped
    first = everywhere.search_page(agent, "status:open").results[0]
    assert first.snippet == " ".join(f"w{k}" for k in range(search.SNIPPET_WORDS)) + " …"
    mine = [r.title for r in everywhere.search_page(agent, "status:open assignee:me").results]
    assert len(mine) == 10 and mine == [t["title"] for t in open_ones if t["assignee_id"] == str(world.agent)]
    assert everywhere.search_page(agent, "").results == []  # nothing typed: nothing listed
    articles_only = SearchFilters(kinds=frozenset({ResultKind.ARTICLE}))
    assert everywhere.search_page(agent, "status:open", articles_only).results == []


def test_a_ticket_number_is_pinned_first(agent: Store, world: World) -> None:
    target = world.ticket(1042, title="Badge reader")
    mentions = world.ticket(1043, title="Door", description="<p>Same as 1042, see there.</p>")
    pull(agent, put(QUEUE, "ticket", target), put(QUEUE, "ticket", mentions))
    for text in ("#1042", "TKT-1042", "tkt-1042 "):
        page = everywhere.search_page(agent, text)
        assert page.results[0].title == "Badge reader", text
        assert page.results[0].rank == everywhere.PINNED_RANK
        assert [r.id for r in page.results].count(target["id"]) == 1
    assert everywhere.search_page(agent, "#1042", SearchFilters(status=Status.CLOSED)).results == []


def test_prefix_while_typing_and_finished_words(agent: Store, world: World) -> None:
    pull(agent, put(QUEUE, "ticket", world.ticket(1001, title="Printer jams", description="<p>x</p>")))
    for typed in ("pri", "prin", "printer", "printer ja"):
        assert _found(agent, typed) == [("TICKET", "Printer jams")], typed
    assert _found(agent, "pri ") == []  # a finished word is a whole word
    [result] = everywhere.search_page(agent, "prin").results
    assert search.snippet_html(result.snippet) == "<b>Printer</b> jams"


def test_date_ranges_on_updated_or_created(agent: Store, world: World) -> None:
    old = world.ticket(1001, title="Old fax", created_at=_at(0), updated_at=_at(60 * 24 * 5))
    new = world.ticket(1002, title="New fax", created_at=_at(60 * 24 * 3), updated_at=_at(60 * 24 * 3))
    pull(agent, put(QUEUE, "ticket", old), put(QUEUE, "ticket", new))

    def day(n: int) -> dt.datetime:
        return T0 + dt.timedelta(days=n)

    updated = SearchFilters(date_from=day(4), date_to=day(6))
    assert _found(agent, "fax", updated) == [("TICKET", "Old fax")]
    created = SearchFilters(date_field=everywhere.DateField.CREATED, date_from=day(2), date_to=day(4))
    assert _found(agent, "fax", created) == [("TICKET", "New fax")]
    assert _found(agent, "fax", SearchFilters(date_to=day(1))) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("status:opn vpn", "status:opn is not a status"),
        ("priority:urgentest vpn", "priority:urgentest is not a priority"),
        ("assignee:bob vpn", "only assignee:me is known"),
    ],
)
def test_bad_filter_values_are_an_error_not_an_exception(agent: Store, text: str, message: str) -> None:
    page = everywhere.search_page(agent, text)
    assert page.error is not None and message in page.error
    assert page.results == [] and page.next_cursor is None


def test_a_backwards_date_range_and_hostile_text_do_not_raise(agent: Store, world: World) -> None:
    pull(agent, put(QUEUE, "ticket", world.ticket(1001, title="Printer jams")))
    backwards = SearchFilters(date_from=T0, date_to=T0 - dt.timedelta(days=1))
    assert everywhere.search_page(agent, "printer", backwards).error is not None
    for hostile in ('"', "-", "*", "(", 'NEAR("a b")', "title:x", "' OR 1=1 --", "AND OR NOT", ""):
        page = everywhere.search_page(agent, hostile)
        assert page.error is None, hostile


def test_drafts_are_tagged(agent: Store, world: World) -> None:
    draft = article_row(world.agent, title="Wifi draft", status="draft")
    pull(agent, put(visibility.KB_ALL, "article", draft))
    [result] = everywhere.search_page(agent, "wifi").results
    assert (result.kind, result.draft, result.ticket_id) == (ResultKind.ARTICLE, True, None)


def test_words_spread_over_a_ticket_and_its_comments_still_find_it(agent: Store, world: World) -> None:
    ticket = world.ticket(1001, title="Printer offline", description="<p>Since Monday.</p>")
    other = world.ticket(1002, title="Printer jams", description="<p>Page two.</p>")
    pull(
        agent,
        put(QUEUE, "ticket", ticket),
        put(QUEUE, "ticket", other),
        put(QUEUE, "comment", _comment(ticket, world, "<p>The driver is old.</p>", 1)),
        put(QUEUE, "comment", _comment(other, world, "<p>Not the driver.</p>", 1)),
    )
    [found] = everywhere.search_page(agent, "printer driver offline ").results
    assert (found.kind, found.id, found.tier) == (ResultKind.TICKET, ticket["id"], 4)  # the last tier
    # -word leaves out a ticket wherever the word is, its comments too
    assert [r.id for r in everywhere.search_page(agent, "printer -driver").results] == []
    assert {r.id for r in everywhere.search_page(agent, "printer -monday").results} == {other["id"]}
