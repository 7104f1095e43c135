"""The admin console with real widgets against a live server: accounts (create an agent who can
then log in, change a role, reset a password, deactivate), categories and priorities (add,
rename, deactivate, never delete), settings (validated inline, saved with PATCH); and the admin
models under the model tester."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from desktop.models.admin_models import AdminRole, CategoriesModel, PrioritiesModel, UsersModel
from desktop.net.api import ApiClient, AuthError
from desktop.ui.admin.console import AdminConsole
from desktop.ui.admin.dialogs import FormDialog
from desktop.ui.admin.users import NewAccountDialog
from sync_server.child_server import LiveServer, free_port
from tests.helpers.api import create_account
from tests.helpers.ui import all_controls, assert_label_in_name, log_in_app, shut_app
from ticketing.domain import AgentVisibility, Role
from ticketing.files import FileKind
from ticketing.schemas import CategoryOut, PriorityOut, UserOut


@pytest.fixture
def admin(qtbot: QtBot, live_server: LiveServer, engine: Engine, desktop_env: Path) -> Iterator[AdminConsole]:
    _, password = create_account(engine, "ada@example.com", Role.ADMIN, "Ada Admin")
    app, window = log_in_app(qtbot, live_server.url, "ada@example.com", password)
    assert isinstance(window, AdminConsole)
    yield window
    shut_app(window)
    del app


def submit(qtbot: QtBot, dialog: FormDialog) -> None:
    dialog.ok_button.click()


def closed(dialog: FormDialog) -> bool:
    return not shiboken6.isValid(dialog) or not dialog.isVisible()


def can_log_in(server: str, email: str, password: str) -> UserOut | str:
    """The account the server logs in, or the refusal's code."""
    try:
        return ApiClient(server).login(email, password).user
    except AuthError as error:
        return error.code


def test_admin_creates_an_agent_who_can_then_log_in(
    qtbot: QtBot, admin: AdminConsole, live_server: LiveServer
) -> None:
    users = admin.users
    admin.show_tab(users)
    qtbot.waitUntil(lambda: users.model.rowCount() == 1)

    dialog = users.open_new_account()
    assert isinstance(dialog, NewAccountDialog)
    qtbot.keyClicks(dialog.name, "Bob Agent")
    qtbot.keyClicks(dialog.email, "bob@example.")
    qtbot.keyClicks(dialog.password, "short")
    assert "valid email" in dialog.field_error("email")  # inline, as typed
    assert "at least 8" in dialog.field_error("password")
    submit(qtbot, dialog)
    assert dialog.isVisible() and users.model.rowCount() == 1  # nothing sent

    qtbot.keyClicks(dialog.email, "com")
    qtbot.keyClicks(dialog.password, "-and-long")
    qtbot.keyClicks(dialog.confirm, "short-and-lonk")
    submit(qtbot, dialog)
    assert dialog.field_error("confirm") == "The two passwords differ."
    dialog.confirm.setText("short-and-long")
    assert dialog.role.currentData() == Role.AGENT
    submit(qtbot, dialog)
    qtbot.waitUntil(lambda: users.model.rowCount() == 2, timeout=10_000)
    assert closed(dialog)
    created = users.selected_user()
    assert created is not None and created.email == "bob@example.com" and created.role == Role.AGENT
    assert "Account created for Bob Agent (Agent)" in users.message.text()

    logged_in = can_log_in(live_server.url, "bob@example.com", "short-and-long")
    assert isinstance(logged_in, UserOut) and logged_in.role == Role.AGENT

    # the same email again: the server's refusal shows in the dialog, which keeps the input
    again = users.open_new_account()
    again.name.setText("Bob Again")
    again.email.setText("BOB@example.com")
    again.password.setText("another-password")
    again.confirm.setText("another-password")
    submit(qtbot, again)
    qtbot.waitUntil(lambda: "already exists" in again.message.error(), timeout=10_000)
    assert again.isVisible() and again.name.text() == "Bob Again" and again.ok_button.isEnabled()
    again.reject()


