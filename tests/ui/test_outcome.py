"""How a queued action's outcome is shown: done in green, refused in red with the rule's reason,
any other failure saying what could not be done; nothing to say hides the message line."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from desktop.palette import scheme_for
from desktop.store.errors import ActionRefused
from desktop.ui.shell.outcome import Outcome, show_outcome

pytestmark = pytest.mark.usefixtures("collect_garbage_on_the_ui_thread")


@pytest.fixture
def label(qtbot: QtBot) -> Iterator[QLabel]:
    """A hidden message line in a shown window (the window lives as long as the test)."""
    window = QWidget()
    qtbot.addWidget(window)
    label = QLabel(window)
    label.hide()
    window.show()
    yield label


def test_done_is_shown_in_green(label: QLabel) -> None:
    show_outcome(label, Outcome.done("Reply saved; it will be sent with the next sync."))

    assert label.isVisible()
    assert label.text() == "Reply saved; it will be sent with the next sync."
    assert label.styleSheet() == f"color: {scheme_for(label.palette()).success};"


def test_a_refusal_is_shown_in_red_with_the_rules_reason(label: QLabel) -> None:
    refusal = ActionRefused("illegal_transition", "A closed ticket cannot be reopened by you.")

    outcome = Outcome.failed(refusal)
    show_outcome(label, outcome)

    assert outcome.refused
    assert label.isVisible()
    assert label.text() == "A closed ticket cannot be reopened by you."
    assert label.styleSheet() == f"color: {scheme_for(label.palette()).danger};"


def test_another_failure_says_what_could_not_be_done(label: QLabel) -> None:
    assert Outcome.failed(OSError("disk full")).text == "Could not do that: disk full"
    outcome = Outcome.failed(OSError("disk full"), "change the tickets")

    show_outcome(label, outcome)

    assert label.text() == "Could not change the tickets: disk full"
    assert label.styleSheet() == f"color: {scheme_for(label.palette()).danger};"


def test_nothing_to_say_hides_the_message_line(label: QLabel) -> None:
    show_outcome(label, Outcome.failed(ActionRefused("invalid", "The comment cannot be empty.")))
    show_outcome(label, Outcome.done(""))

    assert not label.isVisible()
    assert label.text() == ""
