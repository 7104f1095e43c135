"""The login window: server address, email, password, "remember me", and saved logins.

A remembered login is a refresh token in the system keyring plus a non-secret entry in the
:class:`~desktop.local.remembered.AccountBook`; reopening it works offline from the local cache.
Logging in talks to the network, so it runs through the :class:`TaskRunner`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.lazy import lazy_module
from desktop.local import credentials
from desktop.local.remembered import AccountBook, RememberedAccount
from desktop.palette import scheme_for
from desktop.store.files import normalize_server_url
from desktop.tasks import TaskRunner

if TYPE_CHECKING:
    # the HTTP client, the cache and the sync engine load on the worker thread that logs in,
    # after this window is on screen (see desktop.lazy)
    from desktop.net import api as net_api
    from desktop.net.api import ApiClient
    from desktop.sync import session as account_session
    from desktop.sync.session import AccountSession
    from desktop.ui.shell import error_text
    from ticketing.schemas import TokenOut
else:
    net_api = lazy_module("desktop.net.api")
    account_session = lazy_module("desktop.sync.session")
    error_text = lazy_module("desktop.ui.shell.error_text")

log = logging.getLogger(__name__)

DEFAULT_SERVER = "http://localhost:8700"

#: Builds the HTTP client of a login attempt (tests pass one that misbehaves on purpose).
ApiFactory = Callable[..., "ApiClient"]


def default_api_factory(*args: Any, **kwargs: Any) -> ApiClient:
    """:class:`~desktop.net.api.ApiClient` (imported when the first login starts)."""
    return net_api.ApiClient(*args, **kwargs)


@dataclass(frozen=True)
class LoginResult:
    """A logged-in (or offline-reopened) account, ready for a main window."""

    session: AccountSession
    account: RememberedAccount  # who, as the server said or as remembered when offline
    remember: bool
    offline: bool
    token_saved: bool


class NoSavedLogin(Exception):
    """The keyring has no token for a remembered account (removed, or another keyring)."""


class _TokenKeeper:
    """Called (on whatever thread refreshes) with each new token pair; keeps the refresh
    token in the keyring when the user asked to be remembered."""

    def __init__(self, server_url: str, email: str, remember: bool) -> None:
        self.server_url = server_url
        self.email = email
        self.remember = remember
        self.saved = True

    def __call__(self, tokens: TokenOut) -> None:
        if self.remember:
            self.saved = credentials.save_refresh_token(self.server_url, self.email, tokens.refresh_token)


def server_address(text: str) -> str:
    """What the user typed as the server, as one spelling (``http://`` added when missing)."""
    text = text.strip()
    if text and "://" not in text:
        text = "http://" + text
    return normalize_server_url(text)


class LoginWindow(QWidget):
    """Asks who logs in where, and logs in off the UI thread.

    Signals:
        logged_in(LoginResult): the account's session is open (online or offline).
    """

    logged_in = Signal(object)

    def __init__(
        self,
        tasks: TaskRunner,
        *,
        book: AccountBook | None = None,
        engine_options: dict[str, Any] | None = None,
        data_dir: Path | None = None,
        api_factory: ApiFactory = default_api_factory,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._book = book or AccountBook.in_data_dir(data_dir)
        self._engine_options = dict(engine_options or {})
        self._data_dir = data_dir
        self._api_factory = api_factory
        self._busy = False
        self._saved_token = False  # the chosen remembered account has a keyring entry
        self.setWindowTitle("Ticketdesk — Log in")
        self.setMinimumWidth(440)

        heading = QLabel("<h2>Ticketdesk</h2>")
        heading.setAccessibleName("Ticketdesk")
        intro = QLabel("Log in to your help desk.")
        self.saved_logins = QComboBox()
        self.saved_logins.setAccessibleName("Saved login")
        self.server = QLineEdit()
        self.server.setAccessibleName("Server")
        self.server.setPlaceholderText("http://helpdesk.example.org:8700")
        self.email = QLineEdit()
        self.email.setAccessibleName("Email")
        self.email.setPlaceholderText("you@example.org")
        self.password = QLineEdit()
        self.password.setAccessibleName("Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        # "Remember me" starts ticked only where the keyring keeps secrets safely; with a plain
        # file for a keyring, keeping a login is the user's explicit choice
        self._remember_by_default = credentials.keyring_is_secure()
        self.remember = QCheckBox("&Remember me on this computer")
        self.remember.setAccessibleName("Remember me on this computer")
        self.remember.setToolTip(
            "Keeps a login token (never your password) in the system keyring, so the app opens "
            "without a password, even offline."
        )
        self.keyring_warning = QLabel(
            "No secure keyring was found: a remembered login would be kept in a plain file "
            "readable by anyone with access to your files."
        )
        self.keyring_warning.setWordWrap(True)
        self.keyring_warning.setAccessibleName("Keyring warning")
        self.keyring_warning.setStyleSheet(f"color: {scheme_for(self.palette()).warning};")
        self.keyring_warning.setVisible(not self._remember_by_default)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Login message")
        self.message.setStyleSheet(f"color: {scheme_for(self.palette()).danger};")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setAccessibleName("Logging in")
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(6)
        self.busy.hide()
        self.login_button = QPushButton("&Log in")
        self.login_button.setAccessibleName("Log in")
        self.login_button.setDefault(True)
        self.login_button.setAutoDefault(True)

        form = QFormLayout()
        self.saved_label = QLabel("Sa&ved login:")
        self.saved_label.setBuddy(self.saved_logins)
        form.addRow(self.saved_label, self.saved_logins)
        for text, field in (
            ("&Server:", self.server),
            ("&Email:", self.email),
            ("&Password:", self.password),
        ):
            label = QLabel(text)
            label.setBuddy(field)
            form.addRow(label, field)
        form.addRow("", self.remember)
        form.addRow("", self.keyring_warning)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addWidget(self.login_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addStretch(1)

        for first, second in (
            (self.saved_logins, self.server),
            (self.server, self.email),
            (self.email, self.password),
            (self.password, self.remember),
            (self.remember, self.login_button),
        ):
            QWidget.setTabOrder(first, second)

        self.saved_logins.activated.connect(self._on_saved_logins_activated)
        self.login_button.clicked.connect(self._on_login_button_clicked)
        self.password.returnPressed.connect(self._on_login_button_clicked)
        self.email.returnPressed.connect(self._on_login_button_clicked)
        self.server.textEdited.connect(self._on_credentials_edited)
        self.email.textEdited.connect(self._on_credentials_edited)

        self._fill_saved_logins()

    # --- remembered accounts ----------------------------------------------------------------

    def _fill_saved_logins(self) -> None:
        accounts = self._book.accounts()
        self.saved_logins.clear()
        for account in accounts:
            self.saved_logins.addItem(f"{account.name} — {account.email} on {account.server_url}", account)
        self.saved_logins.addItem("Another account…", None)
        self.saved_label.setVisible(bool(accounts))
        self.saved_logins.setVisible(bool(accounts))
        self.email.setCompleter(QCompleter(sorted({a.email for a in accounts}), self))
        self.server.setCompleter(QCompleter(sorted({a.server_url for a in accounts}), self))
        if accounts:
            self._choose(accounts[0])
        else:
            self.server.setText(DEFAULT_SERVER)
            self.remember.setChecked(self._remember_by_default)

    def _choose(self, account: RememberedAccount | None) -> None:
        if account is None:
            self.email.clear()
            self.password.clear()
            self.remember.setChecked(self._remember_by_default)
            self._set_saved_token(False)
            self.email.setFocus()
            return
        self.server.setText(account.server_url)
        self.email.setText(account.email)
        self.remember.setChecked(True)
        self._set_saved_token(True)

    def _set_saved_token(self, saved: bool) -> None:
        self._saved_token = saved
        self.password.setPlaceholderText("Saved — leave empty to continue" if saved else "")

    def _matching_account(self) -> RememberedAccount | None:
        try:
            server = server_address(self.server.text())
        except ValueError:
            return None
        return self._book.find(server, self.email.text())

    @Slot(int)
    def _on_saved_logins_activated(self, index: int) -> None:
        account = self.saved_logins.itemData(index)
        self._choose(account if isinstance(account, RememberedAccount) else None)

    @Slot()
    def _on_credentials_edited(self) -> None:
        self._set_saved_token(self._matching_account() is not None)

    # --- logging in ---------------------------------------------------------------------------

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        for widget in (self.saved_logins, self.server, self.email, self.password, self.remember):
            widget.setEnabled(not busy)
        self.login_button.setEnabled(not busy)
        self.busy.setVisible(busy)
        self.busy.setToolTip(text)
        if busy:
            self.message.setStyleSheet("")
            self.show_message(text)
        else:
            self.message.setStyleSheet(f"color: {scheme_for(self.palette()).danger};")

    @Slot()
    def _on_login_button_clicked(self) -> None:
        if self._busy:
            return
        try:
            server = server_address(self.server.text())
        except ValueError as error:
            self.show_message(error_text.login_error(error, self.server.text()))
            self.server.setFocus()
            return
        email = self.email.text().strip()
        if not email:
            self.show_message("Enter your email address.")
            self.email.setFocus()
            return
        password = self.password.text()
        if not password:
            account = self._book.find(server, email)
            if account is not None:
                self.resume(account)
                return
            self.show_message("Enter your password.")
            self.password.setFocus()
            return
        self._log_in(server, email, password, self.remember.isChecked())

    def _log_in(self, server: str, email: str, password: str, remember: bool) -> None:
        keeper = _TokenKeeper(server, email, remember)
        api = self._api_factory(server, on_tokens=keeper)
        options, data_dir = self._engine_options, self._data_dir

        def work() -> AccountSession:
            return account_session.log_in(server, email, password, data_dir=data_dir, api=api, **options)

        def done(session: AccountSession) -> None:
            user = session.user
            assert user is not None, "a password login always names the account"
            account = RememberedAccount(server, user.email, str(user.id), user.name, user.role)
            self._finish(LoginResult(session, account, remember, offline=False, token_saved=keeper.saved))

        self._set_busy(True, f"Logging in to {server}…")
        self._tasks.run(work, done, lambda error: self._fail(error, server), owner=self)

    def resume(self, account: RememberedAccount) -> None:
        """Reopen a remembered login (online if the server answers, else from the cache)."""
        if self._busy:
            return
        keeper = _TokenKeeper(account.server_url, account.email, remember=True)
        factory, options, data_dir = self._api_factory, self._engine_options, self._data_dir

        def work() -> AccountSession:
            token = credentials.load_refresh_token(account.server_url, account.email)
            if token is None:
                raise NoSavedLogin
            api = factory(account.server_url, refresh_token=token, on_tokens=keeper)
            return account_session.resume(
                account.server_url, account.user_id, token, data_dir=data_dir, api=api, **options
            )

        def done(session: AccountSession) -> None:
            user = session.user
            current = (
                account
                if user is None
                else RememberedAccount(account.server_url, user.email, str(user.id), user.name, user.role)
            )
            self._finish(
                LoginResult(session, current, remember=True, offline=user is None, token_saved=keeper.saved)
            )

        def failed(error: BaseException) -> None:
            if isinstance(error, NoSavedLogin):
                self._set_busy(False)
                self._set_saved_token(False)
                self.show_message("Your saved login is no longer available. Please enter your password.")
                self.password.setFocus()
                return
            if isinstance(error, net_api.AuthError):  # revoked or expired: forget it
                self._forget_token(account.server_url, account.email)
                self._book.forget(account.server_url, account.email)
                self._set_saved_token(False)
            self._fail(error, account.server_url)

        self.server.setText(account.server_url)
        self.email.setText(account.email)
        self._set_busy(True, f"Opening {account.name}'s help desk…")
        self._tasks.run(work, done, failed, owner=self)

    def _finish(self, result: LoginResult) -> None:
        account = result.account
        if result.remember:
            self._book.remember(account)
        else:
            self._forget_token(account.server_url, account.email)
            self._book.forget(account.server_url, account.email)
        self._set_busy(False)
        self.password.clear()
        self.show_message("")
        self.logged_in.emit(result)

    def _forget_token(self, server_url: str, email: str) -> None:
        """Remove a saved token (off the UI thread: a keyring may ask the system first)."""
        self._tasks.run(lambda: credentials.forget(server_url, email), owner=None)

    def _fail(self, error: BaseException, server: str) -> None:
        """Say why; everything typed stays, so trying again is one click."""
        log.info("login failed: %r", error)
        self._set_busy(False)
        if isinstance(error, net_api.RateLimited):
            self.show_message(f"Too many sign-in attempts; try again in {error.retry_after} s.")
        else:
            self.show_message(error_text.login_error(error, server))
        self.password.setFocus()
        self.password.selectAll()