def test_admin_changes_a_role_resets_a_password_and_deactivates(
    qtbot: QtBot, admin: AdminConsole, live_server: LiveServer, engine: Engine
) -> None:
    user_id, old_password = create_account(engine, "carl@example.com", Role.USER, "Carl User")
    users = admin.users
    admin.show_tab(users)
    qtbot.waitUntil(lambda: users.model.rowCount() == 2)
    assert users.select_user(user_id)

    role_dialog = users.open_change_role()
    assert role_dialog is not None
    role_dialog.role.setCurrentIndex(role_dialog.role.findData(Role.AGENT))
    submit(qtbot, role_dialog)
    qtbot.waitUntil(lambda: (u := users.selected_user()) is not None and u.role == Role.AGENT, timeout=10_000)
    assert users.model.data(users.model.index(users.model.row_of(user_id) or 0, 2)) == "Agent"

    reset = users.open_reset_password()
    assert reset is not None
    reset.password.setText("brand-new-secret")
    reset.confirm.setText("brand-new-secret")
    submit(qtbot, reset)
    qtbot.waitUntil(lambda: "Password reset" in users.message.text(), timeout=10_000)
    assert can_log_in(live_server.url, "carl@example.com", old_password) == "invalid_credentials"
    assert isinstance(can_log_in(live_server.url, "carl@example.com", "brand-new-secret"), UserOut)

    assert users.active_button.text().replace("&", "") == "Deactivate"
    box = users.ask_set_active()
    assert box is not None and "Deactivate Carl User" in box.text()
    confirm = next(b for b in box.buttons() if b.text() == "Deactivate")
    confirm.click()
    qtbot.waitUntil(lambda: (u := users.selected_user()) is not None and not u.is_active, timeout=10_000)
    assert users.active_button.text().replace("&", "") == "Reactivate"
    row = users.model.row_of(user_id)
    assert row is not None and users.model.index(row, 3).data() == "Deactivated"
    assert can_log_in(live_server.url, "carl@example.com", "brand-new-secret") == "account_disabled"

    # the admin's own row: the server refuses self-deactivation, and the button says so first
    assert users.select_user(admin.context.user.id)
    assert not users.active_button.isEnabled()
    own = users.selected_user()
    assert own is not None
    users.set_active(own, False)
    qtbot.waitUntil(lambda: "cannot" in users.error.error(), timeout=10_000)


def test_admin_manages_categories_and_priorities_without_deleting(
    qtbot: QtBot, admin: AdminConsole, live_server: LiveServer
) -> None:
    catalog = admin.catalog
    admin.show_tab(catalog)
    qtbot.waitUntil(
        lambda: catalog.categories.model.rowCount() == 6 and catalog.priorities.model.rowCount() == 4
    )
    api = admin.context.api

    dialog = catalog.categories.add()
    submit(qtbot, dialog)
    assert "at least 1" in dialog.field_error("name").lower() or dialog.field_error("name")
    qtbot.keyClicks(dialog.name, "Kiosk")
    submit(qtbot, dialog)
    qtbot.waitUntil(lambda: catalog.categories.model.rowCount() == 7, timeout=10_000)
    kiosk = catalog.categories.selected()
    assert isinstance(kiosk, CategoryOut) and kiosk.name == "Kiosk"

    rename = catalog.categories.rename()
    assert rename is not None and rename.name.text() == "Kiosk"
    rename.name.setText("Hardware")  # taken: the server says so in the dialog
    submit(qtbot, rename)
    qtbot.waitUntil(lambda: "already exists" in rename.message.error(), timeout=10_000)
    rename.name.setText("Kiosks")
    submit(qtbot, rename)
    qtbot.waitUntil(
        lambda: (c := catalog.categories.selected()) is not None and c.name == "Kiosks", timeout=10_000
    )

    catalog.categories.active_button.click()
    qtbot.waitUntil(lambda: not catalog.categories.selected().is_active, timeout=10_000)
    assert catalog.categories.active_button.text().replace("&", "") == "Reactivate category"
    stored = {c["name"]: c["is_active"] for c in api.request("GET", "/api/categories?include_inactive=true")}
    assert stored["Kiosks"] is False and len(stored) == 7  # deactivated, not deleted
    catalog.categories.active_button.click()
    qtbot.waitUntil(lambda: catalog.categories.selected().is_active, timeout=10_000)

    add = catalog.priorities.add()
    assert add.rank is not None and add.rank.value() == 50  # above the most urgent
    qtbot.keyClicks(add.name, "Urgent")
    submit(qtbot, add)
    qtbot.waitUntil(lambda: catalog.priorities.model.rowCount() == 5, timeout=10_000)
    assert catalog.priorities.model.index(0, 0).data() == "Urgent"  # most urgent first
    catalog.priorities.table.selectRow(0)
    rename_priority = catalog.priorities.rename()
    assert rename_priority is not None and rename_priority.rank is None  # a rename keeps the rank
    rename_priority.name.setText("Urgent!")
    submit(qtbot, rename_priority)
    qtbot.waitUntil(lambda: catalog.priorities.status.text() == "Priority renamed.", timeout=10_000)
    assert catalog.priorities.model.index(0, 0).data() == "Urgent!"
    catalog.priorities.active_button.click()
    qtbot.waitUntil(lambda: not catalog.priorities.selected().is_active, timeout=10_000)
    keys = {
        p["key"]: (p["name"], p["is_active"])
        for p in api.request("GET", "/api/priorities?include_inactive=true")
    }
    assert keys["Urgent"] == ("Urgent!", False)  # renamed, then deactivated, under its first key

    # a sync brings the new category into the cache, for the queue's filter menu
    qtbot.waitUntil(lambda: "Kiosks" in [c.name for c in admin.reference.current.categories], timeout=20_000)


