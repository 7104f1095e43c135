"""The screenshot of the suggestions beside the new-ticket form, for docs/screenshots/:
new-ticket-suggestions.png (the demo user typing "printer jams", with "Maybe this helps" filled).

Uses the demo server and login helpers of ``scripts/screenshots.py`` (embedded PostgreSQL, or
``--database-url``). The demo agent first publishes two printer articles over REST (the demo
knowledge base has one published article, about passwords); then the demo user logs in through
the login window, opens the form and types as a user would.

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
from desktop.net.api import ApiClient  # noqa: E402
from desktop.store import article_queries  # noqa: E402
from desktop.ui.portal.user_portal import UserPortal  # noqa: E402

ARTICLES = (
    (
        "Clearing a paper jam on the floor printers",
        "<p>Open the front cover, pull the green lever and take the paper out <b>towards you</b>."
        " Check tray 2 for torn scraps before closing.</p>",
        ["printer", "hardware"],
    ),
    (
        "Printer jams on thick paper",
        "<p>Labels and card stock go through the <b>manual feed</b> slot only; the trays jam on"
        " anything heavier than 120 g/m².</p>",
        ["printer"],
    ),
)


def publish_articles(server_url: str) -> None:
    email, password = ACCOUNTS["agent"]
    api = ApiClient(server_url)
    api.login(email, password)
    category = next(
        c["id"] for c in api.request("GET", "/api/categories") if c["name"] == "Printer Not Working"
    )
    for title, body, tags in ARTICLES:
        article = {"title": title, "body": body, "tags": tags, "category_id": category, "status": "published"}
        api.request("POST", "/api/kb/articles", article)


def take_screenshots(server_url: str, shots: Shots) -> int:
    qapp = create_qapplication(["screenshots"])
    font = qapp.font()
    font.setPointSize(10)
    qapp.setFont(font)
    publish_articles(server_url)
    email, password = ACCOUNTS["user"]
    window = log_in(server_url, email, password, None)
    if not isinstance(window, UserPortal):
        raise SystemExit(f"the user got a {type(window).__name__}, not the portal")
    store = window.context.store
    wait_until(lambda: len(article_queries.list_articles(store)) >= 1 + len(ARTICLES), 60)
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
