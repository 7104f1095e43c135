"""The rule that tells the server's automatic assignment from a person's: an ``assignee_id`` or
``status`` line written at the ticket's creation instant (no one can name an assignee while
creating a ticket), whether the moments are stored times or their wire texts."""

from __future__ import annotations

import datetime as dt

import pytest

from ticketing.workflow import is_automatic_assignment

CREATED = dt.datetime(2026, 12, 2, 9, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("field", "event_at", "expected"),
    [
        ("assignee_id", CREATED, True),
        ("status", CREATED, True),  # the In Progress that comes with the assignment
        ("priority", CREATED, False),
        ("assignee_id", CREATED + dt.timedelta(microseconds=1), False),
        ("status", CREATED + dt.timedelta(minutes=5), False),
    ],
)
def test_only_assignment_lines_of_the_creation_instant_are_automatic(
    field: str, event_at: dt.datetime, expected: bool
) -> None:
    assert is_automatic_assignment(field, event_at, CREATED) is expected
    assert is_automatic_assignment(field, event_at.isoformat(), CREATED.isoformat()) is expected


def test_without_a_known_creation_time_nothing_is_automatic() -> None:
    assert is_automatic_assignment("assignee_id", CREATED, None) is False
