"""The sync wire contract (DESIGN.md, "Sync protocol"): pull, push, mutations and row shapes.

The server validates requests with these models and the client builds them with the same
models, so the two cannot drift apart.

History (date, version, reason):
- 2026-11-27, 1: first version: bucketed pull with (xid, seq) cursors, ordered push of named
  mutations; ``add_attachment`` (the card's mutation, implemented with the blob store).
- 2026-12-01, 1 (additive): knowledge-base articles: the ``article`` entity in ``kb_all`` and
  ``kb_published`` and the ``create_article``, ``update_article`` and ``set_article_status``
  mutations. A client that does not know the entity skips it; a server that does not know a
  mutation rejects it as ``unknown_mutation``, so no version change is needed.
- 2026-12-01, 1 (additive): ``record_deflection``: what one new-ticket form session showed and
  opened of the suggestions beside it (for the deflection report). It writes no synced row.
- 2026-12-02, 1 (additive): unread state: the ``ticket_read`` entity (one per account and
  ticket, in the account's own ``account:<id>`` bucket) and the ``mark_read`` mutation.
- 2026-12-02, 1 (additive): canned replies: the ``canned_reply`` entity (a team one in
  ``staff``, a personal one in its owner's ``account:<id>``) and the ``use_canned_reply``
  mutation, which counts one insertion.
- 2026-12-02, 1 (additive): canned replies written offline: the ``create_canned_reply``,
  ``update_canned_reply`` (field merge with a base per field, as ``update_article``) and
  ``delete_canned_reply`` mutations. An older server rejects them as ``unknown_mutation``, so no
  version change is needed.
"""

from __future__ import annotations

import enum
import uuid
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ticketing.canned_replies import Scope
from ticketing.domain import ArticleStatus, Status
from ticketing.schemas import (
    ArticleBody,
    ArticleTags,
    AwareIsoDateTime,
    CommentText,
    FileName,
    Flag,
    PriorityKey,
    RichText,
    SafeStr,
    Sha256,
    Title,
    Whole,
)

PROTOCOL_VERSION = 1
#: The oldest client protocol the server still accepts (older clients must upgrade).
MIN_SUPPORTED_PROTOCOL = 1
PROTOCOL_HEADER = "X-Ticketdesk-Protocol"

#: Rows per pull page; a client may ask for fewer.
DEFAULT_PAGE_SIZE = 2000
MAX_PAGE_SIZE = 5000
#: Mutations per push request.
MAX_PUSH_BATCH = 500

PUT = "PUT"
REMOVE = "REMOVE"

#: The columns of each synced entity as they travel in ``Change.row``. A bucket may carry a
#: subset (the ``directory`` gives no email addresses); ``id`` is always present.
ENTITY_FIELDS: dict[str, tuple[str, ...]] = {
    "user": ("id", "email", "name", "role", "is_active", "created_at", "updated_at", "version"),
    "category": ("id", "name", "is_active", "created_at", "updated_at", "version"),
    "priority": ("id", "key", "name", "rank", "is_active", "created_at", "updated_at", "version"),
    "ticket": (
        "id",
        "number",
        "title",
        "description",
        "status",
        "priority",
        "category_id",
        "submitter_id",
        "assignee_id",
        "created_at",
        "updated_at",
        "resolved_at",
        "closed_at",
        "version",
    ),
    "comment": ("id", "ticket_id", "author_id", "content", "is_internal", "created_at"),
    "article": (
        "id",
        "title",
        "body",
        "category_id",
        "tags",
        "status",
        "author_id",
        "source_ticket_id",
        "created_at",
        "updated_at",
        "version",
    ),
    "ticket_event": ("id", "ticket_id", "actor_id", "field", "old_value", "new_value", "created_at"),
    "ticket_read": ("id", "user_id", "ticket_id", "read_at"),
    "canned_reply": (
        "id",
        "title",
        "body",
        "scope",
        "owner_id",
        "uses",
        "created_at",
        "updated_at",
        "version",
    ),
    "attachment": (
        "id",
        "ticket_id",
        "comment_id",
        "uploader_id",
        "file_name",
        "content_type",
        "size",
        "sha256",
        "is_internal",
        "created_at",
    ),
    # service levels (issue 14), for support staff only (``visibility.staff_buckets``); the
    # JSON columns travel as JSON (the desktop keeps them as JSON text)
    "sla_calendar": (
        "id",
        "name",
        "timezone",
        "hours",
        "holidays",
        "is_default",
        "created_at",
        "updated_at",
        "version",
    ),
    "sla_policy": (
        "id",
        "name",
        "position",
        "priorities",
        "category_ids",
        "calendar_id",
        "first_response_minutes",
        "next_response_minutes",
        "resolution_minutes",
        "pause_statuses",
        "warning_percent",
        "created_at",
        "updated_at",
        "version",
    ),
}
#: What the ``directory`` bucket tells everyone about a staff account.
DIRECTORY_USER_FIELDS: tuple[str, ...] = ("id", "name", "role", "is_active")


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- pull -----------------------------------------------------------------------------------

