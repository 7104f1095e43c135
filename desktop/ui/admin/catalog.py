"""The admin console's Categories & Priorities tab: add, rename, deactivate and reactivate.

Nothing here deletes: old tickets keep their category and priority, which only stop being
offered for new tickets. Changes go to the server through :class:`AdminClient` in background
tasks; a sync is requested afterwards so that the queue's menus show them at once.

The two lists work alike; a :class:`CatalogKind` holds what differs between them.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shiboken6
from pydantic import BaseModel
from PySide6.QtCore import QItemSelection, Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.models.admin_models import CategoriesModel, PrioritiesModel, RecordsModel
from desktop.net.admin_client import AdminClient
from desktop.ui.admin.dialogs import ErrorLabel, FormDialog, NameDialog
from desktop.ui.shell.context import AppContext
from desktop.ui.shell.error_text import action_error
from ticketing.schemas import (
    CategoryCreate,
    CategoryOut,
    CategoryPatch,
    PriorityCreate,
    PriorityOut,
    PriorityPatch,
)

Record = CategoryOut | PriorityOut


@dataclass(frozen=True)
class CatalogKind:
    """What the category and the priority lists differ in."""

    title: str
    noun: str
    #: The Add, Rename, Deactivate and Reactivate button texts (mnemonics differ per list; each
    #: names its list, as both lists are side by side and a screen reader reads them alone).
    labels: tuple[str, str, str, str]
    #: The create schema from the Add dialog's name and rank (``None`` without a rank field).
    new_record: Callable[[str, int | None], BaseModel]
    #: The patch schema (takes ``name`` or ``is_active``).
    patch: type[CategoryPatch] | type[PriorityPatch]
    create: Callable[[AdminClient, Any], Record]
    update: Callable[[AdminClient, uuid.UUID, Any], Record]
    #: A new record gets a rank, offered just above the highest.
    ranked: bool = False


CATEGORIES = CatalogKind(
    title="Categories",
    noun="category",
    labels=("Add categor&y…", "Re&name category…", "&Deactivate category", "R&eactivate category"),
    new_record=lambda name, _rank: CategoryCreate(name=name),
    patch=CategoryPatch,
    create=AdminClient.create_category,
    update=AdminClient.update_category,
)

PRIORITIES = CatalogKind(
    title="Priorities",
    noun="priority",
    labels=("Add &priority…", "Rena&me priority…", "Deact&ivate priority", "Reacti&vate priority"),
    new_record=lambda name, rank: PriorityCreate(name=name, rank=rank or 0),
    patch=PriorityPatch,
    create=AdminClient.create_priority,
    update=AdminClient.update_priority,
    ranked=True,
)


class CatalogSection(QGroupBox):
    """One list (categories or priorities) with its Add, Rename and (De)activate buttons."""

    def __init__(
        self,
        kind: CatalogKind,
        model: RecordsModel[Any],
        context: AppContext,
        client: AdminClient,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(kind.title, parent)
        title, labels = kind.title, kind.labels
        self._kind = kind
        self._context = context
        self._client = client
        self.model = model
        self.dialog: FormDialog | None = None
        self.table = QTableView()
        self.table.setModel(model)
        self.table.setAccessibleName(title)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.add_button = self._button(labels[0])
        self.rename_button = self._button(labels[1])
        self.active_button = self._button(labels[2])
        self.error = ErrorLabel(title)
        self.status = QLabel()
        self.status.setAccessibleName(f"{title} message")
        buttons = QHBoxLayout()
        for button in (self.add_button, self.rename_button, self.active_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        for first, second in itertools.pairwise(
            [self.add_button, self.rename_button, self.active_button, self.table]
        ):
            QWidget.setTabOrder(first, second)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.add_button.clicked.connect(self.add)
        self.rename_button.clicked.connect(self.rename)
        self.active_button.clicked.connect(self.toggle_active)
        model.modelReset.connect(self._update_buttons)
        self._update_buttons()

    def _button(self, text: str) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(text.replace("&", ""))
        return button

    def selected(self) -> Any:
        """The selected record (CategoryOut or PriorityOut), or ``None``."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.record(rows[0].row()) if rows else None

    def select(self, record_id: str) -> None:
        row = self.model.row_of(record_id)
        if row is not None:
            self.table.selectRow(row)

    def run(
        self,
        work: Callable[[], Record],
        done_text: str,
        dialog: FormDialog | None = None,
    ) -> None:
        """Send a change (off the UI thread); show the server's answer."""
        self.error.set_error("")
        self.status.setText("")

        def done(record: Record) -> None:
            if dialog is not None and shiboken6.isValid(dialog):
                dialog.done_ok()
            self.model.replace(record)
            self.select(str(record.id))
            self._update_buttons()
            self.error.set_error("")
            self.status.setText(done_text)
            self._context.sync.request_sync()  # so the queue's menus follow at once

        def failed(error: BaseException) -> None:
            text = action_error(error)
            if dialog is not None and shiboken6.isValid(dialog) and dialog.isVisible():
                dialog.show_error(text)
            else:
                self.error.set_error(text)

        self._context.tasks.run(work, done, failed, owner=self)

    def show_dialog(
        self, dialog: FormDialog, send: Callable[[Any], Callable[[], Record]], done_text: str
    ) -> None:
        dialog.submitted.connect(lambda data: self.run(send(data), done_text, dialog))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()

    # --- the three actions ------------------------------------------------------------------

    @Slot()
    def add(self) -> NameDialog:
        kind, client = self._kind, self._client  # the task holds these, never this widget
        ranks = [record.rank for record in self.model.records()] if kind.ranked else None
        dialog = NameDialog(
            f"Add {kind.noun}",
            "&Add",
            kind.new_record,
            rank=None if ranks is None else max(ranks, default=0) + 10,
            parent=self,
        )
        self.show_dialog(dialog, lambda data: lambda: kind.create(client, data), self._done("added"))
        return dialog

    @Slot()
    def rename(self) -> NameDialog | None:
        kind, client = self._kind, self._client
        record = self.selected()
        if record is None:
            return None
        record_id = uuid.UUID(str(record.id))
        dialog = NameDialog(
            f"Rename {record.name}",
            "&Rename",
            lambda name, _rank: kind.patch(name=name),
            name=record.name,
            parent=self,
        )
        self.show_dialog(
            dialog, lambda patch: lambda: kind.update(client, record_id, patch), self._done("renamed")
        )
        return dialog

    @Slot()
    def toggle_active(self) -> None:
        kind, client = self._kind, self._client
        record = self.selected()
        if record is None:
            return
        record_id, active = uuid.UUID(str(record.id)), not record.is_active
        self.run(
            lambda: kind.update(client, record_id, kind.patch(is_active=active)),
            self._done("reactivated" if active else "deactivated"),
        )

    def _done(self, what: str) -> str:
        return f"{self._kind.noun.capitalize()} {what}."

    @Slot()
    def _update_buttons(self) -> None:
        record = self.selected()
        self.rename_button.setEnabled(record is not None)
        self.active_button.setEnabled(record is not None)
        labels = self._kind.labels
        text = labels[3] if record is not None and not record.is_active else labels[2]
        self.active_button.setText(text)
        self.active_button.setAccessibleName(text.replace("&", ""))
        self.active_button.setToolTip(
            f"Stop offering this {self._kind.noun} for new tickets (tickets that have it keep it)"
            if record is None or record.is_active
            else f"Offer this {self._kind.noun} again"
        )

    @Slot(QItemSelection, QItemSelection)
    def _on_table_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._update_buttons()


