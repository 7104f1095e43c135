"""Cross-site scripting: a corpus of classic payloads (``tests/data/xss_payloads.txt``, after
the OWASP XSS filter-evasion cheat sheet) sent as ticket descriptions and comments, over REST
and through a sync push. What the server stores and serves, what a pull delivers, and what
the desktop renders (timeline) or writes from its editor are parsed with ``html.parser``: no
element or attribute outside the allowlist, no URL that could run anything, no comment or
declaration a browser might still interpret; a search snippet holds no element but ``<mark>``.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PySide6.QtCore import QMimeData
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, text

from desktop.store import queries
from desktop.ui.ticket.timeline_html import Names, timeline_html
from desktop.ui.widgets.rich_text_editor import RichTextEditor
from sync_server.app import create_app
from tests.helpers.api import Account, first_category, login, reset_database
from tests.helpers.limits import GENEROUS, set_rate_limits
from ticketing.domain import Role, Status
from ticketing.protocol import PROTOCOL_VERSION
from ticketing.richtext import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, ALLOWED_URL_SCHEMES, IMAGE_SCHEME

PAYLOADS = [
    line
    for line in (Path(__file__).parents[1] / "data" / "xss_payloads.txt")
    .read_text(encoding="utf-8")
    .splitlines()
    if line.strip()
]
#: Attributes holding a URL a browser may follow or load.
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "background", "cite", "data", "xlink:href"}
)
#: nh3 adds ``rel`` to every link (``noopener noreferrer nofollow``).
EXTRA_ATTRIBUTES = {"a": {"rel"}}


def _url_is_safe(tag: str, value: str) -> bool:
    """Browsers skip whitespace and control characters inside a scheme ("jav&#x09;ascript:")."""
    squeezed = "".join(ch for ch in value if ch > " ").lower()
    if not squeezed:
        return True  # no URL at all (an image whose source was removed)
    if tag == "img":
        return squeezed.startswith(IMAGE_SCHEME)
    scheme, colon, _rest = squeezed.partition(":")
    if not colon or any(ch in scheme for ch in "/?#"):
        return True  # a relative link
    return scheme in ALLOWED_URL_SCHEMES


class _Inspector(HTMLParser):
    """Collects every way a piece of HTML steps outside the allowlist."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.tags: list[tuple[str, tuple[str, ...]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, tuple(sorted(name for name, _ in attrs))))
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"element <{tag}>")
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | EXTRA_ATTRIBUTES.get(tag, set())
        for name, value in attrs:
            if name not in allowed:
                self.problems.append(f"attribute {name} on <{tag}>")
            if name in URL_ATTRIBUTES and not _url_is_safe(tag, value or ""):
                self.problems.append(f"URL {value!r} in {name} of <{tag}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"end tag </{tag}>")

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"comment <!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.problems.append(f"declaration <!{decl}>")

    def unknown_decl(self, data: str) -> None:
        self.problems.append(f"declaration <![{data}]>")

    def handle_pi(self, data: str) -> None:
        self.problems.append(f"processing instruction <?{data}>")


def inspect(html: str) -> _Inspector:
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector


def assert_clean(html: str, payload: str, where: str) -> None:
    problems = inspect(html).problems
    assert not problems, f"{where}: {problems} in {html!r} (from {payload!r})"


def test_the_corpus_covers_the_classic_vectors() -> None:
    assert len(PAYLOADS) >= 60
    lowered = [p.lower() for p in PAYLOADS]
    for marker in ("<script", "onerror", "onload", "javascript:", "vbscript:", "data:", "<svg", "<math"):
        assert any(marker in p for p in lowered), marker
    for marker in ("expression(", "style=", "&#x", "&#0000", "<iframe", "<!--", "<![cdata["):
        assert any(marker in p for p in lowered), marker
    assert any("JaVaScRiPt" in p for p in PAYLOADS)  # mixed case
    assert any(p.count("<") != p.count(">") for p in PAYLOADS)  # broken tags
    # the inspector itself sees the danger in the raw payloads
    assert sum(bool(inspect(p).problems) for p in PAYLOADS) >= len(PAYLOADS) - 2


# --- REST -------------------------------------------------------------------------------------------


@dataclass
class World:
    client: TestClient
    engine: Engine
    user: Account
    agent: Account
    category: str


@pytest.fixture(scope="module")
def world(migrated_engine: Engine) -> World:
    reset_database(migrated_engine)
    set_rate_limits(migrated_engine, GENEROUS)  # a hundred tickets from one account
    client = TestClient(create_app(migrated_engine))
    user = login(client, migrated_engine, "uma@example.com", Role.USER)
    agent = login(client, migrated_engine, "alice@example.com", Role.AGENT)
    return World(client, migrated_engine, user, agent, first_category(user))


def _stored(engine: Engine, sql: str, row_id: str) -> str:
    with engine.connect() as conn:
        value: str = conn.scalar(text(sql), {"id": row_id})
        return value


@pytest.mark.parametrize("payload", PAYLOADS)
def test_rest_stores_and_serves_nothing_executable(world: World, payload: str) -> None:
    description = f"<p>Before</p>{payload}"  # never empty once cleaned
    created = world.user.post(
        "/api/tickets",
        json={"title": payload[:200], "description": description, "category_id": world.category},
    )
    assert created.status_code == 201, created.text
    ticket = created.json()
    assert_clean(ticket["description"], payload, "answer to POST /api/tickets")
    assert_clean(world.user.get(f"/api/tickets/{ticket['id']}").json()["description"], payload, "GET ticket")
    stored = _stored(world.engine, "SELECT description FROM tickets WHERE id = :id", ticket["id"])
    assert_clean(stored, payload, "tickets.description")
    assert ticket["title"] == payload[:200].strip()  # titles are plain text, kept verbatim

    for author, is_internal in ((world.user, False), (world.agent, True)):
        reply = author.post(
            f"/api/tickets/{ticket['id']}/comments",
            json={"content": f"<p>Reply</p>{payload}", "is_internal": is_internal},
        )
        assert reply.status_code == 201, reply.text
        assert_clean(reply.json()["content"], payload, "answer to POST comments")
        stored = _stored(world.engine, "SELECT content FROM comments WHERE id = :id", reply.json()["id"])
        assert_clean(stored, payload, "comments.content")
    for comment in world.agent.get(f"/api/tickets/{ticket['id']}/comments").json():
        assert_clean(comment["content"], payload, "GET comments")
    # search snippets are escaped text: their only elements are the <mark>s around matches
    mine = [h for h in _search_all(world.agent, "reply") if h["ticket_number"] == ticket["number"]]
    assert len(mine) == 2  # the reply and the internal note
    for hit in mine:
        assert {tag for tag in inspect(hit["snippet"]).tags} <= {("mark", ())}, (hit["snippet"], payload)


def _search_all(account: Account, q: str) -> list[dict[str, Any]]:
    """Every page of ``GET /api/search`` for ``q`` (comments only)."""
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {"q": q, "kind": "comment", "limit": 100}
    while True:
        response = account.get("/api/search", params=params)
        assert response.status_code == 200, response.text
        found += response.json()["results"]
        if response.json()["next_cursor"] is None:
            return found
        params["cursor"] = response.json()["next_cursor"]


# --- sync push and pull -------------------------------------------------------------------------------


def _pull_everything(account: Account, wanted: set[str], timeout: float = 30.0) -> dict[str, dict[str, Any]]:
    """Rows by id, pulled from the start until every wanted id arrived (a pull only delivers
    what is below the xid horizon, which other transactions on the cluster may hold back)."""
    deadline = time.monotonic() + timeout
    rows: dict[str, dict[str, Any]] = {}
    while True:
        cursors: dict[str, str] = {}
        for _ in range(100):
            page = account.post(
                "/api/sync/pull",
                json={"protocol": PROTOCOL_VERSION, "client_id": str(uuid.uuid4()), "cursors": cursors},
            )
            assert page.status_code == 200, page.text
            body = page.json()
            rows.update({c["id"]: c["row"] for c in body["changes"] if c["op"] == "PUT"})
            cursors = body["cursors"]
            if not body["has_more"]:
                break
        if wanted <= set(rows) or time.monotonic() > deadline:
            return rows
        time.sleep(0.1)


def test_a_sync_push_stores_and_delivers_nothing_executable(engine: Engine) -> None:
    set_rate_limits(engine, GENEROUS)
    client = TestClient(create_app(engine))
    user = login(client, engine, "uma@example.com", Role.USER)
    category = first_category(user)
    mutations: list[dict[str, Any]] = []
    ids: list[tuple[str, str, str]] = []  # (payload, ticket id, comment id)
    for payload in PAYLOADS:
        ticket_id, comment_id = str(uuid.uuid4()), str(uuid.uuid4())
        ids.append((payload, ticket_id, comment_id))
        mutations.append(
            {
                "id": len(mutations) + 1,
                "name": "create_ticket",
                "args": {
                    "id": ticket_id,
                    "title": "Offline",
                    "description": f"<p>Before</p>{payload}",
                    "category_id": category,
                    "priority": "Medium",
                },
            }
        )
        mutations.append(
            {
                "id": len(mutations) + 1,
                "name": "add_comment",
                "args": {"id": comment_id, "ticket_id": ticket_id, "content": f"<p>Reply</p>{payload}"},
            }
        )
    pushed = client.post(
        "/api/sync/push",
        json={"protocol": PROTOCOL_VERSION, "client_id": str(uuid.uuid4()), "mutations": mutations},
        headers=user.headers,
    )
    assert pushed.status_code == 200, pushed.text
    assert {r["status"] for r in pushed.json()["results"]} == {"applied"}

    rows = _pull_everything(user, {i for _, t, c in ids for i in (t, c)})
    for payload, ticket_id, comment_id in ids:
        assert_clean(rows[ticket_id]["description"], payload, "pulled ticket")
        assert_clean(rows[comment_id]["content"], payload, "pulled comment")
        stored = _stored(engine, "SELECT description FROM tickets WHERE id = :id", ticket_id)
        assert_clean(stored, payload, "tickets.description (pushed)")
        assert_clean(
            _stored(engine, "SELECT content FROM comments WHERE id = :id", comment_id), payload, "comment"
        )


# --- the desktop ------------------------------------------------------------------------------------

_NOW = dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC)


