"""The login window driven as a user would, against a real server: success and role routing,
remembered logins (online and offline), "Remember me" by keyring, ``--data-dir``, and the
message for each way logging in fails."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.errors
import pytest
import requests
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyrings.alt.file import PlaintextKeyring
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

import desktop.app as app_module
from desktop.__main__ import parse_args
from desktop.app import Application, close_session
from desktop.local import credentials, remembered, saved_filters
from desktop.local.drafts import DraftStore
from desktop.local.remembered import AccountBook, RememberedAccount
from desktop.net.api import ApiClient
from desktop.store import files
from desktop.ui.portal.user_portal import UserPortal
from desktop.ui.queue.agent_console import AgentConsole
from desktop.ui.shell.login_window import LoginWindow
from desktop.ui.shell.main_window import MainWindowBase
from sync_server.child_server import LiveServer, free_port
from tests.helpers.api import create_account
from tests.helpers.ui import all_controls
from ticketing.domain import Role, new_id
from ticketing.protocol import PROTOCOL_HEADER

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


def make_app(apps: list[Application], server_url: str, **options: Any) -> Application:
    app = Application(engine_options=ENGINE_OPTIONS, default_server=server_url, **options)
    apps.append(app)
    return app


def fill(login: LoginWindow, server: str, email: str, password: str, *, remember: bool = True) -> None:
    login.server.setText(server)
    login.email.setText(email)
    login.password.setText(password)
    login.remember.setChecked(remember)


def log_in(qtbot: QtBot, app: Application, server: str, email: str, password: str) -> MainWindowBase:
    login = app.start(resume=False)  # deletes itself once logged in
    fill(login, server, email, password)
    with qtbot.waitSignal(app.main_window_shown, timeout=20_000) as shown:
        login.login_button.click()
    window = shown.args[0]
    assert isinstance(window, MainWindowBase)
    return window


def test_user_logs_in_and_gets_the_portal(
    qtbot: QtBot, live_server: LiveServer, engine: Engine, desktop_env: Path, apps: list[Application]
) -> None:
    user_id, password = create_account(engine, "uma@example.com", Role.USER, "Uma User")
    app = make_app(apps, live_server.url)

    window = log_in(qtbot, app, live_server.url, "uma@example.com", password)

    assert isinstance(window, UserPortal)
    assert "Uma User" in window.windowTitle()
    assert app.context is not None and app.context.user.id == user_id
    qtbot.waitUntil(lambda: window.sync_status.connection.text().endswith("Online"), timeout=20_000)
    assert "Uma User" in window.sync_status.user_label.text()
    remembered = AccountBook().last()
    assert remembered is not None and remembered.email == "uma@example.com" and remembered.role == Role.USER
    assert credentials.load_refresh_token(live_server.url, "uma@example.com")  # a token, not a password
    assert password not in (AccountBook().path.read_text())


def test_log_out_forgets_the_login_and_returns_to_the_login_window(
    qtbot: QtBot, live_server: LiveServer, engine: Engine, desktop_env: Path, apps: list[Application]
) -> None:
    _, password = create_account(engine, "uma@example.com", Role.USER, "Uma User")
    app = make_app(apps, live_server.url)
    window = log_in(qtbot, app, live_server.url, "uma@example.com", password)
    assert app.context is not None
    cache = app.context.store.path

    with qtbot.waitSignal(app.login_shown, timeout=20_000) as shown:
        window.logout_action.trigger()

    login = shown.args[0]
    qtbot.addWidget(login)
    assert "logged out" in login.message.text()
    assert app.context is None and app.window is None
    assert credentials.load_refresh_token(live_server.url, "uma@example.com") is None
    assert AccountBook().accounts() == []
    assert not cache.exists()  # nothing of the account stays on this computer


def test_agent_without_a_console_gets_the_portal_with_a_notice(
    qtbot: QtBot,
    live_server: LiveServer,
    engine: Engine,
    desktop_env: Path,
    apps: list[Application],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, password = create_account(engine, "alice@example.com", Role.AGENT, "Alice Agent")
    monkeypatch.setitem(app_module.STAFF_WINDOWS, Role.AGENT, ("desktop.ui.no_such_console", "X"))
    window = log_in(qtbot, make_app(apps, live_server.url), live_server.url, "alice@example.com", password)

    assert isinstance(window, UserPortal)
    assert "agent console is not available" in window.banner.text()


def test_wrong_password_is_explained_and_input_kept(
    qtbot: QtBot, live_server: LiveServer, engine: Engine, desktop_env: Path, apps: list[Application]
) -> None:
    create_account(engine, "uma@example.com", Role.USER)
    login = make_app(apps, live_server.url).start(resume=False)
    qtbot.addWidget(login)
    fill(login, live_server.url, "uma@example.com", "not-the-password")

    login.login_button.click()

    qtbot.waitUntil(lambda: "Wrong email or password." in login.message.text(), timeout=10_000)
    assert login.email.text() == "uma@example.com"
    assert login.login_button.isEnabled()
    assert AccountBook().accounts() == []


def test_unreachable_server_is_explained(qtbot: QtBot, desktop_env: Path, apps: list[Application]) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    login = make_app(apps, nowhere).start(resume=False)
    qtbot.addWidget(login)
    fill(login, nowhere, "uma@example.com", "whatever-password")

    login.login_button.click()

    qtbot.waitUntil(lambda: "Cannot reach the server" in login.message.text(), timeout=15_000)
    assert nowhere in login.message.text()


def test_bad_server_address_is_explained_without_network(
    qtbot: QtBot, desktop_env: Path, apps: list[Application]
) -> None:
    login = make_app(apps, "http://x").start(resume=False)
    qtbot.addWidget(login)
    fill(login, "ftp://files", "uma@example.com", "whatever-password")
    login.login_button.click()
    assert "Enter the server address" in login.message.text()


class _ProtocolSession(requests.Session):
    """Sends another protocol version than this app speaks (a newer or an older client)."""

    def __init__(self, version: int) -> None:
        super().__init__()
        self.version = version

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.headers[PROTOCOL_HEADER] = str(self.version)
        return super().request(method, url, *args, **kwargs)


@pytest.mark.parametrize(
    ("version", "expected"),
    [(999, "Ask your administrator to update the server"), (0, "Please update the app")],
)
def test_incompatible_versions_are_explained(
    qtbot: QtBot,
    live_server: LiveServer,
    engine: Engine,
    desktop_env: Path,
    apps: list[Application],
    version: int,
    expected: str,
) -> None:
    _, password = create_account(engine, "uma@example.com", Role.USER)

    def factory(server_url: str, **options: Any) -> ApiClient:
        return ApiClient(server_url, session=_ProtocolSession(version), **options)

    login = make_app(apps, live_server.url, api_factory=factory).start(resume=False)
    qtbot.addWidget(login)
    fill(login, live_server.url, "uma@example.com", password)
    login.login_button.click()

    qtbot.waitUntil(lambda: expected in login.message.text(), timeout=10_000)


def test_remembered_login_opens_offline_when_the_server_is_down(
    qtbot: QtBot, live_server: LiveServer, engine: Engine, desktop_env: Path, apps: list[Application]
) -> None:
    _, password = create_account(engine, "uma@example.com", Role.USER, "Uma User")
    first = make_app(apps, live_server.url)
    window = log_in(qtbot, first, live_server.url, "uma@example.com", password)
    assert first.context is not None
    sync = first.context.sync
    qtbot.waitUntil(lambda: sync.status.last_sync_at is not None, timeout=20_000)
    # the app ends (without logging out) and the server goes away
    sync.detach()
    close_session(first.context.session)
    first.context = None
    window.close_for_app()
    live_server.kill()

    second = make_app(apps, live_server.url)
    with qtbot.waitSignal(second.main_window_shown, timeout=20_000) as shown:
        second.start()  # reopens the remembered login by itself
    reopened = shown.args[0]

    assert isinstance(reopened, UserPortal)
    assert second.context is not None and second.context.user.name == "Uma User"
    assert "Offline" in reopened.sync_status.currentMessage()


def test_keyring_warning_and_accessible_names(
    qtbot: QtBot, desktop_env: Path, apps: list[Application]
) -> None:
    login = make_app(apps, "http://127.0.0.1:9").start(resume=False)
    qtbot.addWidget(login)
    assert not credentials.keyring_is_secure()  # the plain-file keyring of the tests
    assert login.keyring_warning.isVisibleTo(login)
    for control in all_controls(login):
        assert control.accessibleName(), control


class SessionKeyring(KeyringBackend):
    """Secrets in this process's memory: a keyring nobody else can read, standing in for the
    system's secure store (Secret Service, Keychain), which this headless machine lacks."""

    priority = 5

    def __init__(self) -> None:
        super().__init__()
        self._secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self._secrets.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(username)


