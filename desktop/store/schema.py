"""The cache's tables as SQLAlchemy Core objects, for building queries.

The tables are created and changed only by :mod:`desktop.store.migrations`; a test checks that
the migrated database has exactly these columns. Values are stored as the wire carries them:
ids as UUID text, times as ISO-8601 UTC text with microseconds (so text order is time order),
booleans as 0/1. There are no foreign keys: rows of different buckets arrive in any order.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    literal_column,
)

from ticketing.domain import Status

metadata = MetaData()


def _id() -> Column[str]:
    return Column("id", String, primary_key=True)


def _versioned() -> tuple[Column[str], Column[str], Column[int]]:
    return Column("created_at", String), Column("updated_at", String), Column("version", Integer)


# --- server rows (ticketing.protocol.ENTITY_FIELDS) -----------------------------------------

users = Table(
    "users",
    metadata,
    _id(),
    Column("email", String),  # only in buckets that carry contact details (not `directory`)
    Column("name", String),
    Column("role", String),
    Column("is_active", Boolean),
    *_versioned(),
)

categories = Table(
    "categories", metadata, _id(), Column("name", String), Column("is_active", Boolean), *_versioned()
)

priorities = Table(
    "priorities",
    metadata,
    _id(),
    Column("key", String),
    Column("name", String),
    Column("rank", Integer),
    Column("is_active", Boolean),
    *_versioned(),
)

tickets = Table(
    "tickets",
    metadata,
    _id(),
    Column("number", Integer),  # NULL until the server numbers a ticket made offline
    Column("title", String),
    Column("description", Text),
    Column("status", String),
    Column("priority", String),
    Column("category_id", String),
    Column("submitter_id", String),
    Column("assignee_id", String),
    Column("created_at", String),
    Column("updated_at", String),
    Column("resolved_at", String),
    Column("closed_at", String),
    Column("version", Integer),
    # sort keys kept by triggers (migration 3) from the rows they name, so that sorting the
    # queue by a name or rank reads an index instead of sorting every ticket by a join
    Column("priority_rank", Integer),
    Column("category_sort", String),
    Column("assignee_sort", String),
    Column("submitter_sort", String),
)
#: Columns of ``tickets`` the cache derives itself: never read into a row, never written.
DERIVED_COLUMNS = frozenset({"priority_rank", "category_sort", "assignee_sort", "submitter_sort"})

comments = Table(
    "comments",
    metadata,
    _id(),
    Column("ticket_id", String),
    Column("author_id", String),
    Column("content", Text),
    Column("is_internal", Boolean),
    Column("created_at", String),
)

ticket_events = Table(
    "ticket_events",
    metadata,
    _id(),
    Column("ticket_id", String),
    Column("actor_id", String),
    Column("field", String),
    Column("old_value", Text),
    Column("new_value", Text),
    Column("created_at", String),
)

attachments = Table(
    "attachments",
    metadata,
    _id(),
    Column("ticket_id", String),
    Column("comment_id", String),
    Column("uploader_id", String),
    Column("file_name", String),
    Column("content_type", String),
    Column("size", Integer),
    Column("sha256", String),
    Column("is_internal", Boolean),
    Column("created_at", String),
)

#: Knowledge-base articles (migration 7): every one for staff, published ones for users.
#: ``tags`` is the list as JSON text (``["vpn", "remote access"]``), normalized as the server
#: keeps it (``ticketing.schemas.normalize_tags``).
articles = Table(
    "articles",
    metadata,
    _id(),
    Column("title", String),
    Column("body", Text),
    Column("category_id", String),
    Column("tags", Text),
    Column("status", String),
    Column("author_id", String),
    Column("source_ticket_id", String),
    *_versioned(),
)

#: Read marks (migration 8): how far this account has seen a ticket, the server's time of the
#: latest activity a device of it showed (``ticketing.protocol.MarkReadArgs``). The cache is one
#: account's, so ``user_id`` is always that account; ``id`` is ``protocol.ticket_read_id``.
ticket_reads = Table(
    "ticket_reads",
    metadata,
    _id(),
    Column("user_id", String),
    Column("ticket_id", String),
    Column("read_at", String),
)

#: Service levels (migration 9): business calendars and SLA policies, staff caches only. The
#: JSON fields (``hours``, ``holidays``, ``priorities``, ``category_ids``, ``pause_statuses``)
#: are kept as JSON text (``desktop.store.rows.json_text``).
sla_calendars = Table(
    "sla_calendars",
    metadata,
    _id(),
    Column("name", String),
    Column("timezone", String),
    Column("hours", Text),
    Column("holidays", Text),
    Column("is_default", Boolean),
    *_versioned(),
)

sla_policies = Table(
    "sla_policies",
    metadata,
    _id(),
    Column("name", String),
    Column("position", Integer),
    Column("priorities", Text),
    Column("category_ids", Text),
    Column("calendar_id", String),
    Column("first_response_minutes", Integer),
    Column("next_response_minutes", Integer),
    Column("resolution_minutes", Integer),
    Column("pause_statuses", Text),
    Column("warning_percent", Integer),
    *_versioned(),
)

#: Canned replies (migration 10): the team's and this account's own (``scope`` personal), as
#: the server's buckets deliver them; ``uses`` counts insertions, those queued here included.
canned_replies = Table(
    "canned_replies",
    metadata,
    _id(),
    Column("title", String),
    Column("body", Text),
    Column("scope", String),
    Column("owner_id", String),
    Column("uses", Integer),
    *_versioned(),
)

#: Protocol entity name -> its table.
ENTITY_TABLES: dict[str, Table] = {
    "user": users,
    "category": categories,
    "priority": priorities,
    "ticket": tickets,
    "comment": comments,
    "ticket_event": ticket_events,
    "attachment": attachments,
    "article": articles,
    "ticket_read": ticket_reads,
    "sla_calendar": sla_calendars,
    "sla_policy": sla_policies,
    "canned_reply": canned_replies,
}

#: Each ticket's nearest pending target (migration 9), computed by the cache
#: (:mod:`desktop.store.service_levels`) so the queue sorts and filters by due time in SQL; the
#: state shown is judged from ``due_at``/``warning_at`` against the clock when painted. A ticket
#: with no pending target has no row.
ticket_sla = Table(
    "ticket_sla",
    metadata,
    Column("ticket_id", String, primary_key=True),
    Column("policy_id", String),
    Column("target", String),
    Column("due_at", String),
    Column("warning_at", String),
    Column("paused", Boolean),
)
#: Tickets whose ``ticket_sla`` row is out of date, kept by triggers (``'*'``: every ticket).
sla_stale = Table("sla_stale", metadata, Column("ticket_id", String, primary_key=True))

# --- sync bookkeeping -----------------------------------------------------------------------

#: Which buckets hold each server row: a row goes when the last of its buckets lets go of it.
row_buckets = Table(
    "row_buckets",
    metadata,
    Column("entity", String, primary_key=True),
    Column("row_id", String, primary_key=True),
    Column("bucket", String, primary_key=True),
)

#: The last op received per bucket (``"xid:seq"``).
cursors = Table("cursors", metadata, Column("bucket", String, primary_key=True), Column("cursor", String))

#: Small facts about this cache: client id, db epoch, account, next mutation id, last sync.
sync_state = Table("sync_state", metadata, Column("key", String, primary_key=True), Column("value", Text))

#: The last answer of each report and filters (``key``: report and query), its JSON as sent.
report_snapshots = Table(
    "report_snapshots",
    metadata,
    Column("key", String, primary_key=True),
    Column("body", Text, nullable=False),
    Column("fetched_at", String, nullable=False),
)

#: Mutations not yet settled. ``id`` is the protocol's mutation id (1, 2, 3... per client);
#: ``state`` is ``pending`` until the server answers, then ``applied`` or ``conflict`` until
#: the pull that brings the server's rows settles it.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name", String),
    Column("args", Text),
    Column("ticket_id", String),
    Column("created_at", String),
    Column("state", String),
    Column("code", String),
    Column("message", Text),
    Column("server_values", Text),
)

#: The server's version of each row a pending mutation touches (``row`` NULL: the server has
#: no such row, e.g. a ticket made offline). Rows are rebuilt as shadow + pending mutations.
shadows = Table(
    "shadows",
    metadata,
    Column("entity", String, primary_key=True),
    Column("row_id", String, primary_key=True),
    Column("ticket_id", String),
    Column("row", Text),
)

#: Mutations the server rejected or answered with a conflict, kept with their full arguments
#: so nothing the user wrote is lost.
sync_problems = Table(
    "sync_problems",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("mutation_id", Integer),
    Column("name", String),
    Column("args", Text),
    Column("ticket_id", String),
    Column("status", String),
    Column("code", String),
    Column("message", Text),
    Column("server_values", Text),
    Column("created_at", String),
    Column("reported_at", String),
)

# --- full-text search (migration 4; see desktop.store.search) ---------------------------------

#: One plain-text document per searchable thing: ``kind`` ``'ticket'`` (title, description,
#: comments) now; knowledge-base articles later, as another kind.
search_docs = Table(
    "search_docs",
    metadata,
    Column("doc_id", Integer, primary_key=True),
    Column("kind", String, nullable=False),
    Column("ref_id", String, nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("comments", Text, nullable=False),
)

#: The FTS5 index over ``search_docs`` (external content: its rowid is ``doc_id``). Read it
#: only through :mod:`desktop.store.search`, which writes its MATCH expressions safely.
search_index = Table(
    "search_index", metadata, Column("title", Text), Column("body", Text), Column("comments", Text)
)

#: Documents to rewrite before the transaction that changed their rows commits (triggers).
search_stale = Table(
    "search_stale",
    metadata,
    Column("kind", String, primary_key=True),
    Column("ref_id", String, primary_key=True),
)

# --- indexes (migration 2) ------------------------------------------------------------------
# The indexes of migration 1 are only in its SQL; these are declared too, so that a test can
# check the migrated file has them. Each ends in ``id``: ties in every sort break by id.

#: Statuses in workflow order (the order :class:`Status` declares them) as a sort key. SQLite
#: reads an order from an expression index only when the query spells the expression as the
#: index does: sort by this object, never by a copy.
status_order: ColumnElement[int] = literal_column(
    "CASE status " + " ".join(f"WHEN '{s.value}' THEN {n}" for n, s in enumerate(Status)) + " END"
)

TICKET_INDEXES: tuple[Index, ...] = (
    Index("ix_tickets_updated", tickets.c.updated_at, tickets.c.id),
    Index("ix_tickets_number", tickets.c.number, tickets.c.id),
    Index("ix_tickets_title", tickets.c.title.collate("NOCASE"), tickets.c.id),
    Index("ix_tickets_status_order", status_order, tickets.c.id),
    Index("ix_tickets_status_updated", tickets.c.status, tickets.c.updated_at, tickets.c.id),
    Index("ix_tickets_assignee_updated", tickets.c.assignee_id, tickets.c.updated_at, tickets.c.id),
    Index("ix_tickets_submitter_updated", tickets.c.submitter_id, tickets.c.updated_at, tickets.c.id),
    Index("ix_tickets_priority_updated", tickets.c.priority, tickets.c.updated_at, tickets.c.id),
    # migration 3
    Index("ix_tickets_category_updated", tickets.c.category_id, tickets.c.updated_at, tickets.c.id),
    Index("ix_tickets_priority_rank", tickets.c.priority_rank, tickets.c.id),
    Index("ix_tickets_category_sort", tickets.c.category_sort, tickets.c.id),
    Index("ix_tickets_assignee_sort", tickets.c.assignee_sort, tickets.c.id),
    Index("ix_tickets_submitter_sort", tickets.c.submitter_sort, tickets.c.id),
    # migration 5
    Index("ix_tickets_created", tickets.c.created_at, tickets.c.id),
)
ix_priorities_key = Index("ix_priorities_key", priorities.c.key)
ix_sync_problems_ticket_id = Index("ix_sync_problems_ticket_id", sync_problems.c.ticket_id)

#: migration 7: the knowledge base's lists (by status or category, newest change first) and a
#: ticket's linked articles
ARTICLE_INDEXES: tuple[Index, ...] = (
    Index("ix_articles_status_updated", articles.c.status, articles.c.updated_at, articles.c.id),
    Index("ix_articles_category_updated", articles.c.category_id, articles.c.updated_at, articles.c.id),
    Index("ix_articles_source_ticket", articles.c.source_ticket_id, articles.c.id),
)

#: migration 8: a ticket's read mark, looked up for every row a table shows
ix_ticket_reads_ticket = Index("ix_ticket_reads_ticket", ticket_reads.c.ticket_id, ticket_reads.c.read_at)
ix_ticket_sla_due = Index("ix_ticket_sla_due", ticket_sla.c.due_at, ticket_sla.c.ticket_id)