def _detail(description: str, comment: str | None = None, author: str = "Uma") -> queries.TicketDetail:
    """A ticket as the cache would hold it if a compromised server had sent these texts."""
    ticket = queries.TicketRow(
        id="t1",
        number=1001,
        title="Printer",
        status=Status.OPEN,
        priority="Medium",
        priority_name="Medium",
        priority_rank=20,
        category_id="c1",
        category_name="Hardware",
        submitter_id="u1",
        submitter_name=author,
        assignee_id=None,
        assignee_name=None,
        created_at=_NOW,
        updated_at=_NOW,
        resolved_at=None,
        closed_at=None,
        pending=False,
        has_problem=False,
    )
    comments = (
        []
        if comment is None
        else [
            queries.CommentRow(
                "m1", "t1", "u2", author, comment, is_internal=True, created_at=_NOW, pending=False
            )
        ]
    )
    timeline = [queries.TimelineEntry(_NOW, comment=c) for c in comments]
    return queries.TicketDetail(ticket, description, comments, [], timeline, [], [], [])


def _content_between(html: str, marker_html: str) -> str:
    """The part of ``html`` where ``marker_html`` had the marker: the app's own markup around it
    must be exactly the same."""
    before, _marker, after = marker_html.partition("MARKER")
    assert html.startswith(before) and html.endswith(after), "the app's own markup changed"
    return html[len(before) : len(html) - len(after)]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_timeline_renders_nothing_executable(payload: str) -> None:
    names = Names()
    description = timeline_html(_detail(payload), names)
    assert_clean(
        _content_between(description, timeline_html(_detail("MARKER"), names)), payload, "description"
    )
    reply = timeline_html(_detail("<p>x</p>", payload), names)
    assert_clean(
        _content_between(reply, timeline_html(_detail("<p>x</p>", "MARKER"), names)), payload, "comment"
    )
    # a hostile name is text: the markup is the same as with a plain one
    named = timeline_html(_detail("<p>x</p>", "<p>y</p>", author=payload), names)
    plain = timeline_html(_detail("<p>x</p>", "<p>y</p>", author="Uma"), names)
    assert inspect(named).tags == inspect(plain).tags


@pytest.fixture
def editor(qtbot: QtBot) -> Iterator[RichTextEditor]:
    widget = RichTextEditor("Description")
    qtbot.addWidget(widget)
    yield widget


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_editor_writes_nothing_executable(editor: RichTextEditor, payload: str) -> None:
    """A draft reopened with hostile HTML, and hostile HTML pasted, come out clean."""
    editor.set_html(payload)
    assert_clean(editor.html(), payload, "editor after set_html")
    editor.clear()
    pasted = QMimeData()
    pasted.setHtml(payload)
    editor.edit.insertFromMimeData(pasted)
    assert_clean(editor.html(), payload, "editor after paste")
