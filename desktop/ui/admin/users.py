"""The admin console's Users tab: every account, and creating one, changing a role,
deactivating or reactivating, resetting a password.

Accounts live on the server only (a cache never holds passwords or other people's emails), so
this tab talks to the REST API through :class:`AdminClient` in background tasks; the server's
refusals (an email already taken, your own admin role) are shown where the action was made.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from typing import Any

import shiboken6
from pydantic import BaseModel
from PySide6.QtCore import QItemSelection, Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from desktop.models.admin_models import ROLE_NAMES, UsersModel
from desktop.net.admin_client import AdminClient
from desktop.ui.admin.dialogs import ErrorLabel, FormDialog, check_same, password_field
from desktop.ui.shell.context import AppContext
from desktop.ui.shell.error_text import action_error
from ticketing.domain import Role
from ticketing.schemas import UserCreate, UserOut, UserPatch


def role_box(selected: Role = Role.AGENT) -> QComboBox:
    box = QComboBox()
    for role in (Role.USER, Role.AGENT, Role.ADMIN):
        box.addItem(ROLE_NAMES[role.value], role)
    box.setCurrentIndex(box.findData(selected))
    return box


class NewAccountDialog(FormDialog):
    """Name, email, role and a first password (typed twice)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("New account", "&Create account", parent)
        self.name = QLineEdit()
        self.email = QLineEdit()
        self.email.setPlaceholderText("name@example.org")
        self.role = role_box(Role.AGENT)
        self.password = password_field()
        self.confirm = password_field()
        self.add_field("name", "&Name:", self.name)
        self.add_field("email", "&Email:", self.email)
        self.add_field("role", "&Role:", self.role)
        self.add_field("password", "&Password:", self.password)
        self.add_field("confirm", "Con&firm password:", self.confirm)

    @override
    def build(self) -> BaseModel:
        data = UserCreate(
            name=self.name.text(),
            email=self.email.text().strip(),
            role=Role(self.role.currentData()),
            password=self.password.text(),
        )
        check_same(self.password, self.confirm, "confirm")
        return data


class RoleDialog(FormDialog):
    def __init__(self, user: UserOut, parent: QWidget | None = None) -> None:
        super().__init__(f"Change the role of {user.name}", "&Change role", parent)
        self.role = role_box(user.role)
        self.add_field("role", "&Role:", self.role)

    @override
    def build(self) -> BaseModel:
        return UserPatch(role=Role(self.role.currentData()))


class PasswordDialog(FormDialog):
    """A new password for someone who lost theirs; their logins end at once."""

    def __init__(self, user: UserOut, parent: QWidget | None = None) -> None:
        super().__init__(f"Reset the password of {user.name}", "&Set password", parent)
        note = QLabel("Their open sessions end; tell them the new password in person.")
        note.setWordWrap(True)
        self.form.addRow(note)
        self.password = password_field()
        self.confirm = password_field()
        self.add_field("password", "New &password:", self.password)
        self.add_field("confirm", "Con&firm password:", self.confirm)

    @override
    def build(self) -> BaseModel:
        data = UserPatch(password=self.password.text())
        check_same(self.password, self.confirm, "confirm")
        return data


