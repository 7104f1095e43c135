"""How long tickets took to resolve and to get a first response: totals and a series.

Resolution is measured over the tickets the volume report counts as resolved (Resolved or
Closed now, the latest resolution in the range), from creation to that resolution; in the
series, by the period of the resolution. First response is measured over the tickets created
in the range (in the series, by the period of creation); those without one count in
``without_response``. Each measure is one pass over its tickets: ``GROUPING SETS`` gives the
periods and the total together.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from sync_server.services.reports.filters import PERIODS, RESOLVED_STATUSES, ReportFilter, minutes
from ticketing.report_schemas import DurationFigures, FirstResponseFigures, ResolutionReport, ResolutionRow


def _figures(f: ReportFilter, moment: str, measured: str, extra: str) -> str:
    """Per period of ``moment`` and in total (``period`` NULL): count, mean, median and p90 of
    the minutes from creation to ``measured``, over tickets whose ``moment`` is in the range."""
    return f"""
        SELECT {f.period_of(moment)} AS period, grouping({f.period_of(moment)}) AS is_total,
               count(m) AS n, count(*) AS total, avg(m) AS mean,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY m) AS median,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY m) AS p90
        FROM (
            SELECT {moment}, {minutes(measured, "t.created_at")} AS m FROM tickets AS t
            WHERE {f.within(moment)}{extra}{f.tickets()}
        ) AS t
        GROUP BY GROUPING SETS ((1), ())"""


def resolution(session: Session, f: ReportFilter) -> ResolutionReport:
    resolved = _figures(f, "t.resolved_at", "t.resolved_at", f" AND t.status IN {RESOLVED_STATUSES}")
    responded = _figures(f, "t.created_at", "t.first_response_at", "")
    sql = f"""
    WITH {PERIODS}, resolved AS ({resolved}), responded AS ({responded})
    SELECT NULL AS period, r.n, r.mean, r.median, r.p90, s.n, s.mean, s.median, s.p90, s.total - s.n
    FROM (SELECT 1) AS one
    LEFT JOIN resolved AS r ON r.is_total = 1
    LEFT JOIN responded AS s ON s.is_total = 1
    UNION ALL
    (SELECT p.period, NULL, NULL, r.median, r.p90, NULL, NULL, s.median, s.p90, NULL
     FROM periods AS p
     LEFT JOIN resolved AS r ON r.is_total = 0 AND r.period = p.period
     LEFT JOIN responded AS s ON s.is_total = 0 AND s.period = p.period
     ORDER BY p.period)
    """
    total: Any = None
    series: list[ResolutionRow] = []
    for row in session.execute(text(sql), f.params()):
        if row[0] is None:
            total = row
            continue
        series.append(
            ResolutionRow(
                period=row[0],
                median_resolution_minutes=row[3],
                p90_resolution_minutes=row[4],
                median_first_response_minutes=row[7],
                p90_first_response_minutes=row[8],
            )
        )
    assert total is not None
    return ResolutionReport(
        resolution_minutes=DurationFigures(count=total[1] or 0, mean=total[2], median=total[3], p90=total[4]),
        first_response_minutes=FirstResponseFigures(
            count=total[5] or 0,
            mean=total[6],
            median=total[7],
            p90=total[8],
            without_response=total[9] or 0,
        ),
        series=series,
    )
