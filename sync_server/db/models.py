"""The server's tables as typed SQLAlchemy models.

Every synced row has a UUID key made by whoever creates it and UTC timestamps; tickets also get
a number from a server sequence. ``version`` counts a row's revisions.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Sequence,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from sync_server.db import search_vectors
from ticketing.canned_replies import Scope
from ticketing.domain import FIRST_TICKET_NUMBER, ArticleStatus, Role, Status

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: DateTime(timezone=True), uuid.UUID: Uuid}
    #: Read server-made values (ticket numbers, timestamps) back with RETURNING on insert.
    __mapper_args__ = {"eager_defaults": True}


def _in(values: Any) -> str:
    return ", ".join(f"'{v.value}'" for v in values)


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))


class User(TimestampMixin, Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN ({_in(Role)})", name="role"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    notify_email: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    #: staff: whether automatic assignment may give them new tickets (``PATCH /api/me``)
    available: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    #: when automatic assignment last gave them a ticket: the tie-break, least recent first
    last_auto_assigned_at: Mapped[dt.datetime | None]


class AuthSession(Base):
    """One login: a short-lived access token and a revocable refresh token, both hashed.

    A refresh rotates the pair. Until the new pair is first used (``pair_used_at``), the
    refresh token before it (``previous_refresh_hash``) gives the same pair again, made from it
    and ``rotation_salt``: an answer lost on the way costs nothing. Once the pair was used, the
    previous token, like every older one (``auth_retired_tokens``), is a stolen copy."""

    __tablename__ = "auth_sessions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    access_hash: Mapped[str] = mapped_column(String(64), unique=True)
    access_expires_at: Mapped[dt.datetime]
    refresh_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_expires_at: Mapped[dt.datetime]
    previous_refresh_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    rotation_salt: Mapped[bytes | None] = mapped_column(LargeBinary)
    pair_used_at: Mapped[dt.datetime | None]
    client_name: Mapped[str] = mapped_column(String(200), server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    last_used_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    revoked_at: Mapped[dt.datetime | None]


class RetiredRefreshToken(Base):
    """A refresh token rotated away, kept (hashed) while it could still be presented, so that a
    stolen copy presented later is recognized and its login revoked."""

    __tablename__ = "auth_retired_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("auth_sessions.id", ondelete="CASCADE"), index=True
    )
    retired_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class Category(TimestampMixin, Base):
    __tablename__ = "categories"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))


class PriorityLevel(TimestampMixin, Base):
    """A priority: ``key`` is what tickets store and never changes; ``name`` is its label."""

    __tablename__ = "priorities"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    rank: Mapped[int] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))


ticket_number_seq = Sequence("ticket_number_seq", start=FIRST_TICKET_NUMBER, metadata=Base.metadata)


class Ticket(TimestampMixin, Base):
    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint(f"status IN ({_in(Status)})", name="status"),
        Index("ix_tickets_status_updated", "status", "updated_at"),
        Index("ix_tickets_created_at", "created_at"),
        Index("ix_tickets_resolved_at", "resolved_at"),
        # the agents report: tickets grouped by assignee and by resolver, read from the index
        Index(
            "ix_tickets_assignee_created",
            "assignee_id",
            "created_at",
            postgresql_include=["first_response_at", "category_id", "priority"],
        ),
        Index(
            "ix_tickets_resolver_resolved",
            "resolved_by_id",
            "resolved_at",
            postgresql_include=["created_at", "status", "category_id", "priority"],
        ),
        Index("ix_tickets_search", "search_vector", postgresql_using="gin"),
        CheckConstraint("sla_state IN ('ok', 'warning', 'breached', 'met', 'paused')", name="sla_state"),
        Index("ix_tickets_sla_check_at", "sla_check_at", postgresql_where=text("sla_check_at IS NOT NULL")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(
        BigInteger, ticket_number_seq, server_default=ticket_number_seq.next_value(), unique=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), server_default=Status.OPEN.value)
    priority: Mapped[str] = mapped_column(ForeignKey("priorities.key"), index=True)
    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("categories.id"), index=True)
    submitter_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    resolved_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    # Figures the reports read, kept by the write layer (never synced to clients):
    #: the first public reply by staff other than the requester
    first_response_at: Mapped[dt.datetime | None]
    first_resolved_at: Mapped[dt.datetime | None]
    #: how often the ticket went from Resolved or Closed back to an active status
    reopen_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    #: who set the latest Resolved (kept through a reopen)
    resolved_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    #: the title's words for the reports' terms (``report_words``: no stop words, no stems), kept
    #: by PostgreSQL; never read with the ticket
    title_words: Mapped[str | None] = mapped_column(
        TSVECTOR,
        Computed("to_tsvector('report_words'::regconfig, (title)::text)", persisted=True),
        deferred=True,
    )
    #: what ``GET /api/search`` matches (title weight A, the tag-stripped description B), kept
    #: by PostgreSQL; never read with the ticket
    search_vector: Mapped[str | None] = mapped_column(
        TSVECTOR, Computed(search_vectors.TICKET_VECTOR, persisted=True), deferred=True
    )
    # The service level (``ticketing.sla``), kept by the write layer and the escalation job
    # (never synced: staff caches compute it from the policies and the ticket's history)
    sla_policy_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sla_policies.id"))
    first_response_due_at: Mapped[dt.datetime | None]
    next_response_due_at: Mapped[dt.datetime | None]
    resolution_due_at: Mapped[dt.datetime | None]
    sla_paused: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    sla_state: Mapped[str | None] = mapped_column(String(10))
    #: when the escalation job must evaluate the ticket again (a warning or due time, or now)
    sla_check_at: Mapped[dt.datetime | None]


class Comment(Base):
    """Insert-only; ``is_internal`` never changes after the comment is written."""

    __tablename__ = "comments"
    #: a staff member's comments by time, with what the reports count of them
    __table_args__ = (
        Index("ix_comments_author_created", "author_id", "created_at", postgresql_include=["is_internal"]),
        Index("ix_comments_search", "search_vector", postgresql_using="gin"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id"), index=True)
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    content: Mapped[str] = mapped_column(Text)
    is_internal: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    #: the tag-stripped content for ``GET /api/search``, kept by PostgreSQL, never read with the row
    search_vector: Mapped[str | None] = mapped_column(
        TSVECTOR, Computed(search_vectors.COMMENT_VECTOR, persisted=True), deferred=True
    )


class Attachment(Base):
    """A file's metadata; its bytes live in the blob store under their SHA-256."""

    __tablename__ = "attachments"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id"), index=True)
    comment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("comments.id"), index=True)
    uploader_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    is_internal: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class TicketEvent(Base):
    """One line of a ticket's history: who changed which field from what to what."""

    __tablename__ = "ticket_events"
    __table_args__ = (
        #: reopens (Resolved -> Open) by time, and status changes per ticket, for the reports
        Index(
            "ix_ticket_events_reopened",
            "created_at",
            postgresql_include=["ticket_id"],
            postgresql_where=text("field = 'status' AND old_value = 'Resolved' AND new_value = 'Open'"),
        ),
        Index(
            "ix_ticket_events_status_ticket",
            "ticket_id",
            "created_at",
            postgresql_where=text("field = 'status'"),
        ),
        #: the latest resolution of a ticket before a moment (which resolution a reopen undid)
        Index(
            "ix_ticket_events_resolutions",
            "ticket_id",
            text("created_at DESC"),
            text("id DESC"),
            postgresql_include=["actor_id"],
            postgresql_where=text("field = 'status' AND new_value = 'Resolved'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id"), index=True)
    #: null for what Ticketdesk did by itself (an SLA warning or breach)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class TicketRead(Base):
    """How far an account has seen a ticket: the server time of the latest activity one of its
    devices showed (``mark_read``). Synced to that account only (``account:<id>``); ``id`` is
    ``ticketing.protocol.ticket_read_id(user_id, ticket_id)``, the key the change log names."""

    __tablename__ = "ticket_reads"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(unique=True)
    read_at: Mapped[dt.datetime] = mapped_column()


class Article(TimestampMixin, Base):
    """A knowledge-base article: staff write drafts and publish them; users read published ones."""

    __tablename__ = "articles"
    __table_args__ = (
        CheckConstraint(f"status IN ({_in(ArticleStatus)})", name="status"),
        Index("ix_articles_status_updated", "status", "updated_at", "id"),
        Index("ix_articles_category_updated", "category_id", "updated_at", "id"),
        Index("ix_articles_tags", "tags", postgresql_using="gin"),
        Index("ix_articles_search", "search_vector", postgresql_using="gin"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    category_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("categories.id"))
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    status: Mapped[str] = mapped_column(String(16), server_default=ArticleStatus.DRAFT.value)
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    source_ticket_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    #: title (A) and tag-stripped body (B) for ``GET /api/search``, kept by PostgreSQL
    search_vector: Mapped[str | None] = mapped_column(
        TSVECTOR, Computed(search_vectors.ARTICLE_VECTOR, persisted=True), deferred=True
    )


class CannedReply(TimestampMixin, Base):
    """A reply staff insert into their answers: a personal one is its owner's alone, a team one
    every support staff member's (``ticketing.visibility.canned_reply_buckets``). ``uses``
    counts insertions (the ``use_canned_reply`` mutation, offline ones too)."""

    __tablename__ = "canned_replies"
    __table_args__ = (
        CheckConstraint(f"scope IN ({_in(Scope)})", name="scope"),
        CheckConstraint("uses >= 0", name="uses_not_negative"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    uses: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class Setting(Base):
    """One admin setting group (``agent_visibility``, ``smtp``...) as a JSON document."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONB)
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    updated_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class ServerMeta(Base):
    """Facts about this database itself, such as ``db_epoch`` (new after a restore)."""

    __tablename__ = "server_meta"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


#: The change log the sync pull reads: one row per (bucket, entity, row), moved to the end of the
#: log each time the row changes. ``xid`` is an ``xid8`` filled by PostgreSQL; it is declared
#: here as text so that SQLAlchemy never writes it.
sync_op = Table(
    "sync_op",
    Base.metadata,
    Column("bucket", String(120), primary_key=True),
    Column("entity", String(40), primary_key=True),
    Column("row_id", Uuid, primary_key=True),
    Column("op", String(8), nullable=False),
    Column("xid", Text, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_sync_op_bucket_xid_seq", "bucket", "xid", "seq"),
    Index("ix_sync_op_remove_changed", "changed_at", postgresql_where=text("op = 'REMOVE'")),
)

#: Per bucket, the newest (xid, seq) of a pruned tombstone: a cursor below it gets a reset.
sync_bucket_floor = Table(
    "sync_bucket_floor",
    Base.metadata,
    Column("bucket", String(120), primary_key=True),
    Column("xid", Text, nullable=False),
    Column("seq", BigInteger, nullable=False),
)

SYNCED_MODELS: tuple[type[Base], ...] = (
    User,
    Category,
    PriorityLevel,
    Ticket,
    Comment,
    Attachment,
    TicketEvent,
    Article,
)


class SyncClient(Base):
    """One client cache: which account it belongs to and the last mutation it had applied."""

    __tablename__ = "sync_clients"

    client_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    last_mutation_id: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    last_seen_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class SyncMutationResult(Base):
    """The answer given to one pushed mutation, so a retry after a lost response gets the same
    answer (a rejection stays a rejection) instead of a bare "already applied"."""

    __tablename__ = "sync_mutation_results"

    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sync_clients.client_id"), primary_key=True)
    mutation_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    code: Mapped[str | None] = mapped_column(String(60))
    message: Mapped[str | None] = mapped_column(Text)
    server_values: Mapped[Any] = mapped_column(JSONB, nullable=True)
    #: The answering transaction (an ``xid8``): a pull whose horizon is above it has delivered
    #: the mutation's effects, so the client may stop replaying it.
    xid: Mapped[str] = mapped_column(Text, server_default=text("pg_current_xact_id()"))
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class MailOutbox(Base):
    """One email to send, written in the same transaction as the change it reports, so a mail
    server that is down delays mail but loses none. Senders claim rows with SKIP LOCKED."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
        Index("ix_mail_outbox_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(40))
    recipient_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(400))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    next_attempt_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    sent_at: Mapped[dt.datetime | None]


class RateLimit(Base):
    """One rate-limit key's state (generic cell rate algorithm: the theoretical arrival time),
    kept in PostgreSQL so that every server process counts against the same limit."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    tat: Mapped[dt.datetime]


class Blob(Base):
    """A stored file body, named on disk by its SHA-256 and kept once however many attachments
    use it. A quarantined blob is never served."""

    __tablename__ = "blobs"
    __table_args__ = (CheckConstraint("status IN ('clean', 'quarantined')", name="status"),)

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), server_default="clean")
    scan_result: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class BlobUpload(Base):
    """An upload in progress: bytes received so far sit in a part file under the data folder, so
    an interrupted upload resumes where it stopped."""

    __tablename__ = "blob_uploads"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    file_name: Mapped[str] = mapped_column(String(255))
    received: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class BlobGrant(Base):
    """Who uploaded a blob: only they (or someone who can already see an attachment using it)
    may reference its hash, so a hash is never a key to someone else's file."""

    __tablename__ = "blob_grants"

    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class AdminAuditEntry(Base):
    """One administrative action (role change, deactivation, settings...): who, what, when."""

    __tablename__ = "admin_audit"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    actor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(100))
    details: Mapped[Any] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now(), index=True)


class DeflectionEvent(Base):
    """One new-ticket form session's suggestions (the ``record_deflection`` mutation): how many
    distinct ones it showed and opened, and whether it was left unsubmitted after opening one.
    Not synced: only the deflection report reads it. ``category_id`` and ``ticket_id`` are what
    the client said, without foreign keys: a session's ticket may have been refused meanwhile,
    and a record must never fail for that."""

    __tablename__ = "deflection_events"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(index=True)
    shown: Mapped[int] = mapped_column(Integer)
    opened: Mapped[int] = mapped_column(Integer)
    deflected: Mapped[bool] = mapped_column(Boolean)
    category_id: Mapped[uuid.UUID | None] = mapped_column()
    priority: Mapped[str | None] = mapped_column(String(60))
    ticket_id: Mapped[uuid.UUID | None] = mapped_column()


class SlaCalendar(TimestampMixin, Base):
    """A business calendar (:class:`ticketing.business_time.Calendar`): a zone, working ranges
    per weekday (``{"mon": [["09:00", "17:00"]], ...}``) and holidays (ISO dates)."""

    __tablename__ = "sla_calendars"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    hours: Mapped[Any] = mapped_column(JSONB)
    holidays: Mapped[Any] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    is_default: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


class SlaPolicy(TimestampMixin, Base):
    """Targets in business minutes of a calendar for the tickets it matches
    (:class:`ticketing.sla.Policy`); the lowest ``position`` that matches applies."""

    __tablename__ = "sla_policies"
    __table_args__ = (
        CheckConstraint("warning_percent BETWEEN 1 AND 100", name="warning_percent"),
        CheckConstraint(
            "coalesce(first_response_minutes, 0) >= 0 AND coalesce(next_response_minutes, 0) >= 0"
            " AND coalesce(resolution_minutes, 0) >= 0",
            name="targets_not_negative",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    position: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    priorities: Mapped[Any] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    category_ids: Mapped[Any] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    calendar_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sla_calendars.id"))
    first_response_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    next_response_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    resolution_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pause_statuses: Mapped[Any] = mapped_column(JSONB, server_default=text("'[\"On Hold\"]'::jsonb"))
    warning_percent: Mapped[int] = mapped_column(Integer, server_default=text("80"))
    # what happens when a target is breached, besides the ticket event and the notices
    breach_raise_priority: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    breach_reassign_to: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    breach_notify_admins: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


class SlaEscalation(Base):
    """A warning or a breach of one target of a ticket, acted on once (the unique key), its
    notices sent when ``notified_at`` is set (within the calendar's working hours)."""

    __tablename__ = "sla_escalations"
    __table_args__ = (
        CheckConstraint("level IN ('warning', 'breach')", name="level"),
        UniqueConstraint("ticket_id", "target", "level", "due_at"),
        Index("ix_sla_escalations_unsent", "created_at", postgresql_where=text("notified_at IS NULL")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(10))
    due_at: Mapped[dt.datetime]
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    notified_at: Mapped[dt.datetime | None]


class JobLease(Base):
    """Which server process runs a cluster-wide background job until when (one row per job)."""

    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[dt.datetime]