Cursor = Annotated[str, StringConstraints(pattern=r"^r?\d{1,20}:\d{1,20}$")]
"""``"<xid>:<seq>"`` of the last op a client holds in a bucket; ``"0:0"`` is the start. The
server prefixes ``r`` while a bucket is being refilled from the start after a reset, so that a
refill is never mistaken for a cursor older than the pruned tombstones. Clients store cursors
as they come and send them back unchanged."""

START_CURSOR = "0:0"


class PullRequest(_Wire):
    protocol: Whole = Field(
        description="The client's sync protocol version; one the server does not speak is a 426.",
        json_schema_extra={"minimum": MIN_SUPPORTED_PROTOCOL, "maximum": PROTOCOL_VERSION},
    )
    client_id: uuid.UUID
    db_epoch: str | None = Field(default=None, max_length=64, description="The epoch the cursors belong to.")
    cursors: dict[Annotated[str, StringConstraints(max_length=120)], Cursor] = Field(default_factory=dict)
    limit: Whole = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    count_remaining: Flag = Field(
        default=True,
        description="Count the changes still waiting after this page (`remaining`). Counting costs "
        "about as much as reading them, so a client asks on the first page of a pull and estimates "
        "the rest; false: `remaining` is null while `has_more` is true.",
    )


class Change(BaseModel):
    bucket: str
    entity: str
    op: Literal["PUT", "REMOVE"]
    id: uuid.UUID
    row: dict[str, Any] | None = None


class PullResponse(BaseModel):
    db_epoch: str
    reset: bool = Field(
        default=False, description="The database was restored: drop everything and pull from the start."
    )
    changes: list[Change]
    cursors: dict[str, str]
    removed_buckets: list[str] = Field(
        default_factory=list, description="Buckets the client must forget (no longer subscribed)."
    )
    reset_buckets: list[str] = Field(
        default_factory=list,
        description="Buckets whose cursor predates pruned tombstones: forget what the client held "
        "through them; this page starts them again from the beginning.",
    )
    has_more: bool
    remaining: int | None = Field(
        description="Changes still waiting after this page, for progress; null when the request "
        "did not ask to count them (`count_remaining`) and there are more."
    )
    last_mutation_id: int | None = Field(
        default=None,
        description="The highest of this client's mutation ids whose effects are below this pull's "
        "horizon (so delivered once has_more is false): the client settles its answered mutations up "
        "to it. None: the server does not say, and the client settles every answered mutation.",
    )


# --- push -----------------------------------------------------------------------------------


class FieldChange(_Wire):
    base: Any = None
    new: Any = None


class MutationName(enum.StrEnum):
    """Every mutation of the protocol: the one list that the server's dispatch, the client's
    replay and the sync-problem texts are keyed by (a test fails when one lacks an entry).
    Names travel on the wire: never rename or reuse one."""

    CREATE_TICKET = "create_ticket"
    UPDATE_TICKET = "update_ticket"
    TRANSITION_STATUS = "transition_status"
    ASSIGN = "assign"
    ADD_COMMENT = "add_comment"
    ADD_ATTACHMENT = "add_attachment"
    CREATE_ARTICLE = "create_article"
    UPDATE_ARTICLE = "update_article"
    SET_ARTICLE_STATUS = "set_article_status"
    RECORD_DEFLECTION = "record_deflection"
    MARK_READ = "mark_read"
    USE_CANNED_REPLY = "use_canned_reply"
    CREATE_CANNED_REPLY = "create_canned_reply"
    UPDATE_CANNED_REPLY = "update_canned_reply"
    DELETE_CANNED_REPLY = "delete_canned_reply"


