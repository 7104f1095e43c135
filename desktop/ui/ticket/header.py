"""The top of a ticket: title, number (or Draft), status, priority, category, assignee, and
whether changes made here are still waiting for the server."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop.palette import DRAFT_PILL, PENDING_PILL, PROBLEM_PILL
from desktop.store import queries
from desktop.ui.widgets.heading import heading_label
from desktop.ui.widgets.status_badge import Pill, StatusBadge


class TicketHeader(QWidget):
    """Shows one ticket's facts; :meth:`show_ticket` fills it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = heading_label()
        self.number = QLabel()
        self.draft = Pill(DRAFT_PILL)
        self.status = StatusBadge()
        self.priority = QLabel()
        self.category = QLabel()
        self.assignee = QLabel()
        self.pending = Pill(PENDING_PILL)
        self.problem = Pill(PROBLEM_PILL)

        # two short rows rather than one long one: the header must not force a wide window
        badges = QHBoxLayout()
        badges.setSpacing(12)
        for widget in (self.number, self.draft, self.status, self.pending, self.problem):
            badges.addWidget(widget)
        badges.addStretch(1)
        facts = QHBoxLayout()
        facts.setSpacing(16)
        for widget in (self.priority, self.category, self.assignee):
            facts.addWidget(widget)
        facts.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(badges)
        layout.addLayout(facts)

    def show_ticket(self, ticket: queries.TicketRow, problems: list[queries.Problem]) -> None:
        self.title.setText(ticket.title)
        self.title.setAccessibleName(f"Title: {ticket.title}")
        if ticket.is_draft:
            self.number.hide()
            self.draft.set_text("Draft", "Draft: not numbered until the server receives it")
            self.draft.setToolTip("Created on this computer; it gets its number when the server receives it.")
        else:
            self.number.show()
            self.number.setText(f"<b>{ticket.display_number}</b>")
            self.number.setAccessibleName(f"Number: {ticket.display_number}")
            self.draft.set_text("")
        self.status.set_status(ticket.status)
        for label, name, value in (
            (self.priority, "Priority", ticket.priority_name or ticket.priority),
            (self.category, "Category", ticket.category_name or "—"),
            (self.assignee, "Assignee", ticket.assignee_name or "Unassigned"),
        ):
            label.setText(f"{name}: <b>{value}</b>")
            label.setAccessibleName(f"{name}: {value}")
        self.pending.set_text("Pending sync" if ticket.pending else "", "Changes waiting for the server")
        self.pending.setToolTip("Changes made here have not reached the server yet.")
        count = len(problems)
        self.problem.set_text(f"{count} sync problem" + ("s" if count != 1 else "") if count else "")
        self.problem.setToolTip("\n".join(p.message or p.code or "" for p in problems))
