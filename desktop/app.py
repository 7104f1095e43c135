"""The application: Qt setup, the login window, and the main window each role gets.

:class:`Application` owns what outlives a login (the task runner, remembered accounts) and,
while someone is logged in, that account's :class:`AppContext` and main window.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QTableView, QWidget

from desktop import startup_trace
from desktop.lazy import lazy_module
from desktop.local import credentials
from desktop.local.remembered import AccountBook
from desktop.tasks import TaskRunner
from desktop.ui.shell.context import AppContext, CurrentUser
from desktop.ui.shell.login_window import ApiFactory, LoginResult, LoginWindow, default_api_factory
from desktop.ui.shell.sync_controller import SyncController
from ticketing.domain import Role

if TYPE_CHECKING:
    # Only the login window is imported before it is shown; the windows of a logged-in account,
    # the cache, the HTTP client and the sync engine load once a login opens (desktop.lazy).
    from desktop.models import ticket_table
    from desktop.sync import session as account_session
    from desktop.ui.portal import user_portal
    from desktop.ui.shell import error_text
    from desktop.ui.shell.main_window import MainWindowBase
else:
    account_session = lazy_module("desktop.sync.session")
    ticket_table = lazy_module("desktop.models.ticket_table")
    user_portal = lazy_module("desktop.ui.portal.user_portal")
    error_text = lazy_module("desktop.ui.shell.error_text")

log = logging.getLogger(__name__)

APP_NAME = "Ticketdesk"

#: The console module and class of each staff role (built separately; imported when needed).
STAFF_WINDOWS: dict[Role, tuple[str, str]] = {
    Role.AGENT: ("desktop.ui.queue.agent_console", "AgentConsole"),
    Role.ADMIN: ("desktop.ui.admin.console", "AdminConsole"),
}


#: The app icon; PyInstaller bundles keep ``resources/`` beside the code.
APP_ICON = Path(__file__).resolve().parent.parent / "resources" / "icons" / "ticketdesk.svg"


def create_qapplication(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication with the app's name and the Fusion style in the system's colours."""
    existing = QApplication.instance()
    app = cast(QApplication, existing) if existing is not None else QApplication(list(argv or []))
    app.setApplicationName("ticketdesk")
    app.setOrganizationName("Ticketdesk")
    app.setDesktopFileName("ticketdesk")
    app.setStyle("Fusion")
    app.setWindowIcon(QIcon(str(APP_ICON)))
    _follow_color_scheme(app)
    app.styleHints().colorSchemeChanged.connect(lambda _scheme: _follow_color_scheme(app))
    return app


def _follow_color_scheme(app: QApplication) -> None:
    """Fusion's palette for the system's light or dark scheme."""
    app.setPalette(app.style().standardPalette())


def open_main_window(context: AppContext) -> MainWindowBase:
    """The window for the account's role: portal, agent console or admin console.

    Falls back to the portal (with a message) if this build has no console for the role."""
    target = STAFF_WINDOWS.get(context.user.role)
    if target is None:
        return user_portal.UserPortal(context)
    module_name, class_name = target
    try:
        window_class: Any = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as error:
        log.warning("no %s window in this build: %s", context.user.role, error)
        return _portal_instead(
            context,
            f"The {context.user.role.value} console is not available in this version of Ticketdesk; "
            "showing the tickets you submitted instead.",
        )
    try:
        return cast("MainWindowBase", window_class(context))
    except Exception as error:  # a bug in the console must not lock the user out of the app
        log.exception("the %s console failed to open", context.user.role)
        return _portal_instead(
            context,
            f"The {context.user.role.value} console could not be opened ({error}); "
            "showing the tickets you submitted instead. Please report this problem.",
        )


def _trace_queue(window: MainWindowBase) -> None:
    """For the cold start benchmark (:mod:`desktop.startup_trace`): the queue's first screen."""
    queue = getattr(window, "queue", None)
    if startup_trace.enabled() and isinstance(queue, QTableView):
        loaded = ticket_table.TicketRole.LOADED
        startup_trace.mark_rows_shown(queue, startup_trace.QUEUE_ROWS_SHOWN, loaded)


def _portal_instead(context: AppContext, notice: str) -> MainWindowBase:
    portal = user_portal.UserPortal(context)
    portal.show_banner(notice)
    return portal


