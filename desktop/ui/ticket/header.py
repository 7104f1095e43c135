"""The top of a ticket: title, number (or Draft), status, priority, category, assignee,
whether changes made here are still waiting for the server, and for staff each service-level
target with its due time and state (counting down by itself, offline too)."""

from __future__ import annotations

import datetime as dt
from html import escape

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop.models import queue_model
from desktop.models.formatting import local_time, span_text
from desktop.palette import DRAFT_PILL, PENDING_PILL, PROBLEM_PILL, scheme_for
from desktop.store import queries, service_levels
from desktop.ui.widgets.heading import heading_label
from desktop.ui.widgets.status_badge import Pill, StatusBadge
from ticketing.sla import SlaState, Target, TicketSla


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
        self.service_level = QLabel()
        self.service_level.setAccessibleName("Service level")
        self.service_level.setWordWrap(True)  # three targets must not force a wide window
        self.service_level.hide()
        self._service_level: TicketSla | None = None
        self._countdown = QTimer(self)
        self._countdown.setInterval(queue_model.DUE_REFRESH_MS)
        self._countdown.timeout.connect(self._paint_service_level)

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
        layout.addWidget(self.service_level)

    def show_service_level(self, sla: TicketSla | None) -> None:
        """Each target: ``First response: due 14:30 (in 25 min)``, coloured by state."""
        self._service_level = sla if sla is not None and sla.targets else None
        if self._service_level is None:
            self._countdown.stop()
            self.service_level.hide()
            return
        self._paint_service_level()
        self._countdown.start()
        self.service_level.show()

    def _paint_service_level(self) -> None:
        sla = self._service_level
        if sla is None:
            return
        now = queue_model.utc_now()
        scheme = scheme_for(self.palette())
        colours = {
            SlaState.BREACHED: scheme.danger,
            SlaState.WARNING: scheme.warning,
            SlaState.MET: scheme.success,
        }
        parts, spoken = [], []
        for target in sla.targets:
            state, words = target_state(target, sla.paused, now)
            name = target.kind.value.replace("_", " ").capitalize()
            colour = colours.get(state, scheme.muted if state == SlaState.PAUSED else scheme.text)
            parts.append(f"{escape(name)}: <span style='color:{colour}'><b>{escape(words)}</b></span>")
            spoken.append(f"{name}: {words}")
        self.service_level.setText("SLA &nbsp; " + " &nbsp;·&nbsp; ".join(parts))
        self.service_level.setAccessibleName("Service level: " + "; ".join(spoken))

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


def target_state(target: Target, paused: bool, now: dt.datetime) -> tuple[SlaState, str]:
    """A target's state now and how the header says it (time moves ok to warning to missed)."""
    due = local_time(target.due_at)
    if target.state == SlaState.MET:
        return SlaState.MET, f"met (due {due})"
    if target.met_at is not None:  # answered, but late
        return SlaState.BREACHED, f"missed (due {due})"
    state = service_levels.state_at(target.due_at, target.warning_at, paused, now)
    if state == SlaState.PAUSED:
        return state, "paused"
    left = (target.due_at - now).total_seconds()
    if state == SlaState.BREACHED:
        return state, f"missed by {span_text(-left)} (due {due})"
    return state, f"due {due} (in {span_text(left)})"
