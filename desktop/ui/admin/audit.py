"""The admin console's Audit log tab: who changed accounts, settings and the catalog, and when.

The log lives on the server only; this tab reads it a page at a time through
:class:`AdminClient` in a background task, newest first, filtered by action and by admin.
"""

from __future__ import annotations

import enum
import itertools
import uuid
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from desktop.models.flat_table import TEXT_ROLES, FlatTableModel, Index
from desktop.models.formatting import local_time
from desktop.net.admin_client import AdminClient
from desktop.ui.admin.dialogs import ErrorLabel
from desktop.ui.shell.context import AppContext
from desktop.ui.shell.error_text import action_error
from ticketing.domain import Role
from ticketing.schemas import AuditAction, AuditEntryOut, AuditPage, AuditQuery, UserOut

PAGE_SIZE = 50

#: Each action in the admins' words, in the order the filter offers them.
ACTION_NAMES: dict[AuditAction, str] = {
    AuditAction.USER_CREATED: "Account created",
    AuditAction.USER_RENAMED: "Account renamed",
    AuditAction.USER_ROLE_CHANGED: "Role changed",
    AuditAction.USER_DEACTIVATED: "Account deactivated",
    AuditAction.USER_REACTIVATED: "Account reactivated",
    AuditAction.USER_PASSWORD_RESET: "Password reset",
    AuditAction.SETTINGS_CHANGED: "Settings changed",
    AuditAction.CATEGORY_ADDED: "Category added",
    AuditAction.CATEGORY_RENAMED: "Category renamed",
    AuditAction.CATEGORY_DEACTIVATED: "Category deactivated",
    AuditAction.CATEGORY_REACTIVATED: "Category reactivated",
    AuditAction.PRIORITY_ADDED: "Priority added",
    AuditAction.PRIORITY_RENAMED: "Priority renamed",
    AuditAction.PRIORITY_RERANKED: "Priority re-ranked",
    AuditAction.PRIORITY_DEACTIVATED: "Priority deactivated",
    AuditAction.PRIORITY_REACTIVATED: "Priority reactivated",
    AuditAction.LOGIN_TOKEN_REUSED: "Login ended: stolen token",
    AuditAction.SLA_CALENDAR_ADDED: "Business calendar added",
    AuditAction.SLA_CALENDAR_CHANGED: "Business calendar changed",
    AuditAction.SLA_POLICY_ADDED: "SLA policy added",
    AuditAction.SLA_POLICY_CHANGED: "SLA policy changed",
    AuditAction.CANNED_REPLY_ADDED: "Team canned reply added",
    AuditAction.CANNED_REPLY_CHANGED: "Canned reply changed",
    AuditAction.CANNED_REPLY_DELETED: "Team canned reply deleted",
}


class AuditRole(enum.IntEnum):
    """Custom data roles of :class:`AuditModel` (any column answers them)."""

    ENTRY = Qt.ItemDataRole.UserRole + 1  # the row's AuditEntryOut


class AuditColumn(enum.IntEnum):
    WHEN = 0
    BY = 1
    ACTION = 2
    CHANGE = 3

    @property
    def label(self) -> str:
        return ("When", "By", "Action", "What changed")[self]


