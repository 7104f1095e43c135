"""Helpers for widget tests: an :class:`AppContext` over a real cache filled as a pull would,
with no server (its sync engine is never started)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyrings.alt.file import PlaintextKeyring
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLineEdit,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from bench.queue_model import fill_cache, open_cache
from desktop.app import Application, close_session
from desktop.net.api import ApiClient
from desktop.store.database import Store
from desktop.sync.engine import SyncEngine
from desktop.sync.session import AccountSession
from desktop.tasks import TaskRunner
from desktop.ui.queue.agent_console import AgentConsole
from desktop.ui.shell.context import AppContext, CurrentUser
from desktop.ui.shell.sync_controller import SyncController
from tests.helpers.store import SERVER, World, open_store, pull, put
from ticketing import visibility
from ticketing.domain import Role

UNUSED_SERVER = "http://127.0.0.1:9"  # nothing listens there: these tests never sync


def offline_context(
    store: Store, user_id: uuid.UUID, name: str, role: Role, *, tasks: TaskRunner | None = None
) -> AppContext:
    """An AppContext for ``store`` whose engine exists but never runs."""
    controller = SyncController()
    api = ApiClient(UNUSED_SERVER)
    engine = SyncEngine(store, api, **controller.engine_callbacks())
    controller.attach(engine, store)
    session = AccountSession(SERVER, user_id, None, api, store, engine)
    user = CurrentUser(id=str(user_id), name=name, email=f"{name.lower()}@example.com", role=role)
    return AppContext(SERVER, user, store, api, tasks or TaskRunner(), controller, session)


def world_store(base: Path, world: World, *, as_staff: bool = False) -> Store:
    """A cache for the world's requester (or its first agent) with the reference data in it."""
    user_id = world.agent if as_staff else world.requester
    store = open_store(base, user_id, Role.AGENT if as_staff else Role.USER)
    pull(store, *world.reference(for_staff=as_staff))
    return store


def requester_bucket(world: World) -> str:
    return visibility.requester_bucket(world.requester)


__all__ = ["World", "offline_context", "put", "requester_bucket", "world_store"]


@contextmanager
def isolated_desktop(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Per-test user folders and a plain-file keyring in them; yields the data folder."""
    data, config = tmp_path / "data", tmp_path / "config"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    previous = keyring.get_keyring()
    keyring.set_keyring(PlaintextKeyring())
    try:
        yield data
    finally:
        keyring.set_keyring(previous)


def all_controls(root: QWidget) -> list[QWidget]:
    """Every interactive control shown in ``root``'s window (popups and the inner parts of
    Qt's composite widgets excluded), for accessibility checks."""
    kinds = (QAbstractButton, QLineEdit, QComboBox, QTextEdit, QAbstractItemView)
    return [
        w
        for w in root.findChildren(QWidget)
        if isinstance(w, kinds)
        and w.window() is root.window()
        and w.isVisibleTo(root)
        and not isinstance(w.parentWidget(), QComboBox | QAbstractItemView)
        and w.objectName() != "qt_toolbar_ext_button"
    ]


def visible_text(button: QAbstractButton) -> str:
    """A button's text as read: mnemonic ampersands dropped, "&&" kept as one "&"."""
    return button.text().replace("&&", "\0").replace("&", "").replace("\0", "&")


def assert_label_in_name(button: QAbstractButton) -> None:
    """The accessible name is the button's visible text ("label in name", WCAG 2.5.3); for a
    button that also shows a value (its accessible description, "Status: Any"), the visible
    words around the value are in the name, which stays the same whatever the value."""
    text, name, value = visible_text(button), button.accessibleName(), button.accessibleDescription()
    if value and value in text:
        label = text.replace(value, "").strip(" :\n")
        assert label and label.lower() in name.lower(), (text, name, value)
    else:
        assert name == text, (text, name)


def pick_from_list(qtbot: QtBot, box: QComboBox, index: int) -> None:
    """Open a combo box's list and pick ``index`` with the keyboard, as a person does after
    Alt+Down (the offscreen platform does not deliver mouse clicks to the list)."""
    window = box.window()
    was_active = QApplication.activeWindow() is window
    box.showPopup()
    view = box.view()
    qtbot.waitUntil(view.isVisible)
    view.setCurrentIndex(box.model().index(index, 0))
    qtbot.keyClick(view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not view.isVisible())
    if was_active:  # the offscreen platform leaves the closed list the active window
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def log_in_app(qtbot: QtBot, server: str, email: str, password: str) -> tuple[Application, Any]:
    """Log in through the login window, as a person would, and wait for the first sync;
    returns the app and its main window."""
    app = Application(engine_options={"interval": 3600.0, "debounce": 0.05})
    login = app.start(resume=False)
    login.server.setText(server)
    login.email.setText(email)
    login.password.setText(password)
    with qtbot.waitSignal(app.main_window_shown, timeout=20_000) as shown:
        login.login_button.click()
    window = shown.args[0]
    assert app.context is not None
    sync = app.context.sync
    qtbot.waitUntil(lambda: sync.status.last_sync_at is not None and not sync.status.syncing, timeout=30_000)
    return app, window


def shut_app(window: Any) -> None:
    """Stop syncing, let the workers finish and close the session and the window."""
    context: AppContext = window.context
    context.sync.detach()
    context.tasks.wait()
    close_session(context.session)
    window.close_for_app()


def turn_wheel(widget: QWidget) -> None:
    """One notch of the mouse wheel over ``widget``, as a user turning it would send."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(
        centre,
        QPointF(widget.mapToGlobal(centre)),
        QPoint(0, 0),
        QPoint(0, -120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


@contextmanager
def offline_agent_console(qtbot: QtBot, folder: Path, tickets: int, seed: int) -> Iterator[AgentConsole]:
    """An agent console on a cache of ``tickets`` generated tickets, offline, loaded and shown."""
    store = open_cache(folder)
    fill_cache(store, tickets, seed=seed)
    context = offline_context(store, store.user_id, "Agent 0", Role.AGENT)
    window = AgentConsole(context)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.model.rowCount() == tickets and bool(window.reference.current.staff))
    try:
        yield window
    finally:
        context.tasks.wait()
        context.sync.detach()
        context.session.engine.close()
        store.close()
