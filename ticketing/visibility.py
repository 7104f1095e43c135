"""Which sync buckets a row belongs to and which buckets an account subscribes to.

A row is visible to an account exactly when the two sets meet. The server's read queries and
the sync change log are both derived from these functions, so an internal note cannot leak
through one path while another path hides it.
"""

from __future__ import annotations

import uuid

from ticketing.domain import AgentVisibility, ArticleStatus, Role

QUEUE = "queue"
QUEUE_INTERNAL = "queue_internal"
DIRECTORY = "directory"
PEOPLE = "people"
KB_PUBLISHED = "kb_published"
KB_ALL = "kb_all"
ADMIN = "admin"
#: What every support staff member shares: SLA calendars and policies, team canned replies.
STAFF = "staff"


def requester_bucket(user_id: uuid.UUID) -> str:
    return f"requester:{user_id}"


def assignee_bucket(user_id: uuid.UUID) -> str:
    return f"assignee:{user_id}"


def assignee_internal_bucket(user_id: uuid.UUID) -> str:
    return f"assignee_internal:{user_id}"


def account_bucket(user_id: uuid.UUID) -> str:
    """What only this account sees, on every device of it: its read marks of tickets."""
    return f"account:{user_id}"


def subscriptions(role: Role, user_id: uuid.UUID, agent_visibility: AgentVisibility) -> frozenset[str]:
    """The buckets an account receives; computed by the server on every request."""
    if role == Role.USER:
        return frozenset({requester_bucket(user_id), account_bucket(user_id), DIRECTORY, KB_PUBLISHED})
    if role == Role.AGENT and agent_visibility == AgentVisibility.ASSIGNED:
        tickets = {assignee_bucket(user_id), assignee_internal_bucket(user_id)}
    else:
        tickets = {QUEUE, QUEUE_INTERNAL}
    staff = {DIRECTORY, PEOPLE, KB_ALL, STAFF, account_bucket(user_id), *tickets}
    if role == Role.ADMIN:
        staff.add(ADMIN)
    return frozenset(staff)


def ticket_buckets(submitter_id: uuid.UUID, assignee_id: uuid.UUID | None) -> frozenset[str]:
    """A ticket, its public comments, history and public attachments live here."""
    buckets = {QUEUE, requester_bucket(submitter_id)}
    if assignee_id is not None:
        buckets.add(assignee_bucket(assignee_id))
    return frozenset(buckets)


def internal_buckets(assignee_id: uuid.UUID | None) -> frozenset[str]:
    """Internal notes and their attachments: support staff only, never a requester."""
    buckets = {QUEUE_INTERNAL}
    if assignee_id is not None:
        buckets.add(assignee_internal_bucket(assignee_id))
    return frozenset(buckets)


#: History lines only support staff read: a ticket's service-level warnings and breaches
#: (``sync_server.services.sla.escalation``); written by no one (``actor_id`` null).
STAFF_EVENT_FIELDS = frozenset({"sla_warning", "sla_breached"})


def event_buckets(field: str, submitter_id: uuid.UUID, assignee_id: uuid.UUID | None) -> frozenset[str]:
    """A history line is where its ticket is, unless only staff may read it (then where the
    ticket's internal notes are)."""
    if field in STAFF_EVENT_FIELDS:
        return internal_buckets(assignee_id)
    return ticket_buckets(submitter_id, assignee_id)


def comment_buckets(
    submitter_id: uuid.UUID, assignee_id: uuid.UUID | None, is_internal: bool
) -> frozenset[str]:
    if is_internal:
        return internal_buckets(assignee_id)
    return ticket_buckets(submitter_id, assignee_id)


def user_buckets(user_id: uuid.UUID, role: Role) -> frozenset[str]:
    """Staff names are in the directory for everyone; everyone's contact details are for staff.

    A requester also holds their own account row.
    """
    buckets = {PEOPLE, ADMIN}
    if role.is_staff:
        buckets.add(DIRECTORY)
    buckets.add(requester_bucket(user_id))
    return frozenset(buckets)


def reference_buckets() -> frozenset[str]:
    """Categories and priorities: everyone needs them to file and read tickets."""
    return frozenset({DIRECTORY})


def article_buckets(status: ArticleStatus | str) -> frozenset[str]:
    """Every article is for support staff; a published one is for end users too.

    Unpublishing moves an article out of ``kb_published``: the change log then writes a REMOVE
    there, and users' caches let go of it."""
    if ArticleStatus(status) == ArticleStatus.PUBLISHED:
        return frozenset({KB_ALL, KB_PUBLISHED})
    return frozenset({KB_ALL})


def staff_buckets() -> frozenset[str]:
    """What support staff share and end users never see (SLA settings, team canned replies)."""
    return frozenset({STAFF})


def can_see(subscribed: frozenset[str], row_buckets: frozenset[str]) -> bool:
    return not subscribed.isdisjoint(row_buckets)


def parse_bucket(bucket: str) -> tuple[str, uuid.UUID | None]:
    """``"assignee:<uuid>"`` -> ``("assignee", UUID)``; ``"queue"`` -> ``("queue", None)``."""
    kind, _, owner = bucket.partition(":")
    return kind, (uuid.UUID(owner) if owner else None)
