"""The tickets still to finish (every status but Closed, now), by status and priority, and how
old they are; the category and priority filters apply, the dates do not."""

from __future__ import annotations

from typing import cast

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from sync_server.db.models import PriorityLevel
from sync_server.services.reports.filters import ReportFilter
from ticketing.domain import Status
from ticketing.report_schemas import AgeFigures, BacklogReport


def backlog(session: Session, f: ReportFilter) -> BacklogReport:
    statuses = [s.value for s in Status if s != Status.CLOSED]
    priorities = list(session.scalars(select(PriorityLevel.key).order_by(PriorityLevel.rank.desc())))
    counts = {s: dict.fromkeys(priorities, 0) for s in statuses}
    sql = f"""
    SELECT t.status, t.priority, count(*) FROM tickets AS t
    WHERE t.status <> 'Closed'{f.tickets()} GROUP BY 1, 2
    """
    for row in session.execute(text(sql), f.params()):
        status, priority, n = cast("tuple[str, str, int]", tuple(row))
        counts[status][priority] = n
    age_sql = f"""
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY age),
           percentile_cont(0.9) WITHIN GROUP (ORDER BY age)
    FROM (
        SELECT (extract(epoch FROM (CAST(:now AS timestamptz) - t.created_at)) / 86400.0)::float8 AS age
        FROM tickets AS t WHERE t.status <> 'Closed'{f.tickets()}
    ) AS ages
    """
    median, p90 = session.execute(text(age_sql), f.params()).one()
    return BacklogReport(
        by_status={s: sum(counts[s].values()) for s in statuses},
        by_priority={p: sum(counts[s][p] for s in statuses) for p in priorities},
        by_status_priority=counts,
        open_age_days=AgeFigures(median=median, p90=p90),
    )
