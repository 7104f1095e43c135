"""Each active agent's and admin's figures over the range; staff without tickets get zeros.

- ``assigned``: tickets created in the range and assigned to them now;
- ``median_first_response_minutes``: over those same tickets (created in the range, assigned
  to them now), whoever wrote the first response: it is how fast *their* tickets got an answer;
- ``resolved`` and ``median_resolution_minutes``: the tickets counted as resolved in the range
  (Resolved or Closed now, latest resolution in the range) whose latest resolution was theirs;
- ``reopened``: Resolved -> Open transitions in the range that undid a resolution of theirs
  (the Resolved just before the reopen was set by them);
- ``public_replies`` and ``internal_notes``: comments they wrote in the range.

The category and priority filters apply to the tickets (and to the tickets the comments are on).
"""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.orm import Session

from sync_server.services.reports.filters import RESOLVED_STATUSES, ReportFilter, minutes
from ticketing.domain import STAFF_ROLES
from ticketing.report_schemas import AgentRow, AgentsReport


def agents(session: Session, f: ReportFilter, *, only: uuid.UUID | None = None) -> AgentsReport:
    """Every staff member's row, or only ``only``'s (what an agent may see)."""
    params = f.params() | {"only": only, "staff_roles": list(STAFF_ROLES)}
    only_sql = " AND u.id = :only" if only is not None else ""
    comment_join = "JOIN tickets AS t ON t.id = c.ticket_id" if f.filters_tickets else ""
    event_join = "JOIN tickets AS t ON t.id = e.ticket_id" if f.filters_tickets else ""
    sql = f"""
    WITH
    staff AS (
        SELECT u.id, u.name FROM users AS u
        WHERE u.is_active AND u.role = ANY(:staff_roles){only_sql}
    ),
    assigned AS (
        SELECT t.assignee_id AS agent_id, count(*) AS n,
               percentile_cont(0.5) WITHIN GROUP (
                   ORDER BY {minutes("t.first_response_at", "t.created_at")}) AS first_response
        FROM tickets AS t
        WHERE t.assignee_id IN (SELECT id FROM staff) AND {f.within("t.created_at")}{f.tickets()}
        GROUP BY 1
    ),
    resolved AS (
        SELECT t.resolved_by_id AS agent_id, count(*) AS n,
               percentile_cont(0.5) WITHIN GROUP (
                   ORDER BY {minutes("t.resolved_at", "t.created_at")}) AS resolution
        FROM tickets AS t
        WHERE t.resolved_by_id IN (SELECT id FROM staff) AND t.status IN {RESOLVED_STATUSES}
          AND {f.within("t.resolved_at")}{f.tickets()}
        GROUP BY 1
    ),
    reopened AS (
        SELECT undone.actor_id AS agent_id, count(*) AS n
        FROM ticket_events AS e
        {event_join}
        CROSS JOIN LATERAL (
            SELECT r.actor_id FROM ticket_events AS r
            WHERE r.ticket_id = e.ticket_id AND r.field = 'status' AND r.new_value = 'Resolved'
              AND r.created_at <= e.created_at
            ORDER BY r.created_at DESC, r.id DESC LIMIT 1
        ) AS undone
        WHERE e.field = 'status' AND e.old_value = 'Resolved' AND e.new_value = 'Open'
          AND {f.within("e.created_at")}{f.tickets()}
        GROUP BY 1
    ),
    written AS (
        SELECT c.author_id AS agent_id,
               count(*) FILTER (WHERE NOT c.is_internal) AS replies,
               count(*) FILTER (WHERE c.is_internal) AS notes
        FROM comments AS c
        {comment_join}
        WHERE c.author_id IN (SELECT id FROM staff) AND {f.within("c.created_at")}{f.tickets()}
        GROUP BY 1
    )
    SELECT s.id, s.name, coalesce(a.n, 0), coalesce(r.n, 0), r.resolution, a.first_response,
           coalesce(o.n, 0), coalesce(w.replies, 0), coalesce(w.notes, 0)
    FROM staff AS s
    LEFT JOIN assigned AS a ON a.agent_id = s.id
    LEFT JOIN resolved AS r ON r.agent_id = s.id
    LEFT JOIN reopened AS o ON o.agent_id = s.id
    LEFT JOIN written AS w ON w.agent_id = s.id
    ORDER BY s.name, s.id
    """
    return AgentsReport(
        agents=[
            AgentRow(
                agent_id=agent_id,
                name=name,
                assigned=assigned,
                resolved=resolved,
                median_resolution_minutes=resolution,
                median_first_response_minutes=first_response,
                reopened=reopened,
                public_replies=replies,
                internal_notes=notes,
            )
            for agent_id, name, assigned, resolved, resolution, first_response, reopened, replies, notes in (
                session.execute(text(sql), params)
            )
        ]
    )
