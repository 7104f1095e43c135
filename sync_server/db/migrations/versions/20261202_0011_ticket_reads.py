"""Unread state: one read mark per account and ticket (the ``mark_read`` mutation), synced to
that account's devices through its ``account:<id>`` bucket.

Revision ID: 20261202_0011
Revises: 20261201_0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261202_0011"
down_revision = "20261201_0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticket_reads",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_ticket_reads_user_id_users")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_reads_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("user_id", "ticket_id", name=op.f("pk_ticket_reads")),
        sa.UniqueConstraint("id", name=op.f("uq_ticket_reads_id")),
    )


def downgrade() -> None:
    op.drop_table("ticket_reads")
