"""File > Canned replies…: support staff write, change and delete their personal canned replies
and the team's (a team reply only by its author or an admin: ``ticketing.canned_replies``, as
the server rules). It reads the cache and writes through the offline store commands
(``desktop.store.canned_reply_commands``) off the UI thread, so it works with the server out of
reach: a change shows at once (marked "not synced yet" until the server has it) and is sent
with the next sync. A refusal or a bad field is shown in the dialog's message line and the
typed text is kept; a change the server later refuses appears in Sync problems."""

from __future__ import annotations

from collections.abc import Callable

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

from desktop.store import canned_replies, canned_reply_commands
from desktop.store.canned_replies import CannedReplyRow
from desktop.store.database import ChangeSet
from desktop.ui.shell.context import AppContext
from desktop.ui.shell.outcome import Outcome, show_outcome
from desktop.ui.widgets.rich_text_editor import RichTextEditor
from ticketing.canned_replies import Scope, may_change
from ticketing.domain import Role

ID_ROLE = Qt.ItemDataRole.UserRole
_SCOPE_NAMES = {Scope.PERSONAL: "Personal (only me)", Scope.TEAM: "Team (all support staff)"}
VARIABLES_HINT = (
    "Variables: {{ticket.number}}, {{ticket.title}}, {{requester.name}}, {{agent.name}};"
    " {{cursor}} is where the cursor lands. Insert with :: and a few letters of the title."
)
PENDING_MARK = " — not synced yet"


class CannedRepliesDialog(QDialog):
    """The list of the caller's and the team's replies (from the cache) beside an editor of the
    selected one. Refreshes itself when the cache's canned replies change (``data_changed``)."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._replies: dict[str, CannedReplyRow] = {}
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
        context.sync.data_changed.connect(self._on_sync_data_changed)
        self.start_new()
        self.reload()

    # --- reading ------------------------------------------------------------------------------

    def reload(self, select: str | None = None) -> None:
        """Read the list from the cache; ``select`` the reply just saved (else keep the one
        being edited selected)."""
        store = self._context.store
        keep = select if select is not None else self._current
        self._context.tasks.run(
            lambda: canned_replies.list_replies(store),
            lambda replies: self._on_listed(replies, keep, edit=select is not None),
            lambda error: self._show(Outcome.failed(error, "load the canned replies")),
            owner=self,
        )

    def _on_listed(self, replies: list[CannedReplyRow], select: str | None, *, edit: bool) -> None:
        self._replies = {r.id: r for r in replies}
        self.list.blockSignals(True)
        self.list.clear()
        for reply in replies:
            team = " (team)" if reply.scope == Scope.TEAM else ""
            item = QListWidgetItem(f"{reply.title}{team}{PENDING_MARK if reply.pending else ''}")
            item.setData(ID_ROLE, reply.id)
            if reply.pending:
                item.setToolTip("Saved on this computer; sent to the server with the next sync.")
            self.list.addItem(item)
            if reply.id == select:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        if select is not None and select in self._replies:
            if edit:
                self._edit(self._replies[select])
            else:
                self._note(self._replies[select])  # the form keeps what is being typed
        elif select is not None and select == self._current and not self._busy:
            self.start_new()  # deleted (here, elsewhere, or refused by the server)
            self._show(Outcome("This canned reply is no longer there.", refused=True))

    def may_change(self, reply: CannedReplyRow) -> bool:
        """The server's rule (``ticketing.canned_replies.may_change``)."""
        user = self._context.user
        return may_change(reply.scope, reply.owner_id, user.id, Role(user.role))

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

    def _edit(self, reply: CannedReplyRow) -> None:
        self._current = reply.id
        self.title.setText(reply.title)
        self.body.set_html(reply.body)
        self.scope.setCurrentIndex(self.scope.findData(reply.scope.value))
        mine = reply.owner_id == self._context.user.id
        editable = self.may_change(reply)
        self._set_editable(editable, scope_editable=mine)
        self.delete_button.setEnabled(editable)
        self._note(reply)

    def _note(self, reply: CannedReplyRow) -> None:
        mine = reply.owner_id == self._context.user.id
        if self.may_change(reply):
            text = f"Used {reply.uses} time(s)." + ("" if mine else " You may edit it as an admin.")
        else:
            text = f"Used {reply.uses} time(s). Only its author or an admin can change it."
        if reply.pending:
            text += " Not synced yet: it is sent to the server with the next sync."
        self.note.setText(text)

    def _set_editable(self, editable: bool, *, scope_editable: bool) -> None:
        self.title.setReadOnly(not editable)
        self.body.edit.setReadOnly(not editable)
        self.scope.setEnabled(editable and scope_editable)
        self.save_button.setEnabled(editable)

    def save(self) -> None:
        """Queue the form as a new reply or as an edit of the selected one (checked first: a
        bad field is a message, and the form keeps what was typed)."""
        if self._busy:
            return
        store, current = self._context.store, self._current
        title, body = self.title.text(), self.body.html()
        scope = Scope(self.scope.currentData())
        scope_editable = self.scope.isEnabled()  # only the author moves it between personal and team

        def work() -> str:
            if current is None:
                return canned_reply_commands.create_reply(store, title=title, body=body, scope=scope)
            canned_reply_commands.edit_reply(
                store, current, title=title, body=body, scope=scope if scope_editable else None
            )
            return current

        self._run(work, "save the canned reply", "Saved; it is sent to the server with the next sync.")

    def delete_current(self, *, confirm: bool = True) -> None:
        current = self._current
        if current is None or self._busy:
            return
        if confirm:
            answer = QMessageBox.question(self, "Delete canned reply", f"Delete “{self.title.text()}”?")
            if answer != QMessageBox.StandardButton.Yes:
                return
        store = self._context.store

        def work() -> None:
            canned_reply_commands.delete_reply(store, current)

        self._run(work, "delete the canned reply", "Deleted.", deleted=True)

    def _run(self, work: Callable[[], object], what: str, done_text: str, *, deleted: bool = False) -> None:
        self._busy = True
        self.save_button.setEnabled(False)
        self.delete_button.setEnabled(False)

        def done(result: object) -> None:
            self._busy = False
            self._show(Outcome(done_text))
            if deleted:
                self.start_new()
                self.reload()
            else:
                assert isinstance(result, str)
                self.reload(select=result)

        def failed(error: BaseException) -> None:
            self._busy = False
            self.save_button.setEnabled(True)
            self.delete_button.setEnabled(self._current is not None)
            self._show(Outcome.failed(error, what))  # the typed text stays
            if "title" in str(error):
                self.title.setFocus()
            elif "text" in str(error):
                self.body.setFocus()

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

    @Slot(object)
    def _on_sync_data_changed(self, change: ChangeSet) -> None:
        if (change.canned_replies or change.everything) and not self._busy:
            self.reload()