class Application(QObject):
    """Login, role routing, logout and quit.

    Signals:
        main_window_shown(MainWindowBase): a main window opened after a login.
        login_shown(LoginWindow): the login window is (again) on screen.
    """

    main_window_shown = Signal(object)
    login_shown = Signal(object)

    def __init__(
        self,
        *,
        tasks: TaskRunner | None = None,
        book: AccountBook | None = None,
        data_dir: Path | None = None,
        engine_options: dict[str, Any] | None = None,
        api_factory: ApiFactory = default_api_factory,
        default_server: str | None = None,
    ) -> None:
        super().__init__()
        self.tasks = tasks or TaskRunner()
        self.book = book or AccountBook.in_data_dir(data_dir)
        self.data_dir = data_dir
        self.engine_options = dict(engine_options or {})
        self.api_factory = api_factory
        self.default_server = default_server
        self.login_window: LoginWindow | None = None
        self.context: AppContext | None = None
        self.window: MainWindowBase | None = None
        self._sync: SyncController | None = None

    # --- login --------------------------------------------------------------------------------

    def start(self, *, resume: bool = True) -> LoginWindow:
        """Show the login window; reopen the last remembered login at once if there is one."""
        window = self.show_login()
        last = self.book.last()
        if resume and last is not None:
            window.resume(last)
        return window

    def show_login(self, message: str = "") -> LoginWindow:
        self._sync = SyncController()  # owned by the AppContext, not by this object
        window = LoginWindow(
            self.tasks,
            book=self.book,
            engine_options={**self.engine_options, **self._sync.engine_callbacks()},
            data_dir=self.data_dir,
            api_factory=self.api_factory,
        )
        if self.default_server and not self.book.accounts():
            window.server.setText(self.default_server)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.logged_in.connect(self._on_login_logged_in)
        if message:
            window.show_message(message)
        self.login_window = window
        startup_trace.mark_first_paint(window, startup_trace.LOGIN_SHOWN)
        window.show()
        self.login_shown.emit(window)
        return window

    @Slot(object)
    def _on_login_logged_in(self, result: LoginResult) -> None:
        assert self._sync is not None
        session = result.session
        account = result.account
        user = CurrentUser(id=account.user_id, name=account.name, email=account.email, role=account.role)
        self.context = AppContext(
            server_url=session.server_url,
            user=user,
            store=session.store,
            api=session.api,
            tasks=self.tasks,
            sync=self._sync,
            session=session,
            data_dir=self.data_dir,
        )
        self._sync.attach(session.engine, session.store)
        self._sync.start()
        window = open_main_window(self.context)
        window.logout_requested.connect(self._on_window_logout_requested)
        window.quit_requested.connect(self._on_window_quit_requested)
        self.window = window
        if self.login_window is not None:
            self.login_window.close()
            self.login_window = None
        _trace_queue(window)
        window.show()
        if result.offline:
            window.show_message(
                "Offline: showing the tickets saved on this computer. Changes are sent when the "
                "server is reachable again.",
                15000,
            )
        elif result.remember and not result.token_saved:
            window.show_message("Your login could not be saved in the keyring; you will need your password.")
        self.main_window_shown.emit(window)

    # --- logout and quit --------------------------------------------------------------------

    @Slot()
    def _on_window_logout_requested(self) -> None:
        self.log_out()

    def log_out(self, *, keep_offline: bool = False, discard_pending: bool = False) -> None:
        """Stop syncing, revoke the login, forget it here, and go back to the login window."""
        context, window = self.context, self.window
        if context is None or window is None:
            return
        session = context.session
        context.sync.end_session()

        def work() -> None:
            account_session.log_out(session, keep_offline=keep_offline, discard_pending=discard_pending)
            credentials.forget(context.server_url, context.user.email)  # the keyring may be slow

        def done(_: None) -> None:
            self.book.forget(context.server_url, context.user.email)
            context.sync.detach()
            context.sync.deleteLater()  # on this thread, whenever Python lets go of it
            self.context, self.window = None, None
            window.close_for_app()
            window.deleteLater()
            self.show_login("You have logged out.")

        def failed(error: BaseException) -> None:
            if isinstance(error, account_session.UnsyncedChanges):
                self._ask_about_unsynced(window, error)
            else:
                QMessageBox.warning(window, "Log out", error_text.action_error(error))

        window.show_message("Logging out…")
        self.tasks.run(work, done, failed, owner=None)

    def _ask_about_unsynced(self, parent: QWidget, error: account_session.UnsyncedChanges) -> None:
        box = QMessageBox(parent)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Changes not sent yet")
        box.setText(f"{error.pending} change(s) have not reached the server yet.")
        box.setInformativeText(
            "Keep them on this computer to send them the next time you log in, or discard them."
        )
        keep = box.addButton("Keep and log out", QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton("Discard and log out", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(keep)
        box.exec()
        if box.clickedButton() is keep:
            self.log_out(keep_offline=True)
        elif box.clickedButton() is discard:
            self.log_out(discard_pending=True)

    @Slot()
    def _on_window_quit_requested(self) -> None:
        self.quit()

    def quit(self) -> None:
        """Stop syncing (a running sync finishes), close the cache, and leave the event loop."""
        context, window = self.context, self.window
        if window is not None:
            window.show_message("Finishing the current sync…")
            window.setEnabled(False)

        def done(_: None) -> None:
            if window is not None:
                window.close_for_app()
            QApplication.closeAllWindows()
            QApplication.quit()

        if context is None:
            done(None)
            return
        session = context.session
        context.sync.end_session()
        context.sync.detach()
        self.tasks.run(lambda: close_session(session), done, lambda _error: done(None), owner=None)


def close_session(session: account_session.AccountSession) -> None:
    """Stop the account's sync thread and close its cache without logging out."""
    session.engine.close()
    session.store.close()