class CatalogPanel(QWidget):
    """The Categories & Priorities tab."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._client = AdminClient(context.api)
        self.loaded_once = False
        self.categories = CatalogSection(CATEGORIES, CategoriesModel(self), context, self._client)
        self.priorities = CatalogSection(PRIORITIES, PrioritiesModel(self), context, self._client)
        self.message = QLabel()
        self.message.setAccessibleName("Catalog message")
        self.error = ErrorLabel("Catalog")
        self.refresh_button = QPushButton("Refres&h")
        self.refresh_button.setAccessibleName("Refresh")
        note = QLabel(
            "Nothing is ever deleted: a deactivated category or priority is no longer offered for "
            "new tickets, and tickets that have it keep it."
        )
        note.setWordWrap(True)
        sections = QHBoxLayout()
        sections.addWidget(self.categories)
        sections.addWidget(self.priorities)
        footer = QHBoxLayout()
        footer.addWidget(self.message, 1)
        footer.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(sections, 1)
        layout.addWidget(self.error)
        layout.addLayout(footer)
        QWidget.setTabOrder(self.categories.table, self.priorities.add_button)
        QWidget.setTabOrder(self.priorities.table, self.refresh_button)

        self.refresh_button.clicked.connect(self.load)

    def load(self) -> None:
        self.loaded_once = True
        self.message.setText("Loading…")
        self.error.set_error("")
        client = self._client

        def work() -> tuple[list[CategoryOut], list[PriorityOut]]:
            return client.categories(), client.priorities()

        def done(lists: tuple[list[CategoryOut], list[PriorityOut]]) -> None:
            categories, priorities = lists
            self.categories.model.set_records(categories)
            self.priorities.model.set_records(priorities)
            self.message.setText(f"{len(categories)} categories, {len(priorities)} priorities.")

        def failed(error: BaseException) -> None:
            self.message.setText("")
            self.error.set_error(action_error(error))

        self._context.tasks.run(work, done, failed, owner=self)
