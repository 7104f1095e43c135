"""Sync clients: the last mutation id each client cache had applied, and the answers given.

Revision ID: 20261127_0002
Revises: 20261127_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "20261127_0002"
down_revision = "20261127_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_clients",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("last_mutation_id", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_sync_clients_user_id_users")),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_sync_clients")),
    )
    op.create_index(op.f("ix_sync_clients_user_id"), "sync_clients", ["user_id"], unique=False)
    op.create_table(
        "sync_mutation_results",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("mutation_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("server_values", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("xid", sa.Text(), nullable=False, server_default=sa.text("pg_current_xact_id()")),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["sync_clients.client_id"], name=op.f("fk_sync_mutation_results_client_id_sync_clients")
        ),
        sa.PrimaryKeyConstraint("client_id", "mutation_id", name=op.f("pk_sync_mutation_results")),
    )
    op.execute("ALTER TABLE sync_mutation_results ALTER COLUMN xid DROP DEFAULT")
    op.execute("ALTER TABLE sync_mutation_results ALTER COLUMN xid TYPE xid8 USING xid::xid8")
    op.execute("ALTER TABLE sync_mutation_results ALTER COLUMN xid SET DEFAULT pg_current_xact_id()")


def downgrade() -> None:
    op.drop_table("sync_mutation_results")
    op.drop_index(op.f("ix_sync_clients_user_id"), table_name="sync_clients")
    op.drop_table("sync_clients")
