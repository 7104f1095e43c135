"""A screenshot of the search dialog (Ctrl+K) for docs/screenshots/search.png: the demo agent's
results for a demo word, tickets, comments and articles with their highlighted snippets.

Uses the demo server and login helpers of ``scripts/screenshots.py`` (embedded PostgreSQL, or
``--database-url``): logs in as the demo agent, waits for the first sync, opens the dialog from
the console's action and types the word.

    .venv/bin/python scripts/screenshot_search.py [--database-url URL] [--port 8713] [--word password]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a plain script from a checkout
sys.path.insert(0, str(ROOT / "scripts"))

from PySide6.QtCore import QSize  # noqa: E402
from screenshots import Shots, close, log_in, run_against_demo_server, settle, wait_until  # noqa: E402

from desktop.app import create_qapplication  # noqa: E402
from desktop.ui.queue.agent_console import AgentConsole  # noqa: E402


def take_screenshot(server_url: str, shots: Shots, word: str) -> int:
    qapp = create_qapplication(["screenshots"])
    font = qapp.font()
    font.setPointSize(10)
    qapp.setFont(font)
    agent = log_in(server_url, "agent@example.com", "agent-pass-1", None)
    if not isinstance(agent, AgentConsole):
        raise SystemExit("the agent did not get the agent console")
    wait_until(lambda: agent.model.rowCount() > 0 and not agent.model.loading)
    agent.search_action.trigger()
    dialog = agent.open_search()
    dialog.resize(QSize(900, 620))
    dialog.box.setText(word)
    wait_until(
        lambda: dialog.model.request.text == word and not dialog.model.loading and dialog.model.count > 0
    )
    settle(1.0)
    shots.save(dialog, "search.png")
    close(agent)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description="A screenshot of the Ticketdesk search dialog.")
    parser.add_argument("--word", default="password")
    return run_against_demo_server(
        parser, 8713, lambda url, shots, args: take_screenshot(url, shots, args.word)
    )


if __name__ == "__main__":
    sys.exit(main())
