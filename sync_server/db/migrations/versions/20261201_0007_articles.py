"""Knowledge-base articles: drafts and published articles, synced through ``kb_all`` and
``kb_published``, with indexes for listing by status or category (newest change first) and a
GIN index for the tag filter.

Revision ID: 20261201_0007
Revises: 20261201_0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "20261201_0007"
down_revision = "20261201_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("category_id", sa.Uuid(), nullable=True),
        sa.Column(
            "tags", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False
        ),
        sa.Column("status", sa.String(length=16), server_default="draft", nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("source_ticket_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.CheckConstraint("status IN ('draft', 'published')", name=op.f("ck_articles_status")),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_articles_category_id_categories")
        ),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_articles_author_id_users")),
        sa.ForeignKeyConstraint(
            ["source_ticket_id"], ["tickets.id"], name=op.f("fk_articles_source_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
    )
    op.create_index("ix_articles_status_updated", "articles", ["status", "updated_at", "id"])
    op.create_index("ix_articles_category_updated", "articles", ["category_id", "updated_at", "id"])
    op.create_index("ix_articles_tags", "articles", ["tags"], postgresql_using="gin")
    op.create_index(op.f("ix_articles_source_ticket_id"), "articles", ["source_ticket_id"])


def downgrade() -> None:
    op.drop_table("articles")
