"""``GET /api/search`` against real PostgreSQL: ranking, the query syntax (phrases, exclusion,
prefixes, filters, ticket numbers), escaped snippets, keyset paging through every match, 422s,
who finds what (the same read rules as everywhere), and the GIN index in the plan."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from sync_server.db.models import User
from sync_server.db.session import make_session_factory
from sync_server.services.identity.principal import Principal
from sync_server.services.search import cursor as search_cursor
from sync_server.services.search import statements, syntax
from tests.helpers.api import Account, assert_error, login, submit
from ticketing.domain import AgentVisibility, Role, Status
from ticketing.search_schemas import SearchKind


@pytest.fixture
def people(client: TestClient, engine: Engine) -> dict[str, Account]:
    generous = {"tickets_per_hour": 10_000, "comments_per_minute": 10_000}
    admin = login(client, engine, "ada@example.com", Role.ADMIN)
    assert admin.patch("/api/settings", json={"rate_limits": generous}).status_code == 200
    return {
        "admin": admin,
        "agent": login(client, engine, "alice@example.com", Role.AGENT),
        "other_agent": login(client, engine, "olga@example.com", Role.AGENT),
        "user": login(client, engine, "uma@example.com", Role.USER),
        "other": login(client, engine, "otto@example.com", Role.USER),
    }


def find(account: Account, q: str, **params: Any) -> dict[str, Any]:
    response = account.get("/api/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def hits(account: Account, q: str, **params: Any) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = find(account, q, **params)["results"]
    return results


def comment(account: Account, ticket: dict[str, Any], content: str, *, internal: bool = False) -> str:
    response = account.post(
        f"/api/tickets/{ticket['number']}/comments", json={"content": content, "is_internal": internal}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def article(account: Account, title: str, body: str, status: str = "published") -> str:
    response = account.post("/api/kb/articles", json={"title": title, "body": body, "status": status})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_the_answer_has_the_documented_shape(people: dict[str, Account]) -> None:
    ticket = submit(people["user"], "Printer jams", description="<p>Tray two is stuck.</p>")
    body = find(people["user"], "printer")
    assert set(body) == {"results", "next_cursor"}
    assert body["next_cursor"] is None
    [hit] = body["results"]
    assert set(hit) == {"kind", "id", "ticket_number", "title", "snippet", "rank"}
    assert hit["kind"] == "ticket"
    assert hit["id"] == ticket["id"]
    assert hit["ticket_number"] == ticket["number"]
    assert hit["title"] == "Printer jams"
    assert hit["rank"] > 0


def test_a_title_match_ranks_above_a_body_match(people: dict[str, Account]) -> None:
    user = people["user"]
    body_only = submit(user, "Cannot print", description="<p>The monitor flickers a little.</p>")
    in_title = submit(user, "Monitor flickers", description="<p>Since Monday.</p>")
    found = hits(user, "monitor")
    assert [h["id"] for h in found] == [in_title["id"], body_only["id"]]
    assert found[0]["rank"] > found[1]["rank"]


def test_phrases_exclusion_and_stemming(people: dict[str, Account]) -> None:
    user = people["user"]
    phrase = submit(user, "Mail", description="<p>The blue screen appears at boot.</p>")
    apart = submit(user, "Screen", description="<p>The screen is blue after the update.</p>")
    assert {h["id"] for h in hits(user, '"blue screen"')} == {phrase["id"]}
    assert {h["id"] for h in hits(user, "blue screen")} == {phrase["id"], apart["id"]}
    assert {h["id"] for h in hits(user, "blue -update")} == {phrase["id"]}
    assert {h["id"] for h in hits(user, "appearing")} == {phrase["id"]}  # english stems


def test_the_last_word_matches_as_a_prefix(people: dict[str, Account]) -> None:
    user = people["user"]
    ticket = submit(user, "Configuration wizard crashes", description="<p>Every time.</p>")
    assert [h["id"] for h in hits(user, "wizard config")] == [ticket["id"]]
    assert [h["id"] for h in hits(user, "configur")] == [ticket["id"]]
    assert hits(user, '"config"') == []  # a quoted word is a whole word
    assert syntax.parse("printer or scan", {}).prefix is None


def test_snippets_mark_matches_and_carry_no_html_from_the_content(people: dict[str, Account]) -> None:
    user, agent = people["user"], people["agent"]
    ticket = submit(user, "Banner", description="<p>The <b>banner</b> is broken.</p>")
    comment(
        agent, ticket, "<p>The page shows &lt;script&gt;alert(1)&lt;/script&gt; instead of the banner</p>"
    )
    found = {h["kind"]: h for h in hits(user, "banner")}
    assert "<mark>banner</mark>" in found["ticket"]["snippet"]
    assert "<b>" not in found["ticket"]["snippet"]
    snippet = found["comment"]["snippet"]
    assert "&lt;script&gt;" in snippet
    assert "<script" not in snippet
    assert snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0
    assert found["comment"]["ticket_number"] == ticket["number"]
    assert found["comment"]["title"] == "Banner"


def test_content_cannot_forge_a_mark(people: dict[str, Account]) -> None:
    user = people["user"]
    submit(user, "Odd", description="<p>odd \x02text\x03 and &lt;mark&gt;fake&lt;/mark&gt; here</p>")
    [hit] = hits(user, "odd")
    assert hit["snippet"].count("<mark>") == 1  # the title's word; the fake one is escaped
    assert "&lt;mark&gt;" in hit["snippet"]


def test_each_kind_alone(people: dict[str, Account]) -> None:
    user, agent = people["user"], people["agent"]
    ticket = submit(user, "Keyboard broken", description="<p>Keys stick.</p>")
    reply = comment(agent, ticket, "<p>Try another keyboard.</p>")
    doc = article(agent, "Keyboard shortcuts", "<p>Ctrl and Alt.</p>")
    by_kind = {kind: [h["id"] for h in hits(user, "keyboard", kind=kind.value)] for kind in SearchKind}
    assert by_kind == {
        SearchKind.TICKET: [ticket["id"]],
        SearchKind.COMMENT: [reply],
        SearchKind.ARTICLE: [doc],
    }
    articles = hits(user, "keyboard", kind="article")
    assert articles[0]["ticket_number"] is None
    assert len(hits(user, "keyboard")) == 3


def test_a_ticket_number_jumps_to_that_ticket_first(people: dict[str, Account]) -> None:
    user, agent = people["user"], people["agent"]
    target = submit(user, "Laptop fan noise")
    digits = target["number"].removeprefix("TKT-")
    mentions = submit(user, "Follow-up", description=f"<p>See {digits} again.</p>")
    for q in (f"#{digits}", f"# {digits}", f"TKT-{digits}", f"tkt-{digits}"):
        found = hits(user, q)
        assert found[0]["id"] == target["id"], q
        assert found[0]["rank"] == statements.JUMP_RANK
        assert mentions["id"] in [h["id"] for h in found[1:]]
    assert [h["id"] for h in hits(people["other"], f"#{digits}")] == []
    assert hits(agent, f"#{digits}")[0]["id"] == target["id"]
    assert hits(user, "#999999") == []


def test_status_priority_and_assignee_filters(people: dict[str, Account]) -> None:
    user, agent, admin = people["user"], people["agent"], people["admin"]
    open_one = submit(user, "Scanner offline")
    working = submit(user, "Scanner slow", priority="High")
    assert (
        admin.patch(
            f"/api/tickets/{working['number']}", json={"assignee_id": agent.id, "status": "In Progress"}
        ).status_code
        == 200
    )
    reply = comment(agent, working, "<p>The scanner driver is old.</p>")
    article(agent, "Scanner setup", "<p>Install the driver.</p>")
    ids = lambda account, q: {h["id"] for h in hits(account, q)}  # noqa: E731
    assert ids(user, "scanner status:open") == {open_one["id"]}
    for form in ("status:in-progress", "STATUS:InProgress", "status:in_progress", 'status:"in progress"'):
        assert ids(user, f"scanner {form}") == {working["id"], reply}, form
    assert ids(user, "scanner priority:high") == {working["id"], reply}
    assert ids(user, "priority:HIGH scanner") == {working["id"], reply}
    assert ids(agent, "scanner assignee:me") == {working["id"], reply}
    assert ids(people["other_agent"], "scanner assignee:me") == set()
    assert len(ids(user, "scanner")) == 4  # with the article, which any filter leaves out
    assert ids(user, "scanner colour:blue") == set()  # an unknown key:value is a plain word
    # filters alone list the tickets they keep (no comments: nothing to match in them)
    assert ids(user, "status:in-progress") == {working["id"]}
    assert ids(agent, "assignee:me priority:high") == {working["id"]}
    assert ids(user, "status:open") == {open_one["id"]}
    assert ids(people["other"], "status:open") == set()
    assert hits(user, "status:in-progress")[0]["snippet"] == "It jams on page two."


def test_bad_filter_values_cursors_and_limits_are_422(people: dict[str, Account]) -> None:
    user = people["user"]
    submit(user, "Printer jams")
    for q in ("printer status:nonsense", "printer priority:nonsense", "printer assignee:bob"):
        body = assert_error(user.get("/api/search", params={"q": q}), 422)
        assert body["fields"][0]["field"] == "q", q
    bogus = base64.urlsafe_b64encode(b'["x","ticket","nope"]').decode()
    for cursor in ("not-a-cursor", bogus, "", "W10"):
        assert_error(user.get("/api/search", params={"q": "printer", "cursor": cursor}), 422)
    for limit in (0, 101):
        assert_error(user.get("/api/search", params={"q": "printer", "limit": limit}), 422)
    assert_error(user.get("/api/search", params={"q": ""}), 422)
    assert_error(user.get("/api/search"), 422)
    assert_error(user.client.get("/api/search", params={"q": "printer"}), 401)


def test_paging_reaches_every_match_once(people: dict[str, Account], engine: Engine) -> None:
    user, agent = people["user"], people["agent"]
    tickets = [submit(user, f"Router {n}", description="<p>router down</p>" * (n % 3 + 1)) for n in range(30)]
    replies = [comment(agent, tickets[n], "<p>Rebooted the router.</p>") for n in range(15)]
    expected = {t["id"] for t in tickets} | set(replies)
    seen: list[str] = []
    ranks: list[tuple[float, str, str]] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 20} | ({"cursor": cursor} if cursor else {})
        body = find(user, "router", **params)
        pages += 1
        seen += [h["id"] for h in body["results"]]
        ranks += [(-h["rank"], h["kind"], h["id"]) for h in body["results"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert len(seen) == 45
    assert set(seen) == expected
    assert ranks == sorted(ranks)
    assert len(hits(user, "router", limit=100)) == 45


def test_users_never_find_other_tickets_internal_notes_or_drafts(people: dict[str, Account]) -> None:
    user, other, agent = people["user"], people["other"], people["agent"]
    mine = submit(user, "Headset crackles")
    theirs = submit(other, "Zebraword in the title", description="<p>quokkaword inside</p>")
    comment(agent, mine, "<p>wombatword is an internal idea</p>", internal=True)
    comment(agent, theirs, "<p>Public but on theirs: narwhalword</p>")
    article(agent, "Platypusword draft", "<p>not yet</p>", status="draft")
    for word in ("zebraword", "quokkaword", "wombatword", "narwhalword", "platypusword"):
        assert hits(user, word) == [], word
    assert [h["kind"] for h in hits(agent, "wombatword")] == ["comment"]
    assert [h["kind"] for h in hits(agent, "platypusword")] == ["article"]
    assert [h["id"] for h in hits(other, "zebraword")] == [theirs["id"]]
    assert hits(other, "wombatword") == []


def test_agents_limited_to_assigned_tickets_find_only_theirs(people: dict[str, Account]) -> None:
    user, agent, other_agent, admin = people["user"], people["agent"], people["other_agent"], people["admin"]
    assigned = submit(user, "Projector dim")
    unassigned = submit(user, "Projector loud")
    assert (
        admin.patch(f"/api/tickets/{assigned['number']}", json={"assignee_id": agent.id}).status_code == 200
    )
    comment(admin, unassigned, "<p>projector note</p>", internal=True)
    assert admin.patch("/api/settings", json={"agent_visibility": "assigned"}).status_code == 200
    assert [h["id"] for h in hits(agent, "projector", kind="ticket")] == [assigned["id"]]
    assert hits(agent, "projector", kind="comment") == []
    assert hits(other_agent, "projector") == []
    assert {h["id"] for h in hits(admin, "projector", kind="ticket")} == {assigned["id"], unassigned["id"]}


def test_the_ticket_search_uses_the_gin_index(people: dict[str, Account], engine: Engine) -> None:
    for n in range(20):
        submit(people["user"], f"Ticket {n}")
    with make_session_factory(engine)() as session:
        admin = session.get_one(User, uuid.UUID(people["admin"].id))
        principal = Principal(admin, AgentVisibility.ALL)
        statement = statements.hits(syntax.parse("printer jams", {}), principal, SearchKind.TICKET, None, 21)
        assert statement is not None
        sql = statement.compile(engine, compile_kwargs={"literal_binds": True})
        # a table of twenty rows is read fastest whole: forbid that to see that the index serves
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(session.scalars(text(f"EXPLAIN {sql}")))
    assert "ix_tickets_search" in plan, plan


@pytest.mark.parametrize(
    ("q", "words", "prefix"),
    [
        ("printer jam", "printer", "jam"),
        ('"paper jam"', '"paper jam"', None),
        ("printer -jam", "printer -jam", None),
        ("printer or scanner", "printer or scanner", None),
        ("status:open printer", "", "printer"),
        ("colour:blue", "colour:blue", None),
    ],
)
def test_the_query_syntax(q: str, words: str, prefix: str | None) -> None:
    parsed = syntax.parse(q, {"high": "High"})
    assert (parsed.words, parsed.prefix) == (words, prefix)


def test_filters_and_numbers_are_parsed_out() -> None:
    parsed = syntax.parse('Status:"On Hold" priority:HIGH assignee:Me vpn', {"high": "High"})
    assert (parsed.status, parsed.priority, parsed.assignee_me) == (Status.ON_HOLD, "High", True)
    assert syntax.parse("#1042", {}).ticket_number == 1042
    assert syntax.parse(" TKT-7 ", {}).ticket_number == 7
    assert syntax.parse("1042", {}).ticket_number is None  # a bare number is a word
    assert syntax.parse("TKT-7 printer", {}).ticket_number is None


def test_a_cursor_round_trips_exactly() -> None:
    position = search_cursor.Position(0.1 + 0.2, SearchKind.COMMENT, uuid.uuid4())
    assert search_cursor.decode(search_cursor.encode(position)) == position
