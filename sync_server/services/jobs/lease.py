"""A lease in PostgreSQL: which server process runs a cluster-wide job, until when.

Several stateless server processes share one database; a job such as SLA escalation must run
in one of them at a time. A process holds the lease by writing its name and an expiry into
``job_leases`` and renews it on each pass; when it stops (or dies), the lease runs out and
another process takes it over. The database's clock decides, so the processes' clocks need not
agree. A row lock would need a connection held open and breaks behind a transaction pooler; a
row with an expiry needs neither.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from sqlalchemy.orm import Session

_TAKE = text(
    """
    INSERT INTO job_leases (name, holder, expires_at)
    VALUES (:name, :holder, now() + make_interval(secs => :seconds))
    ON CONFLICT (name) DO UPDATE
       SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
     WHERE job_leases.holder = EXCLUDED.holder OR job_leases.expires_at < now()
    RETURNING holder
    """
)
_GIVE_BACK = text("DELETE FROM job_leases WHERE name = :name AND holder = :holder")


def acquire(session: Session, name: str, holder: str, duration: dt.timedelta) -> bool:
    """Take or renew the lease on ``name`` for ``duration``; False while another holds it.
    Commits nothing: the caller's transaction holds the row until it ends."""
    taken = session.execute(
        _TAKE, {"name": name, "holder": holder, "seconds": duration.total_seconds()}
    ).scalar_one_or_none()
    return taken == holder


def release(session: Session, name: str, holder: str) -> None:
    """Give the lease back (on a clean shutdown), so another process takes over at once."""
    session.execute(_GIVE_BACK, {"name": name, "holder": holder})
