"""What every table model of the client shares: rows without children, labelled columns.

The ticket tables (:mod:`desktop.models.ticket_table`) and the admin lists
(:mod:`desktop.models.admin_models`) differ in where rows come from and what cells say; the
Qt plumbing of a flat table is written once here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from typing_extensions import override

Index = QModelIndex | QPersistentModelIndex

#: The roles a header or a cell answers with its text.
TEXT_ROLES = frozenset({int(Qt.ItemDataRole.DisplayRole), int(Qt.ItemDataRole.AccessibleTextRole)})


class Labelled(Protocol):
    @property
    def label(self) -> str: ...


class FlatTableModel(QAbstractTableModel):
    """Rows in labelled columns; rows are selectable and have no children.

    Subclasses set :attr:`columns`, answer :meth:`row_count` and ``data()``.
    """

    columns: Sequence[Labelled] = ()

    def row_count(self) -> int:
        raise NotImplementedError

    @override
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.row_count()

    @override
    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    @override
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        # Qt's own asks rowCount() and columnCount() first: two calls into Python per cell
        if 0 <= row < self.row_count() and 0 <= column < len(self.columns) and not parent.isValid():
            return self.createIndex(row, column)
        return QModelIndex()

    @override
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns)
        if horizontal and role in TEXT_ROLES:
            return self.columns[section].label
        return None

    @override
    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
