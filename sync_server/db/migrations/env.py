"""Alembic environment: migrations run on the engine the caller passes in."""

from __future__ import annotations

from alembic import context

from sync_server.db.models import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata)
    with context.begin_transaction():
        context.run_migrations()
