"""The admin console's Settings tab: which tickets agents see, outgoing mail (SMTP), attachment
limits, rate limits, the notification defaults and automatic assignment (a mode, and the
categories it applies to as a checkable list of every category).

The form is checked as it is edited with the shared :class:`ServerSettings` schema (the one the
server validates with), and saved as a :class:`SettingsPatch` through :class:`AdminClient` in a
background task. The SMTP password is write-only: the server only says whether one is set.
"""

from __future__ import annotations

import itertools
import zoneinfo
from collections.abc import Callable
from functools import partial
from typing import Any

from pydantic import BaseModel, ValidationError
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.net.admin_client import AdminClient
from desktop.ui.admin.dialogs import ErrorLabel, friendly, name_control
from desktop.ui.admin.smtp_test_box import SmtpTestBox
from desktop.ui.shell.context import AppContext
from desktop.ui.shell.error_text import action_error
from ticketing.domain import AgentVisibility, AssignmentMode
from ticketing.files import FileKind
from ticketing.schemas import (
    AttachmentSettings,
    CategoryOut,
    RateLimitSettings,
    ServerSettings,
    SettingsPatch,
    SmtpSettings,
)

VISIBILITY_TEXT = {
    AgentVisibility.ALL: "All tickets",
    AgentVisibility.ASSIGNED: "Only tickets assigned to them",
}
ASSIGNMENT_TEXT = {
    AssignmentMode.OFF: "Off: new tickets wait in the queue",
    AssignmentMode.LEAST_OPEN: "To the available agent with the fewest open tickets",
}
RATE_LIMITS = (
    ("login_per_minute", "Log&ins per minute:"),
    ("tickets_per_hour", "New tic&kets per hour:"),
    ("comments_per_minute", "Re&plies per minute:"),
    ("uploads_per_minute", "Uploa&ds per minute:"),
)
NOTIFICATIONS = (
    ("ticket_created", "A ticket is created"),
    ("agent_reply", "An agent replies"),
    ("ticket_resolved", "A ticket is resolved"),
    ("ticket_assigned", "A ticket is assigned"),
    ("sla_warning", "An SLA target is near (to the assignee or the team)"),
    ("sla_breached", "An SLA target is missed"),
)


def bounds(model: type[BaseModel], name: str) -> tuple[int, int]:
    """The ``ge``/``le`` limits the schema puts on an integer field (one source of truth)."""
    low, high = 0, 2_147_483_647
    for constraint in model.model_fields[name].metadata:
        low = getattr(constraint, "ge", low)
        high = getattr(constraint, "le", high)
    return int(low), int(high)


def number_box(model: type[BaseModel], name: str, suffix: str = "") -> QSpinBox:
    box = QSpinBox()
    box.setRange(*bounds(model, name))
    box.setSuffix(suffix)
    return box


#: Kinds of file an admin can refuse here, in the admin's words.
BLOCKABLE_KINDS: tuple[tuple[FileKind, str], ...] = (
    (FileKind.EXECUTABLE, "Refuse &programs"),
    (FileKind.SCRIPT, "Refuse scri&pts"),
    (FileKind.ARCHIVE_WITH_EXECUTABLE, "Refuse archives holding programs or scripts"),
    (FileKind.ARCHIVE, "Refuse all archives"),
    (FileKind.MEDIA, "Refuse audio and video"),
    (FileKind.OTHER, "Refuse files of unknown kinds"),
)


