"""Actions on many selected tickets at once: assign (to me, to an agent, to nobody), change the
status, change the priority.

Each ticket goes through :mod:`desktop.store.commands` like a single change, in one background
task; a ticket the rules refuse is reported with its reason and the others still change. The
status menu offers only the moves ``ticketing.workflow`` allows for every selected ticket.
A selection is rows of the queue's query (:class:`RowSelection`): the ids of rows not in memory,
up to every matching ticket, are read in the background task that needs them, never on the UI
thread.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial

from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QPushButton, QToolButton, QWidget

from desktop.store import commands, queries
from desktop.store.database import Store
from desktop.store.errors import ActionRefused
from desktop.store.queue_window import RowSelection
from desktop.ui.queue.reference_data import Reference
from desktop.ui.shell.context import AppContext
from desktop.ui.shell.outcome import Outcome
from ticketing import workflow
from ticketing.domain import Role, Status
from ticketing.schemas import TicketQuery

SELECTION_DELAY_MS = 120


class BulkKind(enum.Enum):
    """What a bulk change sets on every selected ticket."""

    ASSIGNEE = enum.auto()
    STATUS = enum.auto()
    PRIORITY = enum.auto()


@dataclass(frozen=True)
class BulkChange:
    """One change for every selected ticket."""

    kind: BulkKind
    value: str | None  # assignee id (None: nobody), Status value, or priority key
    description: str  # "Assign to Alice Agent", for the report

    def apply(self, store: Store, ticket_id: str) -> bool:
        """Make the change to one ticket; False if it already was so."""
        if self.kind is BulkKind.ASSIGNEE:
            return commands.assign(store, ticket_id, self.value) is not None
        if self.kind is BulkKind.STATUS:
            commands.change_status(store, ticket_id, Status(str(self.value)))
            return True
        return commands.change_priority(store, ticket_id, str(self.value)) is not None


@dataclass(frozen=True)
class Refusal:
    ticket_id: str
    number: str  # TKT-1001 or Draft
    message: str


@dataclass(frozen=True)
class BulkOutcome:
    change: BulkChange
    changed: int = 0
    unchanged: int = 0
    refusals: list[Refusal] = field(default_factory=list)

    def summary(self) -> str:
        """One sentence for the status bar ("Assign to me: 3 changed, 1 refused.")."""
        parts = [f"{self.changed} changed"]
        if self.unchanged:
            parts.append(f"{self.unchanged} already so")
        if self.refusals:
            parts.append(f"{len(self.refusals)} refused")
        return f"{self.change.description}: {', '.join(parts)}."

    def details(self) -> str:
        """Each refused ticket and why, one per line."""
        return "\n".join(f"{r.number}: {r.message}" for r in self.refusals)


def apply_bulk(store: Store, ticket_ids: Sequence[str], change: BulkChange) -> BulkOutcome:
    """Apply ``change`` to each ticket (runs off the UI thread); refusals are collected."""
    rows = queries.tickets_by_id(store, ticket_ids)
    changed = unchanged = 0
    refusals: list[Refusal] = []
    for ticket_id in ticket_ids:
        number = rows[ticket_id].display_number if ticket_id in rows else ticket_id[:8]
        try:
            if change.apply(store, ticket_id):
                changed += 1
            else:
                unchanged += 1
        except ActionRefused as refused:
            refusals.append(Refusal(ticket_id, number, refused.message))
    return BulkOutcome(change, changed, unchanged, refusals)


def common_transitions(actor: workflow.Actor, tickets: Iterable[queries.TicketRow]) -> list[Status]:
    """The statuses every one of ``tickets`` may move to, in workflow order."""
    allowed: set[Status] | None = None
    for ticket in tickets:
        state = workflow.TicketState(
            status=ticket.status,
            submitter_id=uuid.UUID(ticket.submitter_id),
            assignee_id=uuid.UUID(ticket.assignee_id) if ticket.assignee_id else None,
        )
        moves = set(workflow.allowed_transitions(actor, state))
        allowed = moves if allowed is None else allowed & moves
    return [s for s in Status if s in (allowed or set())]


class BulkActions(QWidget):
    """The bulk action buttons above the queue; they act on :meth:`set_selection`'s tickets.

    Signals:
        finished(BulkOutcome): a bulk change is done (some tickets may have been refused).
        failed(str): the change could not be made at all.
    """

    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._actor = workflow.Actor(id=uuid.UUID(context.user.id), role=Role(context.user.role))
        self._selection = RowSelection(TicketQuery())
        self._generation = 0
        self._busy = False
        self._reference = Reference()
        self.transitions: list[Status] = []

        self.count_label = QLabel()
        self.count_label.setAccessibleName("Selected tickets")
        # "selected": the open ticket has its own "Assign to me" beside this one
        self.assign_me_button = QPushButton("Assign selected to me")
        self.assign_me_button.setAccessibleName("Assign selected to me")
        self.assign_button = self._menu_button("Assign to")
        self.status_button = self._menu_button("Set status")
        self.priority_button = self._menu_button("Set priority")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.count_label)
        for widget in (self.assign_me_button, self.assign_button, self.status_button, self.priority_button):
            layout.addWidget(widget)
        layout.addStretch(1)
        for first, second in (
            (self.assign_me_button, self.assign_button),
            (self.assign_button, self.status_button),
            (self.status_button, self.priority_button),
        ):
            QWidget.setTabOrder(first, second)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SELECTION_DELAY_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.assign_me_button.clicked.connect(self._on_assign_me_button_clicked)
        self.set_selection([])

    def _menu_button(self, text: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setAccessibleName(text)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        button.setMenu(QMenu(button))
        return button

    # --- what is selected -------------------------------------------------------------------

    @property
    def selected(self) -> list[str]:
        """The selected tickets' ids known without reading the cache (all, unless the selection
        covers rows not in memory)."""
        known = self._selection.known_ids()
        return known if known is not None else [t for _row, t in sorted(self._selection.known.items())]

    @property
    def selected_count(self) -> int:
        return self._selection.count

    def set_selection(self, selection: RowSelection | Sequence[str]) -> None:
        """The selected tickets changed (rows of the queue, or ids); the status menu is worked
        out shortly after."""
        if not isinstance(selection, RowSelection):
            selection = RowSelection.of_ids(list(selection))
        self._selection = selection
        count = selection.count
        self.count_label.setText(f"{count:,} selected" if count else "No ticket selected")
        self._generation += 1
        self.transitions = []
        self._fill_status_menu(None if count else [])
        self._update_enabled()
        if count:
            self._timer.start()

    def set_reference(self, reference: Reference) -> None:
        self._reference = reference
        assign_menu = self.assign_button.menu()
        assign_menu.clear()
        self._add(assign_menu, "Nobody (unassign)", lambda: self.assign_to(None))
        assign_menu.addSeparator()
        for person in reference.staff:
            self._add(assign_menu, person.name, partial(self.assign_to, person.id, person.name))
        priority_menu = self.priority_button.menu()
        priority_menu.clear()
        for priority in reference.active_priorities:
            self._add(
                priority_menu, priority.name, partial(self.change_priority, priority.key, priority.name)
            )

    def _add(self, menu: QMenu, text: str, slot: Callable[[], None]) -> QAction:
        action = menu.addAction(text)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _fill_status_menu(self, transitions: list[Status] | None) -> None:
        menu = self.status_button.menu()
        menu.clear()
        if transitions is None:
            menu.addAction("Checking the workflow…").setEnabled(False)
            return
        if not transitions:
            menu.addAction("No status change is allowed for all selected tickets").setEnabled(False)
        for status in transitions:
            self._add(menu, status.value, partial(self.change_status, status))

    def _update_enabled(self) -> None:
        enabled = self._selection.count > 0 and not self._busy
        for button in (self.assign_me_button, self.assign_button, self.status_button, self.priority_button):
            button.setEnabled(enabled)

    @Slot()
    def _on_timer_timeout(self) -> None:
        generation, selection, actor = self._generation, self._selection, self._actor
        store = self._context.store

        def work() -> list[Status]:
            return common_transitions(actor, queries.tickets_by_id(store, selection.resolve(store)).values())

        def done(transitions: list[Status]) -> None:
            if generation == self._generation:
                self.transitions = transitions
                self._fill_status_menu(transitions)

        self._context.tasks.run(work, done, self._report_failure, owner=self)

    # --- actions ------------------------------------------------------------------------------

    def assign_to_me(self) -> None:
        self._start(BulkChange(BulkKind.ASSIGNEE, self._context.user.id, "Assign to me"))

    def assign_to(self, user_id: str | None, name: str = "") -> None:
        text = "Unassign" if user_id is None else f"Assign to {name or self._reference.staff_name(user_id)}"
        self._start(BulkChange(BulkKind.ASSIGNEE, user_id, text))

    def change_status(self, status: Status) -> None:
        self._start(BulkChange(BulkKind.STATUS, status.value, f"Set status to {status.value}"))

    def change_priority(self, key: str, name: str = "") -> None:
        self._start(
            BulkChange(
                BulkKind.PRIORITY, key, f"Set priority to {name or self._reference.priority_name(key)}"
            )
        )

    def _start(self, change: BulkChange) -> None:
        selection, store = self._selection, self._context.store
        if not selection.count or self._busy:
            return
        self._busy = True
        self._update_enabled()

        def done(outcome: BulkOutcome) -> None:
            self._busy = False
            self._update_enabled()
            self._timer.start()  # statuses moved: the allowed moves may have too
            self.finished.emit(outcome)

        def failed(error: BaseException) -> None:
            self._busy = False
            self._update_enabled()
            self._report_failure(error)

        self._context.tasks.run(
            lambda: apply_bulk(store, selection.resolve(store), change), done, failed, owner=self
        )

    def _report_failure(self, error: BaseException) -> None:
        self.failed.emit(Outcome.failed(error, "change the tickets").text)

    @Slot()
    def _on_assign_me_button_clicked(self) -> None:
        self.assign_to_me()