def test_remember_me_starts_unchecked_with_a_plain_file_keyring(
    qtbot: QtBot, desktop_env: Path, apps: list[Application]
) -> None:
    login = make_app(apps, "http://127.0.0.1:9").start(resume=False)
    qtbot.addWidget(login)
    assert not credentials.keyring_is_secure()
    assert not login.remember.isChecked()
    assert login.keyring_warning.isVisibleTo(login)  # the warning stays


def test_a_saved_login_stays_remembered_and_another_account_starts_unchecked(
    qtbot: QtBot, desktop_env: Path, apps: list[Application]
) -> None:
    AccountBook().remember(
        RememberedAccount("http://127.0.0.1:9", "uma@example.com", str(new_id()), "Uma User", Role.USER)
    )
    login = make_app(apps, "http://127.0.0.1:9").start(resume=False)
    qtbot.addWidget(login)
    assert login.email.text() == "uma@example.com"
    assert login.remember.isChecked()  # the user chose to keep this one

    another = login.saved_logins.findText("Another account…")
    login.saved_logins.setCurrentIndex(another)
    login.saved_logins.activated.emit(another)
    assert login.email.text() == ""
    assert not login.remember.isChecked()


def test_remember_me_starts_checked_with_a_secure_keyring(
    qtbot: QtBot, desktop_env: Path, apps: list[Application]
) -> None:
    keyring.set_keyring(SessionKeyring())  # desktop_env puts the previous keyring back
    login = make_app(apps, "http://127.0.0.1:9").start(resume=False)
    qtbot.addWidget(login)
    assert credentials.keyring_is_secure()
    assert login.remember.isChecked()
    assert not login.keyring_warning.isVisibleTo(login)


