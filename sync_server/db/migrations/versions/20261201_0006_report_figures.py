"""Figures the reports read, kept on each ticket, filled for existing tickets from their history.

``first_response_at`` (the first public reply by staff other than the requester; the staff role
is the author's role now, the only one known), ``first_resolved_at``, ``reopen_count`` (Resolved
or Closed back to an active status) and ``resolved_by_id`` (who set the latest Resolved), with
the indexes the reports use, ``report_words``, the text search configuration that splits
titles into plain lower-case words without English stop words (no stemming: terms stay words), and ``title_words``, each title's words in it, kept by
PostgreSQL so that the terms report reads them rather than parsing every title.

Revision ID: 20261201_0006
Revises: 20261201_0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "20261201_0006"
down_revision = "20261201_0005"
branch_labels = None
depends_on = None

_ACTIVE = "('Open', 'In Progress', 'On Hold')"

#: Set-based statements that compute the figures of every ticket from ``ticket_events`` and
#: ``comments``; ``tests/server/test_reports.py`` runs them again on tickets written since.
FILL_STATEMENTS: tuple[str, ...] = (
    """
    UPDATE tickets AS t SET first_response_at = f.at
    FROM (
        SELECT c.ticket_id, min(c.created_at) AS at
        FROM comments AS c
        JOIN users AS u ON u.id = c.author_id
        JOIN tickets AS own ON own.id = c.ticket_id
        WHERE NOT c.is_internal AND u.role IN ('agent', 'admin') AND c.author_id <> own.submitter_id
        GROUP BY c.ticket_id
    ) AS f
    WHERE t.id = f.ticket_id
    """,
    """
    UPDATE tickets AS t SET first_resolved_at = f.at
    FROM (
        SELECT ticket_id, min(created_at) AS at FROM ticket_events
        WHERE field = 'status' AND new_value = 'Resolved'
        GROUP BY ticket_id
    ) AS f
    WHERE t.id = f.ticket_id
    """,
    """
    UPDATE tickets AS t SET resolved_by_id = f.actor_id
    FROM (
        SELECT DISTINCT ON (ticket_id) ticket_id, actor_id FROM ticket_events
        WHERE field = 'status' AND new_value = 'Resolved'
        ORDER BY ticket_id, created_at DESC, id DESC
    ) AS f
    WHERE t.id = f.ticket_id
    """,
    f"""
    UPDATE tickets AS t SET reopen_count = f.n
    FROM (
        SELECT ticket_id, count(*) AS n FROM ticket_events
        WHERE field = 'status' AND old_value IN ('Resolved', 'Closed') AND new_value IN {_ACTIVE}
        GROUP BY ticket_id
    ) AS f
    WHERE t.id = f.ticket_id
    """,
)


def upgrade() -> None:
    op.add_column("tickets", sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("tickets", sa.Column("first_resolved_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "tickets", sa.Column("reopen_count", sa.Integer(), server_default=sa.text("0"), nullable=False)
    )
    op.add_column("tickets", sa.Column("resolved_by_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_tickets_resolved_by_id_users"), "tickets", "users", ["resolved_by_id"], ["id"]
    )
    for statement in FILL_STATEMENTS:
        op.execute(statement)
    op.create_index(op.f("ix_tickets_resolved_by_id"), "tickets", ["resolved_by_id"])
    op.create_index("ix_tickets_created_at", "tickets", ["created_at"])
    op.create_index("ix_tickets_resolved_at", "tickets", ["resolved_at"])
    op.create_index(
        "ix_comments_author_created", "comments", ["author_id", "created_at"], postgresql_include=["is_internal"]
    )
    op.create_index(
        "ix_ticket_events_reopened",
        "ticket_events",
        ["created_at"],
        postgresql_include=["ticket_id"],
        postgresql_where=sa.text("field = 'status' AND old_value = 'Resolved' AND new_value = 'Open'"),
    )
    op.create_index(
        "ix_ticket_events_status_ticket",
        "ticket_events",
        ["ticket_id", "created_at"],
        postgresql_where=sa.text("field = 'status'"),
    )
    op.execute("CREATE TEXT SEARCH DICTIONARY report_words (TEMPLATE = simple, STOPWORDS = english)")
    op.execute("CREATE TEXT SEARCH CONFIGURATION report_words (COPY = simple)")
    op.execute(
        "ALTER TEXT SEARCH CONFIGURATION report_words ALTER MAPPING FOR "
        "asciiword, word, numword, asciihword, hword, numhword, hword_asciipart, hword_part, "
        "hword_numpart WITH report_words"
    )
    op.execute(
        "ALTER TEXT SEARCH CONFIGURATION report_words DROP MAPPING IF EXISTS FOR "
        "int, uint, float, sfloat, version, email, url, url_path, host, file"
    )
    op.add_column(
        "tickets",
        sa.Column(
            "title_words",
            postgresql.TSVECTOR(),
            sa.Computed("to_tsvector('report_words'::regconfig, (title)::text)", persisted=True),
            nullable=True,
        ),
    )


def downgrade() -> None:
    op.drop_column("tickets", "title_words")
    op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS report_words")
    op.execute("DROP TEXT SEARCH DICTIONARY IF EXISTS report_words")
    op.drop_index("ix_ticket_events_status_ticket", table_name="ticket_events")
    op.drop_index("ix_ticket_events_reopened", table_name="ticket_events")
    op.drop_index("ix_comments_author_created", table_name="comments")
    op.drop_index("ix_tickets_resolved_at", table_name="tickets")
    op.drop_index("ix_tickets_created_at", table_name="tickets")
    op.drop_index(op.f("ix_tickets_resolved_by_id"), table_name="tickets")
    op.drop_constraint(op.f("fk_tickets_resolved_by_id_users"), "tickets", type_="foreignkey")
    op.drop_column("tickets", "resolved_by_id")
    op.drop_column("tickets", "reopen_count")
    op.drop_column("tickets", "first_resolved_at")
    op.drop_column("tickets", "first_response_at")
