"""One table of the dashboard: a sortable view over a report's rows and "Export CSV…".

Sorting goes through a :class:`QSortFilterProxyModel` on the models' numeric sort role; what
exporting writes is up to the dashboard (the server's full CSV, or the rows shown), announced
by ``export_requested``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.models.report_tables import SORT_ROLE, ReportTableModel


class TablePanel(QWidget):
    """Signals:
    export_requested(Path): the file the user chose to export the table to.
    """

    export_requested = Signal(Path)

    def __init__(
        self,
        title: str,
        model: ReportTableModel[Any],
        parent: QWidget | None = None,
        *,
        sort: tuple[int, Qt.SortOrder] = (0, Qt.SortOrder.AscendingOrder),
    ) -> None:
        super().__init__(parent)
        self.title = title
        self.model = model
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setAccessibleName(title)
        self.table.horizontalHeader().setSortIndicator(*sort)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.setMinimumHeight(180)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setAccessibleName(f"Export CSV… {title}")  # the label first (WCAG 2.5.3)
        top = QHBoxLayout()
        top.addWidget(QLabel(f"<b>{title}</b>"), 1)
        top.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self.export_button.clicked.connect(self._on_export_button_clicked)

    def sort_by(self, column: int, order: Qt.SortOrder = Qt.SortOrder.DescendingOrder) -> None:
        self.table.sortByColumn(column, order)

    def shown_text(self, row: int, column: int) -> str:
        """A cell's text in the order shown."""
        return str(self.proxy.data(self.proxy.index(row, column)))

    @Slot()
    def _on_export_button_clicked(self) -> None:
        name = self.title.lower().replace(" ", "_") + ".csv"
        path, _filter = QFileDialog.getSaveFileName(self, f"Export {self.title}", name, "CSV files (*.csv)")
        if path:
            self.export_requested.emit(Path(path))
