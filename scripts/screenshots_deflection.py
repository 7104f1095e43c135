"""The screenshot of the suggestions beside the new-ticket form, for docs/screenshots/:
new-ticket-suggestions.png (the demo user typing "printer jams", with "Maybe this helps" filled).

Uses the demo server and login helpers of ``scripts/screenshots.py`` (embedded PostgreSQL, or
``--database-url``). The demo user logs in through the login window, opens the form and types
as a user would; the demo's published articles and the user's solved tickets answer.

    .venv/bin/python scripts/screenshots_deflection.py [--database-url URL] [--port 8713]
        [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a plain script from a checkout
sys.path.insert(0, str(ROOT / "scripts"))

from PySide6.QtCore import QSize  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from screenshots import ACCOUNTS, Shots, close, log_in, run_against_demo_server, settle, wait_until  # noqa: E402

from desktop.app import create_qapplication  # noqa: E402
from desktop.store import article_queries  # noqa: E402
from desktop.ui.portal.user_portal import UserPortal  # noqa: E402
from sync_server.demo.seed import PUBLISHED_ARTICLES  # noqa: E402


def take_screenshots(server_url: str, shots: Shots) -> int:
    qapp = create_qapplication(["screenshots"])
    font = qapp.font()
    font.setPointSize(10)
    qapp.setFont(font)
    email, password = ACCOUNTS["user"]
    window = log_in(server_url, email, password, None)
    if not isinstance(window, UserPortal):
        raise SystemExit(f"the user got a {type(window).__name__}, not the portal")
    store = window.context.store
    wait_until(lambda: len(article_queries.list_articles(store)) >= len(PUBLISHED_ARTICLES), 60)
    form = window.open_ticket_form()
    form.resize(QSize(1060, 600))
    wait_until(lambda: form.category.count() > 1)
    form.category.setCurrentIndex(form.category.findText("Printer Not Working"))
    QTest.keyClicks(form.title, "printer jams", delay=40)  # typed, as a user would
    wait_until(lambda: len(form.suggestions.suggestions()) >= 2)
    form.description.edit.setPlainText("Since this morning every job stops halfway with a jam light.")
    settle(1.0)
    wait_until(lambda: len(form.suggestions.suggestions()) >= 2)
    shots.save(form, "new-ticket-suggestions.png")
    form._on_discard_button_clicked()
    form.hide()
    close(window)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description="Screenshot of the suggestions beside the new-ticket form.")
    return run_against_demo_server(parser, 8713, lambda url, shots, _args: take_screenshots(url, shots))


if __name__ == "__main__":
    sys.exit(main())
