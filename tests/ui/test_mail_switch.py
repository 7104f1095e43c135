"""The desktop's "Email me about my tickets" switch with real widgets against a live server: it
shows the account's setting, changes it through a background task, puts the check back when the
server cannot be reached, and stays disabled while offline."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select

from desktop.net.api import ApiClient
from desktop.ui.shell.context import AppContext
from desktop.ui.shell.main_window import EMAIL_TIP, MainWindowBase
from sync_server.child_server import LiveServer
from sync_server.db.models import User
from sync_server.db.session import make_session_factory
from tests.helpers.api import create_account
from tests.helpers.store import open_store
from tests.helpers.ui import offline_context
from ticketing.domain import Role

pytestmark = pytest.mark.usefixtures("collect_garbage_on_the_ui_thread")


def stored_preference(engine: Engine, email: str) -> bool | None:
    with make_session_factory(engine)() as session:
        return session.scalar(select(User.notify_email).where(User.email == email))


@pytest.fixture
def offline(desktop_env: Path, tmp_path: Path) -> Iterator[AppContext]:
    """An account whose server cannot be reached."""
    user_id = uuid.uuid4()
    store = open_store(tmp_path / "cache", user_id, Role.USER)
    context = offline_context(store, user_id, "Uma", Role.USER)
    yield context
    context.tasks.wait()
    context.sync.detach()
    context.session.engine.close()
    store.close()


@pytest.fixture
def online(offline: AppContext, live_server: LiveServer, engine: Engine) -> AppContext:
    """The same kind of account, logged in to a live server."""
    _, password = create_account(engine, "uma@example.com", Role.USER, "Uma User")
    api = ApiClient(live_server.url)
    api.login("uma@example.com", password)
    return dataclasses.replace(offline, api=api)


def test_the_switch_shows_and_changes_the_accounts_setting(
    qtbot: QtBot, online: AppContext, engine: Engine, live_server: LiveServer
) -> None:
    window = MainWindowBase(online)
    qtbot.addWidget(window)
    action = window.email_action
    assert action in window.file_menu.actions() and action.isCheckable()
    qtbot.waitUntil(action.isEnabled, timeout=20_000)
    assert action.isChecked() and action.toolTip() == EMAIL_TIP

    action.trigger()  # as a click in the File menu does
    assert not action.isChecked() and not action.isEnabled()  # waiting for the server's answer
    qtbot.waitUntil(action.isEnabled, timeout=20_000)
    assert not action.isChecked()
    assert stored_preference(engine, "uma@example.com") is False
    assert window.sync_status.currentMessage() == "Email notifications are off."

    action.trigger()
    qtbot.waitUntil(action.isEnabled, timeout=20_000)
    assert action.isChecked() and stored_preference(engine, "uma@example.com") is True

    live_server.kill()
    action.trigger()
    qtbot.waitUntil(action.isEnabled, timeout=20_000)
    assert action.isChecked()  # put back: the change did not happen
    assert window.sync_status.currentMessage().startswith("Could not change email notifications")
    assert stored_preference(engine, "uma@example.com") is True
    online.tasks.wait()


def test_offline_the_switch_is_disabled_and_asks_again_when_the_menu_opens(
    qtbot: QtBot, online: AppContext, live_server: LiveServer
) -> None:
    live_server.kill()
    window = MainWindowBase(online)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.email_action.toolTip().startswith("Needs a connection"), timeout=20_000)
    assert not window.email_action.isEnabled()

    live_server.start()
    window.file_menu.aboutToShow.emit()  # what opening the File menu does
    qtbot.waitUntil(window.email_action.isEnabled, timeout=20_000)
    assert window.email_action.isChecked() and window.email_action.toolTip() == EMAIL_TIP
    online.tasks.wait()


def test_a_window_never_waits_for_the_server(qtbot: QtBot, offline: AppContext) -> None:
    window = MainWindowBase(offline)  # its server does not answer: the window opens all the same
    qtbot.addWidget(window)
    assert not window.email_action.isEnabled() and window.email_action.toolTip() == "Asking the server…"
    qtbot.waitUntil(lambda: window.email_action.toolTip().startswith("Needs a connection"), timeout=20_000)
