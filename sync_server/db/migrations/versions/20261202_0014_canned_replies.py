"""Canned replies: staff's reusable answers, personal (the owner's ``account:<id>`` bucket) or
shared by the team (the ``staff`` bucket), with a count of their uses.

Revision ID: 20261202_0014
Revises: 20261202_0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261202_0014"
down_revision = "20261202_0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "canned_replies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("uses", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.CheckConstraint("scope IN ('personal', 'team')", name=op.f("ck_canned_replies_scope")),
        sa.CheckConstraint("uses >= 0", name=op.f("ck_canned_replies_uses_not_negative")),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_canned_replies_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canned_replies")),
    )
    op.create_index(op.f("ix_canned_replies_owner_id"), "canned_replies", ["owner_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_canned_replies_owner_id"), table_name="canned_replies")
    op.drop_table("canned_replies")
