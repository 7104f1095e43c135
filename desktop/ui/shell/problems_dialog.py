"""Sync problems: changes the server rejected or answered with a conflict, kept with their text.

The user reads why, then applies a conflicting change again or dismisses the problem; nothing
is dropped silently.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.models.formatting import local_time
from desktop.store import problem_commands, queries
from desktop.store.database import ChangeSet
from desktop.ui.shell.context import AppContext
from desktop.ui.shell.outcome import Outcome, show_outcome
from ticketing.protocol import MutationName, mutation_name

#: What each mutation was, in the user's words.
ACTION_NAMES: dict[MutationName, str] = {
    MutationName.CREATE_TICKET: "New ticket",
    MutationName.UPDATE_TICKET: "Ticket edit",
    MutationName.TRANSITION_STATUS: "Status change",
    MutationName.ASSIGN: "Assignment",
    MutationName.ADD_COMMENT: "Reply",
    MutationName.ADD_ATTACHMENT: "Attachment",
    MutationName.CREATE_ARTICLE: "New article",
    MutationName.UPDATE_ARTICLE: "Article edit",
    MutationName.SET_ARTICLE_STATUS: "Article publishing",
    MutationName.RECORD_DEFLECTION: "Suggestion statistics",
    MutationName.MARK_READ: "Marking a ticket read",
    MutationName.USE_CANNED_REPLY: "Counting a canned reply's use",
    MutationName.CREATE_CANNED_REPLY: "New canned reply",
    MutationName.UPDATE_CANNED_REPLY: "Canned reply edit",
    MutationName.DELETE_CANNED_REPLY: "Deleting a canned reply",
}


def describe(problem: queries.Problem) -> str:
    """One line for the list: what was refused and why."""
    name = mutation_name(problem.name)
    action = problem.name if name is None else ACTION_NAMES[name]
    kind = "Conflict" if problem.status == "conflict" else "Rejected"
    return f"{kind}: {action} — {problem.message or problem.code or 'no reason given'}"


def details_html(problem: queries.Problem) -> str:
    """The full text of a problem, including the values the user wrote and the server kept."""
    parts = [f"<p><b>{escape(describe(problem))}</b></p>"]
    if problem.created_at is not None:
        parts.append(f"<p>Made {escape(local_time(problem.created_at))}</p>")
    if problem.name in (
        MutationName.UPDATE_TICKET,
        MutationName.UPDATE_ARTICLE,
        MutationName.UPDATE_CANNED_REPLY,
    ):
        for field, change in dict(problem.args.get("changes", {})).items():
            server = (problem.server_values or {}).get(field)
            parts.append(
                f"<p>{escape(field)}: yours <i>{escape(str(change.get('new')))}</i>"
                + (f", server <i>{escape(str(server))}</i>" if server is not None else "")
                + "</p>"
            )
    elif problem.name in (
        MutationName.ADD_COMMENT,
        MutationName.CREATE_TICKET,
        MutationName.CREATE_ARTICLE,
        MutationName.CREATE_CANNED_REPLY,
    ):
        text = (
            problem.args.get("content") or problem.args.get("description") or problem.args.get("body") or ""
        )
        title = problem.args.get("title")
        if title:
            parts.append(f"<p>Title: {escape(str(title))}</p>")
        parts.append(f"<p>Your text (kept so you can copy it):</p><pre>{escape(str(text))}</pre>")
    elif problem.name == MutationName.TRANSITION_STATUS:
        parts.append(
            f"<p>From {escape(str(problem.args.get('from')))} to {escape(str(problem.args.get('to')))}</p>"
        )
    return "".join(parts)


class ProblemsDialog(QDialog):
    """Lists this account's sync problems; Re-apply (conflicts) and Dismiss act on the selected one.

    Signals: none; it refreshes itself from ``context.sync.data_changed``.
    """

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._problems: list[queries.Problem] = []
        self.setWindowTitle("Sync problems")
        self.resize(640, 420)

        intro = QLabel(
            "These changes were not accepted by the server. Read why, then apply yours again "
            "(conflicts only) or dismiss them."
        )
        intro.setWordWrap(True)
        self.list = QListWidget()
        self.list.setAccessibleName("Sync problems")
        self.details = QTextBrowser()
        self.details.setAccessibleName("Problem details")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Message")
        self.reapply_button = QPushButton("&Re-apply")
        self.reapply_button.setAccessibleName("Re-apply")
        self.reapply_button.setToolTip("Apply your values again on top of what the server kept")
        self.dismiss_button = QPushButton("&Dismiss")
        self.dismiss_button.setAccessibleName("Dismiss")
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)

        buttons = QHBoxLayout()
        buttons.addWidget(self.reapply_button)
        buttons.addWidget(self.dismiss_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.details, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

        self.list.currentRowChanged.connect(self._on_list_current_changed)
        self.reapply_button.clicked.connect(self._on_reapply_clicked)
        self.dismiss_button.clicked.connect(self._on_dismiss_clicked)
        context.sync.data_changed.connect(self._on_sync_data_changed)
        self._update_buttons()
        self.reload()

    def reload(self) -> None:
        store = self._context.store
        self._context.tasks.run(
            lambda: queries.problems(store),
            self._on_problems_loaded,
            self._show_error,
            owner=self,
        )

    def _selected(self) -> queries.Problem | None:
        row = self.list.currentRow()
        return self._problems[row] if 0 <= row < len(self._problems) else None

    def _on_problems_loaded(self, problems: list[queries.Problem]) -> None:
        selected = self._selected()
        self._problems = problems
        self.list.clear()
        for problem in problems:
            item = QListWidgetItem(describe(problem))
            item.setData(Qt.ItemDataRole.UserRole, problem.id)
            self.list.addItem(item)
        keep = next((i for i, p in enumerate(problems) if selected and p.id == selected.id), 0)
        if problems:
            self.list.setCurrentRow(keep)
        else:
            self.details.setHtml("<p>No sync problems.</p>")
        self._update_buttons()

    def _update_buttons(self) -> None:
        problem = self._selected()
        self.dismiss_button.setEnabled(problem is not None)
        self.reapply_button.setEnabled(problem is not None and problem.status == "conflict")

    @Slot(int)
    def _on_list_current_changed(self, _row: int) -> None:
        problem = self._selected()
        self.details.setHtml(details_html(problem) if problem else "")
        self._update_buttons()

    @Slot()
    def _on_reapply_clicked(self) -> None:
        problem = self._selected()
        if problem is not None:
            store = self._context.store
            self._context.tasks.run(
                lambda: problem_commands.reapply_problem(store, problem.id),
                lambda _: self._show(Outcome.done("Applied again; it will be sent with the next sync.")),
                self._show_error,
                owner=self,
            )

    @Slot()
    def _on_dismiss_clicked(self) -> None:
        problem = self._selected()
        if problem is not None:
            store = self._context.store
            self._context.tasks.run(
                lambda: problem_commands.dismiss_problem(store, problem.id),
                lambda _: self._show(Outcome.done("Dismissed.")),
                self._show_error,
                owner=self,
            )

    @Slot(object)
    def _on_sync_data_changed(self, change: ChangeSet) -> None:
        if change.outbox or change.everything:
            self.reload()

    def _show_error(self, error: BaseException) -> None:
        self._show(Outcome.failed(error))

    def _show(self, outcome: Outcome) -> None:
        show_outcome(self.message, outcome)
