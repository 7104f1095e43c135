"""The REST API's JSON shapes, shared by the server (to validate) and the client (to read).

Field names follow the seed's data model. Inputs forbid unknown fields, so a typo in a request
is a clear 422 instead of a silently ignored change.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import uuid
import zoneinfo
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    field_validator,
)

from ticketing.domain import (
    ARTICLE_BODY_MAX_LENGTH,
    ARTICLE_MAX_TAGS,
    ARTICLE_TAG_MAX_LENGTH,
    COMMENT_MAX_LENGTH,
    DEFAULT_PRIORITY,
    DESCRIPTION_MAX_LENGTH,
    NAME_MAX_LENGTH,
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    PRIORITY_KEY_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    AgentVisibility,
    ArticleStatus,
    AssignmentMode,
    Role,
    Status,
)
from ticketing.email_address import EmailAddress
from ticketing.files import DEFAULT_BLOCKED_KINDS, SHA256_PATTERN, FileKind
from ticketing.sla import SlaState

UUID_PATTERN = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


def _storable(value: str) -> str:
    """Text PostgreSQL can store: no NUL, and no lone surrogate (valid JSON, invalid UTF-8)."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("must be valid Unicode text") from None
    return value


#: The schema says what :func:`_storable` checks, so that generated clients send no NUL.
_NO_NUL = r"^[^\x00]*$"
#: Required text must say something: at least one visible character, as
#: ``ticketing.richtext.has_content`` counts them (besides white space, the information
#: separators U+001C-U+001F and the byte-order mark show nothing). Rich text must also keep some
#: after sanitizing, which a schema cannot express.
_SAYS_SOMETHING = r"^[^\x00]*[^\x00\s\x1c-\x1f\ufeff][^\x00]*$"
SafeStr = Annotated[str, StringConstraints(pattern=_NO_NUL), AfterValidator(_storable)]

_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def _iso_date_time(value: Any) -> Any:
    """Date-times are ISO 8601 text: a number (or text that is one) is ambiguous (seconds?
    milliseconds? since when?), so it is refused rather than read as a Unix time."""
    if isinstance(value, bool | int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("expected an ISO 8601 date-time such as 2026-11-30T09:00:00Z, not a number")
    return value


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value: Any) -> Any:
    """``2026-11-30`` only: a bare number would otherwise be read as a Unix time."""
    if isinstance(value, str) and not _DATE.fullmatch(value):
        raise ValueError("expected a date such as 2026-11-30")
    if isinstance(value, bool | int | float):
        raise ValueError("expected a date such as 2026-11-30, not a number")
    return value


#: A calendar day given as ISO 8601 text (``2026-11-30``), never a number.
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
#: A date-time given as ISO 8601 text (``2026-11-30T09:00:00Z``, ``2026-11-30T10:00:00+01:00``).
IsoDateTime = Annotated[dt.datetime, BeforeValidator(_iso_date_time)]
#: The same with a time zone or offset required (an instant, whatever the sender's zone).
AwareIsoDateTime = Annotated[AwareDatetime, BeforeValidator(_iso_date_time)]
#: JSON ``true``/``false`` only, in request bodies (not ``0``, ``1`` or ``"yes"``).
Flag = Annotated[bool, Strict()]


def _json_integer(value: Any) -> Any:
    """An integer as JSON Schema has it: ``5`` or ``5.0``, but not ``"5"`` or ``true``."""
    if isinstance(value, bool | str | bytes):
        raise ValueError("expected a JSON integer")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


#: A JSON integer, in request bodies (``5`` or ``5.0``; not ``"5"``, ``5.5`` or ``true``).
Whole = Annotated[int, BeforeValidator(_json_integer)]


def _stripped(min_length: int, max_length: int) -> StringConstraints:
    """Text whose surrounding white space is dropped; required text must then say something."""
    return StringConstraints(
        strip_whitespace=True,
        min_length=min_length,
        max_length=max_length,
        pattern=_SAYS_SOMETHING if min_length else _NO_NUL,
    )


