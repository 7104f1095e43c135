"""One ticket, as its requester or support staff sees it: header, conversation, reply box and
the actions the workflow allows. Used inside the user portal and inside the agent console.

Reads go through :mod:`desktop.store.queries` and actions through
:mod:`desktop.store.commands`, both in the :class:`TaskRunner`; a refused action is explained
in the widget and the typed reply stays. A change of status, assignee or priority can be taken
back (:mod:`desktop.store.undo`): the window offers Undo for a few seconds, and Ctrl+Z undoes the
last ones made to the shown ticket.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QImage, QKeySequence, QShortcut, QTextDocument
from PySide6.QtWidgets import QLabel, QSplitter, QStackedWidget, QTextBrowser, QVBoxLayout, QWidget
from typing_extensions import override

from desktop.net.api import ClientError
from desktop.palette import scheme_for
from desktop.store import (
    article_commands,
    article_queries,
    attachment_queries,
    canned_replies,
    commands,
    queries,
    read_commands,
)
from desktop.store.article_queries import ArticleRow
from desktop.store.attaching import FileToAttach, import_files, queue_imported
from desktop.store.attachment_queries import AttachmentRow
from desktop.store.blobs import LocalBlobs
from desktop.store.database import ChangeSet, Store
from desktop.store.undo import TicketField, Undoable, Undone
from desktop.sync import downloads
from desktop.ui.knowledge.link_picker import ArticleLinkPicker
from desktop.ui.knowledge.ticket_articles import TicketArticles
from desktop.ui.shell.context import AppContext
from desktop.ui.shell.outcome import Outcome, show_outcome
from desktop.ui.ticket.controls import TicketControls
from desktop.ui.ticket.header import TicketHeader
from desktop.ui.ticket.presence_bar import PresenceBar
from desktop.ui.ticket.reply_box import ReplyBox
from desktop.ui.ticket.timeline_html import THUMBNAIL_SCHEME, Names, comment_anchor, timeline_html
from desktop.ui.widgets.attachment_pictures import pictures_of, pictures_to_fetch
from desktop.ui.widgets.icons import LOCK_RESOURCE, lock_image
from ticketing import knowledge, workflow
from ticketing.canned_replies import FillValues
from ticketing.domain import Status
from ticketing.sla import TicketSla


@dataclass(frozen=True)
class DetailData:
    """Everything the widget shows, read in one background task."""

    ticket_id: str
    detail: queries.TicketDetail | None
    staff: list[queries.StaffRow]
    priorities: list[queries.PriorityRow]
    names: Names
    attachments: list[AttachmentRow] = field(default_factory=list)
    #: Pictures of attachments on this computer: ``thumb:<id>`` and ``attachment:<id>`` (inline).
    images: dict[str, QImage] = field(default_factory=dict)
    #: Knowledge-base articles made from this ticket.
    articles: list[ArticleRow] = field(default_factory=list)
    #: Its service level, for staff (``None``: no policy applies, or an end user's window).
    service_level: TicketSla | None = None


def load_detail(store: Store, ticket_id: str) -> DetailData:
    """Read a ticket, its files and the names its history mentions (runs off the UI thread)."""
    detail = queries.ticket_detail(store, ticket_id)
    attachments = attachment_queries.for_ticket(store, ticket_id)
    staff = queries.staff(store)
    priorities = queries.priorities(store, include_inactive=True)
    categories = queries.categories(store, include_inactive=True)
    users = {person.id: person.name for person in staff}
    if detail is not None:
        ticket = detail.ticket
        for user_id, name in (
            (ticket.submitter_id, ticket.submitter_name),
            (ticket.assignee_id, ticket.assignee_name),
        ):
            if user_id and name:
                users.setdefault(user_id, name)
    names = Names(
        users=users,
        categories={c.id: c.name for c in categories},
        priorities={p.key: p.name for p in priorities},
    )
    active = [p for p in priorities if p.is_active]
    articles = article_queries.list_articles(store, source_ticket_id=ticket_id)
    pictures = pictures_of(store, attachments)
    service_level = queries.service_level(store, ticket_id)
    return DetailData(ticket_id, detail, staff, active, names, attachments, pictures, articles, service_level)


class TimelineBrowser(QTextBrowser):
    """A text browser that shows only images the app provides (the padlock, pictures of
    attachments) and never fetches what a message names: no remote images, no local files."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.images: dict[str, QImage] = {LOCK_RESOURCE: lock_image()}

    @override
    def loadResource(self, type: int, name: QUrl | str) -> Any:  # (Qt names the first "type")
        key = name.toString() if isinstance(name, QUrl) else name
        if type == QTextDocument.ResourceType.ImageResource.value:
            return self.images.get(key)
        return None