class MutationArgs(_Wire):
    """The arguments of one mutation; ``NAME`` says which, so queuing them needs no name."""

    NAME: ClassVar[MutationName]


class CreateTicketArgs(MutationArgs):
    NAME: ClassVar[MutationName] = MutationName.CREATE_TICKET

    id: uuid.UUID
    title: Title
    description: RichText
    category_id: uuid.UUID
    priority: PriorityKey


class UpdateTicketArgs(MutationArgs):
    NAME: ClassVar[MutationName] = MutationName.UPDATE_TICKET

    ticket_id: uuid.UUID
    changes: dict[Literal["title", "description", "priority", "category_id"], FieldChange]


class TransitionStatusArgs(MutationArgs):
    NAME: ClassVar[MutationName] = MutationName.TRANSITION_STATUS

    ticket_id: uuid.UUID
    from_: Status = Field(alias="from")
    to: Status

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class AssignArgs(MutationArgs):
    NAME: ClassVar[MutationName] = MutationName.ASSIGN

    ticket_id: uuid.UUID
    base: uuid.UUID | None
    new: uuid.UUID | None


class AddCommentArgs(MutationArgs):
    NAME: ClassVar[MutationName] = MutationName.ADD_COMMENT

    id: uuid.UUID
    ticket_id: uuid.UUID
    content: CommentText
    is_internal: Flag = False


class AddAttachmentArgs(MutationArgs):
    """Attach a file whose bytes were uploaded first (``/api/blobs``), by their SHA-256."""

    NAME: ClassVar[MutationName] = MutationName.ADD_ATTACHMENT

    id: uuid.UUID
    ticket_id: uuid.UUID
    comment_id: uuid.UUID | None = None
    sha256: Sha256
    file_name: FileName
    size: Whole = Field(ge=0, le=1 << 40)


class CreateArticleArgs(MutationArgs):
    """A knowledge-base article (staff only), a draft unless ``status`` says published."""

    NAME: ClassVar[MutationName] = MutationName.CREATE_ARTICLE

    id: uuid.UUID
    title: Title
    body: ArticleBody
    category_id: uuid.UUID | None = None
    tags: ArticleTags = Field(default_factory=list)
    status: ArticleStatus = ArticleStatus.DRAFT
    source_ticket_id: uuid.UUID | None = None


class UpdateArticleArgs(MutationArgs):
    """Field edits with the values the editor saw, merged per field like ``update_ticket``."""

    NAME: ClassVar[MutationName] = MutationName.UPDATE_ARTICLE

    article_id: uuid.UUID
    changes: dict[Literal["title", "body", "category_id", "tags"], FieldChange]


class SetArticleStatusArgs(MutationArgs):
    """Publish or unpublish; the latest intent wins (setting the status it has is no change)."""

    NAME: ClassVar[MutationName] = MutationName.SET_ARTICLE_STATUS

    article_id: uuid.UUID
    status: ArticleStatus


class RecordDeflectionArgs(MutationArgs):
    """One new-ticket form session's suggestions: how many distinct ones were shown and opened,
    whether it was left unsubmitted after opening one (``deflected``), the form's category and
    priority at its end, and the ticket submitted (``None`` if none). Any role records its own."""

    NAME: ClassVar[MutationName] = MutationName.RECORD_DEFLECTION

    id: uuid.UUID
    at: AwareIsoDateTime
    shown: Whole = Field(ge=0, le=1_000_000)
    opened: Whole = Field(ge=0, le=1_000_000)
    deflected: Flag
    category_id: uuid.UUID | None = None
    priority: PriorityKey | None = None
    ticket_id: uuid.UUID | None = None