# Stripped text puts its constraints on ``str`` itself, before the storable check: added on top
# of ``SafeStr`` they would count the length before stripping, and "   " would pass as "".
Title = Annotated[str, _stripped(1, TITLE_MAX_LENGTH), AfterValidator(_storable)]
# A type with a pattern of its own is built on ``str``, not on ``SafeStr``: the schema shows only
# the innermost pattern, and it must be the one that is checked.
RichText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=DESCRIPTION_MAX_LENGTH, pattern=_SAYS_SOMETHING),
    AfterValidator(_storable),
]
CommentText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=COMMENT_MAX_LENGTH, pattern=_SAYS_SOMETHING),
    AfterValidator(_storable),
]
ArticleBody = Annotated[
    str,
    StringConstraints(min_length=1, max_length=ARTICLE_BODY_MAX_LENGTH, pattern=_SAYS_SOMETHING),
    AfterValidator(_storable),
]
Name = Annotated[str, _stripped(1, NAME_MAX_LENGTH), AfterValidator(_storable)]
Password = Annotated[
    SafeStr, StringConstraints(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH)
]
PriorityKey = Annotated[str, _stripped(1, PRIORITY_KEY_MAX_LENGTH), AfterValidator(_storable)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldError(BaseModel):
    field: str
    message: str


class ApiError(BaseModel):
    """Every 4xx answer: a stable ``error`` code and a sentence for people."""

    error: str = Field(examples=["not_found"])
    detail: str = Field(examples=["No ticket TKT-1001."])
    fields: list[FieldError] | None = None
    retry_after: int | None = Field(
        default=None, description="With 429 `rate_limited`: whole seconds to wait (as `Retry-After`)."
    )


# --- accounts -------------------------------------------------------------------------------


class UserOut(BaseModel):
    id: uuid.UUID
    email: str
    name: str
    role: Role
    is_active: bool
    notify_email: bool
    available: bool = Field(
        default=True, description="Staff: whether automatic assignment may give them new tickets."
    )
    created_at: dt.datetime
    updated_at: dt.datetime


class StaffMember(BaseModel):
    """What staff may know of a support agent: the name on the replies, and whether they are
    available for new tickets or away."""

    id: uuid.UUID
    name: str
    role: Role
    available: bool = True


class LoginIn(Input):
    email: Annotated[str, _stripped(1, 320), AfterValidator(_storable)]
    password: Annotated[SafeStr, StringConstraints(min_length=1, max_length=PASSWORD_MAX_LENGTH)]
    client_name: Annotated[SafeStr, StringConstraints(max_length=200)] = ""


class RefreshIn(Input):
    refresh_token: Annotated[SafeStr, StringConstraints(min_length=1, max_length=200)]


class TokenOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - a scheme name, not a secret
    expires_in: int = Field(description="Seconds until the access token expires.")
    user: UserOut


class UserCreate(Input):
    email: EmailAddress
    name: Name
    role: Role = Role.USER
    password: Password


class UserPatch(Input):
    name: Name | None = None
    role: Role | None = None
    is_active: Flag | None = None
    password: Password | None = Field(default=None, description="Set a new password (reset).")


class MePatch(Input):
    name: Name | None = None
    notify_email: Flag | None = None
    available: Flag | None = Field(
        default=None, description="Staff only: available for automatically assigned tickets, or away."
    )
    current_password: Annotated[SafeStr, StringConstraints(max_length=PASSWORD_MAX_LENGTH)] | None = None
    new_password: Password | None = None


# --- reference data -------------------------------------------------------------------------


class CategoryOut(BaseModel):
    id: uuid.UUID
    name: str
    is_active: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class CategoryCreate(Input):
    name: Name


class CategoryPatch(Input):
    name: Name | None = None
    is_active: Flag | None = None


class PriorityOut(BaseModel):
    id: uuid.UUID
    key: str = Field(description="What tickets store in `priority`; never changes.")
    name: str = Field(description="The label people read; admins may rename it.")
    rank: int = Field(description="Higher is more urgent.")
    is_active: bool


class PriorityCreate(Input):
    name: PriorityKey = Field(description="The label, which also becomes the priority's `key`.")
    rank: Whole = Field(ge=0, le=1_000_000)


class PriorityPatch(Input):
    name: Name | None = None
    # ``Whole | None`` with bounds on the field would write them as "ge"/"le" into the schema
    # (pydantic's rendering of a wrapped int inside a union): bounds first, then the validator.
    rank: Annotated[int, Field(ge=0, le=1_000_000), BeforeValidator(_json_integer)] | None = None
    is_active: Flag | None = None


# --- tickets --------------------------------------------------------------------------------


class TicketCreate(Input):
    id: uuid.UUID | None = Field(default=None, description="Client-made UUID (offline drafts).")
    title: Title
    description: RichText
    category_id: uuid.UUID
    priority: PriorityKey = DEFAULT_PRIORITY


class TicketPatch(Input):
    """Any subset of fields; ``assignee_id: null`` unassigns."""

    title: Title | None = None
    description: RichText | None = None
    category_id: uuid.UUID | None = None
    priority: PriorityKey | None = None
    status: Status | None = None
    assignee_id: uuid.UUID | None = None


class TicketOut(BaseModel):
    id: uuid.UUID
    number: str = Field(examples=["TKT-1001"])
    title: str
    description: str
    status: Status
    priority: str
    category_id: uuid.UUID
    category_name: str
    submitter_id: uuid.UUID
    submitter_name: str
    assignee_id: uuid.UUID | None
    assignee_name: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    version: int
    allowed_transitions: list[Status] = Field(
        default_factory=list, description="Statuses the caller may move this ticket to."
    )
    # The service level (``ticketing.sla``), computed when read; for support staff only (an
    # end user's answer carries nulls)
    sla_policy_id: uuid.UUID | None = None
    first_response_due_at: dt.datetime | None = None
    next_response_due_at: dt.datetime | None = Field(
        default=None, description="Null while no requester message waits for a staff reply."
    )
    resolution_due_at: dt.datetime | None = None
    sla_paused: bool = False
    sla_state: SlaState | None = None


TicketSort = Literal[
    "number",
    "-number",
    "title",
    "-title",
    "status",
    "-status",
    "priority",
    "-priority",
    "category",
    "-category",
    "assignee",
    "-assignee",
    "submitter",
    "-submitter",
    "created_at",
    "-created_at",
    "updated_at",
    "-updated_at",
    "due",  # the nearest service-level target owed; tickets without one last
    "-due",
]


class TicketQuery(Input):
    """Filters, sort and page of ``GET /api/tickets``; repeat a list parameter to match any."""

    status: list[Status] = Field(default_factory=list)
    priority: list[Annotated[SafeStr, StringConstraints(max_length=60)]] = Field(default_factory=list)
    category_id: list[uuid.UUID] = Field(default_factory=list)
    assignee: Annotated[str, StringConstraints(pattern=f"^(me|none|{UUID_PATTERN})$")] | None = Field(
        default=None, description="`me`, `none` (unassigned) or an agent's id."
    )
    submitter_id: uuid.UUID | None = None
    created_from: IsoDateTime | None = None
    created_to: IsoDateTime | None = None
    updated_from: IsoDateTime | None = None
    updated_to: IsoDateTime | None = None
    q: Annotated[SafeStr, StringConstraints(max_length=200)] | None = Field(
        default=None, description="Words in the title or description, or a ticket number."
    )
    breaching_soon: bool = Field(
        default=False,
        description="Only open tickets whose nearest SLA target is in warning, missed, or due "
        "within two hours (staff; the built-in filter 'Breaching soon').",
    )
    sort: TicketSort = "-updated_at"
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=10_000_000)


