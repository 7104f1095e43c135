"""The most common issues: tickets created in the range per category, and the words of their
titles.

A category's share is of all the tickets created in the range (matching the filters); its median
resolution is over those of its tickets that are Resolved or Closed now (creation to latest
resolution). Categories with no ticket in the range are listed (with zeros) while active. Terms
are the words of titles as the ``report_words`` text search configuration splits them (lower
case, no English stop words, no stemming; kept in ``tickets.title_words``), each counted once
per ticket.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from sync_server.services.reports.filters import (
    RANGE_END,
    RANGE_START,
    RESOLVED_STATUSES,
    ReportFilter,
    minutes,
)
from ticketing.report_schemas import CategoriesReport, CategoryRow, TermCount

# The words are counted by PostgreSQL's ts_stat (in C, one count per ticket: ``ndoc``), about
# twice as fast as unnesting every title's words and grouping them (bench.reports, a year of
# 100k tickets: 150 ms -> 72 ms). ts_stat runs a query given as text, which takes no bind
# parameters; the range and filters reach it as settings of this transaction instead, set
# from bind parameters, so the query text is a constant.
_TERMS_SCOPE = text(
    f"""
    SELECT set_config('ticketdesk.report_lo', CAST({RANGE_START} AS text), true),
           set_config('ticketdesk.report_hi', CAST({RANGE_END} AS text), true),
           set_config('ticketdesk.report_category', coalesce(CAST(:category_id AS text), ''), true),
           set_config('ticketdesk.report_priority', coalesce(CAST(:priority AS text), ''), true)
    """
)
_TERMS = text(
    """
    SELECT word, ndoc FROM ts_stat($terms$
        SELECT title_words FROM tickets
        WHERE created_at >= current_setting('ticketdesk.report_lo')::timestamptz
          AND created_at < current_setting('ticketdesk.report_hi')::timestamptz
          AND (current_setting('ticketdesk.report_category') = ''
               OR category_id = nullif(current_setting('ticketdesk.report_category'), '')::uuid)
          AND (current_setting('ticketdesk.report_priority') = ''
               OR priority = current_setting('ticketdesk.report_priority'))
    $terms$)
    ORDER BY ndoc DESC, word LIMIT :limit
    """
)


def categories(session: Session, f: ReportFilter, *, limit: int) -> CategoriesReport:
    params = f.params() | {"limit": limit}
    only = " AND c.id = :category_id" if f.category_id is not None else ""
    sql = f"""
    WITH
    created AS (
        SELECT t.category_id, count(*) AS n,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE
                   WHEN t.status IN {RESOLVED_STATUSES} THEN {minutes("t.resolved_at", "t.created_at")}
               END) AS resolution
        FROM tickets AS t
        WHERE {f.within("t.created_at")}{f.tickets()}
        GROUP BY 1
    ),
    total AS (SELECT coalesce(sum(n), 0) AS n FROM created)
    SELECT c.id, c.name, coalesce(k.n, 0) AS created,
           CASE WHEN total.n > 0 THEN coalesce(k.n, 0)::float8 / total.n ELSE 0.0 END,
           k.resolution
    FROM categories AS c
    LEFT JOIN created AS k ON k.category_id = c.id
    CROSS JOIN total
    WHERE (c.is_active OR k.n IS NOT NULL){only}
    ORDER BY created DESC, c.name
    """
    rows = [
        CategoryRow(category_id=i, name=n, created=c, share=s, median_resolution_minutes=m)
        for i, n, c, s, m in session.execute(text(sql), params)
    ]
    session.execute(_TERMS_SCOPE, params)
    terms_sql = _TERMS
    terms = [TermCount(term=w, count=n) for w, n in session.execute(terms_sql, params)]
    return CategoriesReport(categories=rows, terms=terms)
