"""The admins' main window: the agents' queue plus tabs for accounts, categories and
priorities, the server settings, the audit log, analytics and service levels (SLA calendars and
policies).

Admins do everything agents do, so this is an :class:`AgentConsole` whose queue page becomes the
first tab. The admin tabs load from the server the first time they are shown (and on Refresh).
"""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QTabWidget, QWidget

from desktop.local.saved_filters import SavedFilterBook
from desktop.ui.admin.audit import AuditPanel
from desktop.ui.admin.catalog import CatalogPanel
from desktop.ui.admin.service_levels import ServiceLevelsPanel
from desktop.ui.admin.settings import SettingsPanel
from desktop.ui.admin.users import UsersPanel
from desktop.ui.analytics.tab import AnalyticsTab
from desktop.ui.queue.agent_console import AgentConsole
from desktop.ui.shell.context import AppContext


class AdminConsole(AgentConsole):
    """Queue, Users, Categories & Priorities, Settings, Audit log, Analytics, Service levels.

    Signals: see :class:`MainWindowBase`.
    """

    def __init__(
        self, context: AppContext, parent: QWidget | None = None, *, filters: SavedFilterBook | None = None
    ) -> None:
        super().__init__(context, parent, filters=filters)
        self.users = UsersPanel(context)
        self.catalog = CatalogPanel(context)
        self.settings = SettingsPanel(context)
        self.audit = AuditPanel(context)
        self.analytics = AnalyticsTab(context, self.reference)
        self.service_levels = ServiceLevelsPanel(context)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Admin sections")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.queue_page, "&Queue")
        self.tabs.addTab(self.users, "&Users")
        self.tabs.addTab(self.catalog, "&Categories && Priorities")
        self.tabs.addTab(self.settings, "Se&ttings")
        self.tabs.addTab(self.audit, "Audit lo&g")
        self.tabs.addTab(self.analytics, "Ana&lytics")
        self.tabs.addTab(self.service_levels, "Ser&vice levels")
        self.setCentralWidget(self.tabs)
        self.setWindowTitle(f"Ticketdesk — {context.user.name} (admin)")
        self._build_admin_menu()
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)

    def _build_admin_menu(self) -> None:
        menu = self.add_window_menu("&Admin")
        sections = (
            "Queue",
            "Users",
            "Categories && Priorities",
            "Settings",
            "Audit log",
            "Analytics",
            "Service levels",
        )
        for position, text in enumerate(sections):
            action = QAction(text, self)
            action.setShortcut(QKeySequence(f"Alt+{position + 1}"))
            action.triggered.connect(lambda _checked=False, p=position: self.tabs.setCurrentIndex(p))
            menu.addAction(action)

    def show_tab(self, widget: QWidget) -> None:
        """Bring an admin tab forward (it loads on first show)."""
        self.tabs.setCurrentWidget(widget)

    @Slot(int)
    def _on_tabs_current_changed(self, _index: int) -> None:
        current = self.tabs.currentWidget()
        for panel in (self.users, self.catalog, self.settings, self.service_levels):
            if current is panel and not panel.loaded_once:
                panel.load()
