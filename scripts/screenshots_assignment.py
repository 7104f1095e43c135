"""A screenshot of automatic assignment in the admin console's Settings tab, for
docs/screenshots/admin-assignment.png: the mode set to "fewest open tickets" and one category
ticked (not saved), against a real demo server as in ``scripts/screenshots.py``.

    .venv/bin/python scripts/screenshots_assignment.py [--database-url URL] [--port 8713] [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a plain script from a checkout
sys.path.insert(0, str(ROOT / "scripts"))

from PySide6.QtCore import QSize, Qt  # noqa: E402
from PySide6.QtWidgets import QScrollArea  # noqa: E402
from screenshots import Shots, close, log_in, run_against_demo_server, settle, wait_until  # noqa: E402

from desktop.app import create_qapplication  # noqa: E402
from desktop.ui.admin.console import AdminConsole  # noqa: E402
from ticketing.domain import AssignmentMode  # noqa: E402


def take_screenshot(server_url: str, shots: Shots) -> int:
    qapp = create_qapplication(["screenshots"])
    font = qapp.font()
    font.setPointSize(10)
    qapp.setFont(font)
    admin = log_in(server_url, "admin@example.com", "admin-pass-1", None)
    if not isinstance(admin, AdminConsole):
        raise SystemExit("the admin did not get the admin console")
    admin.resize(QSize(1280, 900))
    settings = admin.settings
    admin.show_tab(settings)
    wait_until(lambda: settings.loaded is not None)
    settings.assignment_mode.setCurrentIndex(settings.assignment_mode.findData(AssignmentMode.LEAST_OPEN))
    if settings.assignment_categories.count() > 1:
        settings.assignment_categories.item(1).setCheckState(Qt.CheckState.Checked)
    scroll = settings.findChild(QScrollArea)
    if scroll is not None:
        scroll.ensureWidgetVisible(settings.assignment_categories)
    settle(0.5)
    shots.save(admin, "admin-assignment.png")
    close(admin)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description="The automatic assignment settings screenshot.")
    return run_against_demo_server(parser, 8713, lambda url, shots, _args: take_screenshot(url, shots))


if __name__ == "__main__":
    sys.exit(main())
