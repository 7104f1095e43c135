"""What can be done to a ticket besides replying: status, assignee and priority for staff;
close or reopen for its requester. Only the moves ``ticketing.workflow`` allows are offered, and
a list changes the ticket only when the user picks from it or presses Enter (:class:`ChoiceBox`)."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from desktop.store import queries
from desktop.ui.widgets.choice_box import ChoiceBox
from ticketing.domain import Status

#: Buttons a requester gets for the transitions the workflow allows them.
REQUESTER_BUTTONS: dict[Status, str] = {Status.CLOSED: "&Close ticket", Status.OPEN: "&Reopen ticket"}


class TicketControls(QWidget):
    """Staff: Assign to me, assignee, status and priority. Requesters: Close / Reopen buttons.

    Signals:
        status_chosen(Status): move the ticket to this status.
        assignee_chosen(object): assign to this staff id (``None``: unassign).
        priority_chosen(str): set this priority key.
        assign_to_me_requested(): the "Assign to me" button.
    """

    status_chosen = Signal(object)
    assignee_chosen = Signal(object)
    priority_chosen = Signal(str)
    assign_to_me_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._staff = False
        self._ticket: queries.TicketRow | None = None
        self.assign_to_me = QPushButton("Assign to &me")
        self.assign_to_me.setAccessibleName("Assign to me")
        self.assign_to_me.setToolTip("Assign this ticket to yourself (Ctrl+Shift+A)")
        # names say "Ticket": the queue's filters beside them have an Assignee, Status, Priority
        self.assignee = ChoiceBox()
        self.assignee.setAccessibleName("Ticket assignee")
        self.status = ChoiceBox()
        self.status.setAccessibleName("Ticket status")
        self.status.setToolTip("Only the changes the workflow allows are listed (resolve: Ctrl+Shift+R)")
        self.priority = ChoiceBox()
        self.priority.setAccessibleName("Ticket priority")
        self.assignee_label = QLabel("Assi&gnee:")
        self.assignee_label.setBuddy(self.assignee)
        self.status_label = QLabel("S&tatus:")
        self.status_label.setBuddy(self.status)
        self.priority_label = QLabel("Pri&ority:")
        self.priority_label.setBuddy(self.priority)
        self.requester_buttons: dict[Status, QPushButton] = {}

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (
            self.assign_to_me,
            self.assignee_label,
            self.assignee,
            self.status_label,
            self.status,
            self.priority_label,
            self.priority,
        ):
            layout.addWidget(widget)
        for status, text in REQUESTER_BUTTONS.items():
            button = QPushButton(text)
            button.setAccessibleName(text.replace("&", ""))
            button.clicked.connect(lambda _checked=False, to=status: self.status_chosen.emit(to))
            self.requester_buttons[status] = button
            layout.addWidget(button)
        layout.addStretch(1)

        hidden: list[QWidget] = [*self._staff_widgets(), *self.requester_buttons.values()]
        for control in hidden:
            control.hide()  # until a ticket says what this account may do

        self.assign_to_me.clicked.connect(self._on_assign_to_me_clicked)
        self.assignee.chosen.connect(self._on_assignee_chosen)
        self.status.chosen.connect(self._on_status_chosen)
        self.priority.chosen.connect(self._on_priority_chosen)

    def _staff_widgets(self) -> tuple[QWidget, ...]:
        return (
            self.assign_to_me,
            self.assignee_label,
            self.assignee,
            self.status_label,
            self.status,
            self.priority_label,
            self.priority,
        )

    def show_ticket(
        self,
        detail: queries.TicketDetail,
        *,
        staff: bool,
        me: str,
        people: list[queries.StaffRow],
        priorities: list[queries.PriorityRow],
    ) -> None:
        """Offer what this account may do to ``detail.ticket`` now."""
        ticket = detail.ticket
        self._ticket, self._staff = ticket, staff
        allowed = detail.allowed_transitions
        for widget in self._staff_widgets():
            widget.setVisible(staff)
        for status, button in self.requester_buttons.items():
            button.setVisible(not staff and status in allowed)
        if not staff:
            return

        self.assign_to_me.setEnabled(ticket.assignee_id != me)
        self.assignee.clear()
        self.assignee.addItem("Unassigned", None)
        for person in people:
            self.assignee.addItem(person.name, person.id)
        if ticket.assignee_id is not None and self.assignee.findData(ticket.assignee_id) < 0:
            self.assignee.addItem(ticket.assignee_name or "Someone else", ticket.assignee_id)
        self.assignee.set_applied(max(0, self.assignee.findData(ticket.assignee_id)))

        self.status.clear()
        self.status.addItem(ticket.status.value, ticket.status.value)
        for status in allowed:  # plain names: an arrow in front is read out as "right arrow"
            self.status.addItem(status.value, status.value)
        self.status.setEnabled(bool(allowed))
        self.status.set_applied(0)

        self.priority.clear()
        for priority in priorities:
            self.priority.addItem(priority.name, priority.key)
        if self.priority.findData(ticket.priority) < 0:
            self.priority.addItem(ticket.priority_name or ticket.priority, ticket.priority)
        self.priority.set_applied(self.priority.findData(ticket.priority))

    @Slot()
    def _on_assign_to_me_clicked(self) -> None:
        self.assign_to_me_requested.emit()

    @Slot(int)
    def _on_assignee_chosen(self, index: int) -> None:
        chosen = self.assignee.itemData(index)
        if self._ticket is not None and chosen != self._ticket.assignee_id:
            self.assignee_chosen.emit(chosen)

    @Slot(int)
    def _on_status_chosen(self, index: int) -> None:
        chosen = self.status.itemData(index)
        if self._ticket is not None and isinstance(chosen, str) and chosen != self._ticket.status.value:
            self.status_chosen.emit(Status(chosen))

    @Slot(int)
    def _on_priority_chosen(self, index: int) -> None:
        chosen = self.priority.itemData(index)
        if self._ticket is not None and isinstance(chosen, str) and chosen != self._ticket.priority:
            self.priority_chosen.emit(chosen)
