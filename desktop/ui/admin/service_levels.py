"""The admin console's Service levels tab: business calendars and SLA policies.

Calendars are a plain list; policies are listed in the order they are tried (the first that
matches a ticket applies) and Move up / Move down renumber them. The editors are
:mod:`desktop.ui.admin.sla_dialogs`; every request runs through :class:`AdminClient` in a
background task, and a refusal shows in the open dialog, which keeps what was typed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.net.admin_client import AdminClient
from desktop.ui.admin.dialogs import ErrorLabel, FormDialog
from desktop.ui.admin.sla_dialogs import CalendarDialog, PolicyDialog
from desktop.ui.shell.context import AppContext
from desktop.ui.shell.error_text import action_error
from ticketing.schemas import CategoryOut, PriorityOut, UserOut
from ticketing.sla_schemas import (
    CalendarCreate,
    CalendarOut,
    CalendarPatch,
    HolidaysOut,
    HolidaysQuery,
    PolicyCreate,
    PolicyOut,
    PolicyPatch,
)


def _minutes_text(minutes: int | None) -> str:
    if minutes is None:
        return "—"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d}" if hours else f"{rest} min"


def policy_line(policy: PolicyOut) -> str:
    """``Urgent — first 0 h 30 · next — · resolution 8 h 00``."""
    return (
        f"{policy.name} — first {_minutes_text(policy.first_response_minutes)}"
        f" · next {_minutes_text(policy.next_response_minutes)}"
        f" · resolution {_minutes_text(policy.resolution_minutes)}"
    )


class ServiceLevelsPanel(QWidget):
    """The Service levels tab."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._client = AdminClient(context.api)
        self.loaded_once = False
        self.calendars: list[CalendarOut] = []
        self.policies: list[PolicyOut] = []
        self._priorities: list[PriorityOut] = []
        self._categories: list[CategoryOut] = []
        self._staff: list[UserOut] = []
        self.dialog: FormDialog | None = None

        self.calendar_list = QListWidget()
        self.calendar_list.setAccessibleName("Calendars")
        self.add_calendar_button = self._button("Add ca&lendar…")
        self.edit_calendar_button = self._button("&Edit calendar…")
        self.policy_list = QListWidget()
        self.policy_list.setAccessibleName("Policies, in the order they are tried")
        self.add_policy_button = self._button("Add &policy…")
        self.edit_policy_button = self._button("Edit p&olicy…")
        self.up_button = self._button("Move &up")
        self.down_button = self._button("Move do&wn")
        self.error = ErrorLabel("Service levels")
        self.message = QLabel()
        self.message.setAccessibleName("Service levels message")
        self.refresh_button = self._button("Refres&h")

        calendars = QGroupBox("Business calendars")
        calendar_buttons = QHBoxLayout()
        calendar_buttons.addWidget(self.add_calendar_button)
        calendar_buttons.addWidget(self.edit_calendar_button)
        calendar_buttons.addStretch(1)
        calendar_column = QVBoxLayout(calendars)
        calendar_column.addLayout(calendar_buttons)
        calendar_column.addWidget(self.calendar_list, 1)
        policies = QGroupBox("Policies (the first that matches a ticket applies)")
        policy_buttons = QHBoxLayout()
        for button in (self.add_policy_button, self.edit_policy_button, self.up_button, self.down_button):
            policy_buttons.addWidget(button)
        policy_buttons.addStretch(1)
        policy_column = QVBoxLayout(policies)
        policy_column.addLayout(policy_buttons)
        policy_column.addWidget(self.policy_list, 1)
        sections = QHBoxLayout()
        sections.addWidget(calendars, 2)
        sections.addWidget(policies, 3)
        footer = QHBoxLayout()
        footer.addWidget(self.message, 1)
        footer.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addLayout(sections, 1)
        layout.addWidget(self.error)
        layout.addLayout(footer)

        self.refresh_button.clicked.connect(self.load)
        self.add_calendar_button.clicked.connect(self.add_calendar)
        self.edit_calendar_button.clicked.connect(self.edit_calendar)
        self.add_policy_button.clicked.connect(self.add_policy)
        self.edit_policy_button.clicked.connect(self.edit_policy)
        self.up_button.clicked.connect(lambda: self.move_policy(-1))
        self.down_button.clicked.connect(lambda: self.move_policy(1))
        self.calendar_list.itemSelectionChanged.connect(self._update_buttons)
        self.policy_list.itemSelectionChanged.connect(self._update_buttons)
        self.calendar_list.itemActivated.connect(lambda _item: self.edit_calendar())
        self.policy_list.itemActivated.connect(lambda _item: self.edit_policy())
        self._update_buttons()

    def _button(self, text: str) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(text.replace("&", "").rstrip("…"))
        return button

    # --- loading ----------------------------------------------------------------------------------

    def load(self) -> None:
        """Calendars, policies and what the policy editor offers (priorities, categories, staff)."""
        self.loaded_once = True
        self.message.setText("Loading…")
        self.error.set_error("")
        client = self._client

        def work() -> tuple[Any, ...]:
            return (
                client.calendars(),
                client.policies(),
                client.priorities(),
                client.categories(),
                client.users(),
            )

        def done(lists: tuple[Any, ...]) -> None:
            calendars, policies, self._priorities, self._categories, users = lists
            self._staff = [u for u in users if u.role.is_staff and u.is_active]
            self._show_calendars(calendars)
            self._show_policies(policies)
            self.message.setText(f"{len(calendars)} calendars, {len(policies)} policies.")

        self._context.tasks.run(work, done, self._failed, owner=self)

    def _failed(self, error: BaseException) -> None:
        self.message.setText("")
        self.error.set_error(action_error(error))

    def _show_calendars(self, calendars: list[CalendarOut], select: uuid.UUID | None = None) -> None:
        self.calendars = calendars
        self.calendar_list.clear()
        for calendar in calendars:
            text = f"{calendar.name} ({calendar.timezone})" + (" — default" if calendar.is_default else "")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, calendar.id)
            self.calendar_list.addItem(item)
            if calendar.id == select:
                self.calendar_list.setCurrentItem(item)
        self._update_buttons()

    def _show_policies(self, policies: list[PolicyOut], select: uuid.UUID | None = None) -> None:
        self.policies = policies
        self.policy_list.clear()
        for policy in policies:
            item = QListWidgetItem(policy_line(policy))
            item.setData(Qt.ItemDataRole.UserRole, policy.id)
            self.policy_list.addItem(item)
            if policy.id == select:
                self.policy_list.setCurrentItem(item)
        self._update_buttons()

    def selected_calendar(self) -> CalendarOut | None:
        row = self.calendar_list.currentRow()
        return self.calendars[row] if 0 <= row < len(self.calendars) else None

    def selected_policy(self) -> PolicyOut | None:
        row = self.policy_list.currentRow()
        return self.policies[row] if 0 <= row < len(self.policies) else None

    # --- calendars ----------------------------------------------------------------------------------

    @Slot()
    def add_calendar(self) -> CalendarDialog:
        client = self._client
        dialog = CalendarDialog("Add business calendar", "&Add", parent=self)
        self._open_calendar(dialog, lambda data: lambda: client.create_calendar(data), "Calendar added.")
        return dialog

    @Slot()
    def edit_calendar(self) -> CalendarDialog | None:
        calendar, client = self.selected_calendar(), self._client
        if calendar is None:
            return None
        calendar_id = calendar.id
        dialog = CalendarDialog(f"Edit {calendar.name}", "&Save", calendar, parent=self)

        def send(data: CalendarCreate) -> Callable[[], CalendarOut]:
            patch = CalendarPatch.model_validate(data.model_dump())
            return lambda: client.update_calendar(calendar_id, patch)

        self._open_calendar(dialog, send, "Calendar saved.")
        return dialog

    def _open_calendar(
        self, dialog: CalendarDialog, send: Callable[[Any], Callable[[], CalendarOut]], done_text: str
    ) -> None:
        def saved(calendar: CalendarOut) -> None:
            others = [c for c in self.calendars if c.id != calendar.id]
            self._show_calendars(
                sorted([*others, calendar], key=lambda c: (not c.is_default, c.name)), calendar.id
            )

        dialog.holidays_wanted.connect(lambda query: self._look_up_holidays(dialog, query))
        self._open(dialog, send, saved, done_text)

    def _look_up_holidays(self, dialog: CalendarDialog, query: HolidaysQuery) -> None:
        client = self._client

        def done(found: HolidaysOut) -> None:
            if shiboken6.isValid(dialog):
                dialog.add_holidays(found)

        def failed(error: BaseException) -> None:
            if shiboken6.isValid(dialog):
                dialog.show_holidays_error(action_error(error))

        self._context.tasks.run(lambda: client.holidays(query), done, failed, owner=dialog)

    # --- policies -----------------------------------------------------------------------------------

    def _policy_dialog(self, title: str, ok_text: str, policy: PolicyOut | None) -> PolicyDialog:
        last = max((p.position for p in self.policies), default=0)
        return PolicyDialog(
            title,
            ok_text,
            priorities=self._priorities,
            categories=self._categories,
            calendars=self.calendars,
            staff=self._staff,
            policy=policy,
            position=last + 10,
            parent=self,
        )

    @Slot()
    def add_policy(self) -> PolicyDialog:
        client = self._client
        dialog = self._policy_dialog("Add SLA policy", "&Add", None)
        self._open(
            dialog, lambda data: lambda: client.create_policy(data), self._policy_saved, "Policy added."
        )
        return dialog

    @Slot()
    def edit_policy(self) -> PolicyDialog | None:
        policy, client = self.selected_policy(), self._client
        if policy is None:
            return None
        policy_id = policy.id
        dialog = self._policy_dialog(f"Edit {policy.name}", "&Save", policy)

        def send(data: PolicyCreate) -> Callable[[], PolicyOut]:
            patch = PolicyPatch.model_validate(data.model_dump())
            return lambda: client.update_policy(policy_id, patch)

        self._open(dialog, send, self._policy_saved, "Policy saved.")
        return dialog

    def _policy_saved(self, policy: PolicyOut) -> None:
        others = [p for p in self.policies if p.id != policy.id]
        self._show_policies(sorted([*others, policy], key=lambda p: (p.position, p.name)), policy.id)

    @Slot()
    def move_policy(self, step: int) -> None:
        """Move the selected policy one place up (-1) or down (1) and renumber the list."""
        row = self.policy_list.currentRow()
        if not 0 <= row < len(self.policies) or not 0 <= row + step < len(self.policies):
            return
        order = list(self.policies)
        order[row], order[row + step] = order[row + step], order[row]
        moved, client = order[row + step].id, self._client
        self.error.set_error("")

        def done(policies: list[PolicyOut]) -> None:
            self._show_policies(policies, moved)
            self.message.setText("Policy order saved.")

        self.message.setText("Saving the order…")
        self._context.tasks.run(lambda: client.reorder_policies(order), done, self._failed, owner=self)

    # --- shared ---------------------------------------------------------------------------------------

    def _open(
        self,
        dialog: FormDialog,
        send: Callable[[Any], Callable[[], Any]],
        saved: Callable[[Any], None],
        done_text: str,
    ) -> None:
        def run(data: Any) -> None:
            def done(record: Any) -> None:
                if shiboken6.isValid(dialog):
                    dialog.done_ok()
                saved(record)
                self.message.setText(done_text)

            def failed(error: BaseException) -> None:
                if shiboken6.isValid(dialog) and dialog.isVisible():
                    dialog.show_error(action_error(error))
                else:
                    self._failed(error)

            self._context.tasks.run(send(data), done, failed, owner=self)

        dialog.submitted.connect(run)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()

    @Slot()
    def _update_buttons(self) -> None:
        row = self.policy_list.currentRow()
        self.edit_calendar_button.setEnabled(self.selected_calendar() is not None)
        self.edit_policy_button.setEnabled(self.selected_policy() is not None)
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < len(self.policies) - 1)
