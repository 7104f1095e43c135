"""Which new comments and ticket events deserve a desktop notification, for whom: pure rules.

:mod:`desktop.store.notices` reads the rows that arrived since the last look and hands them
here; the windows show what comes back. Kept apart from SQL and Qt so the rules can be read
(and tested) on their own.

For an agent or admin: a ticket assigned to them by someone else (or automatically, and told
so), a public reply from the requester on a ticket assigned to them, a priority raised to
Critical, a service-level warning or breach on a ticket assigned to them or to nobody (the
server's escalation job writes those history lines, without an actor, within the calendar's
working hours). For a user: a public reply from staff on their ticket, their ticket resolved.
Never the account's own changes.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ticketing import workflow
from ticketing.domain import Priority, Role, Status, format_ticket_number
from ticketing.visibility import STAFF_EVENT_FIELDS

#: More notices than this at once (a long time offline, a burst) become one summary.
SUMMARY_OVER = 3


class NoticeKind(enum.StrEnum):
    """A kind of notification; each can be switched off (the values are kept in settings)."""

    ASSIGNED = "assigned"
    REQUESTER_REPLY = "requester_reply"
    CRITICAL = "critical"
    AGENT_REPLY = "agent_reply"
    RESOLVED = "resolved"
    SERVICE_LEVEL = "service_level"

    @property
    def label(self) -> str:
        """What the switch for this kind says."""
        return _LABELS[self]


_LABELS = {
    NoticeKind.ASSIGNED: "A ticket is assigned to me",
    NoticeKind.REQUESTER_REPLY: "The requester replies on my ticket",
    NoticeKind.CRITICAL: "A ticket's priority is raised to Critical",
    NoticeKind.AGENT_REPLY: "Support replies on my ticket",
    NoticeKind.RESOLVED: "My ticket is resolved",
    NoticeKind.SERVICE_LEVEL: "My ticket (or an unassigned one) nears or misses its SLA target",
}

STAFF_KINDS = (NoticeKind.ASSIGNED, NoticeKind.REQUESTER_REPLY, NoticeKind.CRITICAL, NoticeKind.SERVICE_LEVEL)
USER_KINDS = (NoticeKind.AGENT_REPLY, NoticeKind.RESOLVED)

#: The ``ticket_events.field`` values the rules read (the server's column names, see
#: ``sync_server.services.helpdesk.tickets._History``).
ASSIGNEE_FIELD = "assignee_id"
PRIORITY_FIELD = "priority"
STATUS_FIELD = "status"


def kinds_for(role: Role) -> tuple[NoticeKind, ...]:
    """The kinds of notification that apply to an account of ``role``."""
    return STAFF_KINDS if role.is_staff else USER_KINDS


@dataclass(frozen=True)
class TicketFacts:
    """What the rules need of a ticket that new rows belong to, as the cache holds it now.

    ``is_new``: the ticket itself arrived in the cache since the last look (newly created, or
    newly visible to this account, whose older rows are history, not news)."""

    id: str
    number: int | None
    title: str
    submitter_id: str | None
    assignee_id: str | None
    is_new: bool = False
    created_at: str | None = None


@dataclass(frozen=True)
class NewComment:
    id: str
    ticket_id: str
    author_id: str | None
    author_name: str | None
    is_internal: bool
    created_at: str


@dataclass(frozen=True)
class NewEvent:
    id: str
    ticket_id: str
    actor_id: str | None
    actor_name: str | None
    field: str
    old_value: str | None
    new_value: str | None
    created_at: str


@dataclass(frozen=True)
class Notice:
    """One notification: what it says and which ticket a click opens."""

    kind: NoticeKind
    ticket_id: str
    title: str
    message: str
    comment_id: str | None = None


@dataclass(frozen=True)
class Batch:
    """The rows that arrived since the last look.

    ``seen_until``: the newest ``created_at`` (server time) among the rows already looked at;
    rows of a newly arrived ticket that are not newer are its history."""

    tickets: Mapping[str, TicketFacts]
    comments: tuple[NewComment, ...] = ()
    events: tuple[NewEvent, ...] = ()
    seen_until: str | None = None


def _is_news(ticket: TicketFacts, created_at: str, seen_until: str | None) -> bool:
    return not ticket.is_new or seen_until is None or created_at > seen_until


def _who(name: str | None) -> str:
    return name or "Someone"


def classify(me: str, role: Role, batch: Batch) -> list[Notice]:
    """The notices ``me`` (of ``role``) gets for ``batch``, oldest first."""
    found: list[tuple[str, Notice]] = []
    staff = role.is_staff
    for comment in batch.comments:
        ticket = batch.tickets.get(comment.ticket_id)
        if (
            ticket is None
            or comment.is_internal
            or comment.author_id is None
            or comment.author_id == me
            or not _is_news(ticket, comment.created_at, batch.seen_until)
        ):
            continue
        by_requester = comment.author_id == ticket.submitter_id
        number = format_ticket_number(ticket.number)
        if staff and by_requester and ticket.assignee_id == me:
            kind = NoticeKind.REQUESTER_REPLY
        elif not staff and not by_requester and ticket.submitter_id == me:
            kind = NoticeKind.AGENT_REPLY
        else:
            continue
        title = f"{_who(comment.author_name)} replied on {number}"
        found.append((comment.created_at, Notice(kind, ticket.id, title, ticket.title, comment.id)))
    for event in batch.events:
        ticket = batch.tickets.get(event.ticket_id)
        if (
            ticket is None
            or (event.actor_id is None and event.field not in STAFF_EVENT_FIELDS)
            or event.actor_id == me
            or not _is_news(ticket, event.created_at, batch.seen_until)
        ):
            continue
        notice = _event_notice(me, staff, ticket, event)
        if notice is not None:
            found.append((event.created_at, notice))
    found.sort(key=lambda item: item[0])
    return [notice for _, notice in found]


def _event_notice(me: str, staff: bool, ticket: TicketFacts, event: NewEvent) -> Notice | None:
    number = format_ticket_number(ticket.number)
    if event.field in STAFF_EVENT_FIELDS:
        if not staff or ticket.assignee_id not in (me, None):
            return None
        return Notice(NoticeKind.SERVICE_LEVEL, ticket.id, service_level_text(event, number), ticket.title)
    who = _who(event.actor_name)
    if staff and event.field == ASSIGNEE_FIELD and event.new_value == me:
        automatic = workflow.is_automatic_assignment(event.field, event.created_at, ticket.created_at)
        title = (
            f"{number} was assigned to you automatically" if automatic else f"{who} assigned {number} to you"
        )
        return Notice(NoticeKind.ASSIGNED, ticket.id, title, ticket.title)
    critical = Priority.CRITICAL.value
    raised = event.new_value == critical and event.old_value != critical
    if staff and event.field == PRIORITY_FIELD and raised:
        return Notice(NoticeKind.CRITICAL, ticket.id, f"{number} is now Critical ({who})", ticket.title)
    resolved = Status.RESOLVED.value
    if (
        not staff
        and ticket.submitter_id == me
        and event.field == STATUS_FIELD
        and event.new_value == resolved
        and event.old_value != resolved
    ):
        return Notice(NoticeKind.RESOLVED, ticket.id, f"{number} was resolved", ticket.title)
    return None


def service_level_text(event: NewEvent, number: str) -> str:
    """``TKT-1042: first response due 14:30 (SLA warning)``."""
    target = (event.old_value or "a target").replace("_", " ")
    if event.field == "sla_breached":
        return f"{number} missed its {target} target"
    return f"{number}: {target} target due soon"


def enabled_only(notices: Iterable[Notice], enabled: Iterable[NoticeKind]) -> list[Notice]:
    """The notices of the kinds the account has switched on."""
    allowed = set(enabled)
    return [notice for notice in notices if notice.kind in allowed]


@dataclass(frozen=True)
class Summary:
    """Many notices at once, told as one."""

    title: str
    message: str
    count: int
    tickets: int


def summarize(notices: list[Notice]) -> Summary | None:
    """One summary if there are more than :data:`SUMMARY_OVER` notices, else ``None``."""
    if len(notices) <= SUMMARY_OVER:
        return None
    tickets = len({notice.ticket_id for notice in notices})
    counts = Counter(notice.kind for notice in notices)
    parts = [f"{_SHORT[kind]}: {counts[kind]}" for kind in NoticeKind if counts[kind]]
    noun = "ticket" if tickets == 1 else "tickets"
    title = f"{len(notices)} updates on {tickets} {noun}"
    return Summary(title, ", ".join(parts), len(notices), tickets)


_SHORT = {
    NoticeKind.ASSIGNED: "assigned to you",
    NoticeKind.REQUESTER_REPLY: "requester replies",
    NoticeKind.CRITICAL: "raised to Critical",
    NoticeKind.AGENT_REPLY: "replies",
    NoticeKind.RESOLVED: "resolved",
}
