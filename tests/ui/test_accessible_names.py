"""Every window, walked as a screen reader user meets it: each interactive control that is shown
has a name, and no two controls of one window share one (two "Assignee" lists side by side
cannot be told apart). The name is the one assistive technology gets: an explicit accessible
name, else what Qt's accessibility layer derives (a button's text, a field's buddy label)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QDialog,
    QLineEdit,
    QPlainTextEdit,
    QScrollBar,
    QTabBar,
    QTabWidget,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from desktop.app import Application, close_session
from desktop.ui.admin.console import AdminConsole
from desktop.ui.portal.user_portal import UserPortal
from desktop.ui.queue.agent_console import AgentConsole
from sync_server.child_server import LiveServer
from tests.helpers.api import create_account
from tests.helpers.store import World, pull, put
from tests.helpers.ui import (
    log_in_app,
    offline_agent_console,
    offline_context,
    requester_bucket,
    shut_app,
    world_store,
)
from ticketing.domain import Role

pytestmark = pytest.mark.usefixtures("collect_garbage_on_the_ui_thread")

#: What a person operates: buttons and boxes, text fields, lists and tables, tabs, sliders.
INTERACTIVE = (
    QAbstractButton,
    QComboBox,
    QLineEdit,
    QTextEdit,
    QPlainTextEdit,
    QAbstractSpinBox,
    QAbstractItemView,
    QTabWidget,
    QAbstractSlider,
)
#: Composite widgets whose inner parts are read as one control (a spin box's editor, a
#: table's header and corner button, a tab bar's scroll arrows, a line edit's clear button).
COMPOSITES = (QComboBox, QAbstractSpinBox, QAbstractItemView, QTabBar, QLineEdit)


def accessible_name(widget: QWidget) -> str:
    """The explicit accessible name, else what Qt derives (a button's text, a buddy label's).

    Not Qt's Name alone: on Linux a closed combo box reports its current *value* as its name
    (the label comes by a relation), which would make two lists showing "Open" look alike."""
    if widget.accessibleName().strip():
        return widget.accessibleName().strip()
    interface = QAccessible.queryAccessibleInterface(widget)
    return interface.text(QAccessible.Text.Name).strip() if interface is not None else ""


def _inside_composite(widget: QWidget, window: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, COMPOSITES):
            return True
        parent = parent.parentWidget()
    return False


def controls_of(window: QWidget) -> list[QWidget]:
    return [
        w
        for w in window.findChildren(QWidget)
        if isinstance(w, INTERACTIVE)
        and not isinstance(w, QScrollBar)  # part of its scroll area
        and w.window() is window
        and w.isVisibleTo(window)
        and not _inside_composite(w, window)
        and w.objectName() != "qt_toolbar_ext_button"
    ]


def _describe(widget: QWidget) -> str:
    return f"{type(widget).__name__}({widget.objectName() or widget.toolTip() or widget.parentWidget()})"


def naming_faults(window: QWidget) -> list[str]:
    """Unnamed controls and names given to more than one control (case aside)."""
    controls = controls_of(window)
    assert controls, window
    names = {w: accessible_name(w) for w in controls}
    faults = [f"unnamed {_describe(w)}" for w, n in names.items() if not n]
    counts = Counter(n.casefold() for n in names.values() if n)
    for name, count in counts.items():
        if count > 1:
            named = ", ".join(_describe(w) for w, n in names.items() if n.casefold() == name)
            faults.append(f"{count} controls named {name!r}: {named}")
    return faults


def walk(qtbot: QtBot, window: QWidget) -> list[str]:
    window.show()
    qtbot.waitExposed(window)
    return [f"{window.windowTitle() or type(window).__name__}: {fault}" for fault in naming_faults(window)]


def open_dialogs(window: QWidget) -> list[QDialog]:
    return [d for d in window.findChildren(QDialog) if d.isVisible()]


# --- the windows -------------------------------------------------------------------------------


def test_login_window(qtbot: QtBot, desktop_env: Path) -> None:
    app = Application(engine_options={"interval": 3600.0}, default_server="http://127.0.0.1:9")
    login = app.start(resume=False)
    qtbot.addWidget(login)
    assert walk(qtbot, login) == []


@pytest.fixture
def portal(qtbot: QtBot, desktop_env: Path, tmp_path: Path) -> Iterator[UserPortal]:
    world = World()
    store = world_store(tmp_path / "cache", world)
    bucket = requester_bucket(world)
    pull(
        store,
        put(bucket, "ticket", world.ticket(1001, title="Printer jams")),
        put(bucket, "ticket", world.ticket(1002, title="VPN drops", status="Resolved")),
    )
    context = offline_context(store, world.requester, "Uma", Role.USER)
    window = UserPortal(context)
    qtbot.addWidget(window)
    yield window
    context.tasks.wait()
    context.sync.detach()
    context.session.engine.close()
    store.close()


def test_user_portal_with_a_ticket_open_its_form_and_its_dialogs(qtbot: QtBot, portal: UserPortal) -> None:
    qtbot.waitUntil(lambda: portal.model.rowCount() == 2)
    portal.table.selectRow(1)  # the Resolved one: Close and Reopen both offered
    qtbot.waitUntil(lambda: portal.detail.detail is not None)
    faults = walk(qtbot, portal)
    form = portal.open_ticket_form()
    faults += walk(qtbot, form.window())
    form.window().close()
    faults += walk(qtbot, portal.show_problems())
    assert faults == []


@pytest.fixture
def console(qtbot: QtBot, desktop_env: Path, tmp_path: Path) -> Iterator[AgentConsole]:
    with offline_agent_console(qtbot, tmp_path / "cache", 50, seed=3) as window:
        yield window


def test_agent_console_with_a_ticket_open_and_its_dialogs(qtbot: QtBot, console: AgentConsole) -> None:
    ticket_id = console.model.ticket_id(0)
    assert ticket_id is not None
    console.queue.select_ids([ticket_id], ticket_id)
    qtbot.waitUntil(lambda: console.detail.detail is not None)
    faults = walk(qtbot, console)
    assert console.detail.controls.status.isVisibleTo(console)  # the ticket's lists were walked
    faults += walk(qtbot, console.show_problems())
    assert faults == []


def test_admin_console_and_each_of_its_tabs(
    qtbot: QtBot, live_server: LiveServer, engine: Engine, desktop_env: Path
) -> None:
    _, password = create_account(engine, "ada@example.com", Role.ADMIN, "Ada Admin")
    app, admin = log_in_app(qtbot, live_server.url, "ada@example.com", password)
    assert isinstance(admin, AdminConsole)
    try:
        faults = walk(qtbot, admin)
        for panel in (admin.users, admin.catalog, admin.settings, admin.audit):
            admin.show_tab(panel)
            qtbot.waitUntil(lambda panel=panel: getattr(panel, "loaded_once", True), timeout=10_000)
            faults += walk(qtbot, admin)
        admin.show_tab(admin.analytics)
        board = admin.analytics.dashboard
        assert board is not None
        qtbot.waitUntil(lambda: not board.loading, timeout=30_000)
        faults += walk(qtbot, admin)
        figures = admin.open_my_figures()
        qtbot.waitUntil(lambda: not figures.loading, timeout=30_000)
        faults += walk(qtbot, figures)
        figures.reject()
        admin.show_tab(admin.users)
        dialog = admin.users.open_new_account()
        faults += walk(qtbot, dialog)
        dialog.reject()
        assert faults == []
    finally:
        shut_app(admin)
        if app.context is not None:
            close_session(app.context.session)
        del app


def test_knowledge_base_its_editor_and_the_link_picker(qtbot: QtBot, console: AgentConsole) -> None:
    kb = console.open_knowledge_base()
    qtbot.waitUntil(lambda: kb.library.library is not None)
    faults = walk(qtbot, kb)
    editor = kb.new_article()
    assert editor is not None
    faults += walk(qtbot, editor)
    editor.close()
    picker = console.detail.pick_article_link()
    faults += walk(qtbot, picker)
    picker.close()
    assert faults == []