class TicketPage(BaseModel):
    items: list[TicketOut]
    total: int
    limit: int
    offset: int


class CommentCreate(Input):
    id: uuid.UUID | None = None
    content: CommentText
    is_internal: Flag = False


class CommentOut(BaseModel):
    id: uuid.UUID
    ticket_id: uuid.UUID
    author_id: uuid.UUID
    author_name: str
    content: str
    is_internal: bool
    created_at: dt.datetime


class EventOut(BaseModel):
    id: uuid.UUID
    ticket_id: uuid.UUID
    actor_id: uuid.UUID | None = Field(description="Null for what Ticketdesk itself did (an SLA breach).")
    actor_name: str
    field: str
    old_value: str | None
    new_value: str | None
    created_at: dt.datetime


# --- knowledge base -------------------------------------------------------------------------


def normalize_tags(tags: list[str]) -> list[str]:
    """Tags as an article keeps them: stripped, lower-case, each once (in the place of its first
    spelling), 1-40 characters each (before lower-casing), at most 20. The client normalizes
    with this too, so an offline edit compares equal to what the server stores."""
    seen: dict[str, None] = {}
    for tag in tags:
        cleaned = _storable(tag.strip())
        if not cleaned or not has_visible(cleaned):
            raise ValueError("a tag cannot be empty")
        if len(cleaned) > ARTICLE_TAG_MAX_LENGTH:
            raise ValueError(f"a tag has at most {ARTICLE_TAG_MAX_LENGTH} characters")
        seen.setdefault(cleaned.lower(), None)
    if len(seen) > ARTICLE_MAX_TAGS:
        raise ValueError(f"an article has at most {ARTICLE_MAX_TAGS} tags")
    return list(seen)


