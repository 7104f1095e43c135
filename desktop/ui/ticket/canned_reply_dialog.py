"""File > Canned replies…: support staff write, change and delete their personal canned replies
and the team's (a team reply only by its author or an admin, as the server rules). It talks to
the server (``desktop.net.canned_replies``) off the UI thread; what is saved reaches the cache,
and so the reply box, with the next sync, which it asks for. A refusal or a bad field is shown
in the dialog's message line and the typed text is kept."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import ValidationError
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.net.canned_replies import CannedRepliesClient
from desktop.ui.shell.context import AppContext
from desktop.ui.shell.outcome import Outcome, show_outcome
from desktop.ui.widgets.rich_text_editor import RichTextEditor
from ticketing.canned_replies import Scope
from ticketing.canned_reply_schemas import CannedReplyCreate, CannedReplyOut, CannedReplyPatch
from ticketing.domain import Role
from ticketing.richtext import has_content, sanitize_html

ID_ROLE = Qt.ItemDataRole.UserRole
_SCOPE_NAMES = {Scope.PERSONAL: "Personal (only me)", Scope.TEAM: "Team (all support staff)"}
VARIABLES_HINT = (
    "Variables: {{ticket.number}}, {{ticket.title}}, {{requester.name}}, {{agent.name}};"
    " {{cursor}} is where the cursor lands. Insert with :: and a few letters of the title."
)


def _field_message(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "value"
    return f"The {where} is not valid: {first['msg']}."


class CannedRepliesDialog(QDialog):
    """The list of the caller's and the team's replies beside an editor of the selected one."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._client = CannedRepliesClient(context.api)
        self._replies: dict[str, CannedReplyOut] = {}
        self._current: str | None = None  # the reply being edited; None: a new one
        self._busy = False
        self.setWindowTitle("Canned replies")
        self.resize(860, 520)

        self.list = QListWidget()
        self.list.setAccessibleName("Canned replies")
        self.new_button = QPushButton("&New reply")
        self.new_button.setAccessibleName("New canned reply")
        self.title = QLineEdit()
        self.title.setAccessibleName("Title")
        self.title.setMaxLength(200)
        self.scope = QComboBox()
        self.scope.setAccessibleName("Who sees it")
        for scope, name in _SCOPE_NAMES.items():
            self.scope.addItem(name, scope.value)
        self.body = RichTextEditor("Canned reply text")
        self.hint = QLabel(VARIABLES_HINT)
        self.hint.setWordWrap(True)
        self.hint.setAccessibleName("Variables")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setAccessibleName("Who may change it")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Canned replies message")
        self.save_button = QPushButton("&Save")
        self.save_button.setAccessibleName("Save canned reply")
        self.save_button.setDefault(True)
        self.delete_button = QPushButton("&Delete")
        self.delete_button.setAccessibleName("Delete canned reply")
        self.close_button = QPushButton("Close")
        self.close_button.setAccessibleName("Close")

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.list, 1)
        left_layout.addWidget(self.new_button)
        form = QFormLayout()
        form.addRow("&Title:", self.title)
        form.addRow("&Who sees it:", self.scope)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(form)
        right_layout.addWidget(self.body, 1)
        right_layout.addWidget(self.hint)
        right_layout.addWidget(self.note)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 2)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.delete_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)

        self.list.currentItemChanged.connect(self._on_list_current_item_changed)
        self.new_button.clicked.connect(self._on_new_button_clicked)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.delete_button.clicked.connect(self._on_delete_button_clicked)
        self.close_button.clicked.connect(self._on_close_button_clicked)
        self.start_new()
        self.reload()

    # --- reading ------------------------------------------------------------------------------

    def reload(self, select: str | None = None) -> None:
        """Fetch the list from the server; ``select`` the reply just saved."""
        self._context.tasks.run(
            self._client.list,
            lambda replies: self._on_listed(replies, select),
            lambda error: self._show(Outcome.failed(error, "load the canned replies")),
            owner=self,
        )

    def _on_listed(self, replies: list[CannedReplyOut], select: str | None) -> None:
        self._replies = {str(r.id): r for r in replies}
        self.list.blockSignals(True)
        self.list.clear()
        for reply in replies:
            team = " (team)" if reply.scope == Scope.TEAM else ""
            item = QListWidgetItem(f"{reply.title}{team}")
            item.setData(ID_ROLE, str(reply.id))
            self.list.addItem(item)
            if str(reply.id) == select:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        if select is not None and select in self._replies:
            self._edit(self._replies[select])

    def may_change(self, reply: CannedReplyOut) -> bool:
        """The server's rule: a personal reply is its owner's; a team one its owner's or an admin's."""
        user = self._context.user
        return str(reply.owner_id) == user.id or (reply.scope == Scope.TEAM and user.role == Role.ADMIN)

    # --- editing ------------------------------------------------------------------------------

    def start_new(self) -> None:
        self._current = None
        self.list.clearSelection()
        self.title.clear()
        self.body.clear()
        self.scope.setCurrentIndex(0)
        self._set_editable(True, scope_editable=True)
        self.note.setText("A new reply.")
        self.delete_button.setEnabled(False)
        self.title.setFocus()

    def _edit(self, reply: CannedReplyOut) -> None:
        self._current = str(reply.id)
        self.title.setText(reply.title)
        self.body.set_html(reply.body)
        self.scope.setCurrentIndex(self.scope.findData(reply.scope.value))
        mine = str(reply.owner_id) == self._context.user.id
        editable = self.may_change(reply)
        self._set_editable(editable, scope_editable=mine)
        self.delete_button.setEnabled(editable)
        if editable:
            self.note.setText(
                f"Used {reply.uses} time(s)." + ("" if mine else " You may edit it as an admin.")
            )
        else:
            self.note.setText(f"Used {reply.uses} time(s). Only its author or an admin can change it.")

    def _set_editable(self, editable: bool, *, scope_editable: bool) -> None:
        self.title.setReadOnly(not editable)
        self.body.edit.setReadOnly(not editable)
        self.scope.setEnabled(editable and scope_editable)
        self.save_button.setEnabled(editable)

    def _checked(self) -> CannedReplyCreate | None:
        """The form as a request, or None with the message naming what is wrong."""
        body = self.body.html()
        if not has_content(sanitize_html(body)):
            self._show(Outcome("The text cannot be empty.", refused=True))
            self.body.setFocus()
            return None
        try:
            return CannedReplyCreate(
                title=self.title.text(), body=body, scope=Scope(self.scope.currentData())
            )
        except ValidationError as error:
            self._show(Outcome(_field_message(error), refused=True))
            self.title.setFocus()
            return None

    def save(self) -> None:
        data = self._checked()
        if data is None or self._busy:
            return
        client, current = self._client, self._current
        patch = CannedReplyPatch(title=data.title, body=data.body)
        if self.scope.isEnabled():  # only the author moves a reply between personal and team
            patch = CannedReplyPatch(title=data.title, body=data.body, scope=data.scope)

        def work() -> CannedReplyOut:
            return client.create(data) if current is None else client.update(current, patch)

        self._run(work, "save the canned reply", "Saved.")

    def delete_current(self, *, confirm: bool = True) -> None:
        current = self._current
        if current is None or self._busy:
            return
        if confirm:
            answer = QMessageBox.question(self, "Delete canned reply", f"Delete “{self.title.text()}”?")
            if answer != QMessageBox.StandardButton.Yes:
                return
        client = self._client

        def work() -> None:
            client.delete(current)

        self._run(work, "delete the canned reply", "Deleted.", deleted=True)

    def _run(self, work: Callable[[], object], what: str, done_text: str, *, deleted: bool = False) -> None:
        self._busy = True
        self.save_button.setEnabled(False)

        def done(result: object) -> None:
            self._busy = False
            self._show(Outcome(done_text))
            self._context.sync.request_sync()  # the reply box reads the cache
            if deleted:
                self.start_new()
                self.reload()
            else:
                assert isinstance(result, CannedReplyOut)
                self.reload(select=str(result.id))

        def failed(error: BaseException) -> None:
            self._busy = False
            self.save_button.setEnabled(True)
            self._show(Outcome.failed(error, what))  # the typed text stays

        self._context.tasks.run(work, done, failed, owner=self)

    def _show(self, outcome: Outcome) -> None:
        show_outcome(self.message, outcome)

    # --- slots --------------------------------------------------------------------------------

    @Slot(QListWidgetItem, QListWidgetItem)
    def _on_list_current_item_changed(self, current: QListWidgetItem | None, _previous: object) -> None:
        if current is not None:
            reply = self._replies.get(str(current.data(ID_ROLE)))
            if reply is not None:
                self._show(Outcome(""))
                self._edit(reply)

    @Slot()
    def _on_new_button_clicked(self) -> None:
        self.start_new()

    @Slot()
    def _on_save_button_clicked(self) -> None:
        self.save()

    @Slot()
    def _on_delete_button_clicked(self) -> None:
        self.delete_current()

    @Slot()
    def _on_close_button_clicked(self) -> None:
        self.accept()
