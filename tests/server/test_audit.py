"""History that answers "who did that?": the admin audit log and the ticket timeline.

- every admin action on accounts, settings and the catalog leaves one entry, written in the
  same transaction (a refused action leaves none), naming what changed and never a password;
- ``GET /api/admin/audit`` pages newest first and filters by action and by admin;
- the admin console's Audit log tab shows it a page at a time, with filters, in a worker, and
  says "slow down" when a proxy in front of the server answers 429;
- the ticket timeline shows every change of status, priority, assignee and category by name.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, text

from desktop.net.api import ApiClient
from desktop.sync import session as sessions
from desktop.sync.session import AccountSession
from desktop.tasks import TaskRunner
from desktop.ui.admin.audit import ACTION_NAMES, AuditPanel, AuditRole
from desktop.ui.admin.console import AdminConsole
from desktop.ui.shell.context import AppContext, CurrentUser
from desktop.ui.shell.sync_controller import SyncController
from desktop.ui.ticket.detail import load_detail
from desktop.ui.ticket.timeline_html import event_text, timeline_html
from sync_server.child_server import LiveServer
from tests.helpers.api import Account, create_account, login
from tests.helpers.sync import Desk, sync_until
from tests.helpers.sync import submit as submit_rest
from ticketing.domain import Role
from ticketing.schemas import AuditAction

pytestmark = pytest.mark.usefixtures("collect_garbage_on_the_ui_thread")

SMTP_SECRET = "smtp-secret-never-logged"


def entries(admin: Account, **params: Any) -> dict[str, Any]:
    response = admin.get("/api/admin/audit", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def actions(admin: Account, **params: Any) -> list[str]:
    return [item["action"] for item in entries(admin, **params)["items"]]


def audit_rows_as_text(engine: Engine) -> str:
    with engine.connect() as conn:
        return "\n".join(conn.scalars(text("SELECT a::text FROM admin_audit a")))


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


# --- what is logged ---------------------------------------------------------------------------------


def test_every_admin_action_is_logged_with_who_what_and_when(client: TestClient, engine: Engine) -> None:
    admin = login(client, engine, "ada@example.com", Role.ADMIN, "Ada Admin")
    assert entries(admin)["total"] == 0  # logins, the default catalog: nothing an admin did

    user = ok(
        admin.post(
            "/api/users",
            json={"email": "bob@example.com", "name": "Bob", "role": "user", "password": "first-password"},
        ),
        201,
    )
    users = f"/api/users/{user['id']}"
    ok(admin.patch(users, json={"role": "agent"}))
    ok(admin.patch(users, json={"name": "Bob Agent"}))
    ok(admin.patch(users, json={"is_active": False}))
    ok(admin.patch(users, json={"is_active": True}))
    ok(admin.patch(users, json={"password": "second-password"}))
    category = ok(admin.post("/api/categories", json={"name": "Furniture"}), 201)
    ok(admin.patch(f"/api/categories/{category['id']}", json={"name": "Chairs"}))
    ok(admin.patch(f"/api/categories/{category['id']}", json={"is_active": False}))
    ok(admin.patch(f"/api/categories/{category['id']}", json={"is_active": True}))
    priority = ok(admin.post("/api/priorities", json={"name": "Urgent", "rank": 50}), 201)
    ok(admin.patch(f"/api/priorities/{priority['id']}", json={"name": "Very urgent"}))
    ok(admin.patch(f"/api/priorities/{priority['id']}", json={"rank": 60}))
    ok(admin.patch(f"/api/priorities/{priority['id']}", json={"is_active": False}))
    ok(admin.patch(f"/api/priorities/{priority['id']}", json={"is_active": True}))
    ok(admin.patch("/api/settings", json={"agent_visibility": "assigned"}))

    page = entries(admin)
    expected = [
        "user.created",
        "user.role_changed",
        "user.renamed",
        "user.deactivated",
        "user.reactivated",
        "user.password_reset",
        "category.added",
        "category.renamed",
        "category.deactivated",
        "category.reactivated",
        "priority.added",
        "priority.renamed",
        "priority.reranked",
        "priority.deactivated",
        "priority.reactivated",
        "settings.changed",
    ]
    assert [item["action"] for item in page["items"]] == expected[::-1]  # newest first
    assert page["total"] == len(expected)
    assert {item["actor_id"] for item in page["items"]} == {admin.id}
    assert {item["actor_name"] for item in page["items"]} == {"Ada Admin"}
    by_action = {item["action"]: item for item in page["items"]}
    assert by_action["user.role_changed"]["target_id"] == user["id"]
    assert (
        by_action["user.role_changed"]["summary"]
        == "Changed the role of Bob (bob@example.com): user -> agent"
    )
    assert by_action["category.renamed"]["details"] == {"old": "Furniture", "new": "Chairs"}
    assert by_action["priority.reranked"]["details"] == {"name": "Very urgent", "old": 50, "new": 60}
    assert by_action["settings.changed"]["details"]["fields"] == {
        "agent_visibility": {"old": "all", "new": "assigned"}
    }
    times = [item["created_at"] for item in page["items"]]
    assert times == sorted(times, reverse=True)
    stored = audit_rows_as_text(engine)
    assert "first-password" not in stored and "second-password" not in stored


def test_settings_changes_name_the_fields_but_never_the_smtp_password(
    client: TestClient, engine: Engine
) -> None:
    admin = login(client, engine, "ada@example.com", Role.ADMIN)
    smtp = {"host": "mail.example.com", "port": 587, "username": "desk", "password": SMTP_SECRET}
    ok(admin.patch("/api/settings", json={"smtp": smtp}))
    ok(admin.patch("/api/settings", json={"smtp": smtp}))  # the same again: nothing changed
    ok(admin.patch("/api/settings", json={"smtp": {**smtp, "password": None, "port": 2525}}))  # password kept

    first, *rest = reversed(entries(admin)["items"])
    assert len(rest) == 1
    fields = first["details"]["fields"]
    assert fields["smtp.password"] == {"changed": True}
    assert fields["smtp.host"] == {"old": "", "new": "mail.example.com"}
    assert first["details"]["groups"] == ["smtp"]
    assert "smtp.password" in first["summary"]
    assert rest[0]["details"]["fields"] == {"smtp.port": {"old": 587, "new": 2525}}
    assert SMTP_SECRET not in audit_rows_as_text(engine)


def test_a_refused_or_empty_action_leaves_no_entry(client: TestClient, engine: Engine) -> None:
    admin = login(client, engine, "ada@example.com", Role.ADMIN)
    ok(admin.post("/api/categories", json={"name": "Furniture"}), 201)
    assert admin.post("/api/categories", json={"name": "furniture"}).status_code == 409
    assert admin.patch(f"/api/users/{admin.id}", json={"is_active": False}).status_code == 403
    user_id, _ = create_account(engine, "uma@example.com", Role.USER)  # the command line: not logged
    ok(admin.patch(f"/api/users/{user_id}", json={"role": "user"}))  # no change
    assert actions(admin) == ["category.added"]


# --- reading it --------------------------------------------------------------------------------------


def test_the_log_pages_newest_first_and_filters_by_action_and_admin(
    client: TestClient, engine: Engine
) -> None:
    ada = login(client, engine, "ada@example.com", Role.ADMIN, "Ada")
    max_ = login(client, engine, "max@example.com", Role.ADMIN, "Max")
    for n in range(5):
        ok(ada.post("/api/categories", json={"name": f"Ada {n}"}), 201)
    for n in range(3):
        ok(max_.post("/api/priorities", json={"name": f"Max {n}", "rank": 100 + n}), 201)

    pages = [entries(ada, limit=3, offset=offset) for offset in (0, 3, 6)]
    names = [item["details"]["name"] for page in pages for item in page["items"]]
    assert names == ["Max 2", "Max 1", "Max 0", "Ada 4", "Ada 3", "Ada 2", "Ada 1", "Ada 0"]
    assert {page["total"] for page in pages} == {8}

    assert actions(ada, action="priority.added") == ["priority.added"] * 3
    both = actions(ada, action=["priority.added", "category.added"])
    assert len(both) == 8
    assert actions(ada, actor_id=ada.id) == ["category.added"] * 5
    assert entries(ada, actor_id=max_.id, action="category.added")["total"] == 0
    assert ada.get("/api/admin/audit", params={"action": "user.deleted"}).status_code == 422
    assert ada.get("/api/admin/audit", params={"limit": 0}).status_code == 422


def test_only_admins_read_the_log(client: TestClient, engine: Engine) -> None:
    agent = login(client, engine, "alice@example.com", Role.AGENT)
    user = login(client, engine, "uma@example.com", Role.USER)
    for account in (agent, user):
        response = account.get("/api/admin/audit")
        assert response.status_code == 403 and response.json()["error"] == "forbidden"
    assert client.get("/api/admin/audit").status_code == 401


# --- the admin console -----------------------------------------------------------------------------


@pytest.fixture
def admin_session(live_server: LiveServer, engine: Engine, tmp_path: Path) -> Iterator[AccountSession]:
    _id, password = create_account(engine, "ada@example.com", Role.ADMIN, "Ada Admin")
    session = sessions.log_in(live_server.url, "ada@example.com", password, data_dir=tmp_path)
    yield session
    session.engine.close()
    session.store.close()


def context_of(session: AccountSession, api: ApiClient | None = None) -> AppContext:
    controller = SyncController()
    controller.attach(session.engine)
    user = CurrentUser(str(session.user_id), "Ada Admin", "ada@example.com", Role.ADMIN)
    return AppContext(
        session.server_url, user, session.store, api or session.api, TaskRunner(), controller, session
    )


def test_the_audit_log_tab_pages_and_filters(
    qtbot: QtBot, qtmodeltester: ModelTester, admin_session: AccountSession, live_server: LiveServer
) -> None:
    api = admin_session.api
    for n in range(55):
        api.request("POST", "/api/categories", {"name": f"Category {n:02}"})
    agent = api.request(
        "POST",
        "/api/users",
        {"email": "bob@example.com", "name": "Bob", "role": "agent", "password": "long-enough-1"},
    )
    api.request("PATCH", f"/api/users/{agent['id']}", {"role": "admin"})

    console = AdminConsole(context_of(admin_session))
    qtbot.addWidget(console)
    console.show()
    labels = [console.tabs.tabText(i) for i in range(console.tabs.count())]
    assert "Audit lo&g" in labels
    panel = console.tabs.widget(labels.index("Audit lo&g"))
    assert isinstance(panel, AuditPanel)
    assert panel.model.rowCount() == 0  # nothing is fetched before the tab is opened
    console.show_tab(panel)

    qtbot.waitUntil(lambda: panel.model.rowCount() == 50, timeout=15_000)
    qtmodeltester.check(panel.model)
    newest = panel.model.entry(0)
    assert newest is not None and newest.action == AuditAction.USER_ROLE_CHANGED
    assert panel.model.index(0, 2).data() == "Role changed"
    assert panel.model.index(0, 1).data(AuditRole.ENTRY) == newest
    assert "Bob (bob@example.com): agent -> admin" in panel.model.index(0, 3).data()
    assert panel.message.text() == "Entries 1 to 50 of 57, newest first."
    assert not panel.newer_button.isEnabled() and panel.older_button.isEnabled()

    panel.older_button.click()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 7, timeout=15_000)
    oldest = panel.model.entry(6)
    assert oldest is not None and oldest.summary == "Added the category Category 00"
    assert panel.newer_button.isEnabled() and not panel.older_button.isEnabled()

    panel.action_filter.setCurrentIndex(panel.action_filter.findText(ACTION_NAMES[AuditAction.USER_CREATED]))
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=15_000)
    created = panel.model.entry(0)
    assert created is not None and created.action == AuditAction.USER_CREATED
    assert panel.actor_filter.findText("Ada Admin (ada@example.com)") > 0  # admins to filter by
    assert panel.actor_filter.findText("Bob (bob@example.com)") > 0
    panel.actor_filter.setCurrentIndex(panel.actor_filter.findText("Bob (bob@example.com)"))
    qtbot.waitUntil(lambda: panel.message.text() == "No entries.", timeout=15_000)
    assert panel.model.rowCount() == 0
    assert panel.table.accessibleName() == "Audit log"
    console.close()


class SlowDownProxy(http.server.ThreadingHTTPServer):
    """A reverse proxy that rate-limits everything: 429, ``Retry-After: 7``, a plain-text body."""

    def __init__(self) -> None:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(429)
                self.send_header("Retry-After", "7")
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"Too Many Requests")

            def log_message(self, *_args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def close(self) -> None:
        self.shutdown()
        self.server_close()


def test_an_admin_screen_says_when_the_server_asks_to_slow_down(
    qtbot: QtBot, admin_session: AccountSession
) -> None:
    proxy = SlowDownProxy()
    try:
        behind_proxy = ApiClient(proxy.url, access_token=admin_session.api.access_token)
        panel = AuditPanel(context_of(admin_session, behind_proxy))
        qtbot.addWidget(panel)
        panel.load()
        qtbot.waitUntil(lambda: panel.error.error() != "", timeout=15_000)
        assert panel.error.error() == "The server asked to slow down; try again in 7 s."
        assert panel.model.rowCount() == 0
    finally:
        proxy.close()


# --- the ticket timeline ------------------------------------------------------------------------------


def test_the_timeline_shows_every_change_with_who_by_name(qtbot: QtBot, desk: Desk) -> None:
    uma = desk.rest("uma@example.com")
    alice = desk.rest("alice@example.com")
    ticket = submit_rest(uma, "Screen flickers")  # Medium, in the first category
    categories = {c["name"]: c["id"] for c in alice.request("GET", "/api/categories")}
    path = f"/api/tickets/{ticket['id']}"
    alice.request("PATCH", path, {"assignee_id": desk.ids["alice@example.com"]})  # -> In Progress
    alice.request("PATCH", path, {"priority": "High"})
    alice.request("PATCH", path, {"category_id": categories["Software"]})
    alice.request("PATCH", path, {"assignee_id": desk.ids["bob@example.com"]})
    alice.request("PATCH", path, {"status": "On Hold"})
    alice.request("PATCH", path, {"assignee_id": None})

    bob = desk.desktop("bob@example.com")
    sync_until(bob, lambda: len(getattr(load_detail(bob.store, ticket["id"]).detail, "timeline", [])) >= 8)
    data = load_detail(bob.store, ticket["id"])
    assert data.detail is not None
    lines = [event_text(e.event, data.names) for e in data.detail.timeline if e.event is not None]
    first_category = next(name for name, id_ in categories.items() if id_ == ticket["category_id"])
    assert lines == [
        "Uma created the ticket",
        "Alice assigned the ticket to Alice",
        "Alice changed status from Open to In Progress",
        "Alice changed priority from Medium to High",
        f"Alice changed category from {first_category} to Software",
        "Alice changed assignee from Alice to Bob",
        "Alice changed status from In Progress to On Hold",
        "Alice changed assignee from Bob to nobody",
    ]
    html = timeline_html(data.detail, data.names)
    for line in lines[1:]:  # every change is in the timeline, with its time
        assert line in html
    assert html.count(" · ") >= len(lines) - 1