class TicketDetailView(QWidget):
    """Shows the ticket given to :meth:`show_ticket` and keeps it current.

    Signals:
        loaded(object): the shown ticket was (re)read; the :class:`queries.TicketDetail`, or
            ``None`` if it is not in the cache (any more).
        action_done(str): an action was queued locally; the text says what happened.
        action_failed(str): an action was refused; the text says why.
        undo_offered(str, object): a change that can be undone (an :class:`Undoable`) was
            queued; the text says what happened. Sent instead of ``action_done``.
        undo_started(object): that change is being undone (an offer of it is void now).
        article_requested(str): open this knowledge-base article (a link in the conversation,
            or one of the ticket's articles).
        article_edit_requested(str): open this article in the editor (a draft just made from
            the ticket).
    """

    loaded = Signal(object)
    action_done = Signal(str)
    action_failed = Signal(str)
    undo_offered = Signal(str, object)
    undo_started = Signal(object)
    article_requested = Signal(str)
    article_edit_requested = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._ticket_id: str | None = None
        self._data: DetailData | None = None
        self._comment_wanted: str | None = None  # scrolled to once its ticket is shown
        self._generation = 0
        self._staff = context.user.role.is_staff
        self._undo_stack: list[Undoable] = []  # changes made here, newest last, for Ctrl+Z

        self.header = TicketHeader()
        self.controls = TicketControls()
        self.articles = TicketArticles()
        self.articles.hide()  # staff only, once a ticket is shown
        self.timeline = TimelineBrowser()
        self.timeline.setAccessibleName("Conversation")
        self.timeline.setOpenLinks(False)  # links are opened by _on_timeline_anchor_clicked
        self._fetching: set[str] = set()  # pictures being downloaded for their thumbnail
        self._fetch_failed: set[str] = set()
        self.reply = ReplyBox()
        self.reply.set_staff(self._staff)
        self.presence = PresenceBar(context)  # staff only: who else has this ticket open
        self.presence.watch(self.reply.editor)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Ticket message")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        self.closed_note = QLabel()
        self.closed_note.setWordWrap(True)
        self.closed_note.setAccessibleName("Reply not possible")
        self.closed_note.hide()

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.timeline)
        splitter.addWidget(self.reply)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)

        content = self.content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.header)
        layout.addWidget(self.presence)
        layout.addWidget(self.controls)
        layout.addWidget(self.articles)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.closed_note)

        self.empty = QLabel("Select a ticket to see its conversation.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setAccessibleName("No ticket selected")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)

        QWidget.setTabOrder(self.controls, self.timeline)
        QWidget.setTabOrder(self.timeline, self.reply)

        self._shortcut("Ctrl+Shift+A", self.assign_to_me)
        self._shortcut("Ctrl+Shift+R", self.resolve)
        # the whole window: Ctrl+Z in the queue undoes the open ticket's change, while text
        # fields keep their own Ctrl+Z (they claim the key first)
        self._shortcut(QKeySequence.StandardKey.Undo, self.undo_last, Qt.ShortcutContext.WindowShortcut)

        self.reply.send_requested.connect(self._on_reply_send_requested)
        self.reply.article_link_requested.connect(self._on_reply_article_link_requested)
        self.reply.canned_reply_used.connect(self._on_reply_canned_reply_used)
        self.articles.create_requested.connect(self._on_articles_create_requested)
        self.articles.article_requested.connect(self.article_requested)
        self.timeline.anchorClicked.connect(self._on_timeline_anchor_clicked)
        self.controls.status_chosen.connect(self._on_controls_status_chosen)
        self.controls.assignee_chosen.connect(self._on_controls_assignee_chosen)
        self.controls.priority_chosen.connect(self._on_controls_priority_chosen)
        self.controls.assign_to_me_requested.connect(self._on_controls_assign_to_me_requested)
        context.sync.data_changed.connect(self._on_sync_data_changed)
        self.load_canned_replies()

    def load_canned_replies(self) -> None:
        """Give the reply box the cache's canned replies (staff only; read off the UI thread)."""
        if not self._staff:
            return
        store = self._context.store
        self._context.tasks.run(
            lambda: canned_replies.list_replies(store), self.reply.set_canned_replies, owner=self
        )

    def _shortcut(
        self,
        keys: str | QKeySequence.StandardKey,
        slot: Callable[[], None],
        context: Qt.ShortcutContext = Qt.ShortcutContext.WidgetWithChildrenShortcut,
    ) -> None:
        shortcut = QShortcut(QKeySequence(keys), self)
        shortcut.setContext(context)
        shortcut.activated.connect(slot)

    # --- which ticket -----------------------------------------------------------------------

    @property
    def ticket_id(self) -> str | None:
        return self._ticket_id

    @property
    def detail(self) -> queries.TicketDetail | None:
        return self._data.detail if self._data is not None else None

    def show_ticket(self, ticket_id: str | None) -> None:
        """Show ``ticket_id`` (``None``: nothing selected); the typed reply is kept only for
        the same ticket."""
        if ticket_id != self._ticket_id:
            self.reply.clear()
            self.reply.public.setChecked(True)  # an internal note is chosen per ticket, deliberately
            self._show_message("")
            self._data = None
            self._comment_wanted = None
        self._ticket_id = ticket_id
        self.presence.set_ticket(ticket_id)
        if ticket_id is None:
            self.stack.setCurrentWidget(self.empty)
            return
        self.reload()

    def reload(self) -> None:
        if self._ticket_id is None:
            return
        self._generation += 1
        generation, store, ticket_id = self._generation, self._context.store, self._ticket_id
        self._context.tasks.run(
            lambda: load_detail(store, ticket_id),
            lambda data: self._on_detail_loaded(generation, data),
            lambda error: self._show_outcome(Outcome.failed(error)),
            owner=self,
        )

    def _on_detail_loaded(self, generation: int, data: DetailData) -> None:
        if generation != self._generation or data.ticket_id != self._ticket_id:
            return
        first = self._data is None
        self._data = data
        detail = data.detail
        if detail is None:
            self.empty.setText("This ticket is no longer available on this computer.")
            self.stack.setCurrentWidget(self.empty)
            self.loaded.emit(None)
            return
        self.stack.setCurrentWidget(self.content)
        self.header.show_ticket(detail.ticket, detail.problems)
        self.header.show_service_level(data.service_level if self._staff else None)
        self.controls.show_ticket(
            detail, staff=self._staff, me=self._context.user.id, people=data.staff, priorities=data.priorities
        )
        self._show_articles(data)
        self._render_timeline(data, scroll_to_end=first)
        self._update_reply_box(detail.ticket)
        self._fetch_pictures(data)
        if detail.ticket.unread:  # shown is seen: one mark_read, only when there is news
            store, ticket_id = self._context.store, detail.ticket.id
            self._context.tasks.run(lambda: read_commands.mark_read(store, ticket_id), None, owner=self)
        self.loaded.emit(detail)

    def _render_timeline(self, data: DetailData, *, scroll_to_end: bool) -> None:
        assert data.detail is not None
        bar = self.timeline.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 4
        position = bar.value()
        self.timeline.images = {LOCK_RESOURCE: self.timeline.images[LOCK_RESOURCE], **data.images}
        thumbnails = {
            key.removeprefix(THUMBNAIL_SCHEME) for key in data.images if key.startswith(THUMBNAIL_SCHEME)
        }
        scheme = scheme_for(self.timeline.palette())
        html = timeline_html(data.detail, data.names, scheme, data.attachments, thumbnails)
        self.timeline.document().clear()  # forget pictures cached under the same names
        self.timeline.setHtml(html)
        bar.setValue(bar.maximum() if scroll_to_end or at_end else position)
        if self._comment_wanted is not None:
            self.timeline.scrollToAnchor(comment_anchor(self._comment_wanted))
            self._comment_wanted = None

    def show_comment(self, comment_id: str) -> None:
        """Scroll the timeline to ``comment_id``: now if the ticket is shown, else once the
        ticket being loaded is (a search result opens its ticket at the comment that matched)."""
        self._comment_wanted = comment_id
        data = self._data
        if data is not None and data.detail is not None and data.ticket_id == self._ticket_id:
            self.timeline.scrollToAnchor(comment_anchor(comment_id))
            self._comment_wanted = None

    # --- attachments ----------------------------------------------------------------------------

    def _fetch_pictures(self, data: DetailData) -> None:
        """Download attached pictures that are not here yet, to show their thumbnails."""
        wanted = pictures_to_fetch(data.attachments, data.images, skip=self._fetching | self._fetch_failed)
        if not wanted:
            return
        api, blobs = self._context.api, LocalBlobs(self._context.store.path)
        self._fetching.update(a.id for a in wanted)

        def work() -> set[str]:
            failed = set()
            for attachment in wanted:
                try:
                    downloads.fetch(api, blobs, attachment)
                except ClientError:  # offline, or gone: the link stays, without a picture
                    failed.add(attachment.id)
            return failed

        def done(failed: set[str]) -> None:
            self._fetching.difference_update(a.id for a in wanted)
            self._fetch_failed.update(failed)
            self.reload()

        self._context.tasks.run(work, done, lambda _: None, owner=self)

    def open_attachment(self, attachment_id: str) -> None:
        """Fetch the file if needed, then open it with the system's default application."""
        found = [a for a in (self._data.attachments if self._data else []) if a.id == attachment_id]
        if not found:
            self._show_message("This file is not available on this computer.", error=True)
            return
        attachment = found[0]
        api, blobs = self._context.api, LocalBlobs(self._context.store.path)
        self._show_message(f"Opening {attachment.file_name}…")

        def opened(path: Path) -> None:
            if QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
                self._show_message(f"Opened {attachment.file_name}.")
            else:
                self._show_message(f"No application opens {attachment.file_name}; it is in {path.parent}.")

        self._context.tasks.run(
            lambda: downloads.open_copy(api, blobs, attachment),
            opened,
            lambda error: self._show_outcome(Outcome.failed(error)),
            owner=self,
        )

    @Slot(QUrl)
    def _on_timeline_anchor_clicked(self, url: QUrl) -> None:
        article_id = knowledge.parse_article_url(url.toString())
        if article_id is not None:
            self.article_requested.emit(article_id)
        elif url.scheme() == "attachment":
            self.open_attachment(url.path())
        elif url.scheme() in ("http", "https", "mailto"):
            QDesktopServices.openUrl(url)

    # --- knowledge base ------------------------------------------------------------------------

    def _show_articles(self, data: DetailData) -> None:
        if not self._staff or data.detail is None:
            self.articles.hide()
            return
        solved = knowledge.may_become_article(data.detail.ticket.status)
        self.articles.show_articles(data.articles, can_create=solved)

    def create_article_from_ticket(self) -> None:
        """A draft article from the shown (Resolved or Closed) ticket, opened in the editor."""
        ticket_id = self._ticket_id
        if ticket_id is None or not self._staff:
            return
        store = self._context.store

        def done(article_id: str) -> None:
            self._show_message("Draft article created; rewrite it before publishing.")
            self.article_edit_requested.emit(article_id)

        def failed(error: BaseException) -> None:
            self._show_outcome(Outcome.failed(error, "create the article"))

        self._context.tasks.run(
            lambda: article_commands.create_from_ticket(store, ticket_id), done, failed, owner=self
        )

    def pick_article_link(self) -> ArticleLinkPicker:
        """Open the picker whose article goes into the reply as a link."""
        picker = ArticleLinkPicker(self._context, self)
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.chosen.connect(self.reply.insert_article_link)
        picker.show()
        return picker

    @Slot()
    def _on_articles_create_requested(self) -> None:
        self.create_article_from_ticket()

    @Slot()
    def _on_reply_article_link_requested(self) -> None:
        self.pick_article_link()

    # --- the shared rules, asked for this account ----------------------------------------------

    def _rules(self, ticket: queries.TicketRow) -> tuple[workflow.Actor, workflow.TicketState]:
        actor = workflow.Actor(id=uuid.UUID(self._context.user.id), role=self._context.user.role)
        state = workflow.TicketState(
            status=ticket.status,
            submitter_id=uuid.UUID(ticket.submitter_id),
            assignee_id=uuid.UUID(ticket.assignee_id) if ticket.assignee_id else None,
        )
        return actor, state

    def _update_reply_box(self, ticket: queries.TicketRow) -> None:
        actor, state = self._rules(ticket)
        try:
            workflow.check_comment(actor, state, is_internal=False)
        except workflow.WorkflowError as refusal:
            self.reply.hide()
            self.closed_note.setText(refusal.message)
            self.closed_note.show()
            return
        self.closed_note.hide()
        self.reply.show()
        self.reply.set_fill_values(
            FillValues(
                ticket_number=ticket.number,
                ticket_title=ticket.title,
                requester_name=ticket.submitter_name or "",
                agent_name=self._context.user.name,
            )
        )
        reopens = workflow.comment_changes(actor, state, False, dt.datetime.now(dt.UTC)).get("status")
        self.reply.set_hint(f"Your reply will reopen this ticket (it becomes {reopens})." if reopens else "")

    # --- actions ------------------------------------------------------------------------------

    def _run(
        self, work: Callable[[Store], Any], done_text: str, after: Callable[[], None] | None = None
    ) -> None:
        store = self._context.store

        def done(_result: Any) -> None:
            outcome = Outcome.done(done_text)
            self._show_outcome(outcome)
            if after is not None:
                after()
            self.action_done.emit(outcome.text)

        def failed(error: BaseException) -> None:
            outcome = Outcome.failed(error)
            self._show_outcome(outcome)
            self.reply.set_sending(False)
            self.action_failed.emit(outcome.text)

        self._context.tasks.run(lambda: work(store), done, failed, owner=self)

    def _change(self, field: TicketField, value: str | None, done_text: str) -> None:
        """Queue a change of ``field`` and offer to undo it."""
        ticket_id = self._ticket_id
        if ticket_id is None:
            return
        store = self._context.store

        def done(change: Undoable | None) -> None:
            self._show_message(done_text)
            if change is None:
                self.action_done.emit(done_text)
                return
            self._undo_stack.append(change)
            self.undo_offered.emit(done_text, change)

        def failed(error: BaseException) -> None:
            outcome = Outcome.failed(error)
            self._show_outcome(outcome)
            self.action_failed.emit(outcome.text)
            self.reload()  # the lists show the ticket's values again, not the refused one

        self._context.tasks.run(
            lambda: commands.change_field(store, ticket_id, field, value), done, failed, owner=self
        )

    def undo(self, change: Undoable) -> None:
        """Take ``change`` back (the status bar's Undo, Ctrl+Z); a refusal says why."""
        if change not in self._undo_stack:
            self._show_message("This change was already undone.")
            return
        self._undo_stack.remove(change)
        self.undo_started.emit(change)
        store = self._context.store

        def done(undone: Undone) -> None:
            text = _undone_text(undone)
            self._show_message(text)
            self.action_done.emit(text)

        def failed(error: BaseException) -> None:
            outcome = Outcome.failed(error)
            self._show_outcome(outcome)
            self.action_failed.emit(outcome.text)

        self._context.tasks.run(lambda: commands.undo_change(store, change), done, failed, owner=self)

    def undo_last(self) -> None:
        """Undo the newest change made here to the shown ticket (Ctrl+Z)."""
        mine = [change for change in self._undo_stack if change.ticket_id == self._ticket_id]
        if not mine:
            self._show_message("Nothing to undo on this ticket.")
            return
        self.undo(mine[-1])

    def send_reply(self) -> None:
        """Send what is typed in the reply box (Ctrl+Enter)."""
        self._on_reply_send_requested(self.reply.editor.html(), self.reply.is_internal)

    @Slot(str, bool)
    def _on_reply_send_requested(self, html: str, internal: bool) -> None:
        ticket_id = self._ticket_id
        if ticket_id is None:
            return
        if self.reply.editor.is_empty():
            self._show_message("Write something first.", error=True)
            self.reply.editor.setFocus()
            return
        self.reply.set_sending(True)

        def sent() -> None:
            self.reply.clear()
            self.reply.set_sending(False)
            bar = self.timeline.verticalScrollBar()
            bar.setValue(bar.maximum())

        what = "Internal note saved" if internal else "Reply saved"
        files = [FileToAttach(path, path.name) for path in self.reply.files]

        def work(store: Store) -> str:
            imported = import_files(store, files)  # an unreadable file refuses before anything is queued
            comment_id = commands.add_comment(store, ticket_id, html, is_internal=internal)
            queue_imported(store, ticket_id, imported, comment_id)
            return comment_id

        self._run(work, f"{what}; it will be sent with the next sync.", sent)

    def change_status(self, to: Status) -> None:
        self._change(TicketField.STATUS, to.value, f"Status changed to {to}.")

    def assign(self, assignee_id: str | None) -> None:
        text = "Ticket unassigned." if assignee_id is None else "Ticket assigned."
        self._change(TicketField.ASSIGNEE, assignee_id, text)

    def assign_to_me(self) -> None:
        """Assign the ticket to the logged-in agent (Ctrl+Shift+A)."""
        if self._staff and self._ticket_id is not None:
            self.assign(self._context.user.id)

    def resolve(self) -> None:
        """Mark the ticket Resolved if the workflow allows it (Ctrl+Shift+R)."""
        detail = self.detail
        if detail is None:
            return
        if Status.RESOLVED in detail.allowed_transitions:
            self.change_status(Status.RESOLVED)
        else:
            self._show_message(f"A {detail.ticket.status} ticket cannot be resolved by you.", error=True)

    def change_priority(self, key: str) -> None:
        self._change(TicketField.PRIORITY, key, "Priority changed.")

    @Slot(object)
    def _on_controls_status_chosen(self, to: Status) -> None:
        self.change_status(to)

    @Slot(object)
    def _on_controls_assignee_chosen(self, assignee_id: str | None) -> None:
        self.assign(assignee_id)

    @Slot(str)
    def _on_controls_priority_chosen(self, key: str) -> None:
        self.change_priority(key)

    @Slot()
    def _on_controls_assign_to_me_requested(self) -> None:
        self.assign_to_me()

    # --- feedback and refresh -----------------------------------------------------------------

    def _show_message(self, text: str, *, error: bool = False) -> None:
        self._show_outcome(Outcome(text, refused=error))

    def _show_outcome(self, outcome: Outcome) -> None:
        show_outcome(self.message, outcome)

    @Slot(str)
    def _on_reply_canned_reply_used(self, reply_id: str) -> None:
        store = self._context.store
        self._context.tasks.run(
            lambda: canned_replies.count_use(store, reply_id),
            None,
            lambda error: self._show_outcome(Outcome.failed(error)),
            owner=self,
        )

    @Slot(object)
    def _on_sync_data_changed(self, change: ChangeSet) -> None:
        if self._staff and (change.canned_replies or change.everything):
            self.load_canned_replies()
        if self._ticket_id is None:
            return
        if change.everything or change.reference or change.outbox or self._ticket_id in change.tickets:
            self.reload()  # outbox: a problem of this ticket may have been dismissed
        elif self._staff and change.articles:
            self.reload()  # an article made from this ticket may have come or changed


def _undone_text(undone: Undone) -> str:
    what = {TicketField.STATUS: "status", TicketField.ASSIGNEE: "assignee", TicketField.PRIORITY: "priority"}
    name = what[undone.change.field]
    if undone.withdrawn:
        return f"Undone: the {name} change was withdrawn before it was sent."
    return f"Undone: the {name} is set back; this goes to the server with the next sync."