def normalize_tag(tag: str) -> str:
    """One tag as :func:`normalize_tags` keeps it, so a filter compares equal to stored tags."""
    return normalize_tags([tag])[0]


def _blank_is_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


def has_visible(text: str) -> bool:
    """What :data:`_SAYS_SOMETHING` asks of required text."""
    return re.fullmatch(_SAYS_SOMETHING, text) is not None


#: One tag as sent (surrounding white space is dropped, then it is lower-cased).
ArticleTag = Annotated[str, _stripped(1, ARTICLE_TAG_MAX_LENGTH), AfterValidator(_storable)]
#: An article's tags as sent, normalized by :func:`normalize_tags`.
ArticleTags = Annotated[list[ArticleTag], Field(max_length=ARTICLE_MAX_TAGS), AfterValidator(normalize_tags)]


class ArticleCreate(Input):
    id: uuid.UUID | None = Field(default=None, description="Client-made UUID (written offline).")
    title: Title
    body: ArticleBody = Field(description="Rich text (HTML), sanitized like comments.")
    category_id: uuid.UUID | None = None
    tags: ArticleTags = Field(default_factory=list)
    status: ArticleStatus = ArticleStatus.DRAFT
    source_ticket_id: uuid.UUID | None = Field(default=None, description="The ticket it came from.")


class ArticlePatch(Input):
    """Any subset of fields; ``category_id: null`` removes the category."""

    title: Title | None = None
    body: ArticleBody | None = None
    category_id: uuid.UUID | None = None
    tags: ArticleTags | None = None
    status: ArticleStatus | None = None


class ArticleOut(BaseModel):
    id: uuid.UUID
    title: str
    body: str
    category_id: uuid.UUID | None
    tags: list[str]
    status: ArticleStatus
    author_id: uuid.UUID
    source_ticket_id: uuid.UUID | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class ArticleQuery(Input):
    """Filters and page of ``GET /api/kb/articles``, most recently updated first."""

    q: Annotated[SafeStr, StringConstraints(max_length=200)] | None = Field(
        default=None, description="Words in the title or body (a case-insensitive substring)."
    )
    category_id: uuid.UUID | None = None
    status: ArticleStatus | None = Field(default=None, description="Staff only; users see published.")
    tag: Annotated[
        Annotated[SafeStr, StringConstraints(max_length=ARTICLE_TAG_MAX_LENGTH)] | None,
        BeforeValidator(_blank_is_none),
    ] = Field(default=None, description="A tag, compared as tags are stored (case and spaces ignored).")
    limit: int = Field(default=50, ge=1, le=500)

    @field_validator("tag")
    @classmethod
    def _tag_as_stored(cls, tag: str | None) -> str | None:
        return None if tag is None else normalize_tag(tag)

    offset: int = Field(default=0, ge=0, le=10_000_000)


class ArticlePage(BaseModel):
    items: list[ArticleOut]
    total: int
    limit: int
    offset: int


# --- attachments ----------------------------------------------------------------------------

Sha256 = Annotated[str, StringConstraints(pattern=SHA256_PATTERN)]
FileName = Annotated[SafeStr, StringConstraints(min_length=1, max_length=1000)]


class UploadStart(Input):
    """Announce a file: its SHA-256 and size. The answer says how much the server already has."""

    sha256: Sha256
    size: Whole = Field(ge=0, le=1 << 40)
    file_name: FileName = Field(description="A label for error messages; never used as a path.")


