"""The Analytics tab: report figures from the server drawn with QtCharts, kept for offline.

QtCharts is heavy: only :mod:`desktop.ui.analytics.tab` (a placeholder that builds the
dashboard when first shown) and :mod:`desktop.ui.analytics.my_figures` are imported by the
consoles; everything that imports ``PySide6.QtCharts`` loads when the tab is first opened.
"""
