"""Service levels on tickets: the policy that applies, the due times and state the write layer
keeps (``sync_server.services.sla.ticket_sla``), when the escalation job must look at a ticket
again, the breach actions of a policy, the escalations done (each once), and the job's lease.

Revision ID: 20261202_0013
Revises: 20261202_0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261202_0013"
down_revision = "20261202_0012"
branch_labels = None
depends_on = None

_STATES = "'ok', 'warning', 'breached', 'met', 'paused'"


def upgrade() -> None:
    # an SLA warning or breach is a history line that no one wrote
    op.alter_column("ticket_events", "actor_id", existing_type=sa.Uuid(), nullable=True)
    op.add_column("tickets", sa.Column("sla_policy_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_tickets_sla_policy_id_sla_policies"), "tickets", "sla_policies", ["sla_policy_id"], ["id"]
    )
    for name in ("first_response_due_at", "next_response_due_at", "resolution_due_at", "sla_check_at"):
        op.add_column("tickets", sa.Column(name, sa.DateTime(timezone=True), nullable=True))
    op.add_column("tickets", sa.Column("sla_paused", sa.Boolean(), server_default=sa.text("false"), nullable=False))
    op.add_column("tickets", sa.Column("sla_state", sa.String(length=10), nullable=True))
    op.create_check_constraint(op.f("ck_tickets_sla_state"), "tickets", f"sla_state IN ({_STATES})")
    op.create_index(
        "ix_tickets_sla_check_at", "tickets", ["sla_check_at"], postgresql_where=sa.text("sla_check_at IS NOT NULL")
    )

    op.add_column(
        "sla_policies",
        sa.Column("breach_raise_priority", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.add_column("sla_policies", sa.Column("breach_reassign_to", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_sla_policies_breach_reassign_to_users"), "sla_policies", "users", ["breach_reassign_to"], ["id"]
    )
    op.add_column(
        "sla_policies",
        sa.Column("breach_notify_admins", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )

    op.create_table(
        "sla_escalations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("target", sa.String(length=20), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("level IN ('warning', 'breach')", name=op.f("ck_sla_escalations_level")),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_sla_escalations_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_escalations")),
        sa.UniqueConstraint("ticket_id", "target", "level", "due_at", name=op.f("uq_sla_escalations_ticket_id")),
    )
    op.create_index(
        "ix_sla_escalations_unsent",
        "sla_escalations",
        ["created_at"],
        postgresql_where=sa.text("notified_at IS NULL"),
    )
    op.create_table(
        "job_leases",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_leases")),
    )


def downgrade() -> None:
    op.execute("DELETE FROM ticket_events WHERE actor_id IS NULL")
    op.alter_column("ticket_events", "actor_id", existing_type=sa.Uuid(), nullable=False)
    op.drop_table("job_leases")
    op.drop_index("ix_sla_escalations_unsent", table_name="sla_escalations")
    op.drop_table("sla_escalations")
    op.drop_constraint(op.f("fk_sla_policies_breach_reassign_to_users"), "sla_policies", type_="foreignkey")
    for name in ("breach_notify_admins", "breach_reassign_to", "breach_raise_priority"):
        op.drop_column("sla_policies", name)
    op.drop_index("ix_tickets_sla_check_at", table_name="tickets")
    op.drop_constraint(op.f("ck_tickets_sla_state"), "tickets", type_="check")
    op.drop_constraint(op.f("fk_tickets_sla_policy_id_sla_policies"), "tickets", type_="foreignkey")
    for name in (
        "sla_state",
        "sla_paused",
        "sla_check_at",
        "resolution_due_at",
        "next_response_due_at",
        "first_response_due_at",
        "sla_policy_id",
    ):
        op.drop_column("tickets", name)
