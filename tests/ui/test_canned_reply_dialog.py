"""File > Canned replies… with real widgets against a live server: an agent writes a reply
(a bad field is a message and the typed text stays), it is in the cache the reply box reads at
once and reaches the server with the sync, another's team reply is read-only for them, and they
delete their own; with the server stopped the dialog works the same, marks what is not synced
yet, and sends it when the server is back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from desktop.net.api import ApiClient
from desktop.store import canned_replies
from desktop.ui.ticket.canned_reply_dialog import PENDING_MARK
from sync_server.child_server import LiveServer
from tests.helpers.api import create_account
from tests.helpers.ui import log_in_app, shut_app
from ticketing.domain import Role

pytestmark = pytest.mark.usefixtures("collect_garbage_on_the_ui_thread")


@pytest.fixture
def ada(live_server: LiveServer, engine: Engine) -> ApiClient:
    """The admin, over REST (another device)."""
    _, admin_password = create_account(engine, "ada@example.com", Role.ADMIN, "Ada Admin")
    client = ApiClient(live_server.url)
    client.login("ada@example.com", admin_password)
    return client


@pytest.fixture
def agent_window(
    qtbot: QtBot, live_server: LiveServer, engine: Engine, desktop_env: Path, ada: ApiClient
) -> Iterator[Any]:
    ada.request(
        "POST", "/api/canned-replies", {"title": "Ada's team reply", "body": "<p>Hi</p>", "scope": "team"}
    )
    _, password = create_account(engine, "alice@example.com", Role.AGENT, "Alice Agent")
    app, window = log_in_app(qtbot, live_server.url, "alice@example.com", password)
    yield window
    shut_app(window)
    del app


def titles_in(dialog: Any) -> list[str]:
    return [dialog.list.item(i).text().removesuffix(PENDING_MARK) for i in range(dialog.list.count())]


def pending_in(dialog: Any) -> list[str]:
    return [
        dialog.list.item(i).text().removesuffix(PENDING_MARK)
        for i in range(dialog.list.count())
        if dialog.list.item(i).text().endswith(PENDING_MARK)
    ]


def on_server(api: ApiClient) -> set[str]:
    return {r["title"] for r in api.request("GET", "/api/canned-replies")}


def test_an_agent_writes_changes_and_deletes_a_reply(qtbot: QtBot, agent_window: Any) -> None:
    assert agent_window.canned_replies_action is not None
    dialog = agent_window.open_canned_replies()
    qtbot.waitUntil(lambda: titles_in(dialog) == ["Ada's team reply (team)"])

    dialog.list.setCurrentRow(0)  # someone else's team reply: read-only for an agent
    assert not dialog.save_button.isEnabled() and not dialog.delete_button.isEnabled()
    assert dialog.title.isReadOnly() and "Only its author or an admin" in dialog.note.text()

    dialog.new_button.click()
    qtbot.keyClicks(dialog.title, "Greeting")
    dialog.save_button.click()  # no text yet
    qtbot.waitUntil(lambda: dialog.message.text() == "The text cannot be empty.")
    assert dialog.title.text() == "Greeting"  # kept
    qtbot.keyClicks(dialog.body.edit, "Hello {{requester.name}}")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: "Greeting" in titles_in(dialog), timeout=10_000)
    assert dialog.message.text() == "Saved; it is sent to the server with the next sync."

    store = agent_window.context.store
    assert "Greeting" in {r.title for r in canned_replies.list_replies(store)}  # at once
    qtbot.waitUntil(lambda: pending_in(dialog) == [], timeout=20_000)  # synced: the mark goes
    (mine,) = [r for r in canned_replies.list_replies(store) if r.title == "Greeting"]
    assert mine.scope == "personal" and "Hello {{requester.name}}" in mine.body

    dialog.title.clear()  # a bad title is refused, naming the field; the text stays
    qtbot.waitUntil(lambda: not dialog._busy)
    qtbot.keyClicks(dialog.title, "   ")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: "title" in dialog.message.text())
    assert "Hello" in dialog.body.edit.toPlainText() and dialog.title.text() == "   "

    dialog.title.setText("Greeting, kind")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: "Greeting, kind" in titles_in(dialog), timeout=10_000)
    dialog.delete_current(confirm=False)
    qtbot.waitUntil(lambda: titles_in(dialog) == ["Ada's team reply (team)"], timeout=10_000)
    assert {r.title for r in canned_replies.list_replies(store)} == {"Ada's team reply"}  # hidden at once
    alice_api = agent_window.context.api
    qtbot.waitUntil(lambda: on_server(alice_api) == {"Ada's team reply"}, timeout=20_000)
    dialog.close()


def test_the_dialog_works_with_the_server_stopped(
    qtbot: QtBot, agent_window: Any, live_server: LiveServer, ada: ApiClient
) -> None:
    dialog = agent_window.open_canned_replies()
    qtbot.waitUntil(lambda: titles_in(dialog) == ["Ada's team reply (team)"])
    live_server.kill()  # offline, for days

    dialog.new_button.click()
    qtbot.keyClicks(dialog.title, "Site visit")
    qtbot.keyClicks(dialog.body.edit, "On my way, {{requester.name}}")
    dialog.scope.setCurrentIndex(dialog.scope.findData("team"))
    dialog.save_button.click()
    qtbot.waitUntil(lambda: pending_in(dialog) == ["Site visit (team)"], timeout=10_000)
    assert dialog.message.text() == "Saved; it is sent to the server with the next sync."
    assert "Not synced yet" in dialog.note.text()

    dialog.new_button.click()
    qtbot.keyClicks(dialog.title, "Scratch")
    qtbot.keyClicks(dialog.body.edit, "to delete")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: "Scratch" in titles_in(dialog), timeout=10_000)
    dialog.delete_current(confirm=False)
    qtbot.waitUntil(lambda: "Scratch" not in titles_in(dialog), timeout=10_000)

    dialog.list.setCurrentRow(titles_in(dialog).index("Site visit (team)"))
    dialog.title.setText("Site visit today")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: pending_in(dialog) == ["Site visit today (team)"], timeout=10_000)
    dialog.title.setText("")  # refused offline too, and the form is kept
    dialog.save_button.click()
    qtbot.waitUntil(lambda: "title" in dialog.message.text())
    assert "On my way" in dialog.body.edit.toPlainText()

    live_server.start()  # back: the next sync sends everything
    agent_window.context.sync.request_sync()
    qtbot.waitUntil(lambda: pending_in(dialog) == [], timeout=30_000)
    assert titles_in(dialog) == ["Ada's team reply (team)", "Site visit today (team)"]
    assert on_server(ada) == {"Ada's team reply", "Site visit today"}
    dialog.close()
