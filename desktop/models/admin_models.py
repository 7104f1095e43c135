"""Table models of the admin console: accounts, categories and priorities.

These lists are small and come from the server (the admin panels fetch them with
:class:`desktop.net.admin_client.AdminClient` in a background task); a model only adapts the list
it is given with :meth:`RecordsModel.set_records`, so ``data()`` never waits on anything.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QModelIndex, QObject, Qt
from PySide6.QtGui import QGuiApplication, QPalette
from typing_extensions import override

from desktop.models.flat_table import FlatTableModel, Index
from ticketing.schemas import CategoryOut, PriorityOut, UserOut

R = TypeVar("R", UserOut, CategoryOut, PriorityOut)

ROLE_NAMES = {"user": "User", "agent": "Agent", "admin": "Admin"}


class AdminRole(enum.IntEnum):
    """Custom data roles (any column answers them)."""

    RECORD = Qt.ItemDataRole.UserRole + 1  # the UserOut / CategoryOut / PriorityOut
    RECORD_ID = Qt.ItemDataRole.UserRole + 2  # its id as text
    ACTIVE = Qt.ItemDataRole.UserRole + 3  # bool


@dataclass(frozen=True)
class Column(Generic[R]):
    label: str
    text: Callable[[R], str]


def _active_text(record: UserOut | CategoryOut | PriorityOut) -> str:
    return "Active" if record.is_active else "Deactivated"


class RecordsModel(FlatTableModel, Generic[R]):
    """A list of server records shown in columns; deactivated ones are greyed."""

    columns: tuple[Column[R], ...] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._records: list[R] = []

    def set_records(self, records: Sequence[R]) -> None:
        self.beginResetModel()
        self._records = list(records)
        self.endResetModel()

    def replace(self, record: R) -> int:
        """Put a changed (or new) record in place; returns its row."""
        for row, current in enumerate(self._records):
            if current.id == record.id:
                self._records[row] = record
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.columns) - 1))
                return row
        row = len(self._records)
        self.beginInsertRows(QModelIndex(), row, row)
        self._records.append(record)
        self.endInsertRows()
        return row

    def records(self) -> list[R]:
        return list(self._records)

    def record(self, row: int) -> R | None:
        return self._records[row] if 0 <= row < len(self._records) else None

    def row_of(self, record_id: str) -> int | None:
        return next((row for row, r in enumerate(self._records) if str(r.id) == record_id), None)

    @override
    def row_count(self) -> int:
        return len(self._records)

    @override
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._records):
            return None
        return self._data(self._records[index.row()], index.column(), role)

    def _data(self, record: R, column: int, role: int) -> Any:
        answers: dict[int, Callable[[], Any]] = {
            AdminRole.RECORD: lambda: record,
            AdminRole.RECORD_ID: lambda: str(record.id),
            AdminRole.ACTIVE: lambda: record.is_active,
            Qt.ItemDataRole.DisplayRole: lambda: self.columns[column].text(record),
            Qt.ItemDataRole.AccessibleTextRole: lambda: self.columns[column].text(record),
        }
        if role in answers:
            return answers[role]()
        if role == Qt.ItemDataRole.ForegroundRole and not record.is_active:
            return QGuiApplication.palette().brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        return None


class UsersModel(RecordsModel[UserOut]):
    columns = (
        Column[UserOut]("Name", lambda u: u.name),
        Column[UserOut]("Email", lambda u: u.email),
        Column[UserOut]("Role", lambda u: ROLE_NAMES.get(u.role.value, u.role.value)),
        Column[UserOut]("Status", _active_text),
    )


class CategoriesModel(RecordsModel[CategoryOut]):
    columns = (
        Column[CategoryOut]("Name", lambda c: c.name),
        Column[CategoryOut]("Status", _active_text),
    )


class PrioritiesModel(RecordsModel[PriorityOut]):
    """Most urgent first, as everywhere else."""

    columns = (
        Column[PriorityOut]("Name", lambda p: p.name),
        Column[PriorityOut]("Rank", lambda p: str(p.rank)),
        Column[PriorityOut]("Status", _active_text),
    )

    @override
    def set_records(self, records: Sequence[PriorityOut]) -> None:
        super().set_records(sorted(records, key=lambda p: -p.rank))

    @override
    def replace(self, record: PriorityOut) -> int:
        """A new or re-ranked priority takes its place in the order."""
        current = self.row_of(str(record.id))
        if current is not None and self.records()[current].rank == record.rank:
            return super().replace(record)
        self.set_records([r for r in self.records() if r.id != record.id] + [record])
        return self.row_of(str(record.id)) or 0
