"""What each notification mail says, as a subject, a plain-text part and an HTML part.

User content reaches the HTML part only as sanitized rich text (``ticketing.richtext``, applied
again here) and everything else (titles, names) is escaped; the text part is readable plain text
derived from the same sanitized HTML (paragraphs, lists, links spelled out). Images in rich text
point at attachments the mail cannot carry, so both parts name them instead of showing them.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from ticketing.richtext import IMAGE_SCHEME, sanitize_html

#: The subject of every mail about a ticket starts with its number in brackets; follow-ups put
#: ``Re:`` before it, so mail clients that thread by subject keep a ticket's mails together.
SUBJECT_MAX_LENGTH = 400

FOOTER_TEXT = (
    "This is an automatic message from the Ticketdesk help desk. Replies to it are not read: "
    "open the ticket in the Ticketdesk app to answer. You can turn these emails off in the app "
    '(File > "Email me about my tickets").'
)

_SPACE_RE = re.compile(r"\s+")
_BLANK_LINES_RE = re.compile(r"\n{3,}")
_PARAGRAPH_TAGS = frozenset({"p", "h1", "h2", "h3", "h4", "blockquote", "pre", "table", "ul", "ol"})
_LINE_TAGS = frozenset({"div", "tr", "br"})
_VOID_TAGS = frozenset({"br", "hr", "img"})
_TEXT_LINK_SCHEMES = ("http://", "https://", "mailto:")


@dataclass(frozen=True)
class TicketFacts:
    """The parts of a ticket a mail mentions."""

    number: str
    title: str
    status: str
    priority: str


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def one_line(text: str) -> str:
    """Text fit for a header: no line breaks (they would start a new header), no runs of space."""
    return _SPACE_RE.sub(" ", text).strip()


def subject_for(ticket: TicketFacts, *, follow_up: bool) -> str:
    subject = f"[{ticket.number}] {one_line(ticket.title)}"
    if follow_up:
        subject = f"Re: {subject}"
    return subject[:SUBJECT_MAX_LENGTH]


class _RichTextWalker(HTMLParser):
    """Walks sanitized HTML once and writes it twice: as plain text and as mail-safe HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.html: list[str] = []
        self._pre = 0
        self._lists: list[int | None] = []  # per open list: the next number, or None for bullets
        self._links: list[str | None] = []
        self._link_text_start: list[int] = []
        self._cells = 0

    # --- text helpers ---------------------------------------------------------------------------

    def _tail(self) -> str:
        return "".join(self.text[-8:])

    def _break(self, newlines: int) -> None:
        """End the current line (1) or paragraph (2), unless that is already done."""
        tail = self._tail().rstrip(" ")
        have = len(tail) - len(tail.rstrip("\n"))
        if have < newlines:
            self.text.append("\n" * (newlines - have))

    # --- parser callbacks -----------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "img":
            alt = one_line(values.get("alt", ""))
            label = f"[image: {alt}]" if alt else "[image]"
            self.text.append(label)
            self.html.append(html.escape(label))
            return
        if tag in _PARAGRAPH_TAGS:
            self._break(2)
        elif tag in _LINE_TAGS:
            self._break(1)
        if tag == "pre":
            self._pre += 1
        elif tag in ("ul", "ol"):
            self._lists.append(1 if tag == "ol" else None)
        elif tag == "li":
            self._break(1)
            indent = "  " * max(len(self._lists) - 1, 0)
            number = self._lists[-1] if self._lists else None
            if number is None:
                self.text.append(f"{indent}- ")
            else:
                self.text.append(f"{indent}{number}. ")
                self._lists[-1] = number + 1
        elif tag == "hr":
            self._break(1)
            self.text.append("----")
            self._break(1)
        elif tag == "tr":
            self._cells = 0
        elif tag in ("td", "th"):
            if self._cells:
                self.text.append(" | ")
            self._cells += 1
        elif tag == "a":
            href = values.get("href", "")
            if href.startswith(IMAGE_SCHEME):  # an attachment: the mail cannot link to it
                values.pop("href", None)
                href = ""
            self._links.append(href or None)
            self._link_text_start.append(len(self.text))
        kept = "".join(
            f' {name}="{html.escape(value, quote=True)}"' for name, value in values.items() if value
        )
        self.html.append(f"<{tag}{kept}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID_TAGS:
            return
        self.html.append(f"</{tag}>")
        if tag == "a" and self._links:
            href = self._links.pop()
            start = self._link_text_start.pop()
            label = "".join(self.text[start:]).strip()
            if href and href.startswith(_TEXT_LINK_SCHEMES):
                shown = href.removeprefix("mailto:")
                if shown != label:
                    self.text.append(f" ({shown})")
        elif tag == "pre":
            self._pre = max(self._pre - 1, 0)
            self._break(2)
        elif tag in ("ul", "ol"):
            if self._lists:
                self._lists.pop()
            self._break(2)
        elif tag in _PARAGRAPH_TAGS:
            self._break(2)
        elif tag in ("div", "li", "tr"):
            self._break(1)

    def handle_data(self, data: str) -> None:
        self.html.append(html.escape(data, quote=False))
        if self._pre:
            self.text.append(data)
            return
        collapsed = _SPACE_RE.sub(" ", data)
        tail = self._tail()
        if not tail or tail[-1].isspace():
            collapsed = collapsed.lstrip(" ")
        self.text.append(collapsed)

    def plain(self) -> str:
        lines = [line.rstrip() for line in "".join(self.text).split("\n")]
        return _BLANK_LINES_RE.sub("\n\n", "\n".join(lines)).strip()


def rich_text_parts(content: str) -> tuple[str, str]:
    """(plain text, mail-safe HTML) of a rich-text field as stored (sanitized again here)."""
    walker = _RichTextWalker()
    walker.feed(sanitize_html(content))
    walker.close()
    return walker.plain(), sanitize_html("".join(walker.html))


@dataclass
class _Mail:
    """A mail written paragraph by paragraph, into both parts at once."""

    text: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)

    def say(self, sentence: str) -> _Mail:
        self.text.append(sentence)
        self.html.append(f"<p>{html.escape(sentence)}</p>")
        return self

    def facts(self, rows: list[tuple[str, str]]) -> _Mail:
        self.text.append("\n".join(f"{label}: {value}" for label, value in rows))
        cells = "".join(
            f'<tr><th align="left" style="padding:2px 12px 2px 0">{html.escape(label)}</th>'
            f"<td>{html.escape(value)}</td></tr>"
            for label, value in rows
        )
        self.html.append(f"<table>{cells}</table>")
        return self

    def quote(self, content: str) -> _Mail:
        text, safe_html = rich_text_parts(content)
        self.text.append("\n".join(f"> {line}" if line else ">" for line in text.split("\n")))
        self.html.append(
            '<blockquote style="margin:0 0 1em 0;padding:0 0 0 12px;border-left:3px solid #c8c8c8">'
            f"{safe_html}</blockquote>"
        )
        return self

    def render(self, subject: str) -> RenderedMail:
        text = "\n\n".join(self.text) + f"\n\n-- \n{FOOTER_TEXT}\n"
        body = "\n".join(self.html)
        page = (
            '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
            f"<title>{html.escape(subject)}</title></head>\n"
            '<body style="font-family:sans-serif;font-size:14px;line-height:1.4;color:#1f1f1f">\n'
            f"{body}\n"
            f'<p style="color:#6b6b6b;font-size:12px">{html.escape(FOOTER_TEXT)}</p>\n'
            "</body></html>\n"
        )
        return RenderedMail(subject=subject, text=text, html=page)


