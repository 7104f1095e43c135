"""File > Canned replies… with real widgets against a live server: an agent writes a reply
(a bad field is a message and the typed text stays), it reaches the cache the reply box reads,
another's team reply is read-only for them, and they delete their own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from desktop.net.api import ApiClient
from desktop.store import canned_replies
from sync_server.child_server import LiveServer
from tests.helpers.api import create_account
from tests.helpers.ui import log_in_app, shut_app
from ticketing.domain import Role

pytestmark = pytest.mark.usefixtures("collect_garbage_on_the_ui_thread")


@pytest.fixture
def agent_window(qtbot: QtBot, live_server: LiveServer, engine: Engine, desktop_env: Path) -> Iterator[Any]:
    _, admin_password = create_account(engine, "ada@example.com", Role.ADMIN, "Ada Admin")
    ada = ApiClient(live_server.url)
    ada.login("ada@example.com", admin_password)
    ada.request(
        "POST", "/api/canned-replies", {"title": "Ada's team reply", "body": "<p>Hi</p>", "scope": "team"}
    )
    _, password = create_account(engine, "alice@example.com", Role.AGENT, "Alice Agent")
    app, window = log_in_app(qtbot, live_server.url, "alice@example.com", password)
    yield window
    shut_app(window)
    del app


def titles_in(dialog: Any) -> list[str]:
    return [dialog.list.item(i).text() for i in range(dialog.list.count())]


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
    assert dialog.message.text() == "The text cannot be empty."
    assert dialog.title.text() == "Greeting"  # kept
    qtbot.keyClicks(dialog.body.edit, "Hello {{requester.name}}")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: "Greeting" in titles_in(dialog), timeout=10_000)
    assert dialog.message.text() == "Saved."

    store = agent_window.context.store
    qtbot.waitUntil(
        lambda: "Greeting" in {r.title for r in canned_replies.list_replies(store)}, timeout=20_000
    )
    (mine,) = [r for r in canned_replies.list_replies(store) if r.title == "Greeting"]
    assert mine.scope == "personal" and "Hello {{requester.name}}" in mine.body

    dialog.title.clear()  # a bad title is refused, naming the field; the text stays
    qtbot.keyClicks(dialog.title, "   ")
    dialog.save_button.click()
    assert "title" in dialog.message.text()
    assert "Hello" in dialog.body.edit.toPlainText()

    dialog.title.setText("Greeting, kind")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: "Greeting, kind" in titles_in(dialog), timeout=10_000)
    dialog.delete_current(confirm=False)
    qtbot.waitUntil(lambda: titles_in(dialog) == ["Ada's team reply (team)"], timeout=10_000)
    qtbot.waitUntil(
        lambda: {r.title for r in canned_replies.list_replies(store)} == {"Ada's team reply"}, timeout=20_000
    )
    dialog.close()