def test_admin_edits_settings_with_inline_validation(
    qtbot: QtBot, admin: AdminConsole, live_server: LiveServer
) -> None:
    settings = admin.settings
    admin.show_tab(settings)
    qtbot.waitUntil(settings.visibility.isEnabled, timeout=10_000)
    assert not settings.save_button.isEnabled()  # nothing changed yet
    assert settings.smtp_password.placeholderText() == "No password saved"

    settings.smtp_host.setText("x" * 300)
    assert "at most 255" in settings.field_error("smtp.host")
    assert not settings.save_button.isEnabled()
    assert not settings.save()

    settings.smtp_host.setText("smtp.example.org")
    settings.smtp_port.setValue(2525)
    settings.smtp_starttls.setChecked(False)
    settings.smtp_username.setText("helpdesk")
    settings.smtp_password.setText("mail-secret")
    settings.smtp_sender.setText("Help desk <helpdesk@example.org>")
    settings.visibility.setCurrentIndex(settings.visibility.findData(AgentVisibility.ASSIGNED))
    settings.max_size.setValue(10)
    settings.blocked_kinds[FileKind.ARCHIVE_WITH_EXECUTABLE].setChecked(False)
    settings.clamd_address.setText("tcp://127.0.0.1:3310")
    settings.rate_limits["login_per_minute"].setValue(5)
    settings.notifications["agent_reply"].setChecked(False)
    assert settings.time_zone.currentData() == "UTC"
    settings.time_zone.setCurrentIndex(settings.time_zone.findData("Europe/Berlin"))
    assert settings.field_error("smtp.host") == ""
    assert settings.save_button.isEnabled()
    settings.save_button.click()
    qtbot.waitUntil(lambda: settings.message.text() == "Settings saved.", timeout=10_000)

    stored: dict[str, Any] = admin.context.api.request("GET", "/api/settings")
    assert stored["agent_visibility"] == "assigned"
    assert stored["smtp"] | {"password": None} == {
        "host": "smtp.example.org",
        "port": 2525,
        "starttls": False,
        "username": "helpdesk",
        "password": None,
        "password_set": True,
        "sender": "Help desk <helpdesk@example.org>",
    }
    assert stored["attachments"] == {
        "max_size_mb": 10,
        "blocked_types": ["executable", "script"],
        "clamd_address": "tcp://127.0.0.1:3310",
    }
    assert stored["rate_limits"]["login_per_minute"] == 5
    assert stored["notifications"]["agent_reply"] is False
    assert stored["reports"] == {"time_zone": "Europe/Berlin"}
    assert settings.smtp_password.text() == ""
    assert settings.smtp_password.placeholderText() == "Unchanged (a password is saved)"

    # saving other changes keeps the password; "remove" clears it
    settings.smtp_port.setValue(587)
    settings.save()
    qtbot.waitUntil(lambda: settings.message.text() == "Settings saved.", timeout=10_000)
    assert admin.context.api.request("GET", "/api/settings")["smtp"]["password_set"] is True
    settings.smtp_clear_password.setChecked(True)
    settings.save()
    qtbot.waitUntil(lambda: settings.message.text() == "Settings saved.", timeout=10_000)
    assert admin.context.api.request("GET", "/api/settings")["smtp"]["password_set"] is False

    settings.smtp_host.setText("changed.example.org")
    settings.revert_button.click()
    assert settings.smtp_host.text() == "smtp.example.org"