class MarkReadArgs(MutationArgs):
    """The account has seen a ticket up to ``read_at``: the server's time of the latest activity
    the client showed (never the device's clock). The server keeps the later of its mark and
    this one, so marks from several devices, in any order, end at the latest."""

    NAME: ClassVar[MutationName] = MutationName.MARK_READ

    ticket_id: uuid.UUID
    read_at: AwareIsoDateTime


class UseCannedReplyArgs(MutationArgs):
    """A canned reply was inserted into a reply once (staff only, a reply they may see): its
    ``uses`` goes up by one. Each mutation counts once, however often it is sent."""

    NAME: ClassVar[MutationName] = MutationName.USE_CANNED_REPLY

    canned_reply_id: uuid.UUID


class CreateCannedReplyArgs(MutationArgs):
    """A canned reply owned by the caller (staff only), with the id the client chose; personal
    unless ``scope`` says team."""

    NAME: ClassVar[MutationName] = MutationName.CREATE_CANNED_REPLY

    id: uuid.UUID
    title: Title
    body: RichText
    scope: Scope = Scope.PERSONAL


class UpdateCannedReplyArgs(MutationArgs):
    """Field edits with the values the editor saw, merged per field like ``update_article``
    (only the fields changed travel; only the author changes ``scope``)."""

    NAME: ClassVar[MutationName] = MutationName.UPDATE_CANNED_REPLY

    canned_reply_id: uuid.UUID
    changes: dict[Literal["title", "body", "scope"], FieldChange]


class DeleteCannedReplyArgs(MutationArgs):
    """Delete a canned reply (its author, or an admin for a team one)."""

    NAME: ClassVar[MutationName] = MutationName.DELETE_CANNED_REPLY

    canned_reply_id: uuid.UUID


#: Namespace of the ``ticket_read`` ids (:func:`ticket_read_id`).
_TICKET_READ_NAMESPACE = uuid.UUID("5b0e7c4a-9d1f-4f7e-8a43-2f1c6d0e9b71")


def ticket_read_id(user_id: uuid.UUID | str, ticket_id: uuid.UUID | str) -> uuid.UUID:
    """The one id of an account's read mark of a ticket: the server and every device of the
    account compute the same, so a mark written offline and the server's row are one row."""
    return uuid.uuid5(_TICKET_READ_NAMESPACE, f"{uuid.UUID(str(user_id))}:{uuid.UUID(str(ticket_id))}")


#: Mutation name -> its argument model, one entry per name (a test checks it).
MUTATION_ARGS: dict[MutationName, type[MutationArgs]] = {
    args.NAME: args
    for args in (
        CreateTicketArgs,
        UpdateTicketArgs,
        TransitionStatusArgs,
        AssignArgs,
        AddCommentArgs,
        AddAttachmentArgs,
        CreateArticleArgs,
        UpdateArticleArgs,
        SetArticleStatusArgs,
        RecordDeflectionArgs,
        MarkReadArgs,
        UseCannedReplyArgs,
        CreateCannedReplyArgs,
        UpdateCannedReplyArgs,
        DeleteCannedReplyArgs,
    )
}


def mutation_name(text: str) -> MutationName | None:
    """The mutation a wire name stands for, or None for one this side does not know."""
    try:
        return MutationName(text)
    except ValueError:
        return None


class Mutation(_Wire):
    id: Whole = Field(ge=1, description="Increases by one per client, starting at 1.")
    name: Annotated[SafeStr, StringConstraints(max_length=60)]
    args: dict[str, Any]


class PushRequest(_Wire):
    protocol: Whole = Field(
        description="The client's sync protocol version; one the server does not speak is a 426.",
        json_schema_extra={"minimum": MIN_SUPPORTED_PROTOCOL, "maximum": PROTOCOL_VERSION},
    )
    client_id: uuid.UUID
    mutations: list[Mutation] = Field(max_length=MAX_PUSH_BATCH)


MutationStatus = Literal["applied", "rejected", "conflict"]


class MutationResult(BaseModel):
    id: int
    status: MutationStatus
    code: str | None = None
    message: str | None = None
    server_values: dict[str, Any] | None = Field(
        default=None, description="For a conflict: field -> the value the server kept."
    )


class PushResponse(BaseModel):
    results: list[MutationResult]
    last_mutation_id: int
