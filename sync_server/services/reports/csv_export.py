"""A report's rows as CSV text, written a row at a time (every row, no cap).

Columns are the JSON keys of a row, in the same order; the backlog has one
``status,priority,count`` row per pair; the SLA report's CSV is its series (per period).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import BaseModel

from ticketing.report_schemas import (
    AgentRow,
    AgentsReport,
    BacklogReport,
    CategoriesReport,
    CategoryRow,
    DeflectionReport,
    DeflectionRow,
    ResolutionReport,
    ResolutionRow,
    SlaPeriodRow,
    SlaReport,
    VolumeReport,
    VolumeRow,
)

#: Per report, the attribute holding its rows and the rows' model (whose fields are the columns).
_TABLES: dict[type[BaseModel], tuple[str, type[BaseModel]]] = {
    VolumeReport: ("series", VolumeRow),
    ResolutionReport: ("series", ResolutionRow),
    AgentsReport: ("agents", AgentRow),
    CategoriesReport: ("categories", CategoryRow),
    DeflectionReport: ("series", DeflectionRow),
    SlaReport: ("series", SlaPeriodRow),
}


def _lines(header: list[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(["" if value is None else value for value in row])
        yield buffer.getvalue()


def rows_of(report: BaseModel) -> Iterator[str]:
    """The CSV lines of ``report``, header first."""
    if isinstance(report, BacklogReport):
        return _lines(
            ["status", "priority", "count"],
            (
                (status, priority, n)
                for status, by_priority in report.by_status_priority.items()
                for priority, n in by_priority.items()
            ),
        )
    attribute, model = _TABLES[type(report)]
    header = list(model.model_fields)
    rows = getattr(report, attribute)
    return _lines(header, ([getattr(row, name) for name in header] for row in rows))