class UsersPanel(QWidget):
    """The Users tab."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._client = AdminClient(context.api)
        self.loaded_once = False
        self.dialog: FormDialog | None = None
        self.confirm_box: QMessageBox | None = None

        self.model = UsersModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Accounts")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.new_button = self._button("&New account…")
        self.role_button = self._button("Change &role…")
        self.active_button = self._button("&Deactivate")
        self.password_button = self._button("Reset &password…")
        self.refresh_button = self._button("Refres&h")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Users message")
        self.error = ErrorLabel("Users")

        buttons = QHBoxLayout()
        for button in (self.new_button, self.role_button, self.active_button, self.password_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.error)
        chain: list[QWidget] = [
            self.new_button,
            self.role_button,
            self.active_button,
            self.password_button,
            self.refresh_button,
            self.table,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

        self.new_button.clicked.connect(self._on_new_button_clicked)
        self.role_button.clicked.connect(self._on_role_button_clicked)
        self.active_button.clicked.connect(self._on_active_button_clicked)
        self.password_button.clicked.connect(self._on_password_button_clicked)
        self.refresh_button.clicked.connect(self._on_refresh_button_clicked)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.model.modelReset.connect(self._update_buttons)
        self._update_buttons()

    def _button(self, text: str) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(text.replace("&", ""))
        return button

    # --- reading ------------------------------------------------------------------------------

    def load(self) -> None:
        """Fetch the accounts (in the background)."""
        self.loaded_once = True
        self.message.setText("Loading accounts…")
        self._call(self._client.users, self._on_users_loaded)

    def _on_users_loaded(self, users: list[UserOut]) -> None:
        selected = self.selected_user()
        self.model.set_records(users)
        self.message.setText(f"{len(users)} accounts.")
        if selected is not None:
            self.select_user(str(selected.id))

    def selected_user(self) -> UserOut | None:
        index = self.table.currentIndex()
        rows = self.table.selectionModel().selectedRows()
        row = rows[0].row() if rows else (index.row() if index.isValid() else -1)
        return self.model.record(row)

    def select_user(self, user_id: str) -> bool:
        row = self.model.row_of(user_id)
        if row is None:
            return False
        self.table.selectRow(row)
        return True

    # --- actions ------------------------------------------------------------------------------

    def open_new_account(self) -> NewAccountDialog:
        dialog = NewAccountDialog(self)
        dialog.submitted.connect(lambda data: self._create(dialog, data))
        self._show(dialog)
        return dialog

    def open_change_role(self) -> RoleDialog | None:
        user = self.selected_user()
        if user is None:
            return None
        dialog = RoleDialog(user, self)
        dialog.submitted.connect(lambda patch: self._patch(dialog, user, patch, "Role changed"))
        self._show(dialog)
        return dialog

    def open_reset_password(self) -> PasswordDialog | None:
        user = self.selected_user()
        if user is None:
            return None
        dialog = PasswordDialog(user, self)
        dialog.submitted.connect(lambda patch: self._patch(dialog, user, patch, "Password reset"))
        self._show(dialog)
        return dialog

    def ask_set_active(self) -> QMessageBox | None:
        """Ask before deactivating (or reactivating) the selected account."""
        user = self.selected_user()
        if user is None:
            return None
        verb = "Reactivate" if not user.is_active else "Deactivate"
        consequence = (
            "They can log in again."
            if not user.is_active
            else "They are logged out at once and cannot log in; their tickets and replies stay."
        )
        box = QMessageBox(
            QMessageBox.Icon.Question,
            f"{verb} account",
            f"{verb} {user.name} ({user.email})?",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setInformativeText(consequence)
        confirm = box.addButton(verb, QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(confirm)
        box.setAccessibleName(f"{verb} account")
        box.finished.connect(lambda _result: self._on_confirm_finished(box, confirm, user))
        self.confirm_box = box
        box.open()
        return box

    def set_active(self, user: UserOut, active: bool) -> None:
        done = "Account reactivated" if active else "Account deactivated"
        self._patch(None, user, UserPatch(is_active=active), done)

    def _on_confirm_finished(self, box: QMessageBox, confirm: Any, user: UserOut) -> None:
        self.confirm_box = None
        if box.clickedButton() is confirm:
            self.set_active(user, not user.is_active)
        box.deleteLater()

    def _create(self, dialog: FormDialog, data: UserCreate) -> None:
        client = self._client  # the task holds the client, never this widget

        def created(user: UserOut) -> None:
            if shiboken6.isValid(dialog):
                dialog.done_ok()
            self.model.replace(user)
            self.select_user(str(user.id))
            self.message.setText(f"Account created for {user.name} ({ROLE_NAMES[user.role.value]}).")

        self._call(lambda: client.create_user(data), created, dialog)

    def _patch(self, dialog: FormDialog | None, user: UserOut, patch: UserPatch, done_text: str) -> None:
        client = self._client  # the task holds the client, never this widget
        user_id = uuid.UUID(str(user.id))

        def patched(updated: UserOut) -> None:
            if dialog is not None and shiboken6.isValid(dialog):
                dialog.done_ok()
            self.model.replace(updated)
            self.select_user(str(updated.id))
            self._update_buttons()
            self.message.setText(f"{done_text}: {updated.name}.")

        self._call(lambda: client.update_user(user_id, patch), patched, dialog)

    def _call(
        self, work: Callable[[], Any], done: Callable[[Any], None], dialog: FormDialog | None = None
    ) -> None:
        """Run ``work`` off the UI thread; a refusal goes to the dialog, or under the table."""
        self.error.set_error("")

        def failed(error: BaseException) -> None:
            text = action_error(error)
            if dialog is not None and shiboken6.isValid(dialog) and dialog.isVisible():
                dialog.show_error(text)
            else:
                self.message.setText("")
                self.error.set_error(text)

        self._context.tasks.run(work, done, failed, owner=self)

    def _show(self, dialog: FormDialog) -> None:
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    # --- slots --------------------------------------------------------------------------------

    @Slot()
    def _update_buttons(self) -> None:
        user = self.selected_user()
        is_me = user is not None and str(user.id) == self._context.user.id
        for button in (self.role_button, self.password_button):
            button.setEnabled(user is not None)
        self.active_button.setEnabled(user is not None and not is_me)
        text = "Re&activate" if user is not None and not user.is_active else "&Deactivate"
        self.active_button.setText(text)
        self.active_button.setAccessibleName(text.replace("&", ""))
        if is_me:
            self.active_button.setToolTip("You cannot deactivate your own account")
        else:
            self.active_button.setToolTip("")

    @Slot(QItemSelection, QItemSelection)
    def _on_table_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._update_buttons()

    @Slot()
    def _on_new_button_clicked(self) -> None:
        self.open_new_account()

    @Slot()
    def _on_role_button_clicked(self) -> None:
        self.open_change_role()

    @Slot()
    def _on_active_button_clicked(self) -> None:
        self.ask_set_active()

    @Slot()
    def _on_password_button_clicked(self) -> None:
        self.open_reset_password()

    @Slot()
    def _on_refresh_button_clicked(self) -> None:
        self.load()
