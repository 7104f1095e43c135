"""The vocabulary of the help desk: statuses, priorities, roles and ticket numbers.

Every other module (server, client, tests) takes these names from here, so the words the seed
uses (``Open``, ``In Progress``, ``Critical``...) are spelled in one place only.
"""

from __future__ import annotations

import enum
import re
import uuid

import uuid6


class Status(enum.StrEnum):
    """Where a ticket is in its life; the values are the words users read."""

    OPEN = "Open"
    IN_PROGRESS = "In Progress"
    ON_HOLD = "On Hold"
    RESOLVED = "Resolved"
    CLOSED = "Closed"

    @property
    def is_active(self) -> bool:
        """True while somebody still has work to do on the ticket."""
        return self in (Status.OPEN, Status.IN_PROGRESS, Status.ON_HOLD)


class ArticleStatus(enum.StrEnum):
    """Where a knowledge-base article is: only published articles reach end users."""

    DRAFT = "draft"
    PUBLISHED = "published"


class Priority(enum.StrEnum):
    """The default priorities, lowest first.

    Admins may add more and rename their labels; a ticket stores a priority's ``key``, which
    never changes, so these four keys stay valid forever.
    """

    LOW = "Low"
    MEDIUM = "Medium"
    HIGH = "High"
    CRITICAL = "Critical"


#: (key, rank) of the priorities every installation starts with; a higher rank is more urgent.
DEFAULT_PRIORITIES: tuple[tuple[str, int], ...] = (
    (Priority.LOW.value, 10),
    (Priority.MEDIUM.value, 20),
    (Priority.HIGH.value, 30),
    (Priority.CRITICAL.value, 40),
)

DEFAULT_PRIORITY = Priority.MEDIUM.value

#: Categories an installation starts with (the seed's examples).
DEFAULT_CATEGORIES: tuple[str, ...] = (
    "Hardware",
    "Software",
    "Network",
    "Login Issue",
    "Email Problem",
    "Printer Not Working",
)


class Role(enum.StrEnum):
    """What an account may do. Agents and admins together are the support staff."""

    USER = "user"
    AGENT = "agent"
    ADMIN = "admin"

    @property
    def is_staff(self) -> bool:
        """Agents and admins work the queue and read internal notes."""
        return self in (Role.AGENT, Role.ADMIN)


#: The support staff's roles, as stored (for queries that pick staff by role).
STAFF_ROLES: tuple[str, ...] = tuple(role.value for role in Role if role.is_staff)


class AgentVisibility(enum.StrEnum):
    """The admin setting that decides which tickets agents see."""

    ALL = "all"
    ASSIGNED = "assigned"


class AssignmentMode(enum.StrEnum):
    """The admin setting that decides who gets a new ticket: nobody (``off``) or the available
    agent or admin with the fewest open tickets (``least_open``)."""

    OFF = "off"
    LEAST_OPEN = "least_open"


TICKET_NUMBER_PREFIX = "TKT-"
FIRST_TICKET_NUMBER = 1001
#: Who a history line names when Ticketdesk itself wrote it (an SLA warning or breach).
SYSTEM_ACTOR_NAME = "Ticketdesk"
_NUMBER_RE = re.compile(r"^\s*(?:TKT-?)?(\d{1,18})\s*$", re.IGNORECASE)

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 100_000
COMMENT_MAX_LENGTH = 50_000
NAME_MAX_LENGTH = 120
#: A priority's key is the name it was created with (``priorities.key`` is 60 characters).
PRIORITY_KEY_MAX_LENGTH = 60
ARTICLE_BODY_MAX_LENGTH = 200_000
#: An article's tags: each 1-40 characters after normalizing, at most 20 of them.
ARTICLE_TAG_MAX_LENGTH = 40
ARTICLE_MAX_TAGS = 20
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 256


def format_ticket_number(number: int | None) -> str:
    """``1001`` -> ``TKT-1001``; a ticket without a number yet (made offline) is a draft."""
    if number is None:
        return "Draft"
    return f"{TICKET_NUMBER_PREFIX}{number}"


def parse_ticket_number(text: str) -> int | None:
    """``TKT-1001``, ``tkt-1001`` or ``1001`` -> ``1001``; anything else -> ``None``."""
    match = _NUMBER_RE.match(text)
    return int(match.group(1)) if match else None


def new_id() -> uuid.UUID:
    """A time-ordered UUIDv7, made by whoever creates the row (client included)."""
    return uuid.UUID(str(uuid6.uuid7()))
