"""The REST API's JSON shapes, shared by the server (to validate) and the client (to read).

Field names follow the seed's data model. Inputs forbid unknown fields, so a typo in a request
is a clear 422 instead of a silently ignored change.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from ticketing.domain import (
    COMMENT_MAX_LENGTH,
    DEFAULT_PRIORITY,
    DESCRIPTION_MAX_LENGTH,
    NAME_MAX_LENGTH,
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    PRIORITY_KEY_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    AgentVisibility,
    Role,
    Status,
)

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


SafeStr = Annotated[str, AfterValidator(_storable)]


def _stripped(min_length: int, max_length: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)


# Stripped text puts its constraints on ``str`` itself, before the storable check: added on top
# of ``SafeStr`` they would count the length before stripping, and "   " would pass as "".
Title = Annotated[str, _stripped(1, TITLE_MAX_LENGTH), AfterValidator(_storable)]
RichText = Annotated[SafeStr, StringConstraints(max_length=DESCRIPTION_MAX_LENGTH)]
CommentText = Annotated[SafeStr, StringConstraints(max_length=COMMENT_MAX_LENGTH)]
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


# --- accounts -------------------------------------------------------------------------------


class UserOut(BaseModel):
    id: uuid.UUID
    email: str
    name: str
    role: Role
    is_active: bool
    notify_email: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class StaffMember(BaseModel):
    """What anyone may know of a support agent: the name on the replies."""

    id: uuid.UUID
    name: str
    role: Role


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
    email: EmailStr
    name: Name
    role: Role = Role.USER
    password: Password


class UserPatch(Input):
    name: Name | None = None
    role: Role | None = None
    is_active: bool | None = None
    password: Password | None = Field(default=None, description="Set a new password (reset).")


class MePatch(Input):
    name: Name | None = None
    notify_email: bool | None = None
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
    is_active: bool | None = None


class PriorityOut(BaseModel):
    id: uuid.UUID
    key: str = Field(description="What tickets store in `priority`; never changes.")
    name: str = Field(description="The label people read; admins may rename it.")
    rank: int = Field(description="Higher is more urgent.")
    is_active: bool


class PriorityCreate(Input):
    name: PriorityKey = Field(description="The label, which also becomes the priority's `key`.")
    rank: int = Field(ge=0, le=1_000_000)


class PriorityPatch(Input):
    name: Name | None = None
    rank: int | None = Field(default=None, ge=0, le=1_000_000)
    is_active: bool | None = None


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
    created_from: dt.datetime | None = None
    created_to: dt.datetime | None = None
    updated_from: dt.datetime | None = None
    updated_to: dt.datetime | None = None
    q: Annotated[SafeStr, StringConstraints(max_length=200)] | None = Field(
        default=None, description="Words in the title or description, or a ticket number."
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
    is_internal: bool = False


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
    actor_id: uuid.UUID
    actor_name: str
    field: str
    old_value: str | None
    new_value: str | None
    created_at: dt.datetime


# --- settings -------------------------------------------------------------------------------


class SmtpSettings(Input):
    host: Annotated[SafeStr, StringConstraints(max_length=255)] = ""
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = True
    username: Annotated[SafeStr, StringConstraints(max_length=255)] = ""
    password: Annotated[SafeStr, StringConstraints(max_length=255)] | None = Field(
        default=None, description="Write-only: never returned, `password_set` says if one is."
    )
    password_set: bool = False
    sender: Annotated[SafeStr, StringConstraints(max_length=320)] = "Ticketdesk <helpdesk@localhost>"


class AttachmentSettings(Input):
    max_size_mb: int = Field(default=25, ge=1, le=2048)
    blocked_types: list[Annotated[SafeStr, StringConstraints(max_length=100)]] = Field(
        default_factory=lambda: ["executable", "script", "archive-with-executable"]
    )


class RateLimitSettings(Input):
    login_per_minute: int = Field(default=10, ge=1, le=10_000)
    tickets_per_hour: int = Field(default=30, ge=1, le=100_000)
    comments_per_minute: int = Field(default=20, ge=1, le=100_000)
    uploads_per_minute: int = Field(default=20, ge=1, le=100_000)


class NotificationSettings(Input):
    ticket_created: bool = True
    agent_reply: bool = True
    ticket_resolved: bool = True
    ticket_assigned: bool = True


class ServerSettings(Input):
    agent_visibility: AgentVisibility = AgentVisibility.ALL
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    attachments: AttachmentSettings = Field(default_factory=AttachmentSettings)
    rate_limits: RateLimitSettings = Field(default_factory=RateLimitSettings)
    notifications: NotificationSettings = Field(default_factory=NotificationSettings)


class SettingsPatch(Input):
    agent_visibility: AgentVisibility | None = None
    smtp: SmtpSettings | None = None
    attachments: AttachmentSettings | None = None
    rate_limits: RateLimitSettings | None = None
    notifications: NotificationSettings | None = None


class HealthOut(BaseModel):
    status: Literal["ok"] = "ok"
    server_version: str
    protocol_version: int
    db_epoch: str
