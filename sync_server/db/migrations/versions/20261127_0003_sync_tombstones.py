"""Tombstone expiry: when each op was written, and each bucket's floor below which ops were pruned.

Revision ID: 20261127_0003
Revises: 20261127_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261127_0003"
down_revision = "20261127_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "sync_op",
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
    )
    op.create_index("ix_sync_op_remove_changed", "sync_op", ["changed_at"], postgresql_where=sa.text("op = 'REMOVE'"))
    op.create_table(
        "sync_bucket_floor",
        sa.Column("bucket", sa.String(length=120), nullable=False),
        sa.Column("xid", sa.Text(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", name=op.f("pk_sync_bucket_floor")),
    )
    op.execute("ALTER TABLE sync_bucket_floor ALTER COLUMN xid TYPE xid8 USING xid::xid8")


def downgrade() -> None:
    op.drop_table("sync_bucket_floor")
    op.drop_index("ix_sync_op_remove_changed", table_name="sync_op")
    op.drop_column("sync_op", "changed_at")
