"""The "New ticket" form: title, rich description, category, priority and files to attach.

Nothing typed is lost: the draft is saved to the user data folder every few seconds and when
the window closes, and comes back when the form opens again (after a crash too). Submitting
queues the ticket in the local cache (``commands.create_ticket``): it shows at once as a Draft
and gets its number when the server receives it. Attached files and pasted screenshots are
copied into the account's files on this computer and upload with the next sync.

Beside the fields, "Maybe this helps" (:class:`SuggestionsPanel`) suggests published articles
and the user's own solved tickets for what is typed; a form session runs from the form being
shown to its ticket being submitted or the form being closed, and the panel counts it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QImage, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from desktop.local.drafts import DraftStore, QueuedFile, TicketDraft
from desktop.palette import scheme_for
from desktop.store import commands, queries
from desktop.store.attaching import FileToAttach, import_files, queue_imported
from desktop.store.database import ChangeSet, Store
from desktop.ui.shell.context import AppContext
from desktop.ui.shell.outcome import Outcome, show_outcome
from desktop.ui.ticket.suggestions_panel import SuggestionsPanel
from desktop.ui.widgets.rich_text_editor import RichTextEditor
from ticketing.domain import DEFAULT_PRIORITY, TITLE_MAX_LENGTH, new_id
from ticketing.files import human_size

log = logging.getLogger(__name__)

AUTOSAVE_MS = 3000


@dataclass(frozen=True)
class Choices:
    categories: list[queries.CategoryRow]
    priorities: list[queries.PriorityRow]


def load_choices(store: Store) -> Choices:
    return Choices(queries.categories(store), queries.priorities(store))


def _attachment_url(file_id: str) -> str:
    return f"attachment:{file_id}"


def _save_png(image: QImage, path: Path) -> int:
    """Write a pasted screenshot (off the UI thread); its size in bytes."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not image.save(str(path)):  # the .png suffix picks the format
        raise OSError(f"Could not save the screenshot to {path}")
    return path.stat().st_size


