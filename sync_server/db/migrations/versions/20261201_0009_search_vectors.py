"""Full-text search (``GET /api/search``): a stored ``tsvector`` on tickets, comments and
articles, kept by PostgreSQL as a generated column, each with a GIN index.

The vectors use the ``english`` configuration written out in the expression (a generated
column must be immutable, and a server's default configuration must not change what is
indexed); rich text is sanitized HTML, so its tags are replaced by spaces before it is parsed.
Adding a stored generated column rewrites the table once.

Revision ID: 20261201_0009
Revises: 20261201_0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "20261201_0009"
down_revision = "20261201_0008"
branch_labels = None
depends_on = None

# the expressions as they were when this migration was written (sync_server.db.search_vectors)
_PLAIN = "regexp_replace(({0})::text, '<[^>]+>'::text, ' '::text, 'g'::text)"
_VECTOR = "setweight(to_tsvector('english'::regconfig, {0}), '{1}'::\"char\")"
_TITLE = _VECTOR.format("(title)::text", "A")
VECTORS = {
    "tickets": f"{_TITLE} || {_VECTOR.format(_PLAIN.format('description'), 'B')}",
    "comments": _VECTOR.format(_PLAIN.format("content"), "B"),
    "articles": f"{_TITLE} || {_VECTOR.format(_PLAIN.format('body'), 'B')}",
}


def upgrade() -> None:
    for table, expression in VECTORS.items():
        op.add_column(
            table,
            sa.Column(
                "search_vector", postgresql.TSVECTOR(), sa.Computed(expression, persisted=True), nullable=True
            ),
        )
        op.create_index(f"ix_{table}_search", table, ["search_vector"], postgresql_using="gin")


def downgrade() -> None:
    for table in VECTORS:
        op.drop_index(f"ix_{table}_search", table_name=table)
        op.drop_column(table, "search_vector")
