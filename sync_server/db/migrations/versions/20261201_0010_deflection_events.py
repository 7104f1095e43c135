"""Deflection: one row per new-ticket form session that showed suggestions (the
``record_deflection`` mutation), read by ``GET /api/reports/deflection`` by ``at``.

Revision ID: 20261201_0010
Revises: 20261201_0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261201_0010"
down_revision = "20261201_0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deflection_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shown", sa.Integer(), nullable=False),
        sa.Column("opened", sa.Integer(), nullable=False),
        sa.Column("deflected", sa.Boolean(), nullable=False),
        sa.Column("category_id", sa.Uuid(), nullable=True),
        sa.Column("priority", sa.String(length=60), nullable=True),
        sa.Column("ticket_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["users.id"], name=op.f("fk_deflection_events_account_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deflection_events")),
    )
    op.create_index(op.f("ix_deflection_events_at"), "deflection_events", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_deflection_events_at"), table_name="deflection_events")
    op.drop_table("deflection_events")
