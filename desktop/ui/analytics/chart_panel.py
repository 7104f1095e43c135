"""One chart of the dashboard in its frame: the QtCharts view, its title, "Save as PNG…", and
colours that follow the app's light or dark palette (again whenever the palette changes)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCharts import QAbstractBarSeries, QChart, QChartView, QXYSeries
from PySide6.QtCore import QEvent, QPoint, QRectF, QSizeF, Qt, Slot
from PySide6.QtGui import QAction, QBrush, QColor, QPainter, QPen
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QMenu, QPushButton, QVBoxLayout, QWidget
from typing_extensions import override

from desktop.palette import Scheme, is_dark, scheme_for

#: The object name of a bar series whose sets are priorities, most urgent first: they take the
#: scheme's urgency ramp (red for the most urgent) instead of the series colours.
URGENCY_SERIES = "by_urgency"


def style_chart(chart: QChart, scheme: Scheme, dark: bool) -> None:
    """Theme, background, text, grid and series colours of ``scheme``."""
    chart.setTheme(QChart.ChartTheme.ChartThemeDark if dark else QChart.ChartTheme.ChartThemeLight)
    chart.setBackgroundBrush(QBrush(QColor(scheme.chart_background)))
    chart.setTitleBrush(QBrush(QColor(scheme.text)))
    chart.legend().setLabelColor(QColor(scheme.text))
    for axis in chart.axes():
        axis.setLabelsColor(QColor(scheme.text))
        axis.setTitleBrush(QBrush(QColor(scheme.muted)))
        axis.setGridLineColor(QColor(scheme.chart_grid))
        axis.setLinePenColor(QColor(scheme.chart_grid))
    colours = [QColor(c) for c in scheme.chart_series]
    position = 0
    for series in chart.series():
        if isinstance(series, QAbstractBarSeries):
            sets = series.barSets()
            by_urgency = series.objectName() == URGENCY_SERIES
            for index, bar_set in enumerate(sets):
                if by_urgency:
                    colour = QColor(_spread(scheme.chart_urgency, index, len(sets)))
                else:
                    colour = colours[position % len(colours)]
                    position += 1
                bar_set.setColor(colour)
                bar_set.setBorderColor(QColor(scheme.chart_background))
                bar_set.setLabelColor(QColor(scheme.text))
        elif isinstance(series, QXYSeries):
            # a p90 line follows its median: the same colour, dashed
            p90 = "p90" in series.name()
            pen = QPen(colours[(position - 1 if p90 and position else position) % len(colours)])
            pen.setWidthF(2.0)
            if p90:
                pen.setStyle(Qt.PenStyle.DashLine)
            else:
                position += 1
            series.setPen(pen)


def _spread(ramp: tuple[str, ...], index: int, count: int) -> str:
    """The colour of the ``index``-th of ``count`` steps spread over ``ramp`` (first to last)."""
    if count <= 1:
        return ramp[0]
    if count > len(ramp):
        return ramp[index % len(ramp)]
    return ramp[round(index * (len(ramp) - 1) / (count - 1))]


class ChartPanel(QWidget):
    """A titled chart with a "Save as PNG…" button (and the same in its context menu)."""

    def __init__(self, title: str, parent: QWidget | None = None, *, height: int = 260) -> None:
        super().__init__(parent)
        self.title = title
        self.chart = QChart()
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.view = QChartView(self.chart)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumHeight(height)
        self.view.setAccessibleName(title)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.save_button = QPushButton("Save as PNG…")
        self.save_button.setAccessibleName(f"Save as PNG… {title}")  # the label first (WCAG 2.5.3)
        heading = QLabel(f"<b>{title}</b>")
        top = QHBoxLayout()
        top.addWidget(heading, 1)
        top.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.view.customContextMenuRequested.connect(self._on_view_context_menu_requested)
        self.restyle()

    def replace_chart(self, chart: QChart) -> None:
        """Show ``chart`` (built from new figures) in place of the current one."""
        old = self.chart
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart = chart
        self.view.setChart(chart)
        old.deleteLater()
        self.restyle()

    def restyle(self) -> None:
        style_chart(self.chart, scheme_for(self.palette()), is_dark(self.palette()))

    def save_png(self, path: Path) -> bool:
        """The chart as drawn now, as a PNG file."""
        return self.view.grab().save(str(path), "PNG")

    def paint_into(self, painter: QPainter, target: QRectF, width: float = 1400.0) -> None:
        """Draw the chart into ``target`` of ``painter`` (the PDF export), laid out for the
        target's shape at ``width`` pixels rather than squeezed from the shape on screen."""
        shown = self.chart.size()
        self.chart.resize(QSizeF(width, width * target.height() / max(1.0, target.width())))
        scene = self.chart.scene()
        scene.render(painter, target, self.chart.sceneBoundingRect())
        self.chart.resize(shown)

    @override
    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.restyle()

    @Slot()
    def _on_save_button_clicked(self) -> None:
        name = self.title.lower().replace(" ", "_").replace("/", "_") + ".png"
        path, _filter = QFileDialog.getSaveFileName(self, f"Save {self.title}", name, "PNG images (*.png)")
        if path:
            self.save_png(Path(path))

    @Slot(QPoint)
    def _on_view_context_menu_requested(self, position: QPoint) -> None:
        menu = QMenu(self)
        action = QAction("Save as PNG…", menu)
        action.triggered.connect(self._on_save_button_clicked)
        menu.addAction(action)
        menu.popup(self.view.mapToGlobal(position))