class AuditModel(FlatTableModel):
    """One page of audit entries: when, who, what, and the change in words."""

    columns = tuple(AuditColumn)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._entries: list[AuditEntryOut] = []

    def set_entries(self, entries: Sequence[AuditEntryOut]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    def entry(self, row: int) -> AuditEntryOut | None:
        return self._entries[row] if 0 <= row < len(self._entries) else None

    @override
    def row_count(self) -> int:
        return len(self._entries)

    @override
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry = self.entry(index.row()) if index.isValid() else None
        if entry is None:
            return None
        if role == AuditRole.ENTRY:
            return entry
        if role in TEXT_ROLES:
            return self._text(entry, index.column())
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == AuditColumn.CHANGE:
            return entry.summary
        return None

    @staticmethod
    def _text(entry: AuditEntryOut, column: int) -> str:
        texts = (
            local_time(entry.created_at),
            entry.actor_name,
            ACTION_NAMES.get(entry.action, entry.action.value),
            entry.summary,
        )
        return texts[column] if 0 <= column < len(texts) else ""


class AuditPanel(QWidget):
    """The Audit log tab; loads the first time it is shown."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._client = AdminClient(context.api)
        self._offset = 0
        self._total = 0
        self._requests = itertools.count(1)
        self._latest = 0  # the request whose answer counts; older answers are dropped
        self.loaded_once = False

        self.action_filter = QComboBox()
        self.action_filter.setAccessibleName("Action")
        self.action_filter.addItem("All actions", None)
        for action, name in ACTION_NAMES.items():
            self.action_filter.addItem(name, action)
        self.actor_filter = QComboBox()
        self.actor_filter.setAccessibleName("By")
        self.actor_filter.addItem("Any admin", None)
        self.newer_button = self._button("&Newer")
        self.older_button = self._button("&Older")
        self.refresh_button = self._button("Refres&h")
        self.model = AuditModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Audit log")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for column in range(len(AuditColumn) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.message = QLabel()
        self.message.setAccessibleName("Audit log message")
        self.error = ErrorLabel("Audit log")

        filters = QHBoxLayout()
        for text, box in (("Ac&tion:", self.action_filter), ("&By:", self.actor_filter)):
            label = QLabel(text)
            label.setBuddy(box)
            filters.addWidget(label)
            filters.addWidget(box)
        filters.addStretch(1)
        filters.addWidget(self.refresh_button)
        pages = QHBoxLayout()
        pages.addWidget(self.message, 1)
        pages.addWidget(self.newer_button)
        pages.addWidget(self.older_button)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error)
        layout.addLayout(pages)
        chain: list[QWidget] = [
            self.action_filter,
            self.actor_filter,
            self.refresh_button,
            self.table,
            self.newer_button,
            self.older_button,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

        self.action_filter.currentIndexChanged.connect(self._on_filter_changed)
        self.actor_filter.currentIndexChanged.connect(self._on_filter_changed)
        self.refresh_button.clicked.connect(self._on_refresh_button_clicked)
        self.newer_button.clicked.connect(self._on_newer_button_clicked)
        self.older_button.clicked.connect(self._on_older_button_clicked)
        self._update_buttons()

    def _button(self, text: str) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(text.replace("&", ""))
        return button

    @override
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.loaded_once:
            self.load()

    # --- reading ------------------------------------------------------------------------------

    def query(self) -> AuditQuery:
        """The filters and page as they stand."""
        action = self.action_filter.currentData()
        actor = self.actor_filter.currentData()
        return AuditQuery(
            action=[action] if action is not None else [],
            actor_id=uuid.UUID(actor) if actor is not None else None,
            limit=PAGE_SIZE,
            offset=self._offset,
        )

    def load(self) -> None:
        """Fetch the current page (and, the first time, the admins to filter by)."""
        first = not self.loaded_once
        self.loaded_once = True
        self.error.set_error("")
        self.message.setText("Loading the audit log…")
        client, query = self._client, self.query()
        number = self._latest = next(self._requests)

        def work() -> tuple[AuditPage, list[UserOut] | None]:
            return client.audit(query), (client.users() if first else None)

        def done(answer: tuple[AuditPage, list[UserOut] | None]) -> None:
            if number == self._latest:
                self._show_page(*answer)

        def failed(error: BaseException) -> None:
            if number == self._latest:
                self.message.setText("")
                self.error.set_error(action_error(error))

        self._context.tasks.run(work, done, failed, owner=self)

    def _show_page(self, page: AuditPage, users: list[UserOut] | None) -> None:
        if users is not None:
            self._fill_admins(users)
        self._total = page.total
        self.model.set_entries(page.items)
        if page.items:
            last = page.offset + len(page.items)
            self.message.setText(f"Entries {page.offset + 1} to {last} of {page.total}, newest first.")
        else:
            self.message.setText("No entries." if page.offset == 0 else "No more entries.")
        self._update_buttons()

    def _fill_admins(self, users: list[UserOut]) -> None:
        """Support staff, admins first: an agent may be an admin demoted since."""
        self.actor_filter.blockSignals(True)
        staff = [u for u in users if u.role in (Role.ADMIN, Role.AGENT)]
        for user in sorted(staff, key=lambda u: (u.role != Role.ADMIN, u.name.lower())):
            self.actor_filter.addItem(f"{user.name} ({user.email})", str(user.id))
        self.actor_filter.blockSignals(False)

    def _update_buttons(self) -> None:
        self.newer_button.setEnabled(self._offset > 0)
        self.older_button.setEnabled(self._offset + PAGE_SIZE < self._total)

    # --- slots --------------------------------------------------------------------------------

    @Slot(int)
    def _on_filter_changed(self, _index: int) -> None:
        self._offset = 0
        self.load()

    @Slot()
    def _on_refresh_button_clicked(self) -> None:
        self.load()

    @Slot()
    def _on_newer_button_clicked(self) -> None:
        self._offset = max(0, self._offset - PAGE_SIZE)
        self.load()

    @Slot()
    def _on_older_button_clicked(self) -> None:
        self._offset += PAGE_SIZE
        self.load()
