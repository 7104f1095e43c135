"""A ticket's conversation and history as HTML for a QTextBrowser.

Everything users wrote goes through ``ticketing.richtext.sanitize_html`` again here: the cache
could hold a row from a compromised server, and a text browser must not be the way in. Internal
notes get a tinted background and a padlock label, so nobody mistakes them for public replies.

The server's automatic assignment writes its events in the ticket's creation, at the very
moment of the ``created`` event (no person assigns a ticket in that transaction): those read
"Assigned automatically to Dana" rather than naming the requester as the one who assigned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape

from desktop.models.formatting import local_time
from desktop.palette import LIGHT, Scheme
from desktop.store import queries
from desktop.store.attachment_queries import AttachmentRow
from desktop.ui.widgets.icons import LOCK_RESOURCE
from ticketing import workflow
from ticketing.files import human_size
from ticketing.richtext import sanitize_html
from ticketing.visibility import STAFF_EVENT_FIELDS

#: Field names of history events in the user's words.
FIELD_NAMES: dict[str, str] = {
    "status": "status",
    "priority": "priority",
    "category_id": "category",
    "assignee_id": "assignee",
    "title": "title",
}


@dataclass(frozen=True)
class Names:
    """Display names of ids that events mention (users, categories, priorities)."""

    users: Mapping[str, str] = field(default_factory=dict)
    categories: Mapping[str, str] = field(default_factory=dict)
    priorities: Mapping[str, str] = field(default_factory=dict)

    def value(self, field_name: str, value: str | None) -> str:
        if value is None:
            return "nobody" if field_name == "assignee_id" else "none"
        lookup: Mapping[str, str] = {
            "assignee_id": self.users,
            "category_id": self.categories,
            "priority": self.priorities,
        }.get(field_name, {})
        unknown = {"assignee_id": "someone else", "category_id": "a category no longer listed"}
        return lookup.get(value, unknown.get(field_name, value))


def event_text(event: queries.EventRow, names: Names, *, automatic: bool = False) -> str:
    """``Alice changed status from Open to Resolved`` (plain text); ``automatic``: part of the
    server's automatic assignment (:func:`ticketing.workflow.is_automatic_assignment`)."""
    if event.field in STAFF_EVENT_FIELDS:
        return service_level_line(event)
    if automatic:
        return automatic_assignment_line(event, names)
    who = event.actor_name or names.users.get(event.actor_id or "", "Someone")
    if event.field == "created":
        return f"{who} created the ticket"
    if event.field == "description":
        return f"{who} edited the description"
    what = FIELD_NAMES.get(event.field, event.field)
    if event.field == "assignee_id" and event.new_value is not None and event.old_value is None:
        return f"{who} assigned the ticket to {names.value(event.field, event.new_value)}"
    old, new = names.value(event.field, event.old_value), names.value(event.field, event.new_value)
    return f"{who} changed {what} from {old} to {new}"


def automatic_assignment_line(event: queries.EventRow, names: Names) -> str:
    """``Assigned automatically to Dana`` and the status change that came with it."""
    new = names.value(event.field, event.new_value)
    if event.field == "assignee_id":
        return f"Assigned automatically to {new}"
    return f"Status changed from {names.value(event.field, event.old_value)} to {new} with the assignment"


def service_level_line(event: queries.EventRow) -> str:
    """``First response target missed (due 2 Dec 14:30)``: the escalation job's history lines."""
    target = (event.old_value or "An SLA").replace("_", " ").capitalize()
    due = f" (due {local_time(dt.datetime.fromisoformat(event.new_value))})" if event.new_value else ""
    if event.field == "sla_breached":
        return f"{target} target missed{due}"
    return f"{target} target due soon{due}: SLA warning"


#: Resource names for the pictures the timeline shows: ``thumb:<attachment id>``.
THUMBNAIL_SCHEME = "thumb:"


