"""The screenshot of the Analytics tab's service-level figures, for docs/screenshots/:
analytics-sla.png (the SLA chart, the share of targets met per week, and the per-agent table).

Uses the demo server and login helpers of ``scripts/screenshots.py`` against ``--database-url``
(required: the demo data's service level is written into that database). The demo has no
policy: the script adds one through the API, then keeps every demo ticket's service level as
the escalation job would (each ticket evaluated from its own history), so the report has
tickets met and missed across the weeks.

    .venv/bin/python scripts/screenshots_sla.py --database-url URL [--port 8714] [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a plain script from a checkout
sys.path.insert(0, str(ROOT / "scripts"))

from PySide6.QtCore import QSize  # noqa: E402
from screenshots import ACCOUNTS, Shots, close, log_in, run_against_demo_server, settle, wait_until  # noqa: E402
from sqlalchemy import create_engine, select  # noqa: E402

from desktop.app import create_qapplication  # noqa: E402
from desktop.net.api import ApiClient  # noqa: E402
from desktop.ui.admin.console import AdminConsole  # noqa: E402
from desktop.ui.analytics.periods import Preset  # noqa: E402
from sync_server.db.models import Ticket  # noqa: E402
from sync_server.db.session import make_session_factory  # noqa: E402
from sync_server.services import clock  # noqa: E402
from sync_server.services.sla import ticket_sla  # noqa: E402

POLICY = {"name": "Standard support", "first_response_minutes": 240, "resolution_minutes": 2 * 24 * 60}


def add_policy(server_url: str, database_url: str) -> None:
    """The policy, through the API; then each ticket's service level kept from its history."""
    admin = ApiClient(server_url)
    admin.login(*ACCOUNTS["admin"])
    admin.request("POST", "/api/sla/policies", json=POLICY)
    engine = create_engine(database_url)
    try:
        with make_session_factory(engine)() as session, session.begin():
            tickets = list(session.scalars(select(Ticket)))
            now = clock.now()
            for ticket_id, sla in ticket_sla.evaluate_tickets(session, tickets, now).items():
                ticket = session.get(Ticket, ticket_id)
                assert ticket is not None
                ticket_sla.store(ticket, sla, now, by_job=True)
    finally:
        engine.dispose()


def take_screenshots(server_url: str, shots: Shots, database_url: str | None) -> int:
    if not database_url:
        raise SystemExit("--database-url is required: the demo tickets' service level is written there")
    add_policy(server_url, database_url)
    qapp = create_qapplication(["screenshots"])
    font = qapp.font()
    font.setPointSize(10)
    qapp.setFont(font)
    window = log_in(server_url, *ACCOUNTS["admin"], None)
    if not isinstance(window, AdminConsole):
        raise SystemExit("the admin did not get the admin console")
    window.resize(QSize(1280, 1000))
    window.show_tab(window.analytics)
    dashboard = window.analytics.build()
    wait_until(lambda: dashboard.loaded_once and not dashboard.loading)
    dashboard.filter_bar.apply_preset(Preset.LAST_90)
    dashboard.refresh()
    wait_until(lambda: not dashboard.loading, 60)
    if dashboard.error.error():
        raise SystemExit(f"the Analytics tab did not load: {dashboard.error.error()}")
    dashboard.sla_table.sort_by(1)
    settle(1.0)
    content = dashboard.sla_chart.parentWidget()
    area = dashboard.sla_chart.geometry().united(dashboard.sla_table.geometry()).adjusted(-8, -8, 8, 8)
    settle()
    content.grab(area).save(str(shots.out / "analytics-sla.png"))
    print("saved", shots.out / "analytics-sla.png")
    close(window)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description="Screenshot of the Analytics tab's service-level figures.")
    return run_against_demo_server(
        parser, 8714, lambda url, shots, args: take_screenshots(url, shots, args.database_url)
    )


if __name__ == "__main__":
    sys.exit(main())