class UploadStatus(BaseModel):
    upload_id: uuid.UUID | None = Field(description="Where to send chunks; null once complete.")
    sha256: str
    size: int
    received: int = Field(description="Bytes the server holds: resume from here.")
    complete: bool
    content_type: str | None = None


class AttachmentCreate(Input):
    """Attach an uploaded file (by hash) to a ticket, or to one of its comments."""

    id: uuid.UUID | None = None
    comment_id: uuid.UUID | None = None
    sha256: Sha256
    file_name: FileName
    size: Whole = Field(ge=0, le=1 << 40)


class AttachmentOut(BaseModel):
    id: uuid.UUID
    ticket_id: uuid.UUID
    comment_id: uuid.UUID | None
    uploader_id: uuid.UUID
    file_name: str
    content_type: str
    size: int
    sha256: str
    is_internal: bool
    created_at: dt.datetime


# --- settings -------------------------------------------------------------------------------


class SmtpSettings(Input):
    host: Annotated[SafeStr, StringConstraints(max_length=255)] = ""
    port: Whole = Field(default=587, ge=1, le=65535)
    starttls: Flag = True
    username: Annotated[SafeStr, StringConstraints(max_length=255)] = ""
    password: Annotated[SafeStr, StringConstraints(max_length=255)] | None = Field(
        default=None, description="Write-only: never returned, `password_set` says if one is."
    )
    password_set: Flag = False
    sender: Annotated[SafeStr, StringConstraints(max_length=320)] = "Ticketdesk <helpdesk@localhost>"


class SmtpTestIn(Input):
    """``POST /api/settings/smtp/test``: where to send, and optionally settings not yet saved."""

    to: EmailAddress | None = Field(default=None, description="Default: the admin's own address.")
    smtp: SmtpSettings | None = Field(
        default=None,
        description="Try these instead of the saved ones (a null password keeps the saved one).",
    )


SmtpStepName = Literal["connect", "starttls", "login", "send"]


class SmtpTestStep(BaseModel):
    step: SmtpStepName
    ok: bool
    detail: str = Field(
        description="What the SMTP server answered, or the exact failure.",
        examples=["250 2.0.0 Ok: queued as 4Xq1"],
    )


class SmtpTestOut(BaseModel):
    ok: bool = Field(description="Whether the server accepted the test message.")
    to: str
    steps: list[SmtpTestStep] = Field(description="Each step tried, in order; the last failed if not ok.")


class AttachmentSettings(Input):
    max_size_mb: Whole = Field(default=25, ge=1, le=2048)
    blocked_types: list[FileKind] = Field(
        default_factory=lambda: list(DEFAULT_BLOCKED_KINDS),
        description="Kinds of file refused, judged by content: " + ", ".join(k.value for k in FileKind),
    )
    clamd_address: Annotated[
        str,
        StringConstraints(pattern=r"^(tcp://[^\s/\x00]{1,253}:\d{1,5}|unix:/[^\s\x00]{1,290})?$"),
        AfterValidator(_storable),
    ] = Field(
        default="",
        description="ClamAV daemon to scan uploads with: `tcp://host:3310` or `unix:/path/clamd.ctl`; "
        "empty: only the built-in check (which always catches the EICAR test file).",
    )


class RateLimitSettings(Input):
    login_per_minute: Whole = Field(default=10, ge=1, le=10_000)
    tickets_per_hour: Whole = Field(default=30, ge=1, le=100_000)
    comments_per_minute: Whole = Field(default=20, ge=1, le=100_000)
    uploads_per_minute: Whole = Field(default=20, ge=1, le=100_000)


class NotificationSettings(Input):
    ticket_created: Flag = True
    agent_reply: Flag = True
    ticket_resolved: Flag = True
    ticket_assigned: Flag = True
    #: a service-level target nears its due time (to the assignee, or all staff if unassigned)
    sla_warning: Flag = True
    #: a target was missed (likewise, and to admins when the policy says so)
    sla_breached: Flag = True


