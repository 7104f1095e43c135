"""``--data-dir``: everything the desktop app writes goes below the folder it was given.

Two apps with two data folders log in to one live server, write a draft and save a filter;
each folder holds only its own account's cache, draft, remembered login and filters, and the
user's own data and config folders stay empty (but for the test keyring's plain file).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from desktop import remembered, saved_filters
from desktop.__main__ import parse_args
from desktop.app import Application, close_session
from desktop.drafts import DraftStore
from desktop.remembered import AccountBook
from desktop.store import files
from desktop.ui.agent_console import AgentConsole
from desktop.ui.main_window import MainWindowBase
from desktop.ui.user_portal import UserPortal
from tests.api_helpers import create_account
from tests.live_server import LiveServer
from ticketing.domain import Role

ENGINE_OPTIONS = {"interval": 3600.0, "debounce": 0.05}

pytestmark = pytest.mark.usefixtures("collect_garbage_on_the_ui_thread")


@pytest.fixture
def apps() -> Iterator[list[Application]]:
    """Applications made by a test; their sessions are closed at the end."""
    made: list[Application] = []
    yield made
    for app in made:
        if app.context is not None:
            app.context.sync.detach()
            close_session(app.context.session)
        if app.window is not None:
            app.window.close_for_app()


def log_in(qtbot: QtBot, app: Application, server: str, email: str, password: str) -> MainWindowBase:
    login = app.start(resume=False)
    login.server.setText(server)
    login.email.setText(email)
    login.password.setText(password)
    login.remember.setChecked(True)
    with qtbot.waitSignal(app.main_window_shown, timeout=20_000) as shown:
        login.login_button.click()
    window = shown.args[0]
    assert isinstance(window, MainWindowBase)
    return window


def files_below(folder: Path) -> set[Path]:
    return {path.relative_to(folder) for path in folder.rglob("*") if path.is_file()}


def test_two_data_dirs_each_keep_their_own_cache_draft_login_and_filters(
    qtbot: QtBot,
    live_server: LiveServer,
    engine: Engine,
    desktop_env: Path,
    tmp_path: Path,
    apps: list[Application],
) -> None:
    uma, uma_password = create_account(engine, "uma@example.com", Role.USER, "Uma User")
    alice, alice_password = create_account(engine, "alice@example.com", Role.AGENT, "Alice Agent")
    first, second = tmp_path / "first", tmp_path / "second"

    apps.append(Application(data_dir=first, engine_options=ENGINE_OPTIONS))
    portal = log_in(qtbot, apps[-1], live_server.url, "uma@example.com", uma_password)
    assert isinstance(portal, UserPortal)
    form = portal.open_ticket_form()
    form.title.setText("Half-written on the first profile")
    form.save_draft()

    apps.append(Application(data_dir=second, engine_options=ENGINE_OPTIONS))
    console = log_in(qtbot, apps[-1], live_server.url, "alice@example.com", alice_password)
    assert isinstance(console, AgentConsole)
    console.filters.save_current("Alice's view")

    # each folder: its own account's cache, draft, remembered login, saved filters
    assert files.cache_path(live_server.url, uma, first).exists()
    assert files.cache_path(live_server.url, alice, second).exists()
    assert not files.cache_path(live_server.url, uma, second).exists()
    assert not files.cache_path(live_server.url, alice, first).exists()
    draft = DraftStore(live_server.url, uma, first).load()
    assert draft is not None and draft.title == "Half-written on the first profile"
    assert not any(path.parts[0] == "drafts" for path in files_below(second))
    assert [a.email for a in AccountBook.in_data_dir(first).accounts()] == ["uma@example.com"]
    assert [a.email for a in AccountBook.in_data_dir(second).accounts()] == ["alice@example.com"]
    filters = json.loads((second / saved_filters.FILE_NAME).read_text(encoding="utf-8"))
    assert [f["name"] for saved in filters["accounts"].values() for f in saved] == ["Alice's view"]
    assert not (first / saved_filters.FILE_NAME).exists()

    # nothing of the app in the user's own folders: only the test keyring's plain file
    user_folders = files_below(desktop_env) | files_below(tmp_path / "config")
    assert {path.parts[0] for path in user_folders} <= {"python_keyring"}, user_folders

    # an app started again on a folder offers that folder's login
    again = Application(data_dir=first, engine_options=ENGINE_OPTIONS)
    apps.append(again)
    login = again.start(resume=False)
    qtbot.addWidget(login)
    assert login.email.text() == "uma@example.com"


def test_the_command_line_passes_the_data_dir_on(tmp_path: Path) -> None:
    args = parse_args(["--data-dir", str(tmp_path / "portable"), "--no-resume"])
    app = Application(data_dir=args.data_dir)
    assert app.book.path == tmp_path / "portable" / remembered.FILE_NAME
