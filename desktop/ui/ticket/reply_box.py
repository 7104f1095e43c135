"""Where a reply is written: the editor, files to attach, the Public/Internal switch, a link to
an article and canned replies for staff (typed ``::abc`` or picked with "Canned replies…",
their variables filled for this ticket), and Send."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from desktop.palette import LIGHT
from desktop.store.canned_replies import CannedReplyRow
from desktop.ui.ticket.canned_replies import CannedReplyPicker, CannedReplyPopup
from desktop.ui.widgets.rich_text_editor import RichTextEditor
from ticketing.canned_replies import CURSOR_MARK, FillValues, fill, matching, trigger_length, trigger_query
from ticketing.files import human_size
from ticketing.knowledge import article_url

#: Keys the ``::`` popup takes from the editor while it is open.
_POPUP_KEYS = frozenset(
    {Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape, Qt.Key.Key_Tab}
)


class ReplyBox(QFrame):
    """A reply editor with Send (Ctrl+Enter); staff also choose Public reply or Internal note,
    and insert links to articles.

    Signals:
        send_requested(str, bool): the reply's HTML and whether it is an internal note.
        article_link_requested(): staff asked to pick an article to link (the owner opens a
            picker and calls :meth:`insert_article_link`).
        canned_reply_used(str): a canned reply was inserted (its id), to count the use.
    """

    send_requested = Signal(str, bool)
    article_link_requested = Signal()
    canned_reply_used = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._staff = False
        self.setObjectName("ReplyBox")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.heading = QLabel("<b>Reply</b>")
        self.public = QRadioButton("&Public reply")
        self.public.setAccessibleName("Public reply")
        self.public.setToolTip("The requester sees this reply")
        self.internal = QRadioButton("Internal &note")
        self.internal.setAccessibleName("Internal note")
        self.internal.setToolTip("Only support staff see this note")
        self.visibility = QButtonGroup(self)
        self.visibility.addButton(self.public)
        self.visibility.addButton(self.internal)
        self.public.setChecked(True)
        self.editor = RichTextEditor("Reply")
        self.editor.setMinimumHeight(110)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setAccessibleName("Reply hint")
        self.hint.hide()
        self.attach_button = QPushButton("Attach &files…")
        self.attach_button.setAccessibleName("Attach files")
        self.attach_button.setToolTip("Attach files to this reply")
        self.attach_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.files_label = QLabel()
        self.files_label.setAccessibleName("Files to attach")
        self.files_label.setWordWrap(True)
        self.files_label.hide()
        self.clear_files_button = QPushButton("Remove files")
        self.clear_files_button.setAccessibleName("Remove files")
        self.clear_files_button.hide()
        self.files: list[Path] = []
        self.article_link_button = QPushButton("Insert &article link…")
        self.article_link_button.setAccessibleName("Insert article link")
        self.article_link_button.setToolTip("Link a knowledge-base article in this reply")
        self.article_link_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.canned_button = QPushButton("Canned &replies…")
        self.canned_button.setAccessibleName("Canned replies")
        self.canned_button.setToolTip("Insert a canned reply (or type :: and a few letters of its title)")
        self.canned_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.canned_popup = CannedReplyPopup()
        self._canned: list[CannedReplyRow] = []
        self._fill_values = FillValues(ticket_number=None, ticket_title="", requester_name="", agent_name="")
        #: where the ``::`` trigger the user closed with Escape starts (it stays closed there)
        self._dismissed_at: int | None = None
        self.send_button = QPushButton("&Send reply")
        self.send_button.setAccessibleName("Send reply")
        self.send_button.setToolTip("Send reply (Ctrl+Enter)")

        top = QHBoxLayout()
        top.addWidget(self.heading)
        top.addStretch(1)
        top.addWidget(self.public)
        top.addWidget(self.internal)
        bottom = QHBoxLayout()
        bottom.addWidget(self.attach_button)
        bottom.addWidget(self.article_link_button)
        bottom.addWidget(self.canned_button)
        bottom.addWidget(self.files_label, 1)
        bottom.addWidget(self.clear_files_button)
        bottom.addWidget(self.hint, 1)
        bottom.addStretch()
        bottom.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignRight)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.editor, 1)
        layout.addLayout(bottom)

        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self._on_send_button_clicked)
        self.send_button.clicked.connect(self._on_send_button_clicked)
        self.attach_button.clicked.connect(self._on_attach_button_clicked)
        self.article_link_button.clicked.connect(self._on_article_link_button_clicked)
        self.clear_files_button.clicked.connect(self._on_clear_files_button_clicked)
        self.canned_button.clicked.connect(self._on_canned_button_clicked)
        self.canned_popup.chosen.connect(self._on_canned_popup_chosen)
        self.editor.edit.textChanged.connect(self._on_editor_text_changed)
        self.editor.edit.installEventFilter(self)
        self.internal.toggled.connect(self._on_internal_toggled)
        self.set_staff(False)

    def set_staff(self, staff: bool) -> None:
        """Staff see the Public/Internal switch; requesters only ever write public replies."""
        self._staff = staff
        self.public.setVisible(staff)
        self.internal.setVisible(staff)
        self.article_link_button.setVisible(staff)
        self.canned_button.setVisible(staff)
        if not staff:
            self.public.setChecked(True)
            self.canned_popup.hide()

    def set_hint(self, text: str) -> None:
        self.hint.setText(text)
        self.hint.setVisible(bool(text))

    @property
    def is_internal(self) -> bool:
        return self._staff and self.internal.isChecked()

    def set_sending(self, sending: bool) -> None:
        self.send_button.setEnabled(not sending)

    def clear(self) -> None:
        self.editor.clear()
        self.set_files([])

    def set_files(self, paths: list[Path]) -> None:
        """The files that go with the reply (copied and uploaded when it is sent)."""
        self.files = [path for path in paths if path.is_file()]
        names = ", ".join(f"{path.name} ({human_size(path.stat().st_size)})" for path in self.files)
        self.files_label.setText(f"With {len(self.files)} file(s): {names}" if self.files else "")
        self.files_label.setVisible(bool(self.files))
        self.clear_files_button.setVisible(bool(self.files))

    @Slot()
    def _on_attach_button_clicked(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(self, "Attach files")
        if paths:
            self.set_files([*self.files, *(Path(p) for p in paths)])

    def insert_article_link(self, article_id: str, title: str) -> None:
        """Put a link to the article, named by its title, at the cursor."""
        self.editor.insert_link(article_url(article_id), title)
        self.editor.setFocus()

    # --- canned replies ---------------------------------------------------------------------

    def set_canned_replies(self, replies: Sequence[CannedReplyRow]) -> None:
        """The replies ``::`` and the picker offer (the cache's: the team's and the agent's own)."""
        self._canned = list(replies)

    def set_fill_values(self, values: FillValues) -> None:
        """What the variables of an inserted reply stand for (this ticket, the signed-in agent)."""
        self._fill_values = values

    def insert_canned_reply(self, reply_id: str, *, replacing: int = 0) -> bool:
        """Insert the reply with its variables filled, in place of the ``replacing`` characters
        before the cursor (a typed trigger), the cursor at its placeholder; False if unknown."""
        reply = next((r for r in self._canned if r.id == reply_id), None)
        if reply is None or not self._staff:
            return False
        filled = fill(reply.body, self._fill_values)
        self.editor.insert_html(
            filled.html, replacing=replacing, cursor_mark=CURSOR_MARK if filled.has_cursor else None
        )
        self.editor.setFocus()
        self.canned_reply_used.emit(reply.id)
        return True

    def pick_canned_reply(self) -> CannedReplyPicker:
        """Open the picker; a pick is inserted at the cursor."""
        picker = CannedReplyPicker(self._canned, self)
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.chosen.connect(self._on_canned_picker_chosen)
        picker.open()
        return picker

    def _trigger(self) -> str | None:
        return trigger_query(self.editor.text_before_cursor()) if self._staff else None

    def _update_canned_popup(self) -> None:
        query = self._trigger()
        if query is None:
            self._dismissed_at = None
            self.canned_popup.hide()
            return
        start = self.editor.edit.textCursor().position() - trigger_length(query)
        if start == self._dismissed_at:
            return
        window = self.window()
        if self.canned_popup.parentWidget() is not window:
            self.canned_popup.setParent(window)
        rect = self.editor.edit.cursorRect()
        at = self.editor.edit.viewport().mapTo(window, QPoint(rect.left(), rect.bottom() + 4))
        self.canned_popup.show_matches(matching(self._canned, query), at)

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.editor.edit
            and event.type() == QEvent.Type.KeyPress
            and self.canned_popup.isVisible()
            and isinstance(event, QKeyEvent)
            and event.key() in _POPUP_KEYS
        ):
            key = event.key()
            if key == Qt.Key.Key_Escape:
                query = self._trigger()
                if query is not None:
                    self._dismissed_at = self.editor.edit.textCursor().position() - trigger_length(query)
                self.canned_popup.hide()
            elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
                self.canned_popup.move_selection(-1 if key == Qt.Key.Key_Up else 1)
            else:
                self.canned_popup.choose_current()
            return True
        if watched is self.editor.edit and event.type() == QEvent.Type.FocusOut:
            self.canned_popup.hide()
        return super().eventFilter(watched, event)

    @Slot()
    def _on_editor_text_changed(self) -> None:
        self._update_canned_popup()

    @Slot(str)
    def _on_canned_popup_chosen(self, reply_id: str) -> None:
        query = self._trigger()
        self.insert_canned_reply(reply_id, replacing=0 if query is None else trigger_length(query))

    @Slot(str)
    def _on_canned_picker_chosen(self, reply_id: str) -> None:
        self.insert_canned_reply(reply_id)

    @Slot()
    def _on_canned_button_clicked(self) -> None:
        self.pick_canned_reply()

    @Slot()
    def _on_article_link_button_clicked(self) -> None:
        self.article_link_requested.emit()

    @Slot()
    def _on_clear_files_button_clicked(self) -> None:
        self.set_files([])

    @Slot(bool)
    def _on_internal_toggled(self, internal: bool) -> None:
        if internal:
            self.setStyleSheet(
                f"#ReplyBox {{ background: {LIGHT.internal_background};"
                f" border: 2px solid {LIGHT.internal_border}; }}"
                f"#ReplyBox QLabel, #ReplyBox QRadioButton {{ color: {LIGHT.text}; }}"
            )
            self.heading.setText("<b>Internal note</b> — only support staff will see this")
            self.send_button.setText("Add internal &note")
            self.send_button.setAccessibleName("Add internal note")
            self.send_button.setToolTip("Add internal note (Ctrl+Enter)")
        else:
            self.setStyleSheet("")
            self.heading.setText("<b>Reply</b>")
            self.send_button.setText("&Send reply")
            self.send_button.setAccessibleName("Send reply")
            self.send_button.setToolTip("Send reply (Ctrl+Enter)")

    @Slot()
    def _on_send_button_clicked(self) -> None:
        if self.send_button.isEnabled():
            self.send_requested.emit(self.editor.html(), self.is_internal)
