"""How long tickets took to resolve and to get a first response: totals and a series.

Resolution is measured over the tickets the volume report counts as resolved (Resolved or
Closed now, the latest resolution in the range), from creation to that resolution; in the
series, by the period of the resolution. First response is measured over the tickets created
in the range (in the series, by the period of creation); those without one count in
``without_response``.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from sync_server.services.reports.filters import BOUNDS, PERIODS, RESOLVED_STATUSES, ReportFilter, minutes
from ticketing.report_schemas import DurationFigures, FirstResponseFigures, ResolutionReport, ResolutionRow

_FIGURES = """count(m), avg(m), percentile_cont(0.5) WITHIN GROUP (ORDER BY m),
    percentile_cont(0.9) WITHIN GROUP (ORDER BY m)"""


def _ctes(f: ReportFilter) -> str:
    return f"""
    WITH {BOUNDS}, {PERIODS},
    resolved AS (
        SELECT {f.period_of("t.resolved_at")} AS period, {minutes("t.resolved_at", "t.created_at")} AS m
        FROM tickets AS t
        WHERE {f.within("t.resolved_at")} AND t.status IN {RESOLVED_STATUSES}{f.tickets()}
    ),
    responded AS (
        SELECT {f.period_of("t.created_at")} AS period, {minutes("t.first_response_at", "t.created_at")} AS m
        FROM tickets AS t
        WHERE {f.within("t.created_at")}{f.tickets()}
    )"""


def resolution(session: Session, f: ReportFilter) -> ResolutionReport:
    params = f.params()
    totals = f"""{_ctes(f)}
    SELECT r.*, s.*, s.total - s.n
    FROM (SELECT {_FIGURES} FROM resolved) AS r,
         (SELECT {_FIGURES.replace("count(m)", "count(m) AS n")}, count(*) AS total FROM responded) AS s
    """
    row = session.execute(text(totals), params).one()
    series = f"""{_ctes(f)},
    by_resolved AS (
        SELECT period, percentile_cont(0.5) WITHIN GROUP (ORDER BY m) AS median,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY m) AS p90
        FROM resolved GROUP BY period
    ),
    by_created AS (
        SELECT period, percentile_cont(0.5) WITHIN GROUP (ORDER BY m) AS median,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY m) AS p90
        FROM responded GROUP BY period
    )
    SELECT p.period, r.median, c.median, r.p90, c.p90
    FROM periods AS p
    LEFT JOIN by_resolved AS r USING (period)
    LEFT JOIN by_created AS c USING (period)
    ORDER BY p.period
    """
    return ResolutionReport(
        resolution_minutes=DurationFigures(count=row[0], mean=row[1], median=row[2], p90=row[3]),
        first_response_minutes=FirstResponseFigures(
            count=row[4], mean=row[5], median=row[6], p90=row[7], without_response=row[9]
        ),
        series=[
            ResolutionRow(
                period=p,
                median_resolution_minutes=mr,
                median_first_response_minutes=mf,
                p90_resolution_minutes=pr,
                p90_first_response_minutes=pf,
            )
            for p, mr, mf, pr, pf in session.execute(text(series), params)
        ],
    )
