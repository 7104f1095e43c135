"""Automatic assignment: staff say whether they are available for new tickets, and each account
keeps when automatic assignment last gave it one (the round-robin tie-break).

Revision ID: 20261202_0015
Revises: 20261202_0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261202_0015"
down_revision = "20261202_0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("available", sa.Boolean(), server_default=sa.text("true"), nullable=False))
    op.add_column("users", sa.Column("last_auto_assigned_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "last_auto_assigned_at")
    op.drop_column("users", "available")