class TicketForm(QWidget):
    """A window to write a new ticket.

    Signals:
        ticket_created(str): the new ticket's id (queued locally, pending until synced).
    """

    ticket_created = Signal(str)

    def __init__(
        self, context: AppContext, parent: QWidget | None = None, *, drafts: DraftStore | None = None
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._context = context
        self._drafts = drafts or DraftStore(context.server_url, context.user.id, context.data_dir)
        self._files: list[QueuedFile] = []
        self._wanted_category: str | None = None
        self._wanted_priority: str | None = DEFAULT_PRIORITY
        self._dirty = False
        self._submitting = False
        self.setWindowTitle("New ticket — Ticketdesk")
        self.resize(1040, 640)

        self.title = QLineEdit()
        self.title.setAccessibleName("Title")
        self.title.setMaxLength(TITLE_MAX_LENGTH)
        self.title.setPlaceholderText("A short summary of the problem")
        self.title_error = self._error_label("Title error")
        self.category = QComboBox()
        self.category.setAccessibleName("Category")
        self.category_error = self._error_label("Category error")
        self.priority = QComboBox()
        self.priority.setAccessibleName("Priority")
        self.description = RichTextEditor("Description", accept_images=True)
        self.description.setMinimumHeight(220)
        self.description.edit.setPlaceholderText(
            "What happened, what you expected, and what you tried. You can paste screenshots."
        )
        self.description_error = self._error_label("Description error")
        self.files = QListWidget()
        self.files.setAccessibleName("Files to attach")
        self.files.setMaximumHeight(72)
        self.attach_button = QPushButton("Attach &files…")
        self.attach_button.setAccessibleName("Attach files")
        self.remove_file_button = QPushButton("Re&move file")
        self.remove_file_button.setAccessibleName("Remove file")
        self.files_note = QLabel(
            "Files and pasted screenshots upload with the ticket, now or when you are back online. "
            "Programs and scripts are refused."
        )
        self.files_note.setWordWrap(True)
        self.files_note.setAccessibleName("Files note")
        self.files_note.setStyleSheet("color: palette(mid);")
        self.message = self._error_label("Form message")
        self.draft_state = QLabel()
        self.draft_state.setAccessibleName("Draft state")
        self.submit_button = QPushButton("&Submit ticket")
        self.submit_button.setAccessibleName("Submit ticket")
        self.submit_button.setToolTip("Submit ticket (Ctrl+Enter)")
        self.submit_button.setDefault(True)
        self.close_button = QPushButton("&Close")
        self.close_button.setAccessibleName("Close")
        self.close_button.setToolTip("Close the form; the draft is kept for later")
        self.discard_button = QPushButton("&Discard draft")
        self.discard_button.setAccessibleName("Discard draft")
        self.suggestions = SuggestionsPanel(context)

        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        self._row(grid, 0, "&Title:", self.title, self.title_error)
        self._row(grid, 1, "C&ategory:", self.category, self.category_error)
        self._row(grid, 2, "&Priority:", self.priority)
        self._row(grid, 3, "D&escription:", self.description, self.description_error)
        grid.setRowStretch(3, 1)
        file_buttons = QHBoxLayout()
        file_buttons.addWidget(self.attach_button)
        file_buttons.addWidget(self.remove_file_button)
        file_buttons.addStretch(1)
        files_box = QVBoxLayout()
        files_box.addWidget(self.files)
        files_box.addLayout(file_buttons)
        files_box.addWidget(self.files_note)
        files_label = QLabel("Fi&les:")
        files_label.setBuddy(self.files)
        files_label.setContentsMargins(0, 4, 0, 0)
        grid.addWidget(files_label, 4, 0, Qt.AlignmentFlag.AlignTop)
        grid.addLayout(files_box, 4, 1)

        buttons = QHBoxLayout()
        buttons.addWidget(self.draft_state, 1)
        buttons.addWidget(self.discard_button)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.submit_button)
        fields = QVBoxLayout()
        fields.addLayout(grid, 1)
        fields.addWidget(self.message)
        fields.addLayout(buttons)
        layout = QHBoxLayout(self)
        layout.addLayout(fields, 1)
        layout.addWidget(self.suggestions)

        for first, second in (
            (self.title, self.category),
            (self.category, self.priority),
            (self.priority, self.description),
            (self.description, self.files),
            (self.files, self.attach_button),
            (self.attach_button, self.remove_file_button),
            (self.remove_file_button, self.discard_button),
            (self.discard_button, self.close_button),
            (self.close_button, self.submit_button),
            (self.submit_button, self.suggestions.list),
            (self.suggestions.list, self.suggestions.open_button),
        ):
            QWidget.setTabOrder(first, second)

        self._autosave = QTimer(self)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self._on_autosave_timeout)
        self._autosave.start()
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(self._on_submit_button_clicked)

        self.title.textEdited.connect(self._on_title_edited)
        self.description.changed.connect(self._on_description_changed)
        self.description.image_pasted.connect(self._on_description_image_pasted)
        self.category.activated.connect(self._on_category_activated)
        self.priority.activated.connect(self._on_priority_activated)
        self.attach_button.clicked.connect(self._on_attach_button_clicked)
        self.remove_file_button.clicked.connect(self._on_remove_file_button_clicked)
        self.submit_button.clicked.connect(self._on_submit_button_clicked)
        self.close_button.clicked.connect(self.close)
        self.discard_button.clicked.connect(self._on_discard_button_clicked)
        context.sync.data_changed.connect(self._on_sync_data_changed)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._on_app_about_to_quit)

        self._restore_draft()
        self._load_choices()
        self._ask_suggestions()

    def _error_label(self, name: str) -> QLabel:
        label = QLabel()
        label.setWordWrap(True)
        label.setStyleSheet(f"color: {scheme_for(label.palette()).danger};")
        label.setAccessibleName(name)
        label.hide()
        return label

    @staticmethod
    def _row(grid: QGridLayout, row: int, text: str, field: QWidget, error: QLabel | None = None) -> None:
        label = QLabel(text)
        label.setBuddy(field)
        label.setContentsMargins(0, 4, 0, 0)  # level with the field's text
        grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignTop)
        box = QVBoxLayout()
        box.setSpacing(2)
        box.addWidget(field, 1)
        if error is not None:
            box.addWidget(error)
        grid.addLayout(box, row, 1)

    # --- choices from the cache ---------------------------------------------------------------

    def _load_choices(self) -> None:
        store = self._context.store
        self._context.tasks.run(lambda: load_choices(store), self._on_choices_loaded, owner=self)

    def _on_choices_loaded(self, choices: Choices) -> None:
        self.category.clear()
        if not choices.categories:
            self.category.addItem("(categories arrive with the first sync)", None)
        else:
            self.category.addItem("Choose a category…", None)
        for category in choices.categories:
            self.category.addItem(category.name, category.id)
        self.category.setCurrentIndex(max(0, self.category.findData(self._wanted_category)))
        self.priority.clear()
        for priority in choices.priorities:
            self.priority.addItem(priority.name, priority.key)
        index = self.priority.findData(self._wanted_priority)
        self.priority.setCurrentIndex(index if index >= 0 else self.priority.findData(DEFAULT_PRIORITY))

    @Slot(object)
    def _on_sync_data_changed(self, change: ChangeSet) -> None:
        if change.reference or change.everything:
            self._load_choices()

    # --- the draft ----------------------------------------------------------------------------

    def draft(self) -> TicketDraft:
        """What the form holds now."""
        names = self.description.image_names()
        return TicketDraft(
            title=self.title.text(),
            description_html=self.description.html(),
            category_id=self.category.currentData() or self._wanted_category,
            priority=self.priority.currentData() or self._wanted_priority,
            files=[f for f in self._files if not f.inline or _attachment_url(f.id) in names],
        )

    def _restore_draft(self) -> None:
        draft = self._drafts.load()
        if draft is None:
            return
        self.title.setText(draft.title)
        images = {
            _attachment_url(f.id): QImage(f.path) for f in draft.files if f.inline and Path(f.path).exists()
        }
        self.description.set_html(draft.description_html, images)
        self._wanted_category = draft.category_id
        self._wanted_priority = draft.priority or DEFAULT_PRIORITY
        self._files = list(draft.files)
        self._show_files()
        self.draft_state.setText("Your unsent draft was restored.")
        self._dirty = False

    def save_draft(self) -> None:
        """Write the draft now (autosave, closing, quitting)."""
        try:
            self._drafts.save(self.draft())
        except OSError as error:
            log.warning("could not save the draft: %s", error)
            self.draft_state.setText(f"The draft could not be saved: {error}")
            return
        self._dirty = False
        if not self.draft().is_empty():
            self.draft_state.setText("Draft saved.")

    def _changed(self) -> None:
        self._dirty = True
        self.draft_state.setText("")

    @Slot()
    def _on_autosave_timeout(self) -> None:
        if self._dirty:
            self.save_draft()

    @Slot()
    def _on_app_about_to_quit(self) -> None:
        if self._dirty:
            self.save_draft()
        if self.isVisible():  # quitting with the form open leaves it
            self._end_session(None, quitting=True)

    @Slot(str)
    def _on_title_edited(self, _text: str) -> None:
        self.title_error.hide()
        self._changed()
        self._ask_suggestions()

    @Slot()
    def _on_description_changed(self) -> None:
        self.description_error.hide()
        self._changed()
        self._ask_suggestions()

    def _ask_suggestions(self) -> None:
        self.suggestions.set_text(self.title.text(), self.description.edit.toPlainText())

    def _end_session(self, submitted: str | None, *, quitting: bool = False) -> None:
        self.suggestions.end_session(
            submitted=submitted,
            category_id=self.category.currentData() or self._wanted_category,
            priority=self.priority.currentData() or self._wanted_priority,
            quitting=quitting,
        )

    @Slot(int)
    def _on_category_activated(self, _index: int) -> None:
        self._wanted_category = self.category.currentData()
        self.category_error.hide()
        self._changed()

    @Slot(int)
    def _on_priority_activated(self, _index: int) -> None:
        self._wanted_priority = self.priority.currentData()
        self._changed()

    # --- files --------------------------------------------------------------------------------

    def _show_files(self) -> None:
        self.files.clear()
        for queued in self._files:
            kind = "pasted screenshot" if queued.inline else "file"
            item = QListWidgetItem(
                f"{queued.file_name} — {kind}, {human_size(queued.size)}, uploads when sent"
            )
            item.setData(Qt.ItemDataRole.UserRole, queued.id)
            self.files.addItem(item)
        self.remove_file_button.setEnabled(bool(self._files))

    def add_files(self, paths: list[str]) -> None:
        for name in paths:
            path = Path(name)
            if path.is_file():
                self._files.append(QueuedFile(str(new_id()), path.name, str(path), path.stat().st_size))
        self._show_files()
        self._changed()

    @Slot()
    def _on_attach_button_clicked(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(self, "Attach files")
        if paths:
            self.add_files(paths)

    @Slot()
    def _on_remove_file_button_clicked(self) -> None:
        item: QListWidgetItem | None = self.files.currentItem()
        if item is None:
            return
        file_id = item.data(Qt.ItemDataRole.UserRole)
        self._files = [f for f in self._files if f.id != file_id]
        self._show_files()
        self._changed()

    @Slot(QImage)
    def _on_description_image_pasted(self, image: QImage) -> None:
        file_id = str(new_id())
        number = sum(1 for f in self._files if f.inline) + 1
        path = self._drafts.files_folder / f"{file_id}.png"
        copy = QImage(image)

        def saved(size: int) -> None:
            self._files.append(QueuedFile(file_id, f"Screenshot {number}.png", str(path), size, inline=True))
            self.description.insert_image(_attachment_url(file_id), copy)
            self._show_files()
            self._changed()

        self._context.tasks.run(
            lambda: _save_png(copy, path),
            saved,
            lambda error: self._show_message(str(error)),
            owner=self,
        )

    # --- submit -------------------------------------------------------------------------------

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def validate(self) -> bool:
        """Mark missing fields next to them; True when the ticket can be submitted."""
        problems: list[QWidget] = []
        if not self.title.text().strip():
            self.title_error.setText("A title is required.")
            self.title_error.show()
            problems.append(self.title)
        if self.description.is_empty():
            self.description_error.setText("A description is required.")
            self.description_error.show()
            problems.append(self.description)
        if not self.category.currentData():
            self.category_error.setText("Choose a category.")
            self.category_error.show()
            problems.append(self.category)
        if problems:
            problems[0].setFocus()
        return not problems

    @Slot()
    def _on_submit_button_clicked(self) -> None:
        if self._submitting or not self.validate():
            return
        draft = self.draft()
        store, drafts = self._context.store, self._drafts
        self._submitting = True
        self.submit_button.setEnabled(False)
        self._show_message("")

        files = [FileToAttach(Path(f.path), f.file_name, f.id) for f in draft.files]

        def work() -> str:
            imported = import_files(store, files)  # an unreadable file refuses before anything is queued
            ticket_id = commands.create_ticket(
                store,
                title=draft.title.strip(),
                description=draft.description_html,
                category_id=str(draft.category_id),
                priority=draft.priority or DEFAULT_PRIORITY,
            )
            queue_imported(store, ticket_id, imported)
            try:
                drafts.discard(draft)
            except OSError as error:  # the ticket exists now: never let this look like a failure
                log.warning("could not delete the draft of ticket %s: %s", ticket_id, error)
            return ticket_id

        self._context.tasks.run(work, self._on_submit_done, self._on_submit_failed, owner=self)

    def _on_submit_done(self, ticket_id: str) -> None:
        self._submitting = False
        self.submit_button.setEnabled(True)
        self._end_session(ticket_id)
        self._reset()
        self.ticket_created.emit(ticket_id)
        self.close()

    def _on_submit_failed(self, error: BaseException) -> None:
        self._submitting = False
        self.submit_button.setEnabled(True)
        show_outcome(self.message, Outcome.failed(error))

    def _reset(self) -> None:
        self.title.clear()
        self.description.clear()
        self._ask_suggestions()
        self._files = []
        self._show_files()
        for label in (self.title_error, self.description_error, self.category_error, self.message):
            label.hide()
        self._dirty = False
        self.draft_state.setText("")

    @Slot()
    def _on_discard_button_clicked(self) -> None:
        self._drafts.discard(self.draft())
        self._reset()
        self.draft_state.setText("Draft discarded.")

    @override
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.suggestions.begin_session()

    @override
    def closeEvent(self, event: QCloseEvent) -> None:
        if self._dirty:
            self.save_draft()
        self._end_session(None)  # after a submit, the session has ended already
        super().closeEvent(event)
