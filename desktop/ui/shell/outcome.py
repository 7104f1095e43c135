"""What came of a queued action, told the same way everywhere: done, or refused and why.

A local command (a reply, a status change, a new ticket, a bulk change, a sync problem applied
again) is either queued for the next sync or refused, with the rule's reason
(:class:`~desktop.store.errors.ActionRefused`), or it fails for another reason. The ticket view,
the new-ticket form, the bulk actions and the problems dialog each turned that into text and
colour by hand, and not always with the same words; they now ask here, and
:mod:`desktop.ui.shell.error_text` alone decides how a failure is worded.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QLabel

from desktop.palette import scheme_for
from desktop.ui.shell.error_text import action_error


@dataclass(frozen=True)
class Outcome:
    """One sentence for the user about an action, and whether it was refused (or failed)."""

    text: str
    refused: bool = False

    @classmethod
    def done(cls, text: str) -> Outcome:
        return cls(text)

    @classmethod
    def failed(cls, error: BaseException, what: str = "do that") -> Outcome:
        """The refusal's reason, or "Could not <what>: ..." for an error that is no refusal."""
        return cls(action_error(error, what), refused=True)


def show_outcome(label: QLabel, outcome: Outcome) -> None:
    """Show ``outcome`` in a widget's message line: green when done, red when refused; the line
    is hidden when there is nothing to say."""
    scheme = scheme_for(label.palette())
    label.setText(outcome.text)
    label.setStyleSheet(f"color: {scheme.danger if outcome.refused else scheme.success};")
    label.setVisible(bool(outcome.text))
