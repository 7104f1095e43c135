"""The escalation job's history lines read as sentences in a staff timeline."""

from __future__ import annotations

import datetime as dt

from desktop.models.formatting import local_time
from desktop.store.queries import EventRow
from desktop.ui.ticket.timeline_html import Names, event_text

DUE = dt.datetime(2026, 12, 7, 14, 30, tzinfo=dt.UTC)


def line(field: str, target: str) -> EventRow:
    return EventRow("e", "t", None, None, field, target, DUE.isoformat(), DUE)


def test_a_warning_and_a_breach_say_which_target_and_when_it_was_due() -> None:
    due = local_time(DUE)
    assert event_text(line("sla_warning", "first_response"), Names()) == (
        f"First response target due soon (due {due}): SLA warning"
    )
    assert (
        event_text(line("sla_breached", "next_response"), Names())
        == f"Next response target missed (due {due})"
    )