def _known_time_zone(value: str) -> str:
    """An IANA time zone name this computer's zone database knows (``Europe/Berlin``, ``UTC``)."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Europe/Berlin") from None
    return value


TimeZoneName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_+\-/]+$"),
    AfterValidator(_known_time_zone),
]


class ReportSettings(Input):
    time_zone: TimeZoneName = Field(
        default="UTC", description="The time zone whose days, weeks and months the reports count in."
    )


class AssignmentSettings(Input):
    mode: AssignmentMode = Field(
        default=AssignmentMode.OFF,
        description="`least_open`: a new ticket goes to the available agent or admin with the "
        "fewest open tickets (ties: whoever was auto-assigned least recently).",
    )
    category_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=1000,
        description="Categories assigned automatically; empty: every category.",
    )


class ServerSettings(Input):
    agent_visibility: AgentVisibility = AgentVisibility.ALL
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    attachments: AttachmentSettings = Field(default_factory=AttachmentSettings)
    rate_limits: RateLimitSettings = Field(default_factory=RateLimitSettings)
    notifications: NotificationSettings = Field(default_factory=NotificationSettings)
    reports: ReportSettings = Field(default_factory=ReportSettings)
    assignment: AssignmentSettings = Field(default_factory=AssignmentSettings)


class SettingsPatch(Input):
    agent_visibility: AgentVisibility | None = None
    smtp: SmtpSettings | None = None
    attachments: AttachmentSettings | None = None
    rate_limits: RateLimitSettings | None = None
    notifications: NotificationSettings | None = None
    reports: ReportSettings | None = None
    assignment: AssignmentSettings | None = None


# --- admin audit log ------------------------------------------------------------------------


class AuditAction(enum.StrEnum):
    """What an admin did (or, for ``login.*``, what the server did to protect an account: the
    actor is then the account); stored in ``admin_audit.action``. Never reuse a value."""

    USER_CREATED = "user.created"
    USER_RENAMED = "user.renamed"
    USER_ROLE_CHANGED = "user.role_changed"
    USER_DEACTIVATED = "user.deactivated"
    USER_REACTIVATED = "user.reactivated"
    USER_PASSWORD_RESET = "user.password_reset"  # noqa: S105 - an action's name, not a secret
    SETTINGS_CHANGED = "settings.changed"
    CATEGORY_ADDED = "category.added"
    CATEGORY_RENAMED = "category.renamed"
    CATEGORY_DEACTIVATED = "category.deactivated"
    CATEGORY_REACTIVATED = "category.reactivated"
    PRIORITY_ADDED = "priority.added"
    PRIORITY_RENAMED = "priority.renamed"
    PRIORITY_RERANKED = "priority.reranked"
    PRIORITY_DEACTIVATED = "priority.deactivated"
    PRIORITY_REACTIVATED = "priority.reactivated"
    LOGIN_TOKEN_REUSED = "login.token_reused"  # noqa: S105 - an action's name, not a secret
    SLA_CALENDAR_ADDED = "sla_calendar.added"
    SLA_CALENDAR_CHANGED = "sla_calendar.changed"
    SLA_POLICY_ADDED = "sla_policy.added"
    SLA_POLICY_CHANGED = "sla_policy.changed"
    CANNED_REPLY_ADDED = "canned_reply.added"
    CANNED_REPLY_CHANGED = "canned_reply.changed"
    CANNED_REPLY_DELETED = "canned_reply.deleted"


class AuditEntryOut(BaseModel):
    id: uuid.UUID
    actor_id: uuid.UUID
    actor_name: str
    action: AuditAction
    target_type: str = Field(examples=["user"])
    target_id: str | None
    summary: str = Field(
        description="The entry in words.",
        examples=["Changed the role of Ann (ann@example.com): agent -> admin"],
    )
    details: dict[str, Any] = Field(
        description="What changed (names, old and new values); never a password or secret."
    )
    created_at: dt.datetime


class AuditQuery(Input):
    """Filters and page of ``GET /api/admin/audit`` (newest first); repeat ``action`` to match any."""

    action: list[AuditAction] = Field(default_factory=list)
    actor_id: uuid.UUID | None = None
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=10_000_000)


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    total: int
    limit: int
    offset: int


class HealthOut(BaseModel):
    status: Literal["ok"] = "ok"
    server_version: str
    protocol_version: int
    db_epoch: str
