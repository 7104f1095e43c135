"""Rate limits for tests: generous ones for tests about something else that write a lot (a
150-comment push, concurrent writers), tight ones for the tests about the limits themselves."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.dialects.postgresql import insert

from sync_server.db.models import Setting
from ticketing.schemas import RateLimitSettings

#: Far above anything a test does: rate limits out of the way.
GENEROUS = RateLimitSettings(
    login_per_minute=10_000, tickets_per_hour=100_000, comments_per_minute=100_000, uploads_per_minute=100_000
)


def set_rate_limits(engine: Engine, limits: RateLimitSettings) -> None:
    """Store the ``rate_limits`` admin setting (as an admin's PATCH would, minus the audit entry)."""
    document = limits.model_dump(mode="json")
    stmt = insert(Setting).values(key="rate_limits", value=document)
    with engine.begin() as conn:
        conn.execute(stmt.on_conflict_do_update(index_elements=[Setting.key], set_={"value": document}))
