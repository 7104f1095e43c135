"""Suggestions shown, opened and deflected per period of the range, from ``deflection_events``
(one row per new-ticket form session that showed suggestions, ``record_deflection``).

``shown`` and ``opened`` sum the sessions' distinct suggestions; ``deflected`` counts the
sessions left without submitting after opening one. A session falls in the period of its end
(``at``). The category and priority filters apply to the form's category and priority at the
session's end.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from sync_server.services.reports.filters import PERIODS, ReportFilter
from ticketing.report_schemas import DeflectionReport, DeflectionRow


def deflection(session: Session, f: ReportFilter) -> DeflectionReport:
    sql = f"""
    WITH {PERIODS},
    sessions AS (
        SELECT {f.period_of("e.at")} AS period, sum(e.shown) AS shown, sum(e.opened) AS opened,
            count(*) FILTER (WHERE e.deflected) AS deflected
        FROM deflection_events AS e
        WHERE {f.within("e.at")}{f.tickets("e")} GROUP BY 1
    )
    SELECT p.period, coalesce(s.shown, 0), coalesce(s.opened, 0), coalesce(s.deflected, 0)
    FROM periods AS p LEFT JOIN sessions AS s USING (period)
    ORDER BY p.period
    """
    rows = session.execute(text(sql), f.params())
    return DeflectionReport(
        series=[
            DeflectionRow(period=p, shown=shown, opened=opened, deflected=deflected)
            for p, shown, opened, deflected in rows
        ]
    )
