"""Indexes that let the agents report read its rows in index order, without the table.

``EXPLAIN ANALYZE`` of the agents report over a year of 100k tickets (bench.reports) took 258 ms:
100 ms sorting 85k tickets by assignee before the per-agent medians, 67 ms the same by resolver,
54 ms finding, for each of 12.8k reopens, the resolution it undid (an index scan that skipped
other status changes). Covering indexes grouped by agent and a partial index of resolutions
bring it to 131 ms. The resolver index replaces the plain one on ``resolved_by_id``.

Revision ID: 20261201_0008
Revises: 20261201_0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261201_0008"
down_revision = "20261201_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_tickets_assignee_created",
        "tickets",
        ["assignee_id", "created_at"],
        postgresql_include=["first_response_at", "category_id", "priority"],
    )
    op.drop_index("ix_tickets_resolved_by_id", table_name="tickets")
    op.create_index(
        "ix_tickets_resolver_resolved",
        "tickets",
        ["resolved_by_id", "resolved_at"],
        postgresql_include=["created_at", "status", "category_id", "priority"],
    )
    op.create_index(
        "ix_ticket_events_resolutions",
        "ticket_events",
        ["ticket_id", sa.text("created_at DESC"), sa.text("id DESC")],
        postgresql_include=["actor_id"],
        postgresql_where=sa.text("field = 'status' AND new_value = 'Resolved'"),
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_events_resolutions", table_name="ticket_events")
    op.drop_index("ix_tickets_resolver_resolved", table_name="tickets")
    op.create_index("ix_tickets_resolved_by_id", "tickets", ["resolved_by_id"])
    op.drop_index("ix_tickets_assignee_created", table_name="tickets")
