""" "Send test mail" under the SMTP settings: try the settings in the form, unsaved ones too,
and show what the mail server answered at each step.

The test runs on the server (``POST /api/settings/smtp/test``), which is what sends the real
mail, off the UI thread; the result lists each step (connected, TLS, login, message accepted)
with the server's own words, or the step that failed and why.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from desktop.net.admin_client import AdminClient
from desktop.tasks import TaskRunner
from desktop.ui.shell.error_text import action_error
from ticketing.schemas import SmtpSettings, SmtpTestIn, SmtpTestOut

STEP_NAMES = {"connect": "Connect", "starttls": "TLS", "login": "Login", "send": "Message"}


def result_text(result: SmtpTestOut) -> str:
    """The outcome in words: a headline, then one line per step."""
    headline = (
        f"Test mail sent to {result.to}." if result.ok else f"The test mail to {result.to} was not sent."
    )
    lines = [f"{'✓' if step.ok else '✗'} {STEP_NAMES[step.step]}: {step.detail}" for step in result.steps]
    return "\n".join([headline, *lines])


class SmtpTestBox(QWidget):
    """A recipient (the admin's own address when empty), a button and the outcome."""

    def __init__(
        self,
        client: AdminClient,
        tasks: TaskRunner,
        own_address: str,
        form_settings: Callable[[], SmtpSettings | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._client = client
        self._tasks = tasks
        self._form_settings = form_settings
        self.recipient = QLineEdit()
        self.recipient.setPlaceholderText(own_address)
        self.recipient.setAccessibleName("Test mail recipient")
        self.recipient.setAccessibleDescription(f"Empty: {own_address}")
        self.send_button = QPushButton("Send &test mail")
        self.send_button.setAccessibleName("Send test mail")
        self.result = QLabel()
        self.result.setAccessibleName("Test mail result")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Test mail to:"))
        row.addWidget(self.recipient, 1)
        row.addWidget(self.send_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(row)
        column.addWidget(self.result)
        self.send_button.clicked.connect(self.send)
        self.recipient.returnPressed.connect(self.send)

    def send(self) -> None:
        smtp = self._form_settings()
        if smtp is None:
            self.result.setText("Correct the SMTP settings above first.")
            return
        try:
            body = SmtpTestIn(to=self.recipient.text().strip() or None, smtp=smtp)
        except ValueError as error:
            self.result.setText(f"That address is not valid: {error}")
            return
        client = self._client
        self.send_button.setEnabled(False)
        self.result.setText("Sending a test mail…")
        self._tasks.run(lambda: client.test_smtp(body), self._shown, self._failed, owner=self)

    def _shown(self, result: SmtpTestOut) -> None:
        self.send_button.setEnabled(True)
        self.result.setText(result_text(result))

    def _failed(self, error: BaseException) -> None:
        self.send_button.setEnabled(True)
        self.result.setText(action_error(error))
