"""Rows of a report (agents, categories, terms) as a sortable table: text to read, numbers to sort.

Each column says how to show a row's value and what to sort it by; :class:`ReportTableModel`
answers :data:`SORT_ROLE` with the number itself (an empty figure sorts below every number), so
a :class:`~PySide6.QtCore.QSortFilterProxyModel` set to that role sorts 9 before 10.
"""

from __future__ import annotations

import csv
import enum
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, Qt
from typing_extensions import override

from desktop.models.flat_table import TEXT_ROLES, FlatTableModel, Index

RowT = TypeVar("RowT")


class ReportRole(enum.IntEnum):
    SORT = Qt.ItemDataRole.UserRole + 1  # the value to sort by: a number, or text


SORT_ROLE = int(ReportRole.SORT)


def hours_text(minutes: float | None) -> str:
    """A duration of minutes in the unit it reads best in ("—" when nothing was measured)."""
    if minutes is None:
        return "—"
    if minutes < 60:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} d"


@dataclass(frozen=True)
class Column(Generic[RowT]):
    label: str
    value: Callable[[RowT], Any]
    text: Callable[[Any], str] = str
    numeric: bool = True


class ReportTableModel(FlatTableModel, Generic[RowT]):
    """The rows of one report in the given columns."""

    def __init__(self, columns: Sequence[Column[RowT]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self._columns: tuple[Column[RowT], ...] = tuple(columns)
        self._rows: list[RowT] = []

    def set_rows(self, rows: Sequence[RowT]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[RowT]:
        return list(self._rows)

    @override
    def row_count(self) -> int:
        return len(self._rows)

    @override
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        column = self._columns[index.column()]
        value = column.value(self._rows[index.row()])
        if role in TEXT_ROLES:
            return column.text(value)
        if role == SORT_ROLE:
            if column.numeric:
                return -math.inf if value is None else float(value)
            return str(value).lower()
        if role == Qt.ItemDataRole.TextAlignmentRole and column.numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def write_csv(self, path: Path) -> None:
        """The rows as shown, with the column labels as the header."""
        with open(path, "w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow([c.label for c in self._columns])
            for row in self._rows:
                writer.writerow([c.text(c.value(row)) for c in self._columns])