def _ticket_line(ticket: TicketFacts) -> str:
    return f'{ticket.number} "{one_line(ticket.title)}"'


def ticket_created(ticket: TicketFacts, recipient_name: str, description: str) -> RenderedMail:
    """To the submitter: we have your ticket, here is its number."""
    return (
        _Mail()
        .say(f"Hello {recipient_name},")
        .say(
            f"We received your ticket {_ticket_line(ticket)}. Our support team will look at it "
            "soon; you will get an email when an agent replies."
        )
        .facts([("Ticket", ticket.number), ("Priority", ticket.priority), ("Status", ticket.status)])
        .say("Your description:")
        .quote(description)
        .render(subject_for(ticket, follow_up=False))
    )


def agent_reply(ticket: TicketFacts, recipient_name: str, author_name: str, content: str) -> RenderedMail:
    """To the submitter: support answered on their ticket."""
    return (
        _Mail()
        .say(f"Hello {recipient_name},")
        .say(f"{author_name} replied to your ticket {_ticket_line(ticket)}:")
        .quote(content)
        .say("To answer, open the ticket in the Ticketdesk app.")
        .render(subject_for(ticket, follow_up=True))
    )


def ticket_resolved(ticket: TicketFacts, recipient_name: str, actor_name: str) -> RenderedMail:
    """To the submitter: the ticket is resolved; a reply in the app reopens it."""
    return (
        _Mail()
        .say(f"Hello {recipient_name},")
        .say(f"{actor_name} marked your ticket {_ticket_line(ticket)} as Resolved.")
        .say(
            "If your problem is solved there is nothing more to do. If it is not, reply to the "
            "ticket in the Ticketdesk app and it opens again."
        )
        .render(subject_for(ticket, follow_up=True))
    )


def ticket_assigned(
    ticket: TicketFacts, recipient_name: str, actor_name: str, submitter_name: str, description: str
) -> RenderedMail:
    """To the agent who now has the ticket."""
    return (
        _Mail()
        .say(f"Hello {recipient_name},")
        .say(f"{actor_name} assigned ticket {_ticket_line(ticket)} to you.")
        .facts(
            [
                ("Ticket", ticket.number),
                ("Submitted by", submitter_name),
                ("Priority", ticket.priority),
                ("Status", ticket.status),
            ]
        )
        .quote(description)
        .render(subject_for(ticket, follow_up=True))
    )


def sla_escalation(
    ticket: TicketFacts, recipient_name: str, target: str, due: str, *, breached: bool
) -> RenderedMail:
    """To the assignee (or the team, or admins): a target of the ticket is near or missed."""
    if breached:
        headline = f"The {target} target of ticket {_ticket_line(ticket)} was missed: it was due {due}."
    else:
        headline = f"The {target} target of ticket {_ticket_line(ticket)} is due {due}."
    subject = f"[{ticket.number}] {'SLA breached' if breached else 'SLA warning'}: {one_line(ticket.title)}"
    return (
        _Mail()
        .say(f"Hello {recipient_name},")
        .say(headline)
        .facts([("Ticket", ticket.number), ("Priority", ticket.priority), ("Status", ticket.status)])
        .say("Open the ticket in the Ticketdesk app to answer it.")
        .render(subject)
    )
