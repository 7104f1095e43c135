"""Screenshots of the staff windows against a real demo server, for docs/screenshots/:
agent_console.png, agent_search.png, admin_users.png, admin_catalog.png, admin_settings.png,
admin_audit.png, queue-due.png (the queue by due time), ticket-sla-header.png (a ticket's
targets), admin_analytics.png and admin_analytics_dark.png (the same tab in a dark palette),
knowledge-base.png (the agent's knowledge base: list and reader) and article-editor.png (a draft
made from a ticket, with its warning).

Uses the demo server and login helpers of ``scripts/screenshots.py`` (embedded PostgreSQL, or
``--database-url``): logs in as the demo agent and admin through the login window, waits for
the first sync, selects a ticket with internal notes, and saves ``widget.grab()`` PNGs.

    .venv/bin/python scripts/screenshots_staff.py [--database-url URL] [--port 8712] [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a plain script from a checkout
sys.path.insert(0, str(ROOT / "scripts"))

from aiosmtpd.controller import Controller  # noqa: E402
from PySide6.QtCore import QSize, Qt  # noqa: E402
from PySide6.QtGui import QColor, QPalette  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from screenshots import (  # noqa: E402
    Shots,
    close,
    log_in,
    run_against_demo_server,
    settle,
    ticket_with_internal_note,
    wait_until,
)

from desktop.app import create_qapplication  # noqa: E402
from desktop.models.queue_model import QueueColumn  # noqa: E402
from desktop.palette import DARK  # noqa: E402
from desktop.store import article_queries  # noqa: E402
from desktop.ui.admin.console import AdminConsole  # noqa: E402
from desktop.ui.queue.agent_console import AgentConsole  # noqa: E402
from sync_server.child_server import free_port  # noqa: E402
from ticketing.domain import Status  # noqa: E402

ACTIVE = [s for s in Status if s.is_active]


def agent_shots(window: AgentConsole, shots: Shots) -> None:
    window.resize(QSize(1600, 900))
    wait_until(lambda: window.model.rowCount() > 0 and not window.model.loading)
    wait_until(lambda: all(v is not None for v in window.metrics.values()))
    window.filters.status.set_values([s.value for s in ACTIVE])
    window.filters.query_changed.emit()
    wait_until(lambda: not window.model.loading)
    settle(0.5)
    ticket_id = ticket_with_internal_note(window.context.store)
    if not window.select_ticket(ticket_id):
        window.filters.clear()
        wait_until(lambda: not window.model.loading and window.model.row_of(ticket_id) is not None)
        window.select_ticket(ticket_id)
    first = window.model.row_of(ticket_id) or 0
    # a few more rows selected, to show the bulk actions working on a selection
    known = window.model.known_ids()  # the rows of the pages read: the screen and the ticket's
    window.queue.select_ids([known[row] for row in range(first, first + 3) if row in known], ticket_id)
    wait_until(lambda: window.detail.detail is not None)
    wait_until(lambda: bool(window.bulk.transitions))
    window.detail.reply.internal.setChecked(True)
    window.splitter.setSizes([1000, 600])
    settle(1.0)
    shots.save(window, "agent_console.png")

    window.filters.search.setText("printer")  # full-text search: best match first, with snippets
    wait_until(lambda: window.model.rowCount() > 0 and window.model.ranked)
    settle(1.5)
    shots.save(window, "agent_search.png")
    window.filters.search.clear()

    # service levels: the queue by due time (missed first), the open ticket's targets
    window.queue.sortByColumn(QueueColumn.DUE, Qt.SortOrder.AscendingOrder)
    window.splitter.setSizes([820, 780])  # room for the Due column beside the priority
    wait_until(lambda: not window.model.loading and window.model.rowCount() > 0)
    settle(1.0)
    shots.save(window, "queue-due.png")
    shots.save(window.detail.header, "ticket-sla-header.png")


def knowledge_shots(window: AgentConsole, shots: Shots) -> None:
    """The knowledge base as an agent sees it (drafts marked), reading the published article;
    then the editor on a draft the demo made from a solved ticket."""
    kb = window.open_knowledge_base()
    kb.resize(QSize(1280, 760))
    store = window.context.store
    wait_until(lambda: len(article_queries.list_articles(store)) >= 3, 60)
    kb.reload()
    wait_until(lambda: len(kb.library.article_ids()) >= 3)
    published = next(a for a in article_queries.list_articles(store) if a.is_published)
    kb.open_article(published.id)
    wait_until(lambda: kb.reader.article_id == published.id)
    kb.splitter.setSizes([560, 720])
    settle(0.5)
    shots.save(kb, "knowledge-base.png")

    draft = next(
        a
        for a in article_queries.list_articles(store)
        if a.source_ticket_id is not None and not a.is_published
    )
    kb.edit_article(draft.id)
    wait_until(lambda: draft.id in kb.editors)
    editor = kb.editors[draft.id]
    editor.resize(QSize(900, 720))
    settle(0.5)
    shots.save(editor, "article-editor.png")
    editor.close()  # nothing saved
    kb.close()


@contextlib.contextmanager
def _mail_server() -> Iterator[int]:
    class Accept:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802 - the name aiosmtpd calls
            return "250 2.0.0 Ok: queued as 4XqT1"

    port = free_port()
    controller = Controller(Accept(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def admin_shots(window: AdminConsole, shots: Shots) -> None:
    window.resize(QSize(1280, 780))
    window.show_tab(window.users)
    wait_until(lambda: window.users.model.rowCount() > 0)
    agent_row = next(
        row
        for row in range(window.users.model.rowCount())
        if (user := window.users.model.record(row)) is not None and user.role.value == "agent"
    )
    window.users.table.selectRow(agent_row)
    shots.save(window, "admin_users.png")

    window.show_tab(window.catalog)
    wait_until(lambda: window.catalog.priorities.model.rowCount() > 0)
    window.catalog.categories.table.selectRow(0)
    shots.save(window, "admin_catalog.png")

    window.show_tab(window.settings)
    wait_until(lambda: window.settings.loaded is not None)
    with _mail_server() as port:  # a real SMTP server on loopback answers the test mail
        window.settings.smtp_host.setText("127.0.0.1")
        window.settings.smtp_port.setValue(port)
        window.settings.smtp_starttls.setChecked(False)
        window.settings.smtp_sender.setText("Help desk <helpdesk@example.org>")
        window.settings.smtp_test.send_button.click()
        wait_until(lambda: "Message:" in window.settings.smtp_test.result.text())
    shots.save(window, "admin_settings.png")
    loaded = window.settings.loaded
    assert loaded is not None
    window.settings.fill(loaded)  # nothing is saved

    # two real admin actions, so that the audit log has something to show
    api = window.context.api
    api.request(
        "PATCH", "/api/settings", {"rate_limits": {**loaded.rate_limits.model_dump(), "login_per_minute": 12}}
    )
    api.request("POST", "/api/categories", {"name": "Meeting rooms"})
    window.show_tab(window.audit)
    window.audit.load()
    wait_until(lambda: window.audit.model.rowCount() >= 2)
    settle(0.5)
    shots.save(window, "admin_audit.png")
    analytics_shots(window, shots)


def dark_palette() -> QPalette:
    """Fusion in the app's dark scheme (the offscreen platform has no system dark mode)."""
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: DARK.surface,
        QPalette.ColorRole.Base: DARK.chart_background,
        QPalette.ColorRole.AlternateBase: DARK.surface,
        QPalette.ColorRole.Button: DARK.surface,
        QPalette.ColorRole.WindowText: DARK.text,
        QPalette.ColorRole.Text: DARK.text,
        QPalette.ColorRole.ButtonText: DARK.text,
        QPalette.ColorRole.PlaceholderText: DARK.muted,
        QPalette.ColorRole.Mid: DARK.surface_border,
        QPalette.ColorRole.Dark: DARK.surface_border,
        QPalette.ColorRole.Highlight: DARK.chart_series[0],
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    return palette