def test_admin_tabs_name_every_control(qtbot: QtBot, admin: AdminConsole) -> None:
    admin.show()
    qtbot.waitExposed(admin)
    for panel in (admin.users, admin.catalog, admin.settings):
        admin.show_tab(panel)
        qtbot.waitUntil(lambda panel=panel: panel.loaded_once)
        controls = all_controls(panel)
        assert controls
        assert [type(w).__name__ for w in controls if not w.accessibleName()] == []
        for widget in controls:
            if isinstance(widget, QAbstractButton) and widget.text():
                assert_label_in_name(widget)
    assert [admin.tabs.tabText(i).replace("&&", "&").replace("&", "", 1) for i in range(4)] == [
        "Queue",
        "Users",
        "Categories & Priorities",
        "Settings",
    ]
    assert "Analytics" not in [admin.tabs.tabText(i) for i in range(admin.tabs.count())]


# --- the models ---------------------------------------------------------------------------------

NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)


def user(name: str, role: Role, active: bool = True) -> UserOut:
    return UserOut(
        id=uuid.uuid4(),
        email=f"{name.lower()}@example.com",
        name=name,
        role=role,
        is_active=active,
        notify_email=True,
        created_at=NOW,
        updated_at=NOW,
    )


@pytest.mark.parametrize("force_py", [True, False], ids=["python tester", "qt tester"])
@pytest.mark.qt_log_level_fail("WARNING")
def test_admin_models_pass_the_model_tester(qtbot: QtBot, qtmodeltester: Any, force_py: bool) -> None:
    users = UsersModel()
    qtmodeltester.check(users, force_py=force_py)
    users.set_records([user("Ada", Role.ADMIN), user("Bob", Role.AGENT, active=False)])
    users.replace(user("Cy", Role.USER))
    changed = users.records()[1].model_copy(update={"is_active": True})
    users.replace(changed)
    assert [users.index(r, 3).data() for r in range(3)] == ["Active", "Active", "Active"]
    assert users.index(0, 2).data() == "Admin"
    assert users.index(1, 0).data(AdminRole.RECORD_ID) == str(changed.id)
    assert users.index(0, 0).data(AdminRole.RECORD).name == "Ada"

    categories = CategoriesModel()
    qtmodeltester.check(categories, force_py=force_py)
    categories.set_records(
        [
            CategoryOut(id=uuid.uuid4(), name="Fax", is_active=False, created_at=NOW, updated_at=NOW),
            CategoryOut(id=uuid.uuid4(), name="Network", is_active=True, created_at=NOW, updated_at=NOW),
        ]
    )
    assert categories.index(0, 1).data() == "Deactivated"
    assert categories.index(0, 0).data(AdminRole.ACTIVE) is False

    priorities = PrioritiesModel()
    qtmodeltester.check(priorities, force_py=force_py)
    priorities.set_records(
        [
            PriorityOut(id=uuid.uuid4(), key=k, name=k, rank=r, is_active=True)
            for k, r in (("Low", 10), ("Critical", 40), ("Medium", 20))
        ]
    )
    assert [priorities.index(r, 0).data() for r in range(3)] == ["Critical", "Medium", "Low"]
    assert priorities.headerData(1, Qt.Orientation.Horizontal) == "Rank"


def test_admin_sends_a_test_mail_with_the_settings_in_the_form(
    qtbot: QtBot, admin: AdminConsole, live_server: LiveServer
) -> None:
    inbox: list[tuple[str, list[str]]] = []

    class Handler:
        async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:
            inbox.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
            return "250 Message accepted for delivery"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = admin.settings
        admin.show_tab(settings)
        qtbot.waitUntil(settings.visibility.isEnabled, timeout=10_000)
        settings.smtp_host.setText("127.0.0.1")  # typed, not saved
        settings.smtp_port.setValue(port)
        settings.smtp_starttls.setChecked(False)
        box = settings.smtp_test
        assert box.recipient.placeholderText() == "ada@example.com"
        qtbot.mouseClick(box.send_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "Test mail sent" in box.result.text(), timeout=15_000)
        assert "✓ Message: message accepted for ada@example.com: 250 Message accepted" in box.result.text()
        assert [to for _sender, to in inbox] == [["ada@example.com"]]

        box.recipient.setText("ops@corp.local")
        settings.smtp_port.setValue(free_port())  # nobody listens there
        qtbot.mouseClick(box.send_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "was not sent" in box.result.text(), timeout=15_000)
        assert "✗ Connect:" in box.result.text() and "refused" in box.result.text().lower()
        assert settings.loaded is not None and settings.loaded.smtp.host == ""  # nothing was saved
    finally:
        controller.stop()
