"""The cache's schema version (``PRAGMA user_version``) and the steps that bring a file to it.

Each step is frozen SQL: once released it never changes, and a later change is a new step.
A file from a newer app (version ahead of ours) is refused rather than misread.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from desktop.store import deferred_indexes, search
from desktop.store.engine import writing
from desktop.store.errors import CacheTooNew


@dataclass(frozen=True)
class Migration:
    version: int
    reason: str
    statements: tuple[str, ...]


_V1 = (
    """CREATE TABLE users (
        id TEXT PRIMARY KEY, email TEXT, name TEXT, role TEXT, is_active BOOLEAN,
        created_at TEXT, updated_at TEXT, version INTEGER)""",
    """CREATE TABLE categories (
        id TEXT PRIMARY KEY, name TEXT, is_active BOOLEAN,
        created_at TEXT, updated_at TEXT, version INTEGER)""",
    """CREATE TABLE priorities (
        id TEXT PRIMARY KEY, "key" TEXT, name TEXT, rank INTEGER, is_active BOOLEAN,
        created_at TEXT, updated_at TEXT, version INTEGER)""",
    """CREATE TABLE tickets (
        id TEXT PRIMARY KEY, number INTEGER, title TEXT, description TEXT, status TEXT,
        priority TEXT, category_id TEXT, submitter_id TEXT, assignee_id TEXT,
        created_at TEXT, updated_at TEXT, resolved_at TEXT, closed_at TEXT, version INTEGER)""",
    "CREATE INDEX ix_tickets_status ON tickets (status)",
    "CREATE INDEX ix_tickets_updated_at ON tickets (updated_at)",
    "CREATE INDEX ix_tickets_assignee_id ON tickets (assignee_id)",
    "CREATE INDEX ix_tickets_submitter_id ON tickets (submitter_id)",
    """CREATE TABLE comments (
        id TEXT PRIMARY KEY, ticket_id TEXT, author_id TEXT, content TEXT, is_internal BOOLEAN,
        created_at TEXT)""",
    "CREATE INDEX ix_comments_ticket_id ON comments (ticket_id)",
    """CREATE TABLE ticket_events (
        id TEXT PRIMARY KEY, ticket_id TEXT, actor_id TEXT, field TEXT, old_value TEXT,
        new_value TEXT, created_at TEXT)""",
    "CREATE INDEX ix_ticket_events_ticket_id ON ticket_events (ticket_id)",
    """CREATE TABLE attachments (
        id TEXT PRIMARY KEY, ticket_id TEXT, comment_id TEXT, uploader_id TEXT, file_name TEXT,
        content_type TEXT, size INTEGER, sha256 TEXT, is_internal BOOLEAN, created_at TEXT)""",
    "CREATE INDEX ix_attachments_ticket_id ON attachments (ticket_id)",
    """CREATE TABLE row_buckets (
        entity TEXT NOT NULL, row_id TEXT NOT NULL, bucket TEXT NOT NULL,
        PRIMARY KEY (entity, row_id, bucket)) WITHOUT ROWID""",
    "CREATE INDEX ix_row_buckets_bucket ON row_buckets (bucket)",
    "CREATE TABLE cursors (bucket TEXT PRIMARY KEY, cursor TEXT NOT NULL)",
    'CREATE TABLE sync_state ("key" TEXT PRIMARY KEY, value TEXT)',
    """CREATE TABLE outbox (
        id INTEGER PRIMARY KEY, name TEXT NOT NULL, args TEXT NOT NULL, ticket_id TEXT NOT NULL,
        created_at TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending', code TEXT, message TEXT,
        server_values TEXT)""",
    "CREATE INDEX ix_outbox_ticket_id ON outbox (ticket_id)",
    """CREATE TABLE shadows (
        entity TEXT NOT NULL, row_id TEXT NOT NULL, ticket_id TEXT NOT NULL, row TEXT,
        PRIMARY KEY (entity, row_id))""",
    "CREATE INDEX ix_shadows_ticket_id ON shadows (ticket_id)",
    """CREATE TABLE sync_problems (
        id INTEGER PRIMARY KEY AUTOINCREMENT, mutation_id INTEGER, name TEXT NOT NULL,
        args TEXT NOT NULL, ticket_id TEXT, status TEXT NOT NULL, code TEXT, message TEXT,
        server_values TEXT, created_at TEXT, reported_at TEXT)""",
)

_V2 = (
    # sorts the queue reads in index order, the ids from the index itself (ties break by id)
    "DROP INDEX ix_tickets_updated_at",
    "CREATE INDEX ix_tickets_updated ON tickets (updated_at, id)",
    "CREATE INDEX ix_tickets_number ON tickets (number, id)",
    "CREATE INDEX ix_tickets_title ON tickets (title COLLATE NOCASE, id)",
    # workflow order, spelled as desktop.store.schema.status_order spells it
    """CREATE INDEX ix_tickets_status_order ON tickets (
        CASE status WHEN 'Open' THEN 0 WHEN 'In Progress' THEN 1 WHEN 'On Hold' THEN 2
        WHEN 'Resolved' THEN 3 WHEN 'Closed' THEN 4 END, id)""",
    # the common filters (saved filters, "My tickets") in the default order, newest change first
    "DROP INDEX ix_tickets_status",
    "CREATE INDEX ix_tickets_status_updated ON tickets (status, updated_at, id)",
    "DROP INDEX ix_tickets_assignee_id",
    "CREATE INDEX ix_tickets_assignee_updated ON tickets (assignee_id, updated_at, id)",
    "DROP INDEX ix_tickets_submitter_id",
    "CREATE INDEX ix_tickets_submitter_updated ON tickets (submitter_id, updated_at, id)",
    "CREATE INDEX ix_tickets_priority_updated ON tickets (priority, updated_at, id)",
    # lookups made for every row a table shows: its priority's name and rank, its problems
    'CREATE INDEX ix_priorities_key ON priorities ("key")',
    "CREATE INDEX ix_sync_problems_ticket_id ON sync_problems (ticket_id)",
)

_V3 = (
    # sort keys for the sorts by a name or rank, kept current by triggers on every write path
    # (pulls, local commands, replay); lower() as the queries spelled it before
    "ALTER TABLE tickets ADD COLUMN priority_rank INTEGER",
    "ALTER TABLE tickets ADD COLUMN category_sort TEXT",
    "ALTER TABLE tickets ADD COLUMN assignee_sort TEXT",
    "ALTER TABLE tickets ADD COLUMN submitter_sort TEXT",
    """UPDATE tickets SET
        priority_rank = (SELECT rank FROM priorities WHERE "key" = tickets.priority),
        category_sort = (SELECT lower(name) FROM categories WHERE id = tickets.category_id),
        assignee_sort = (SELECT lower(name) FROM users WHERE id = tickets.assignee_id),
        submitter_sort = (SELECT lower(name) FROM users WHERE id = tickets.submitter_id)""",
    # the category filter, and the lookup the category triggers below make
    "CREATE INDEX ix_tickets_category_updated ON tickets (category_id, updated_at, id)",
    "CREATE INDEX ix_tickets_priority_rank ON tickets (priority_rank, id)",
    "CREATE INDEX ix_tickets_category_sort ON tickets (category_sort, id)",
    "CREATE INDEX ix_tickets_assignee_sort ON tickets (assignee_sort, id)",
    "CREATE INDEX ix_tickets_submitter_sort ON tickets (submitter_sort, id)",
    """CREATE TRIGGER tickets_keys_on_insert AFTER INSERT ON tickets BEGIN
        UPDATE tickets SET
            priority_rank = (SELECT rank FROM priorities WHERE "key" = tickets.priority),
            category_sort = (SELECT lower(name) FROM categories WHERE id = tickets.category_id),
            assignee_sort = (SELECT lower(name) FROM users WHERE id = tickets.assignee_id),
            submitter_sort = (SELECT lower(name) FROM users WHERE id = tickets.submitter_id)
        WHERE id = new.id; END""",
    """CREATE TRIGGER tickets_keys_on_update
        AFTER UPDATE OF priority, category_id, assignee_id, submitter_id ON tickets BEGIN
        UPDATE tickets SET
            priority_rank = (SELECT rank FROM priorities WHERE "key" = tickets.priority),
            category_sort = (SELECT lower(name) FROM categories WHERE id = tickets.category_id),
            assignee_sort = (SELECT lower(name) FROM users WHERE id = tickets.assignee_id),
            submitter_sort = (SELECT lower(name) FROM users WHERE id = tickets.submitter_id)
        WHERE id = new.id; END""",
    """CREATE TRIGGER priorities_keys_on_insert AFTER INSERT ON priorities BEGIN
        UPDATE tickets SET priority_rank = new.rank WHERE priority = new."key"; END""",
    """CREATE TRIGGER priorities_keys_on_update AFTER UPDATE OF "key", rank ON priorities BEGIN
        UPDATE tickets SET priority_rank = NULL WHERE priority = old."key";
        UPDATE tickets SET priority_rank = new.rank WHERE priority = new."key"; END""",
    """CREATE TRIGGER priorities_keys_on_delete AFTER DELETE ON priorities BEGIN
        UPDATE tickets SET priority_rank = NULL WHERE priority = old."key"; END""",
    """CREATE TRIGGER categories_keys_on_insert AFTER INSERT ON categories BEGIN
        UPDATE tickets SET category_sort = lower(new.name) WHERE category_id = new.id; END""",
    """CREATE TRIGGER categories_keys_on_update AFTER UPDATE OF name ON categories BEGIN
        UPDATE tickets SET category_sort = lower(new.name) WHERE category_id = new.id; END""",
    """CREATE TRIGGER categories_keys_on_delete AFTER DELETE ON categories BEGIN
        UPDATE tickets SET category_sort = NULL WHERE category_id = old.id; END""",
    """CREATE TRIGGER users_keys_on_insert AFTER INSERT ON users BEGIN
        UPDATE tickets SET assignee_sort = lower(new.name) WHERE assignee_id = new.id;
        UPDATE tickets SET submitter_sort = lower(new.name) WHERE submitter_id = new.id; END""",
    """CREATE TRIGGER users_keys_on_update AFTER UPDATE OF name ON users BEGIN
        UPDATE tickets SET assignee_sort = lower(new.name) WHERE assignee_id = new.id;
        UPDATE tickets SET submitter_sort = lower(new.name) WHERE submitter_id = new.id; END""",
    """CREATE TRIGGER users_keys_on_delete AFTER DELETE ON users BEGIN
        UPDATE tickets SET assignee_sort = NULL WHERE assignee_id = old.id;
        UPDATE tickets SET submitter_sort = NULL WHERE submitter_id = old.id; END""",
)

_V4 = (
    # full-text search (desktop.store.search): one document per searchable thing, in plain
    # text; ``kind`` says what it is ('ticket' now, knowledge-base articles later)
    """CREATE TABLE search_docs (
        doc_id INTEGER PRIMARY KEY, kind TEXT NOT NULL, ref_id TEXT NOT NULL,
        title TEXT NOT NULL, body TEXT NOT NULL, comments TEXT NOT NULL,
        UNIQUE (kind, ref_id))""",
    # external content: the words are stored once, in search_docs; the index only points there.
    # No prefix indexes: they made building the index 2.5 times as slow, and a prefix query
    # reads the few terms it spans fast enough without them
    """CREATE VIRTUAL TABLE search_index USING fts5(
        title, body, comments, content='search_docs', content_rowid='doc_id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER search_docs_on_insert AFTER INSERT ON search_docs BEGIN
        INSERT INTO search_index (rowid, title, body, comments)
        VALUES (new.doc_id, new.title, new.body, new.comments); END""",
    """CREATE TRIGGER search_docs_on_delete AFTER DELETE ON search_docs BEGIN
        INSERT INTO search_index (search_index, rowid, title, body, comments)
        VALUES ('delete', old.doc_id, old.title, old.body, old.comments); END""",
    """CREATE TRIGGER search_docs_on_update AFTER UPDATE ON search_docs BEGIN
        INSERT INTO search_index (search_index, rowid, title, body, comments)
        VALUES ('delete', old.doc_id, old.title, old.body, old.comments);
        INSERT INTO search_index (rowid, title, body, comments)
        VALUES (new.doc_id, new.title, new.body, new.comments); END""",
    # documents whose source rows changed in this transaction: triggers note them on every
    # write path (pulls, local commands, replay, removals), and the store rewrites them in
    # plain text before the transaction commits (search.refresh), in bulk. (Not INSERT OR
    # IGNORE: an upsert's ON CONFLICT overrides the conflict clause of its triggers' inserts.)
    """CREATE TABLE search_stale (kind TEXT NOT NULL, ref_id TEXT NOT NULL,
        PRIMARY KEY (kind, ref_id)) WITHOUT ROWID""",
    """CREATE TRIGGER tickets_search_on_insert AFTER INSERT ON tickets BEGIN
        INSERT INTO search_stale SELECT 'ticket', new.id
            WHERE NOT EXISTS (SELECT 1 FROM search_stale
                WHERE kind = 'ticket' AND ref_id = new.id); END""",
    """CREATE TRIGGER tickets_search_on_update AFTER UPDATE OF id, title, description ON tickets BEGIN
        INSERT INTO search_stale SELECT 'ticket', old.id
            WHERE NOT EXISTS (SELECT 1 FROM search_stale
                WHERE kind = 'ticket' AND ref_id = old.id);
        INSERT INTO search_stale SELECT 'ticket', new.id
            WHERE NOT EXISTS (SELECT 1 FROM search_stale
                WHERE kind = 'ticket' AND ref_id = new.id); END""",
    """CREATE TRIGGER tickets_search_on_delete AFTER DELETE ON tickets BEGIN
        INSERT INTO search_stale SELECT 'ticket', old.id
            WHERE NOT EXISTS (SELECT 1 FROM search_stale
                WHERE kind = 'ticket' AND ref_id = old.id); END""",
    """CREATE TRIGGER comments_search_on_insert AFTER INSERT ON comments BEGIN
        INSERT INTO search_stale SELECT 'ticket', new.ticket_id
            WHERE NOT EXISTS (SELECT 1 FROM search_stale
                WHERE kind = 'ticket' AND ref_id = new.ticket_id); END""",
    """CREATE TRIGGER comments_search_on_update AFTER UPDATE OF ticket_id, content ON comments BEGIN
        INSERT INTO search_stale SELECT 'ticket', old.ticket_id
            WHERE NOT EXISTS (SELECT 1 FROM search_stale
                WHERE kind = 'ticket' AND ref_id = old.ticket_id);
        INSERT INTO search_stale SELECT 'ticket', new.ticket_id
            WHERE NOT EXISTS (SELECT 1 FROM search_stale
                WHERE kind = 'ticket' AND ref_id = new.ticket_id); END""",
    """CREATE TRIGGER comments_search_on_delete AFTER DELETE ON comments BEGIN
        INSERT INTO search_stale SELECT 'ticket', old.ticket_id
            WHERE NOT EXISTS (SELECT 1 FROM search_stale
                WHERE kind = 'ticket' AND ref_id = old.ticket_id); END""",
    # an existing cache: every ticket is indexed when this migration's transaction ends
    "INSERT INTO search_stale SELECT 'ticket', id FROM tickets",
)

_V5 = (
    # the created-date filter and sort: without it the filter's COUNT read every ticket (300 ms
    # at 100k in bench.queue_model) and the sort built a temporary B-tree
    "CREATE INDEX ix_tickets_created ON tickets (created_at, id)",
)

_V6 = (
    # the last figures of each report and filters, shown offline with their "as of" time
    """CREATE TABLE report_snapshots (
        "key" TEXT PRIMARY KEY, body TEXT NOT NULL, fetched_at TEXT NOT NULL)""",
)

_V7 = (
    # knowledge-base articles (issue 12), as ticketing.protocol.ENTITY_FIELDS["article"]
    """CREATE TABLE articles (
        id TEXT PRIMARY KEY, title TEXT, body TEXT, category_id TEXT, tags TEXT, status TEXT,
        author_id TEXT, source_ticket_id TEXT, created_at TEXT, updated_at TEXT, version INTEGER)""",
    "CREATE INDEX ix_articles_status_updated ON articles (status, updated_at, id)",
    "CREATE INDEX ix_articles_category_updated ON articles (category_id, updated_at, id)",
    "CREATE INDEX ix_articles_source_ticket ON articles (source_ticket_id, id)",
    # the search index's second kind of document: an article's title and body (no comments)
    """CREATE TRIGGER articles_search_on_insert AFTER INSERT ON articles BEGIN
        INSERT INTO search_stale SELECT 'article', new.id
            WHERE NOT EXISTS (SELECT 1 FROM search_stale
                WHERE kind = 'article' AND ref_id = new.id); END""",
    """CREATE TRIGGER articles_search_on_update AFTER UPDATE OF id, title, body ON articles BEGIN
        INSERT INTO search_stale SELECT 'article', old.id
            WHERE NOT EXISTS (SELECT 1 FROM search_stale
                WHERE kind = 'article' AND ref_id = old.id);
        INSERT INTO search_stale SELECT 'article', new.id
            WHERE NOT EXISTS (SELECT 1 FROM search_stale
                WHERE kind = 'article' AND ref_id = new.id); END""",
    """CREATE TRIGGER articles_search_on_delete AFTER DELETE ON articles BEGIN
        INSERT INTO search_stale SELECT 'article', old.id
            WHERE NOT EXISTS (SELECT 1 FROM search_stale
                WHERE kind = 'article' AND ref_id = old.id); END""",
)

_V8 = (
    # unread state (issue 13): this account's read marks, as ENTITY_FIELDS["ticket_read"]. Whether
    # a ticket is unread is computed by the queries (desktop.store.unread) from the ticket, its
    # comments and its history: no trigger or extra column slows the first fill
    """CREATE TABLE ticket_reads (
        id TEXT PRIMARY KEY, user_id TEXT, ticket_id TEXT, read_at TEXT)""",
    "CREATE INDEX ix_ticket_reads_ticket ON ticket_reads (ticket_id, read_at)",
)

_V9 = (
    # service levels (issue 14): calendars and policies as ENTITY_FIELDS["sla_calendar"] and
    # ["sla_policy"], and each ticket's nearest pending target for the queue's Due column
    """CREATE TABLE sla_calendars (
        id TEXT PRIMARY KEY, name TEXT, timezone TEXT, hours TEXT, holidays TEXT, is_default BOOLEAN,
        created_at TEXT, updated_at TEXT, version INTEGER)""",
    """CREATE TABLE sla_policies (
        id TEXT PRIMARY KEY, name TEXT, position INTEGER, priorities TEXT, category_ids TEXT,
        calendar_id TEXT, first_response_minutes INTEGER, next_response_minutes INTEGER,
        resolution_minutes INTEGER, pause_statuses TEXT, warning_percent INTEGER,
        created_at TEXT, updated_at TEXT, version INTEGER)""",
    """CREATE TABLE ticket_sla (
        ticket_id TEXT PRIMARY KEY, policy_id TEXT, target TEXT, due_at TEXT, warning_at TEXT,
        paused BOOLEAN)""",
    "CREATE INDEX ix_ticket_sla_due ON ticket_sla (due_at, ticket_id)",
    # the tickets whose ticket_sla row is out of date ('*': all of them, a policy, calendar or
    # role changed), refreshed before each write commits (desktop.store.service_levels)
    "CREATE TABLE sla_stale (ticket_id TEXT PRIMARY KEY)",
    """CREATE TRIGGER tickets_sla_on_insert AFTER INSERT ON tickets BEGIN
        INSERT INTO sla_stale SELECT new.id
            WHERE NOT EXISTS (SELECT 1 FROM sla_stale WHERE ticket_id = new.id); END""",
    """CREATE TRIGGER tickets_sla_on_update
        AFTER UPDATE OF status, priority, category_id, submitter_id, created_at ON tickets
        WHEN old.status IS NOT new.status OR old.priority IS NOT new.priority
            OR old.category_id IS NOT new.category_id OR old.submitter_id IS NOT new.submitter_id
            OR old.created_at IS NOT new.created_at BEGIN
        INSERT INTO sla_stale SELECT new.id
            WHERE NOT EXISTS (SELECT 1 FROM sla_stale WHERE ticket_id = new.id); END""",
    """CREATE TRIGGER tickets_sla_on_delete AFTER DELETE ON tickets BEGIN
        INSERT INTO sla_stale SELECT old.id
            WHERE NOT EXISTS (SELECT 1 FROM sla_stale WHERE ticket_id = old.id); END""",
    """CREATE TRIGGER comments_sla_on_insert AFTER INSERT ON comments WHEN NOT new.is_internal BEGIN
        INSERT INTO sla_stale SELECT new.ticket_id
            WHERE NOT EXISTS (SELECT 1 FROM sla_stale WHERE ticket_id = new.ticket_id); END""",
    """CREATE TRIGGER comments_sla_on_update
        AFTER UPDATE OF is_internal, author_id, created_at ON comments
        WHEN old.is_internal IS NOT new.is_internal OR old.author_id IS NOT new.author_id
            OR old.created_at IS NOT new.created_at BEGIN
        INSERT INTO sla_stale SELECT old.ticket_id
            WHERE NOT EXISTS (SELECT 1 FROM sla_stale WHERE ticket_id = old.ticket_id); END""",
    """CREATE TRIGGER comments_sla_on_delete AFTER DELETE ON comments WHEN NOT old.is_internal BEGIN
        INSERT INTO sla_stale SELECT old.ticket_id
            WHERE NOT EXISTS (SELECT 1 FROM sla_stale WHERE ticket_id = old.ticket_id); END""",
    """CREATE TRIGGER events_sla_on_insert AFTER INSERT ON ticket_events WHEN new.field = 'status' BEGIN
        INSERT INTO sla_stale SELECT new.ticket_id
            WHERE NOT EXISTS (SELECT 1 FROM sla_stale WHERE ticket_id = new.ticket_id); END""",
    """CREATE TRIGGER events_sla_on_delete AFTER DELETE ON ticket_events WHEN old.field = 'status' BEGIN
        INSERT INTO sla_stale SELECT old.ticket_id
            WHERE NOT EXISTS (SELECT 1 FROM sla_stale WHERE ticket_id = old.ticket_id); END""",
    """CREATE TRIGGER users_sla_on_role AFTER UPDATE OF role ON users
        WHEN old.role IS NOT new.role BEGIN
        INSERT INTO sla_stale SELECT '*'
            WHERE NOT EXISTS (SELECT 1 FROM sla_stale WHERE ticket_id = '*'); END""",
    """CREATE TRIGGER sla_policies_sla_on_insert AFTER INSERT ON sla_policies BEGIN
        INSERT INTO sla_stale SELECT '*'
            WHERE NOT EXISTS (SELECT 1 FROM sla_stale WHERE ticket_id = '*'); END""",
    """CREATE TRIGGER sla_policies_sla_on_update AFTER UPDATE ON sla_policies BEGIN
        INSERT INTO sla_stale SELECT '*'
            WHERE NOT EXISTS (SELECT 1 FROM sla_stale WHERE ticket_id = '*'); END""",
    """CREATE TRIGGER sla_policies_sla_on_delete AFTER DELETE ON sla_policies BEGIN
        INSERT INTO sla_stale SELECT '*'
            WHERE NOT EXISTS (SELECT 1 FROM sla_stale WHERE ticket_id = '*'); END""",
    """CREATE TRIGGER sla_calendars_sla_on_insert AFTER INSERT ON sla_calendars BEGIN
        INSERT INTO sla_stale SELECT '*'
            WHERE NOT EXISTS (SELECT 1 FROM sla_stale WHERE ticket_id = '*'); END""",
    """CREATE TRIGGER sla_calendars_sla_on_update AFTER UPDATE ON sla_calendars BEGIN
        INSERT INTO sla_stale SELECT '*'
            WHERE NOT EXISTS (SELECT 1 FROM sla_stale WHERE ticket_id = '*'); END""",
    """CREATE TRIGGER sla_calendars_sla_on_delete AFTER DELETE ON sla_calendars BEGIN
        INSERT INTO sla_stale SELECT '*'
            WHERE NOT EXISTS (SELECT 1 FROM sla_stale WHERE ticket_id = '*'); END""",
    "INSERT INTO sla_stale (ticket_id) VALUES ('*')",
)

_V10 = (
    # canned replies (issue 14), as ticketing.protocol.ENTITY_FIELDS["canned_reply"]: the team's
    # and this account's own, for inserting into replies offline
    """CREATE TABLE canned_replies (
        id TEXT PRIMARY KEY, title TEXT, body TEXT, scope TEXT, owner_id TEXT, uses INTEGER,
        created_at TEXT, updated_at TEXT, version INTEGER)""",
)

#: Every step, oldest first. History (date, version, reason):
#: - 2026-11-27, 1: first cache: server rows, row buckets, cursors, outbox, shadows, problems.
#: - 2026-11-27, 2: indexes for the queue's sorts and common filters (issue 4's benchmark).
#: - 2026-12-01, 3: sort keys on tickets, kept by triggers (issue 10: sorts under 50 ms at 100k).
#: - 2026-12-01, 4: full-text search over tickets and comments (issue 10: FTS5, ranked, snippets).
#: - 2026-12-01, 5: an index for the created-date filter and sort (issue 10: filters under 50 ms).
#: - 2026-12-01, 6: report snapshots for the Analytics tab offline (issue 11).
#: - 2026-12-01, 7: knowledge-base articles, their indexes and search documents (issue 12).
#: - 2026-12-02, 8: read marks for the unread state (issue 13).
#: - 2026-12-02, 9: SLA calendars, policies and each ticket's nearest target (issue 14).
#: - 2026-12-02, 10: canned replies, for inserting into replies offline (issue 14).
MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "first cache schema", _V1),
    Migration(2, "indexes for the queue's sorts and filters", _V2),
    Migration(3, "sort keys for the queue's sorts by name and rank", _V3),
    Migration(4, "full-text search index", _V4),
    Migration(5, "index for the created-date filter and sort", _V5),
    Migration(6, "report snapshots for offline analytics", _V6),
    Migration(7, "knowledge-base articles", _V7),
    Migration(8, "read marks for the unread state", _V8),
    Migration(9, "service levels: calendars, policies, tickets' nearest targets", _V9),
    Migration(10, "canned replies", _V10),
)
SCHEMA_VERSION = MIGRATIONS[-1].version


def schema_version(conn: Connection) -> int:
    version = conn.exec_driver_sql("PRAGMA user_version").scalar()
    return int(version or 0)


def migrate(engine: Engine) -> int:
    """Bring the file to :data:`SCHEMA_VERSION` in one transaction; return the version."""
    with writing(engine) as conn:  # the write lock: two windows opening one file migrate once
        current = schema_version(conn)
        if current > SCHEMA_VERSION:
            raise CacheTooNew(
                f"This cache was written by a newer Ticketdesk (schema {current}, ours is {SCHEMA_VERSION})."
            )
        if 0 < current < SCHEMA_VERSION:  # a step may name an index a fill set aside
            deferred_indexes.restore(conn)
        for step in MIGRATIONS:
            if step.version > current:
                for statement in step.statements:
                    conn.exec_driver_sql(statement)
                conn.exec_driver_sql(f"PRAGMA user_version = {int(step.version)}")
                current = step.version
        search.refresh(conn)  # a step may have marked documents to (re)index
    return current
