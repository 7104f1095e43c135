"""Service levels: business calendars and SLA policies (``/api/sla/calendars``,
``/api/sla/policies``); the 24/7 calendar every desk has is added at start-up
(``sync_server.services.sla.calendars.ensure_default_calendar``).

Revision ID: 20261202_0012
Revises: 20261202_0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "20261202_0012"
down_revision = "20261202_0011"
branch_labels = None
depends_on = None


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "sla_calendars",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("hours", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "holidays", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False
        ),
        sa.Column("is_default", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_calendars")),
        sa.UniqueConstraint("name", name=op.f("uq_sla_calendars_name")),
    )
    op.create_table(
        "sla_policies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "priorities", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False
        ),
        sa.Column(
            "category_ids",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("calendar_id", sa.Uuid(), nullable=False),
        sa.Column("first_response_minutes", sa.Integer(), nullable=True),
        sa.Column("next_response_minutes", sa.Integer(), nullable=True),
        sa.Column("resolution_minutes", sa.Integer(), nullable=True),
        sa.Column(
            "pause_statuses",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[\"On Hold\"]'::jsonb"),
            nullable=False,
        ),
        sa.Column("warning_percent", sa.Integer(), server_default=sa.text("80"), nullable=False),
        *_timestamps(),
        sa.CheckConstraint("warning_percent BETWEEN 1 AND 100", name=op.f("ck_sla_policies_warning_percent")),
        sa.CheckConstraint(
            "coalesce(first_response_minutes, 0) >= 0 AND coalesce(next_response_minutes, 0) >= 0"
            " AND coalesce(resolution_minutes, 0) >= 0",
            name=op.f("ck_sla_policies_targets_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["calendar_id"], ["sla_calendars.id"], name=op.f("fk_sla_policies_calendar_id_sla_calendars")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_policies")),
        sa.UniqueConstraint("name", name=op.f("uq_sla_policies_name")),
    )


def downgrade() -> None:
    op.drop_table("sla_policies")
    op.drop_table("sla_calendars")