class SettingsPanel(QWidget):
    """The Settings tab."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._client = AdminClient(context.api)
        self._loaded: ServerSettings | None = None
        self._filling = False
        self._touched: set[str] = set()
        self.loaded_once = False
        self._fields: dict[str, tuple[QWidget, ErrorLabel]] = {}

        # --- who sees what
        self.visibility = QComboBox()
        for value, text in VISIBILITY_TEXT.items():
            self.visibility.addItem(text, value)
        # the reports' days, weeks and months begin at midnight of this zone
        self.time_zone = QComboBox()
        for zone in sorted(zoneinfo.available_timezones() | {"UTC"}):
            self.time_zone.addItem(zone, zone)
        self.time_zone.setToolTip("Where the reports' days, weeks and months begin and end")
        tickets = self._group(
            "Tickets",
            [
                ("agent_visibility", "Agents s&ee:", self.visibility),
                ("reports.time_zone", "Reports count da&ys in:", self.time_zone),
            ],
        )

        # --- mail
        self.smtp_host = QLineEdit()
        self.smtp_host.setPlaceholderText("smtp.example.org")
        self.smtp_port = number_box(SmtpSettings, "port")
        self.smtp_starttls = QCheckBox("Use STARTT&LS")
        self.smtp_username = QLineEdit()
        self.smtp_password = QLineEdit()
        self.smtp_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.smtp_clear_password = QCheckBox("Re&move the saved password")
        self.smtp_sender = QLineEdit()
        self.smtp_sender.setPlaceholderText("Help desk <helpdesk@example.org>")
        mail = self._group(
            "Outgoing mail (SMTP)",
            [
                ("smtp.host", "&Host:", self.smtp_host),
                ("smtp.port", "P&ort:", self.smtp_port),
                ("smtp.starttls", "", self.smtp_starttls),
                ("smtp.username", "Lo&gin:", self.smtp_username),
                ("smtp.password", "Pass&word:", self.smtp_password),
                ("smtp.clear_password", "", self.smtp_clear_password),
                ("smtp.sender", "Se&nder:", self.smtp_sender),
            ],
        )
        self.smtp_test = SmtpTestBox(
            self._client, context.tasks, context.user.email, self._form_smtp, parent=mail
        )
        mail_rows = mail.layout()
        assert isinstance(mail_rows, QFormLayout)
        mail_rows.addRow(self.smtp_test)

        # --- attachments
        self.max_size = number_box(AttachmentSettings, "max_size_mb", " MB")
        self.blocked_kinds: dict[FileKind, QCheckBox] = {
            kind: QCheckBox(label) for kind, label in BLOCKABLE_KINDS
        }
        for check in self.blocked_kinds.values():
            check.setToolTip("Judged by the file's content, whatever its name says")
        self.clamd_address = QLineEdit()
        self.clamd_address.setPlaceholderText("tcp://127.0.0.1:3310 (empty: built-in check only)")
        self.clamd_address.setToolTip(
            "ClamAV daemon that scans every upload; the built-in check always catches the EICAR test file"
        )
        attachments = self._group(
            "Attachments",
            [
                ("attachments.max_size_mb", "Largest file si&ze:", self.max_size),
                *(
                    (f"attachments.blocked_types.{kind.value}", "", check)
                    for kind, check in self.blocked_kinds.items()
                ),
                ("attachments.clamd_address", "&Virus scanner:", self.clamd_address),
            ],
        )

        # --- rate limits
        self.rate_limits: dict[str, QSpinBox] = {
            name: number_box(RateLimitSettings, name) for name, _ in RATE_LIMITS
        }
        limits = self._group(
            "Rate limits (per account)",
            [(f"rate_limits.{name}", label, self.rate_limits[name]) for name, label in RATE_LIMITS],
        )

        # --- notifications
        self.notifications: dict[str, QCheckBox] = {name: QCheckBox(label) for name, label in NOTIFICATIONS}
        notify = self._group(
            "Email notifications (each user can still turn theirs off)",
            [(f"notifications.{name}", "", self.notifications[name]) for name, _ in NOTIFICATIONS],
        )

        # --- automatic assignment
        self.assignment_mode = QComboBox()
        for mode, label in ASSIGNMENT_TEXT.items():
            self.assignment_mode.addItem(label, mode)
        self.assignment_categories = QListWidget()
        self.assignment_categories.setToolTip("Tick the categories assigned automatically; none ticked: all")
        self.assignment_categories.setMaximumHeight(120)
        assignment = self._group(
            "Automatic assignment of new tickets",
            [
                ("assignment.mode", "&Mode:", self.assignment_mode),
                ("assignment.category_ids", "Only in categories (none: all):", self.assignment_categories),
            ],
        )

        # --- buttons and messages
        self.save_button = QPushButton("&Save settings")
        self.save_button.setAccessibleName("Save settings")
        self.revert_button = QPushButton("&Revert changes")
        self.revert_button.setAccessibleName("Revert changes")
        self.message = QLabel()
        self.message.setAccessibleName("Settings message")
        self.error = ErrorLabel("Settings")

        grid = QGridLayout()
        grid.addWidget(tickets, 0, 0)
        grid.addWidget(mail, 1, 0, 2, 1)
        grid.addWidget(attachments, 0, 1)
        grid.addWidget(limits, 1, 1)
        grid.addWidget(notify, 2, 1)
        grid.addWidget(assignment, 3, 0, 1, 2)
        grid.setRowStretch(4, 1)
        form = QWidget()
        form.setLayout(grid)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(form)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)

        chain: list[QWidget] = [
            self.visibility,
            self.time_zone,
            self.smtp_host,
            self.smtp_port,
            self.smtp_starttls,
            self.smtp_username,
            self.smtp_password,
            self.smtp_clear_password,
            self.smtp_sender,
            self.smtp_test.recipient,
            self.smtp_test.send_button,
            self.max_size,
            *self.blocked_kinds.values(),
            self.clamd_address,
            *self.rate_limits.values(),
            *self.notifications.values(),
            self.assignment_mode,
            self.assignment_categories,
            self.revert_button,
            self.save_button,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)
        for key, (widget, _label) in self._fields.items():
            _connect_changed(widget, partial(self._on_field_edited, key))
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.revert_button.clicked.connect(self._on_revert_button_clicked)
        self.smtp_clear_password.toggled.connect(self._on_clear_password_toggled)
        self._set_enabled(False)

    def _group(self, title: str, rows: list[tuple[str, str, QWidget]]) -> QGroupBox:
        box = QGroupBox(title)
        form = QFormLayout(box)
        for key, label, widget in rows:
            errors = ErrorLabel(label.replace("&", "").rstrip(":") or key)
            holder = QWidget()
            column = QVBoxLayout(holder)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            column.addWidget(widget)
            column.addWidget(errors)
            if label:
                caption = QLabel(label)
                caption.setBuddy(widget)
                form.addRow(caption, holder)
                name_control(widget, label.replace("&", "").rstrip(":"))
            else:
                form.addRow(holder)
                if isinstance(widget, QCheckBox):
                    widget.setAccessibleName(widget.text().replace("&", ""))
            self._fields[key] = (widget, errors)
        return box

    # --- loading ------------------------------------------------------------------------------

    @property
    def loaded(self) -> ServerSettings | None:
        """The settings as the server last sent them (``None`` until loaded)."""
        return self._loaded

    def load(self) -> None:
        self.loaded_once = True
        self.message.setText("Loading settings…")
        client = self._client  # the task holds the client, never this widget
        self._context.tasks.run(
            lambda: (client.settings(), client.categories()),
            self._on_settings_loaded,
            self._on_request_failed,
            owner=self,
        )

    def _on_settings_loaded(self, loaded: tuple[ServerSettings, list[CategoryOut]]) -> None:
        settings, categories = loaded
        self.set_categories(categories)
        self._loaded = settings
        self.fill(settings)
        self._set_enabled(True)
        self.message.setText("")

    def set_categories(self, categories: list[CategoryOut]) -> None:
        """The categories automatic assignment may be limited to (deactivated ones too)."""
        self._filling = True
        try:
            self.assignment_categories.clear()
            for category in categories:
                label = category.name if category.is_active else f"{category.name} (deactivated)"
                item = QListWidgetItem(label)
                item.setData(Qt.ItemDataRole.UserRole, str(category.id))
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                self.assignment_categories.addItem(item)
        finally:
            self._filling = False

    def _category_items(self) -> list[QListWidgetItem]:
        return [self.assignment_categories.item(row) for row in range(self.assignment_categories.count())]

    def fill(self, settings: ServerSettings) -> None:
        """Show ``settings`` in the form (nothing is touched afterwards)."""
        self._filling = True
        try:
            self.visibility.setCurrentIndex(self.visibility.findData(settings.agent_visibility))
            zone = settings.reports.time_zone
            if self.time_zone.findData(zone) < 0:  # known to the server, not to this computer
                self.time_zone.addItem(zone, zone)
            self.time_zone.setCurrentIndex(self.time_zone.findData(zone))
            smtp = settings.smtp
            self.smtp_host.setText(smtp.host)
            self.smtp_port.setValue(smtp.port)
            self.smtp_starttls.setChecked(smtp.starttls)
            self.smtp_username.setText(smtp.username)
            self.smtp_password.clear()
            self.smtp_password.setPlaceholderText(
                "Unchanged (a password is saved)" if smtp.password_set else "No password saved"
            )
            self.smtp_clear_password.setChecked(False)
            self.smtp_clear_password.setVisible(smtp.password_set)
            self.smtp_sender.setText(smtp.sender)
            self.max_size.setValue(settings.attachments.max_size_mb)
            for kind, check in self.blocked_kinds.items():
                check.setChecked(kind in settings.attachments.blocked_types)
            self.clamd_address.setText(settings.attachments.clamd_address)
            for name, box in self.rate_limits.items():
                box.setValue(getattr(settings.rate_limits, name))
            for name, check in self.notifications.items():
                check.setChecked(getattr(settings.notifications, name))
            assignment = settings.assignment
            self.assignment_mode.setCurrentIndex(self.assignment_mode.findData(assignment.mode))
            chosen = {str(category_id) for category_id in assignment.category_ids}
            for item in self._category_items():
                ticked = item.data(Qt.ItemDataRole.UserRole) in chosen
                item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
        finally:
            self._filling = False
        self._touched.clear()
        self.validate(show_all=False)

    # --- validating -----------------------------------------------------------------------------

    def build(self) -> ServerSettings:
        """The form as settings; raises ValidationError (checked by the server's own schema)."""
        password: str | None = self.smtp_password.text() or None
        if self.smtp_clear_password.isChecked():
            password = ""
        document: dict[str, Any] = {
            "agent_visibility": self.visibility.currentData(),
            "smtp": {
                "host": self.smtp_host.text().strip(),
                "port": self.smtp_port.value(),
                "starttls": self.smtp_starttls.isChecked(),
                "username": self.smtp_username.text().strip(),
                "password": password,
                "password_set": bool(self._loaded and self._loaded.smtp.password_set),
                "sender": self.smtp_sender.text().strip(),
            },
            "attachments": {
                "max_size_mb": self.max_size.value(),
                "blocked_types": self._blocked_kinds(),
                "clamd_address": self.clamd_address.text().strip(),
            },
            "rate_limits": {name: box.value() for name, box in self.rate_limits.items()},
            "notifications": {name: check.isChecked() for name, check in self.notifications.items()},
            "reports": {"time_zone": self.time_zone.currentData() or "UTC"},
            "assignment": {
                "mode": self.assignment_mode.currentData(),
                "category_ids": self._chosen_categories(),
            },
        }
        return ServerSettings.model_validate(document)

    def _chosen_categories(self) -> list[str]:
        """The ticked categories, plus any the server names that this list does not show."""
        listed = {item.data(Qt.ItemDataRole.UserRole) for item in self._category_items()}
        loaded = [str(c) for c in self._loaded.assignment.category_ids] if self._loaded else []
        ticked = [
            str(item.data(Qt.ItemDataRole.UserRole))
            for item in self._category_items()
            if item.checkState() == Qt.CheckState.Checked
        ]
        return ticked + [category_id for category_id in loaded if category_id not in listed]

    def _blocked_kinds(self) -> list[str]:
        """The ticked kinds, plus any kind blocked through the API that the form does not list."""
        loaded = self._loaded.attachments.blocked_types if self._loaded else []
        unlisted = [kind.value for kind in loaded if kind not in self.blocked_kinds]
        return [kind.value for kind, check in self.blocked_kinds.items() if check.isChecked()] + unlisted

    def _form_smtp(self) -> SmtpSettings | None:
        """The SMTP settings as the form shows them, saved or not (None while invalid); an
        unchanged password stays the saved one."""
        try:
            return self.build().smtp
        except ValidationError:
            return None

    def patch(self) -> SettingsPatch:
        """Every group, as the server's PATCH takes it (groups are replaced whole)."""
        settings = self.build()
        return SettingsPatch(
            agent_visibility=settings.agent_visibility,
            smtp=settings.smtp,
            attachments=settings.attachments,
            rate_limits=settings.rate_limits,
            notifications=settings.notifications,
            reports=settings.reports,
            assignment=settings.assignment,
        )

    def validate(self, *, show_all: bool) -> ServerSettings | None:
        errors: dict[str, str] = {}
        settings: ServerSettings | None = None
        try:
            settings = self.build()
        except ValidationError as error:
            for item in error.errors():
                key = ".".join(str(part) for part in item["loc"][:2])
                errors.setdefault(key if key in self._fields else "", friendly(str(item["msg"])))
        for key, (_widget, label) in self._fields.items():
            label.set_error(errors.get(key, ""), shown=show_all or key in self._touched)
        self.error.set_error(errors.get("", "") if show_all else "")
        changed = settings is not None and (
            self._loaded is None
            or self.patch_differs(settings, self._loaded)
            or bool(self.smtp_password.text())
        )
        self.save_button.setEnabled(settings is not None and changed and self._loaded is not None)
        self.revert_button.setEnabled(self._loaded is not None and (changed or settings is None))
        return settings

    @staticmethod
    def patch_differs(settings: ServerSettings, loaded: ServerSettings) -> bool:
        return settings.model_dump(exclude={"smtp": {"password"}}) != loaded.model_dump(
            exclude={"smtp": {"password"}}
        )

    def field_error(self, key: str) -> str:
        return self._fields[key][1].error()

    # --- saving -------------------------------------------------------------------------------

    def save(self) -> bool:
        """Validate and send; False (with the errors shown) if the form is not valid."""
        client = self._client  # the task holds the client, never this widget
        if self.validate(show_all=True) is None:
            return False
        patch = self.patch()
        self._set_enabled(False)
        self.message.setText("Saving…")

        def saved(settings: ServerSettings) -> None:
            self._loaded = settings
            self.fill(settings)
            self._set_enabled(True)
            self.message.setText("Settings saved.")

        def failed(error: BaseException) -> None:
            self._set_enabled(True)
            self.validate(show_all=False)
            self._on_request_failed(error)

        self._context.tasks.run(lambda: client.update_settings(patch), saved, failed, owner=self)
        return True

    def _on_request_failed(self, error: BaseException) -> None:
        self.message.setText("")
        self.error.set_error(action_error(error))

    def _set_enabled(self, enabled: bool) -> None:
        for widget, _label in self._fields.values():
            widget.setEnabled(enabled)
        if not enabled:
            self.save_button.setEnabled(False)
            self.revert_button.setEnabled(False)
        else:
            self.validate(show_all=False)

    # --- slots --------------------------------------------------------------------------------

    def _on_field_edited(self, key: str) -> None:
        if self._filling:
            return
        self._touched.add(key)
        self.message.setText("")
        self.validate(show_all=False)

    @Slot()
    def _on_save_button_clicked(self) -> None:
        self.save()

    @Slot()
    def _on_revert_button_clicked(self) -> None:
        if self._loaded is not None:
            self.fill(self._loaded)
            self.message.setText("Changes reverted.")

    @Slot(bool)
    def _on_clear_password_toggled(self, checked: bool) -> None:
        self.smtp_password.setEnabled(not checked)


def _connect_changed(widget: QWidget, slot: Callable[[], None]) -> None:
    if isinstance(widget, QLineEdit):
        widget.textChanged.connect(lambda _text: slot())
    elif isinstance(widget, QSpinBox):
        widget.valueChanged.connect(lambda _value: slot())
    elif isinstance(widget, QComboBox):
        widget.currentIndexChanged.connect(lambda _index: slot())
    elif isinstance(widget, QCheckBox):
        widget.toggled.connect(lambda _checked: slot())
    elif isinstance(widget, QListWidget):
        widget.itemChanged.connect(lambda _item: slot())
