"""Canned replies in the reply box: the small list that ``::`` opens while typing, and the
"Canned replies…" picker with its search field. Both filter the replies the reply box holds
(``ticketing.canned_replies.matching``: titles) in memory, so neither reads the cache itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPoint, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.store.canned_replies import CannedReplyRow
from ticketing.canned_replies import Scope, matching
from ticketing.richtext import plain_text

ID_ROLE = Qt.ItemDataRole.UserRole
#: At most this many rows are listed by the ``::`` popup (typing more letters narrows it).
POPUP_ROWS = 8
PREVIEW_LENGTH = 48


def _label(reply: CannedReplyRow) -> str:
    preview = plain_text(reply.body).replace("\n", " ").strip()
    if len(preview) > PREVIEW_LENGTH:
        preview = preview[: PREVIEW_LENGTH - 1] + "…"
    team = "  · team" if reply.scope == Scope.TEAM else ""
    return f"{reply.title}{team}\n{preview}"


def _fill_list(widget: QListWidget, replies: Sequence[CannedReplyRow]) -> None:
    widget.clear()
    for reply in replies:
        item = QListWidgetItem(_label(reply))
        item.setData(ID_ROLE, reply.id)
        item.setToolTip(reply.title)
        widget.addItem(item)
    if replies:
        widget.setCurrentRow(0)


class CannedReplyPopup(QFrame):
    """The list under the text cursor while ``::abc`` is typed; the editor keeps the focus and
    hands it Up, Down, Enter and Escape (:meth:`ReplyBox.eventFilter`).

    Signals:
        chosen(str): the id of the reply picked with Enter or a click.
    """

    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CannedReplyPopup")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.list = QListWidget()
        self.list.setAccessibleName("Canned replies matching")
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # typing goes on in the editor
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.heading = QLabel("Canned replies: Enter inserts, Esc closes")
        self.heading.setAccessibleName("Canned replies hint")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        layout.addWidget(self.heading)
        layout.addWidget(self.list)
        self.setFixedWidth(340)
        self.list.itemClicked.connect(self._on_list_item_clicked)
        self.hide()

    def show_matches(self, replies: Sequence[CannedReplyRow], at: QPoint) -> bool:
        """List ``replies`` (the first :data:`POPUP_ROWS`) with the popup's top left at ``at``
        in its parent; False (and hidden) when there are none."""
        shown = list(replies)[:POPUP_ROWS]
        if not shown:
            self.hide()
            return False
        _fill_list(self.list, shown)
        rows = sum(max(self.list.sizeHintForRow(row), 20) for row in range(len(shown)))
        self.list.setFixedHeight(rows + 2 * self.list.frameWidth() + 2)
        self.adjustSize()
        parent = self.parentWidget()
        if parent is not None:  # keep it inside the window: above the cursor if need be
            x = min(at.x(), max(0, parent.width() - self.width()))
            y = at.y() if at.y() + self.height() <= parent.height() else max(0, at.y() - self.height() - 24)
            at = QPoint(x, y)
        self.move(at)
        self.show()
        self.raise_()
        return True

    def move_selection(self, step: int) -> None:
        count = self.list.count()
        if count:
            self.list.setCurrentRow((self.list.currentRow() + step) % count)

    def current_id(self) -> str | None:
        if self.list.currentRow() < 0:
            return None
        return str(self.list.currentItem().data(ID_ROLE))

    def choose_current(self) -> None:
        reply_id = self.current_id()
        if reply_id is not None:
            self.hide()
            self.chosen.emit(reply_id)

    @Slot(QListWidgetItem)
    def _on_list_item_clicked(self, item: QListWidgetItem) -> None:
        self.list.setCurrentItem(item)
        self.choose_current()


class CannedReplyPicker(QDialog):
    """Search the canned replies by title, pick one, Insert (or Enter, or a double click).

    Signals:
        chosen(str): the reply's id; the picker closes.
    """

    chosen = Signal(str)

    def __init__(self, replies: Sequence[CannedReplyRow], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._replies = list(replies)
        self.setWindowTitle("Canned replies")
        self.resize(480, 400)
        self.search = QLineEdit()
        self.search.setAccessibleName("Search canned replies")
        self.search.setPlaceholderText("Type to search canned replies by title…")
        self.search.setClearButtonEnabled(True)
        self.results = QListWidget()
        self.results.setAccessibleName("Canned replies found")
        self.results.setWordWrap(True)
        self.note = QLabel()
        self.note.setAccessibleName("Picker note")
        self.note.setWordWrap(True)
        self.insert_button = QPushButton("&Insert")
        self.insert_button.setAccessibleName("Insert canned reply")
        self.insert_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel")
        buttons = QHBoxLayout()
        buttons.addWidget(self.note, 1)
        buttons.addWidget(self.insert_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.results, 1)
        layout.addLayout(buttons)
        self.search.textChanged.connect(self._on_search_text_changed)
        self.search.returnPressed.connect(self._on_insert_button_clicked)
        self.results.itemActivated.connect(self._on_results_item_activated)
        self.insert_button.clicked.connect(self._on_insert_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self._show_matches()

    def _show_matches(self) -> None:
        found = matching(self._replies, self.search.text())
        _fill_list(self.results, found)
        self.insert_button.setEnabled(bool(found))
        if found:
            self.note.setText("")
        elif self._replies:
            self.note.setText("No canned reply matches.")
        else:
            self.note.setText("There are no canned replies yet (File > Canned replies to write one).")

    def choose(self) -> None:
        if self.results.currentRow() < 0:
            return
        self.chosen.emit(str(self.results.currentItem().data(ID_ROLE)))
        self.accept()

    @Slot(str)
    def _on_search_text_changed(self, _text: str) -> None:
        self._show_matches()

    @Slot(QListWidgetItem)
    def _on_results_item_activated(self, _item: QListWidgetItem) -> None:
        self.choose()

    @Slot()
    def _on_insert_button_clicked(self) -> None:
        self.choose()

    @Slot()
    def _on_cancel_button_clicked(self) -> None:
        self.reject()