def test_a_chain_of_keyrings_is_as_safe_as_the_keyring_it_writes_to(desktop_env: Path) -> None:
    class SecureFirst(chainer.ChainerBackend):
        backends = [SessionKeyring(), PlaintextKeyring()]

    class PlainFileOnly(chainer.ChainerBackend):
        backends = [PlaintextKeyring()]

    assert credentials.keyring_is_secure(SessionKeyring())
    assert credentials.keyring_is_secure(SecureFirst())  # a desktop with keyrings.alt installed
    for insecure in (PlainFileOnly(), PlaintextKeyring(), fail.Keyring(), null.Keyring()):
        assert not credentials.keyring_is_secure(insecure), insecure


# --- --data-dir -----------------------------------------------------------------------------------


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
    """Everything the app writes goes below ``--data-dir``; the user's folders stay empty."""
    uma, uma_password = create_account(engine, "uma@example.com", Role.USER, "Uma User")
    alice, alice_password = create_account(engine, "alice@example.com", Role.AGENT, "Alice Agent")
    first, second = tmp_path / "first", tmp_path / "second"

    on_first, on_second = (make_app(apps, live_server.url, data_dir=folder) for folder in (first, second))
    portal = log_in(qtbot, on_first, live_server.url, "uma@example.com", uma_password)
    assert isinstance(portal, UserPortal)
    form = portal.open_ticket_form()
    form.title.setText("Half-written on the first profile")
    form.save_draft()
    console = log_in(qtbot, on_second, live_server.url, "alice@example.com", alice_password)
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
    login = make_app(apps, live_server.url, data_dir=first).start(resume=False)
    qtbot.addWidget(login)
    assert login.email.text() == "uma@example.com"


def test_the_command_line_hands_the_data_dir_to_the_app(tmp_path: Path) -> None:
    args = parse_args(["--data-dir", str(tmp_path / "portable"), "--no-resume"])
    assert Application(data_dir=args.data_dir).book.path == tmp_path / "portable" / remembered.FILE_NAME
