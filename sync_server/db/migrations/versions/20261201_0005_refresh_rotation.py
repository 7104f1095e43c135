"""Refresh-token rotation that survives a lost answer, and reuse detection.

Revision ID: 20261201_0005
Revises: 20261127_0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261201_0005"
down_revision = "20261127_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("auth_sessions", sa.Column("previous_refresh_hash", sa.String(length=64), nullable=True))
    op.add_column("auth_sessions", sa.Column("rotation_salt", sa.LargeBinary(), nullable=True))
    op.add_column("auth_sessions", sa.Column("pair_used_at", sa.DateTime(timezone=True), nullable=True))
    op.create_unique_constraint(
        op.f("uq_auth_sessions_previous_refresh_hash"), "auth_sessions", ["previous_refresh_hash"]
    )
    op.create_table(
        "auth_retired_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["auth_sessions.id"],
            name=op.f("fk_auth_retired_tokens_session_id_auth_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_auth_retired_tokens")),
    )
    op.create_index(op.f("ix_auth_retired_tokens_session_id"), "auth_retired_tokens", ["session_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_auth_retired_tokens_session_id"), table_name="auth_retired_tokens")
    op.drop_table("auth_retired_tokens")
    op.drop_constraint(op.f("uq_auth_sessions_previous_refresh_hash"), "auth_sessions", type_="unique")
    op.drop_column("auth_sessions", "pair_used_at")
    op.drop_column("auth_sessions", "rotation_salt")
    op.drop_column("auth_sessions", "previous_refresh_hash")
