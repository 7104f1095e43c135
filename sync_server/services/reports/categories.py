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

from sync_server.services.reports.filters import RESOLVED_STATUSES, ReportFilter, minutes
from ticketing.report_schemas import CategoriesReport, CategoryRow, TermCount


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
    terms_sql = f"""
    SELECT w.lexeme, count(*) AS n
    FROM tickets AS t
    CROSS JOIN LATERAL unnest(t.title_words) AS w
    WHERE {f.within("t.created_at")}{f.tickets()}
    GROUP BY 1 ORDER BY n DESC, w.lexeme LIMIT :limit
    """
    terms = [TermCount(term=w, count=n) for w, n in session.execute(text(terms_sql), params)]
    return CategoriesReport(categories=rows, terms=terms)
