"""Screenshots of the admin console's service-level editors, for docs/screenshots/:
sla-calendar-editor.png (a Munich office calendar with two ranges a day and Bavaria's holidays
loaded through the server) and sla-policy-editor.png (an Urgent policy using it, filled in).

Uses the demo server and login helpers of ``scripts/screenshots.py`` (embedded PostgreSQL, or
``--database-url``). The demo admin logs in through the login window and opens the Service
levels tab; the calendar is saved so that the policy can use it.

    .venv/bin/python scripts/screenshots_sla_admin.py [--database-url URL] [--port 8717]
        [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a plain script from a checkout
sys.path.insert(0, str(ROOT / "scripts"))

from PySide6.QtCore import Qt  # noqa: E402
from screenshots import ACCOUNTS, Shots, close, log_in, run_against_demo_server, wait_until  # noqa: E402

from desktop.app import create_qapplication  # noqa: E402
from desktop.ui.admin.console import AdminConsole  # noqa: E402
from ticketing.business_time import WEEKDAYS  # noqa: E402
from ticketing.domain import Status  # noqa: E402


def take_screenshots(server_url: str, shots: Shots) -> int:
    qapp = create_qapplication(["screenshots"])
    font = qapp.font()
    font.setPointSize(10)
    qapp.setFont(font)
    email, password = ACCOUNTS["admin"]
    window = log_in(server_url, email, password, None)
    if not isinstance(window, AdminConsole):
        raise SystemExit(f"the admin got a {type(window).__name__}, not the admin console")
    panel = window.service_levels
    window.show_tab(panel)
    wait_until(lambda: panel.message.text().endswith("policies."), 30)

    calendar = panel.add_calendar()
    calendar.name.setText("Munich office")
    calendar.timezone.setCurrentText("Europe/Berlin")
    for day in WEEKDAYS[:4]:
        calendar.days[day].setText("08:30-12:00, 13:00-17:30")
    calendar.days["fri"].setText("08:30-14:00")
    calendar.country.setText("DE")
    calendar.subdivision.setText("BY")
    calendar.year.setValue(2027)
    calendar.load_button.click()
    wait_until(lambda: calendar.holidays.count() > 5, 30)
    assumption = calendar.holidays.findItems("2027-08-15", Qt.MatchFlag.MatchStartsWith)
    if assumption:  # the office works on Assumption Day: the admin removes it
        calendar.holidays.takeItem(calendar.holidays.row(assumption[0]))
    calendar.adjustSize()
    shots.save(calendar, "sla-calendar-editor.png")
    calendar.ok_button.click()
    wait_until(lambda: panel.calendar_list.count() >= 2, 30)

    policy = panel.add_policy()
    policy.name.setText("Urgent")
    for row in range(policy.priorities.count()):
        item = policy.priorities.item(row)
        if item.text() in ("Critical", "High"):
            item.setCheckState(Qt.CheckState.Checked)
    policy.calendar.setCurrentIndex(policy.calendar.findText("Munich office"))
    policy.first_response.set_minutes(30)
    policy.next_response.set_minutes(4 * 60)
    policy.resolution.set_minutes(8 * 60)
    policy.pauses[Status.ON_HOLD].setChecked(True)
    policy.warning.setValue(75)
    policy.raise_priority.setChecked(True)
    policy.reassign_to.setCurrentIndex(max(1, policy.reassign_to.findText("Alex Admin")))
    policy.notify_admins.setChecked(True)
    policy.adjustSize()
    shots.save(policy, "sla-policy-editor.png")
    policy.reject()
    close(window)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description="Screenshots of the service-level editors.")
    return run_against_demo_server(parser, 8717, lambda url, shots, _args: take_screenshots(url, shots))


if __name__ == "__main__":
    sys.exit(main())
