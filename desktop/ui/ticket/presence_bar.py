"""The line above a ticket that says which colleagues have it open ("Dana Agent is viewing").

Staff only. :class:`PresenceBar` follows the shown ticket: it tells the server what this agent
is doing there (:class:`~desktop.sync.presence_reporter.PresenceReporter` decides what and
when; :func:`desktop.net.presence.announce` sends it in the :class:`TaskRunner`, never while
offline) and shows what it hears from the others (``SyncController.presence`` into a
:class:`~desktop.sync.presence.PresenceTracker`, ticked by a timer so that a colleague who
closed the app disappears when their entry expires). Hidden when nobody else is there, and
never built into anything a requester sees.
"""

from __future__ import annotations

import functools

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import QLabel, QWidget

from desktop.net import presence as presence_api
from desktop.palette import scheme_for
from desktop.sync.presence import Colleague, PresenceTracker
from desktop.sync.presence_reporter import Announcement, PresenceReporter
from desktop.ui.shell.context import AppContext
from desktop.ui.widgets.rich_text_editor import RichTextEditor
from ticketing.presence import PresenceOut, PresenceState

#: Milliseconds between the timer's ticks (expiry on screen, refreshes and idle replies).
TICK_MS = 1000


def _names(people: list[Colleague]) -> str:
    names = [person.name for person in people]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def describe(people: list[Colleague]) -> str:
    """``"Dana Agent is replying…"``, ``"Bo and Cy are viewing"``; repliers first."""
    parts = []
    for state, one, several in (
        (PresenceState.REPLYING, "is replying…", "are replying…"),
        (PresenceState.VIEWING, "is viewing", "are viewing"),
    ):
        group = [person for person in people if person.state == state]
        if group:
            parts.append(f"{_names(group)} {one if len(group) == 1 else several}")
    return "; ".join(parts)


class PresenceBar(QLabel):
    """Who else is on the shown ticket; for a requester's account it stays hidden and inert."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._staff = context.user.is_staff
        self.tracker = PresenceTracker(me=context.user.id)
        self.reporter = PresenceReporter()
        self._ticket_id: str | None = None
        self._editor: RichTextEditor | None = None
        self.setAccessibleName("Who else is on this ticket")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)  # a name is text, never markup
        self.hide()
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._on_timer_timeout)
        if self._staff:
            context.sync.presence.connect(self._on_sync_presence)
            context.sync.session_ending.connect(self._on_sync_session_ending)
            self.timer.start()

    def watch(self, editor: RichTextEditor) -> None:
        """Announce "replying" while something is typed in ``editor`` (the reply box)."""
        if self._staff:
            self._editor = editor
            editor.changed.connect(self._on_editor_changed)

    def set_ticket(self, ticket_id: str | None) -> None:
        """The ticket shown now (``None``: none); the one before is left."""
        if not self._staff or ticket_id == self._ticket_id:
            return
        self._ticket_id = ticket_id
        self._send(self.reporter.open(ticket_id))
        self._show()

    def _send(self, announcements: list[Announcement]) -> None:
        if not announcements or not self._context.sync.status.online:
            return  # offline: nobody could hear it, and it expires at the others by itself
        api = self._context.api
        for said in announcements:
            work = functools.partial(presence_api.announce, api, said.ticket_id, said.state)
            self._context.tasks.run(work, None, None, owner=self)

    def _show(self) -> None:
        people = self.tracker.on_ticket(self._ticket_id) if self._ticket_id is not None else []
        if not people:
            self.hide()
            self.clear()
            return
        scheme = scheme_for(self.palette())
        replying = any(person.state == PresenceState.REPLYING for person in people)
        self.setStyleSheet(f"color: {scheme.warning if replying else scheme.muted};")
        self.setText(describe(people))
        self.show()

    @Slot(object)
    def _on_sync_presence(self, presence: PresenceOut) -> None:
        if self.tracker.heard(presence) and str(presence.ticket_id) == self._ticket_id:
            self._show()

    @Slot()
    def _on_sync_session_ending(self) -> None:
        self._send(self.reporter.leave())  # the others need not wait for it to expire
        self._ticket_id = None

    @Slot()
    def _on_editor_changed(self) -> None:
        if self._editor is not None:
            self._send(self.reporter.typed(not self._editor.edit.document().isEmpty()))

    @Slot()
    def _on_timer_timeout(self) -> None:
        self._send(self.reporter.tick())
        if self.tracker.expire():
            self._show()