def files_html(files: Sequence[AttachmentRow], thumbnails: Container[str], colors: Scheme) -> str:
    """Attached files under a message: a thumbnail for images that are on this computer, and
    for each a link (``attachment:<id>``) that opens it."""
    lines = []
    for attachment in files:
        link = f"attachment:{attachment.id}"
        thumbnail = (
            f"<a href='{link}'><img src='{THUMBNAIL_SCHEME}{attachment.id}'></a><br>"
            if attachment.id in thumbnails
            else ""
        )
        note = human_size(attachment.size) + (" · not sent yet" if attachment.pending else "")
        lines.append(
            f"<p style='margin-top:6px; margin-bottom:0'>{thumbnail}"
            f"<a href='{link}'>{escape(attachment.file_name)}</a> "
            f"<span style='color:{colors.muted}'>({escape(note)})</span></p>"
        )
    return "".join(lines)


def comment_anchor(comment_id: str) -> str:
    """The name of a comment's anchor in the timeline (for ``QTextBrowser.scrollToAnchor``)."""
    return f"comment-{comment_id}"


def _comment_html(
    comment: queries.CommentRow,
    colors: Scheme,
    files: Sequence[AttachmentRow] = (),
    thumbnails: Container[str] = frozenset(),
) -> str:
    author = escape(comment.author_name or "Someone")
    when = escape(local_time(comment.created_at))
    pending = f" · <i style='color:{colors.muted}'>not sent yet</i>" if comment.pending else ""
    if comment.is_internal:
        background, border = colors.internal_background, colors.internal_border
        label = (
            f"<img src='{LOCK_RESOURCE}' width='14' height='14'>&nbsp;"
            f"<b style='color:{colors.internal_label}'>Internal note</b>"
            " — only support staff can see this<br>"
        )
    else:
        background, border, label = colors.surface, colors.surface_border, ""
    return (
        f"<a name='{escape(comment_anchor(comment.id))}'></a>"
        f"<table width='100%' cellspacing='0' cellpadding='8' border='1' "
        f"style='border-style:solid; border-color:{border}; margin-bottom:8px'>"
        f"<tr><td bgcolor='{background}' style='color:{colors.text}'>"
        f"{label}<b>{author}</b> <span style='color:{colors.muted}'>· {when}</span>{pending}"
        f"<div>{sanitize_html(comment.content)}</div>{files_html(files, thumbnails, colors)}"
        "</td></tr></table>"
    )


def _event_html(event: queries.EventRow, names: Names, colors: Scheme, *, automatic: bool) -> str:
    text = event_text(event, names, automatic=automatic)
    return (
        f"<p style='color:{colors.muted}; margin-top:2px; margin-bottom:10px; margin-left:8px'>"
        f"• {escape(text)} · {escape(local_time(event.created_at))}</p>"
    )


def timeline_html(
    detail: queries.TicketDetail,
    names: Names,
    colors: Scheme = LIGHT,
    attachments: Sequence[AttachmentRow] = (),
    thumbnails: Container[str] = frozenset(),
) -> str:
    """The description, then comments and history events in time order, each message with its
    files (``thumbnails``: the attachment ids whose picture the browser can show)."""
    ticket = detail.ticket
    by_comment: dict[str | None, list[AttachmentRow]] = {}
    for attachment in attachments:
        by_comment.setdefault(attachment.comment_id, []).append(attachment)
    opener = escape(ticket.submitter_name or "Someone")
    parts = [
        f"<table width='100%' cellspacing='0' cellpadding='8' border='1' "
        f"style='border-style:solid; border-color:{colors.surface_border}; margin-bottom:8px'>"
        f"<tr><td bgcolor='{colors.surface}' style='color:{colors.text}'>"
        f"<b>{opener}</b> <span style='color:{colors.muted}'>opened this ticket · "
        f"{escape(local_time(ticket.created_at))}</span>"
        f"<div>{sanitize_html(detail.description)}</div>"
        f"{files_html(by_comment.get(None, []), thumbnails, colors)}</td></tr></table>"
    ]
    created_at = next(
        (e.event.created_at for e in detail.timeline if e.event is not None and e.event.field == "created"),
        None,
    )
    for entry in detail.timeline:
        if entry.comment is not None:
            files = by_comment.get(entry.comment.id, [])
            parts.append(_comment_html(entry.comment, colors, files, thumbnails))
        elif entry.event is not None and entry.event.field != "created":
            automatic = workflow.is_automatic_assignment(
                entry.event.field, entry.event.created_at, created_at
            )
            parts.append(_event_html(entry.event, names, colors, automatic=automatic))
    return "".join(parts)
