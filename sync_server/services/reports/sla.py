"""Service-level targets met, per period of creation, per agent and per priority.

Over the tickets created in the range, from the service level the write layer keeps on each
ticket (:mod:`sync_server.services.sla.ticket_sla`). A met target keeps the due time it had when
met, so each target is judged from three columns:

- *first response* is met when the first staff reply came by its due time, or when the ticket
  was resolved by then without one (nothing is owed any more, as :mod:`ticketing.sla` settles
  it); it counts once met, missed (due time passed) or settled;
- *resolution* is met when the latest resolution (``resolved_at``, cleared when the ticket is
  reopened) came by its due time; it counts once resolved or due. A reopened ticket's clock goes
  on from where it stopped, so it counts again only when resolved again or due: judging its first
  resolution against a due time that has since moved would mix two clocks.

A target still running and not yet due is not counted. Agents are the assignees now (every
active agent and admin, zeros included); priorities are every priority, most urgent first.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from sync_server.services.reports.filters import PERIODS, ReportFilter
from ticketing.domain import STAFF_ROLES
from ticketing.report_schemas import SlaAgentRow, SlaPeriodRow, SlaPriorityRow, SlaReport

_FIRST_RESPONSE_MET = """t.first_response_due_at IS NOT NULL AND (
    t.first_response_at <= t.first_response_due_at
    OR (t.first_response_at IS NULL AND t.resolved_at <= t.first_response_due_at))"""
_FIRST_RESPONSE_COUNTED = """t.first_response_due_at IS NOT NULL AND (
    t.first_response_at IS NOT NULL OR t.resolved_at IS NOT NULL
    OR t.first_response_due_at <= CAST(:now AS timestamptz))"""
_RESOLUTION_MET = "t.resolution_due_at IS NOT NULL AND t.resolved_at <= t.resolution_due_at"
_RESOLUTION_COUNTED = """t.resolution_due_at IS NOT NULL AND (
    t.resolved_at IS NOT NULL OR t.resolution_due_at <= CAST(:now AS timestamptz))"""
#: The four counts of one group of judged tickets ``c`` (zeros for a group without tickets).
_COUNTS = "coalesce(c.fr_met, 0), coalesce(c.fr_total, 0), coalesce(c.res_met, 0), coalesce(c.res_total, 0)"


def sla(session: Session, f: ReportFilter) -> SlaReport:
    params = f.params() | {"staff_roles": list(STAFF_ROLES)}
    sql = f"""
    WITH {PERIODS},
    staff AS (
        SELECT u.id, u.name FROM users AS u WHERE u.is_active AND u.role = ANY(:staff_roles)
    ),
    judged AS (
        SELECT {f.period_of("t.created_at")} AS period, t.assignee_id, t.priority,
               coalesce({_FIRST_RESPONSE_MET}, false) AS fr_met,
               coalesce({_FIRST_RESPONSE_COUNTED}, false) AS fr_counted,
               coalesce({_RESOLUTION_MET}, false) AS res_met,
               coalesce({_RESOLUTION_COUNTED}, false) AS res_counted
        FROM tickets AS t
        WHERE {f.within("t.created_at")}{f.tickets()}
          AND (t.first_response_due_at IS NOT NULL OR t.resolution_due_at IS NOT NULL)
    ),
    counts AS (
        SELECT grouping(period) AS by_period, grouping(assignee_id) AS by_agent,
               grouping(priority) AS by_priority, period, assignee_id, priority,
               count(*) FILTER (WHERE fr_met) AS fr_met, count(*) FILTER (WHERE fr_counted) AS fr_total,
               count(*) FILTER (WHERE res_met) AS res_met, count(*) FILTER (WHERE res_counted) AS res_total
        FROM judged
        GROUP BY GROUPING SETS ((period), (assignee_id), (priority))
    )
    SELECT 0 AS part, row_number() OVER (ORDER BY p.period) AS position,
           p.period::text AS key, NULL AS name, {_COUNTS}
    FROM periods AS p LEFT JOIN counts AS c ON c.by_period = 0 AND c.period = p.period
    UNION ALL
    SELECT 1, row_number() OVER (ORDER BY s.name, s.id), s.id::text, s.name, {_COUNTS}
    FROM staff AS s LEFT JOIN counts AS c ON c.by_agent = 0 AND c.assignee_id = s.id
    UNION ALL
    SELECT 2, row_number() OVER (ORDER BY l.rank DESC, l.key), l.key, NULL, {_COUNTS}
    FROM priorities AS l LEFT JOIN counts AS c ON c.by_priority = 0 AND c.priority = l.key
    ORDER BY part, position
    """
    series: list[SlaPeriodRow] = []
    agents: list[SlaAgentRow] = []
    priorities: list[SlaPriorityRow] = []
    for part, _position, key, name, fr_met, fr_total, res_met, res_total in session.execute(
        text(sql), params
    ):
        counts = {
            "first_response_met": fr_met,
            "first_response_total": fr_total,
            "resolution_met": res_met,
            "resolution_total": res_total,
        }
        if part == 0:
            series.append(SlaPeriodRow.model_validate({"period": key, **counts}))
        elif part == 1:
            agents.append(SlaAgentRow(agent_id=key, agent_name=name, **counts))
        else:
            priorities.append(SlaPriorityRow(priority=key, **counts))
    return SlaReport(series=series, agents=agents, priorities=priorities)
