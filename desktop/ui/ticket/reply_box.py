"""Where a reply is written: the editor, files to attach, the Public/Internal switch and a link to
an article for staff, and Send."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
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

from desktop.palette import LIGHT
from desktop.ui.widgets.rich_text_editor import RichTextEditor
from ticketing.files import human_size
from ticketing.knowledge import article_url


class ReplyBox(QFrame):
    """A reply editor with Send (Ctrl+Enter); staff also choose Public reply or Internal note,
    and insert links to articles.

    Signals:
        send_requested(str, bool): the reply's HTML and whether it is an internal note.
        article_link_requested(): staff asked to pick an article to link (the owner opens a
            picker and calls :meth:`insert_article_link`).
    """

    send_requested = Signal(str, bool)
    article_link_requested = Signal()

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
        self.internal.toggled.connect(self._on_internal_toggled)
        self.set_staff(False)

    def set_staff(self, staff: bool) -> None:
        """Staff see the Public/Internal switch; requesters only ever write public replies."""
        self._staff = staff
        self.public.setVisible(staff)
        self.internal.setVisible(staff)
        self.article_link_button.setVisible(staff)
        if not staff:
            self.public.setChecked(True)

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
