"""``ticketdesk --self-check``: the built app proves it can start, without a server or a screen.

A PyInstaller bundle can miss a module, a Qt plugin or a data file that the development
install has, and nothing shows it until someone starts the app. The self-check does what a start
does: it opens a throwaway local cache with the real store code in a temporary folder, builds
the login window and each role's main window on it (plus the Qt parts the app relies on:
QtCharts, the SVG icon), prints each step, and exits non-zero with the error if one fails.
It never reads or writes the user's data folders or keyring: everything goes to the temporary
folder, and the keyring is replaced by one that keeps nothing.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import keyring.core
from PySide6.QtWidgets import QApplication, QWidget

from desktop.app import APP_ICON, STAFF_WINDOWS, create_qapplication
from desktop.local.remembered import AccountBook
from desktop.net.api import ApiClient
from desktop.store import files
from desktop.store.database import Store
from desktop.sync.engine import SyncEngine
from desktop.sync.session import AccountSession
from desktop.tasks import TaskRunner
from desktop.ui.shell.context import AppContext, CurrentUser
from desktop.ui.shell.login_window import LoginWindow
from desktop.ui.shell.main_window import MainWindowBase
from desktop.ui.shell.sync_controller import SyncController
from ticketing.domain import Role

#: Nothing listens there, and nothing is sent: the sync engine is never started.
SERVER = "http://127.0.0.1:9"

#: The keyring of the self-check: keeps nothing, reads nothing, asks the system for nothing.
NO_KEYRING = "keyring.backends.null.Keyring"

#: Each role's main window (module, class), as :func:`desktop.app.open_main_window` picks it;
#: imported by name as the app does, so a console missing from the bundle fails the check.
MAIN_WINDOWS: dict[Role, tuple[str, str]] = {
    Role.USER: ("desktop.ui.portal.user_portal", "UserPortal"),
    **STAFF_WINDOWS,
}


class SelfCheckFailed(Exception):
    """A check found something wrong (beyond an exception of the code it checked)."""


@contextmanager
def _account(data_dir: Path, role: Role, tasks: TaskRunner) -> Iterator[AppContext]:
    """A logged-in account of ``role`` over a fresh cache in ``data_dir``, never syncing."""
    user_id = uuid.uuid4()
    path = files.cache_path(SERVER, user_id, data_dir)
    store = Store.open(path, server_url=SERVER, user_id=user_id, role=role)
    controller = SyncController()
    api = ApiClient(SERVER)
    engine = SyncEngine(store, api, **controller.engine_callbacks())
    controller.attach(engine, store)
    session = AccountSession(SERVER, user_id, None, api, store, engine)
    name = f"Self-check {role.value}"
    user = CurrentUser(id=str(user_id), name=name, email=f"{role.value}@self-check.invalid", role=role)
    try:
        yield AppContext(SERVER, user, store, api, tasks, controller, session, data_dir=data_dir)
    finally:
        tasks.wait()
        QApplication.processEvents()  # the finished work's callbacks, while the windows exist
        controller.detach()
        engine.close()
        store.close()
        controller.deleteLater()


def _show(window: QWidget) -> str:
    """Show and paint the window once; a one-line description of what was drawn."""
    window.show()
    QApplication.processEvents()
    picture = window.grab()
    if picture.isNull():
        raise SelfCheckFailed(f"{type(window).__name__} drew nothing")
    return f"{window.windowTitle()!r}, {picture.width()}x{picture.height()}"


def check_login_window(data_dir: Path, tasks: TaskRunner) -> str:
    window = LoginWindow(tasks, book=AccountBook.in_data_dir(data_dir), data_dir=data_dir)
    try:
        return f"login window: {_show(window)}"
    finally:
        window.close()
        window.deleteLater()


def check_main_window(data_dir: Path, tasks: TaskRunner, role: Role) -> str:
    module_name, class_name = MAIN_WINDOWS[role]
    window_class: Any = getattr(importlib.import_module(module_name), class_name)
    with _account(data_dir, role, tasks) as context:
        window = window_class(context)
        if not isinstance(window, MainWindowBase):
            raise SelfCheckFailed(f"{class_name} is not a main window")
        try:
            drawn = _show(window)
            tasks.wait()
            QApplication.processEvents()
            return f"{role.value} main window {class_name}: {drawn}"
        finally:
            window.close_for_app()
            window.deleteLater()


def check_charts() -> str:
    """QtCharts (the reports) loads and draws."""
    # imported here: nothing else in the app uses QtCharts yet, and a bundle without it fails
    # this check instead of failing to start
    from PySide6.QtCharts import QChart, QChartView, QPieSeries  # noqa: PLC0415

    series = QPieSeries()
    series.append("Open", 3)
    series.append("Resolved", 5)
    chart = QChart()
    chart.addSeries(series)
    view = QChartView(chart)
    view.resize(320, 240)
    try:
        if view.grab().isNull():
            raise SelfCheckFailed("QtCharts drew nothing")
        return f"QtCharts: a pie of {series.count()} slices"
    finally:
        view.deleteLater()


def check_icon() -> str:
    """The SVG app icon is bundled and Qt's SVG plugin renders it."""
    icon = QApplication.windowIcon()
    pixmap = icon.pixmap(64, 64)
    if pixmap.isNull():
        raise SelfCheckFailed(f"the app icon {APP_ICON} does not render (missing file or SVG plugin)")
    return f"app icon: {APP_ICON.name} renders at {pixmap.width()}x{pixmap.height()}"


def run_checks(data_dir: Path, report: Callable[[str], None]) -> None:
    """Every check, in order; ``report`` gets a line for each that passed. Raises on the first failure."""
    tasks = TaskRunner()
    report(f"cache folder: {data_dir}")
    report(check_icon())
    report(check_charts())
    report(check_login_window(data_dir, tasks))
    for role in MAIN_WINDOWS:
        report(check_main_window(data_dir, tasks, role))
    tasks.wait()


def self_check(out: TextIO | None = None) -> int:
    """The whole self-check as the command runs it: 0 when everything passed, 1 if not.

    Uses the running QApplication or makes one as the app does (offscreen unless
    ``QT_QPA_PLATFORM`` says otherwise). The keyring is replaced for the rest of the process:
    the check starts a process of its own and ends it."""
    out = out if out is not None else sys.stdout  # None in a windowed Windows build

    def report(line: str) -> None:
        if out is not None:
            print(f"ok: {line}", file=out, flush=True)

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    keyring.core.set_keyring(keyring.core.load_keyring(NO_KEYRING))
    create_qapplication([sys.argv[0] if sys.argv else "ticketdesk"])
    try:
        with tempfile.TemporaryDirectory(prefix="ticketdesk-self-check-") as folder:
            run_checks(Path(folder), report)
    except Exception:  # whatever broke is the result: printed, and the exit status says it
        print(f"self-check failed:\n{traceback.format_exc()}", file=sys.stderr, flush=True)
        return 1
    report("self-check passed")
    return 0
