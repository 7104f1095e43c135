"""The admin console's Categories & Priorities tab: add, rename, deactivate and reactivate.

Nothing here deletes: old tickets keep their category and priority, which only stop being
offered for new tickets. Changes go to the server through :class:`AdminClient` in background
tasks; a sync is requested afterwards so that the queue's menus show them at once.
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
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.admin_client import AdminClient
from desktop.context import AppContext
from desktop.models.admin_models import CategoriesModel, PrioritiesModel, RecordsModel
from desktop.ui.admin_dialogs import ErrorLabel, FormDialog, NameDialog
from desktop.ui.callbacks import alive
from desktop.ui.error_text import action_error
from ticketing.schemas import (
    CategoryCreate,
    CategoryOut,
    CategoryPatch,
    PriorityCreate,
    PriorityOut,
    PriorityPatch,
)

Record = CategoryOut | PriorityOut


class CatalogSection(QGroupBox):
    """One list (categories or priorities) with its Add, Rename and (De)activate buttons."""

    def __init__(
        self,
        title: str,
        noun: str,
        model: RecordsModel[Any],
        context: AppContext,
        *,
        labels: tuple[str, str, str, str],
        parent: QWidget | None = None,
    ) -> None:
        """``labels``: the Add, Rename, Deactivate and Reactivate button texts (mnemonics
        differ between the two sections)."""
        super().__init__(title, parent)
        self._context = context
        self._noun = noun
        self._labels = labels
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

        self._context.tasks.run(work, alive(self, done), alive(self, failed))

    def show_dialog(
        self, dialog: FormDialog, send: Callable[[Any], Callable[[], Record]], done_text: str
    ) -> None:
        dialog.submitted.connect(lambda data: self.run(send(data), done_text, dialog))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()

    @Slot()
    def _update_buttons(self) -> None:
        record = self.selected()
        self.rename_button.setEnabled(record is not None)
        self.active_button.setEnabled(record is not None)
        text = self._labels[3] if record is not None and not record.is_active else self._labels[2]
        self.active_button.setText(text)
        self.active_button.setAccessibleName(text.replace("&", ""))
        self.active_button.setToolTip(
            f"Stop offering this {self._noun} for new tickets (tickets that have it keep it)"
            if record is None or record.is_active
            else f"Offer this {self._noun} again"
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
        self.categories = CatalogSection(
            "Categories",
            "category",
            CategoriesModel(self),
            context,
            labels=("Add categor&y…", "Re&name…", "&Deactivate", "R&eactivate"),
        )
        self.priorities = CatalogSection(
            "Priorities",
            "priority",
            PrioritiesModel(self),
            context,
            labels=("Add &priority…", "Rena&me…", "Deact&ivate", "Reacti&vate"),
        )
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

        self.categories.add_button.clicked.connect(self.add_category)
        self.categories.rename_button.clicked.connect(self.rename_category)
        self.categories.active_button.clicked.connect(self.toggle_category)
        self.priorities.add_button.clicked.connect(self.add_priority)
        self.priorities.rename_button.clicked.connect(self.rename_priority)
        self.priorities.active_button.clicked.connect(self.toggle_priority)
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

        self._context.tasks.run(work, alive(self, done), alive(self, failed))

    # --- categories ---------------------------------------------------------------------------

    @Slot()
    def add_category(self) -> NameDialog:
        client = self._client  # the task holds the client, never this widget
        dialog = NameDialog(
            "Add category", "&Add", lambda name, _rank: CategoryCreate(name=name), parent=self
        )
        self.categories.show_dialog(
            dialog, lambda data: lambda: client.create_category(data), "Category added."
        )
        return dialog

    @Slot()
    def rename_category(self) -> NameDialog | None:
        client = self._client  # the task holds the client, never this widget
        category = self.categories.selected()
        if category is None:
            return None
        category_id = uuid.UUID(str(category.id))
        dialog = NameDialog(
            f"Rename {category.name}",
            "&Rename",
            lambda name, _rank: CategoryPatch(name=name),
            name=category.name,
            parent=self,
        )
        self.categories.show_dialog(
            dialog,
            lambda patch: lambda: client.update_category(category_id, patch),
            "Category renamed.",
        )
        return dialog

    @Slot()
    def toggle_category(self) -> None:
        client = self._client  # the task holds the client, never this widget
        category = self.categories.selected()
        if category is None:
            return
        category_id, active = uuid.UUID(str(category.id)), not category.is_active
        self.categories.run(
            lambda: client.update_category(category_id, CategoryPatch(is_active=active)),
            "Category reactivated." if active else "Category deactivated.",
        )

    # --- priorities ---------------------------------------------------------------------------

    @Slot()
    def add_priority(self) -> NameDialog:
        client = self._client  # the task holds the client, never this widget
        ranks = [p.rank for p in self.priorities.model.records()]
        dialog = NameDialog(
            "Add priority",
            "&Add",
            _new_priority,
            rank=max(ranks, default=0) + 10,
            parent=self,
        )
        self.priorities.show_dialog(
            dialog, lambda data: lambda: client.create_priority(data), "Priority added."
        )
        return dialog

    @Slot()
    def rename_priority(self) -> NameDialog | None:
        client = self._client  # the task holds the client, never this widget
        priority = self.priorities.selected()
        if priority is None:
            return None
        priority_id = uuid.UUID(str(priority.id))
        dialog = NameDialog(
            f"Rename {priority.name}",
            "&Rename",
            lambda name, _rank: PriorityPatch(name=name),
            name=priority.name,
            parent=self,
        )
        self.priorities.show_dialog(
            dialog,
            lambda patch: lambda: client.update_priority(priority_id, patch),
            "Priority renamed.",
        )
        return dialog

    @Slot()
    def toggle_priority(self) -> None:
        client = self._client  # the task holds the client, never this widget
        priority = self.priorities.selected()
        if priority is None:
            return
        priority_id, active = uuid.UUID(str(priority.id)), not priority.is_active
        self.priorities.run(
            lambda: client.update_priority(priority_id, PriorityPatch(is_active=active)),
            "Priority reactivated." if active else "Priority deactivated.",
        )


def _new_priority(name: str, rank: int | None) -> BaseModel:
    return PriorityCreate(name=name, rank=rank or 0)
