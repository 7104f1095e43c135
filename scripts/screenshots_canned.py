"""Screenshot of canned replies in the reply box, for docs/screenshots/: canned-replies.png: an
agent has typed ``::gre`` in a reply and the list of matching canned replies (the team's and
their own, most used first) is open under the cursor.

The replies are written through the demo server's REST API (an admin's team replies, the
agent's personal one) and reach the agent's cache by sync, as in use.

    .venv/bin/python scripts/screenshots_canned.py [--database-url URL] [--port 8715] [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a plain script from a checkout
sys.path.insert(0, str(ROOT / "scripts"))

from PySide6.QtTest import QTest  # noqa: E402
from screenshots import Shots, close, log_in, run_against_demo_server, settle, wait_until  # noqa: E402

from desktop.app import create_qapplication  # noqa: E402
from desktop.net.api import ApiClient  # noqa: E402
from desktop.ui.queue.agent_console import AgentConsole  # noqa: E402

REPLIES = (
    (
        "admin",
        "Greeting",
        "<p>Hello {{requester.name}},</p><p>thanks for writing about {{ticket.number}}. {{cursor}}</p>",
        "team",
    ),
    ("admin", "Green light to order", "<p>Your manager approved it; the order goes out today.</p>", "team"),
    (
        "agent",
        "Greetings, follow-up",
        "<p>Hi {{requester.name}}, is {{ticket.title}} still happening?</p>",
        "personal",
    ),
    ("admin", "Closing: no answer", "<p>We are closing this ticket as we did not hear back.</p>", "team"),
)


def rest(server_url: str, email: str, password: str) -> ApiClient:
    api = ApiClient(server_url)
    api.login(email, password)
    return api


def take_screenshot(server_url: str, shots: Shots) -> int:
    qapp = create_qapplication(["screenshots"])
    font = qapp.font()
    font.setPointSize(10)
    qapp.setFont(font)
    writers = {
        "admin": rest(server_url, "admin@example.com", "admin-pass-1"),
        "agent": rest(server_url, "agent@example.com", "agent-pass-1"),
    }
    made = []
    for who, title, body, scope in REPLIES:
        made.append(
            writers[who].request(
                "POST", "/api/canned-replies", {"title": title, "body": body, "scope": scope}
            )
        )
    for _ in range(3):  # the team's greeting is the most used
        writers["agent"].request("POST", f"/api/canned-replies/{made[0]['id']}/use")

    agent = log_in(server_url, "agent@example.com", "agent-pass-1", None)
    assert isinstance(agent, AgentConsole)
    wait_until(lambda: agent.model.ticket_id(0) is not None, 30)
    wait_until(lambda: len(agent.detail.reply._canned) == len(REPLIES), 30)
    ticket_id = agent.model.ticket_id(0)
    assert ticket_id is not None and agent.select_ticket(ticket_id)
    wait_until(lambda: agent.detail.detail is not None and agent.detail.ticket_id == ticket_id, 30)
    reply = agent.detail.reply
    reply.editor.setFocus()
    QTest.keyClicks(reply.editor.edit, "Thanks for the details. ::gre")
    wait_until(reply.canned_popup.isVisible, 10)
    settle(0.5)
    shots.save(agent, "canned-replies.png")
    close(agent)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description="Screenshot of canned replies in the reply box.")
    return run_against_demo_server(parser, 8715, lambda url, shots, _args: take_screenshot(url, shots))


if __name__ == "__main__":
    sys.exit(main())