def analytics_shots(window: AdminConsole, shots: Shots) -> None:
    window.resize(QSize(1400, 1000))
    window.show_tab(window.analytics)
    dashboard = window.analytics.build()
    wait_until(lambda: dashboard.loaded_once and not dashboard.loading)
    if dashboard.error.error():
        raise SystemExit(f"the Analytics tab did not load: {dashboard.error.error()}")
    settle(1.0)
    shots.save(window, "admin_analytics.png")
    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)
    light = qapp.palette()
    qapp.setPalette(dark_palette())
    settle(1.0)
    shots.save(window, "admin_analytics_dark.png")
    qapp.setPalette(light)


def take_screenshots(server_url: str, shots: Shots) -> int:
    qapp = create_qapplication(["screenshots"])
    font = qapp.font()
    font.setPointSize(10)
    qapp.setFont(font)
    agent = log_in(server_url, "agent@example.com", "agent-pass-1", None)
    if not isinstance(agent, AgentConsole):
        raise SystemExit("the agent did not get the agent console")
    agent_shots(agent, shots)
    knowledge_shots(agent, shots)
    close(agent)
    admin = log_in(server_url, "admin@example.com", "admin-pass-1", None)
    if not isinstance(admin, AdminConsole):
        raise SystemExit("the admin did not get the admin console")
    admin_shots(admin, shots)
    close(admin)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description="Screenshots of the Ticketdesk staff windows.")
    return run_against_demo_server(parser, 8712, lambda url, shots, _args: take_screenshots(url, shots))


if __name__ == "__main__":
    sys.exit(main())
