"""Tickets created, resolved and reopened per period of the range.

``resolved``: tickets Resolved or Closed now whose latest resolution (``resolved_at``) falls in
the period, so a ticket reopened and not resolved again is not counted. ``reopened``: status
changes Resolved -> Open in the period, from the history.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from sync_server.services.reports.filters import PERIODS, RESOLVED_STATUSES, ReportFilter
from ticketing.report_schemas import VolumeReport, VolumeRow


def volume(session: Session, f: ReportFilter) -> VolumeReport:
    ticket_join = "JOIN tickets AS t ON t.id = e.ticket_id" if f.filters_tickets else ""
    sql = f"""
    WITH {PERIODS},
    created AS (
        SELECT {f.period_of("t.created_at")} AS period, count(*) AS n FROM tickets AS t
        WHERE {f.within("t.created_at")}{f.tickets()} GROUP BY 1
    ),
    resolved AS (
        SELECT {f.period_of("t.resolved_at")} AS period, count(*) AS n FROM tickets AS t
        WHERE {f.within("t.resolved_at")} AND t.status IN {RESOLVED_STATUSES}{f.tickets()} GROUP BY 1
    ),
    reopened AS (
        SELECT {f.period_of("e.created_at")} AS period, count(*) AS n FROM ticket_events AS e
        {ticket_join}
        WHERE e.field = 'status' AND e.old_value = 'Resolved' AND e.new_value = 'Open'
          AND {f.within("e.created_at")}{f.tickets()} GROUP BY 1
    )
    SELECT p.period, coalesce(c.n, 0), coalesce(r.n, 0), coalesce(o.n, 0)
    FROM periods AS p
    LEFT JOIN created AS c USING (period)
    LEFT JOIN resolved AS r USING (period)
    LEFT JOIN reopened AS o USING (period)
    ORDER BY p.period
    """
    rows = session.execute(text(sql), f.params())
    return VolumeReport(
        series=[VolumeRow(period=p, created=c, resolved=r, reopened=o) for p, c, r, o in rows]
    )
