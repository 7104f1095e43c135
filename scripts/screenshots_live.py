"""Screenshot of the agent console following other people's work live, for docs/screenshots/:
agent_live.png: the requester files a ticket and replies (new rows bold as unread, the changed
row marked, the count in the window title), a notice of the reply in the status bar (no tray
offscreen), and a colleague's presence on the open ticket ("Tom Field is replying...").

Everything arrives through the real demo server: the requester and the colleague act through
the REST API, the agent's app hears of it on its live stream.

    .venv/bin/python scripts/screenshots_live.py [--database-url URL] [--port 8714] [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a plain script from a checkout
sys.path.insert(0, str(ROOT / "scripts"))

from screenshots import Shots, close, log_in, run_against_demo_server, settle, wait_until  # noqa: E402

from desktop.app import create_qapplication  # noqa: E402
from desktop.net.api import ApiClient  # noqa: E402
from desktop.ui.queue.agent_console import AgentConsole  # noqa: E402


def rest(server_url: str, email: str, password: str) -> ApiClient:
    api = ApiClient(server_url)
    api.login(email, password)
    return api


def take_screenshot(server_url: str, shots: Shots) -> int:
    qapp = create_qapplication(["screenshots"])
    font = qapp.font()
    font.setPointSize(10)
    qapp.setFont(font)
    agent = log_in(server_url, "agent@example.com", "agent-pass-1", None)
    assert isinstance(agent, AgentConsole)
    requester = rest(server_url, "user@example.com", "user-pass-1")
    colleague = rest(server_url, "tech@example.com", "tech-pass-1")
    wait_until(lambda: agent.model.rowCount() > 0 and agent.context.sync.engine is not None)
    live = agent.context.sync.engine.live if agent.context.sync.engine is not None else None
    wait_until(lambda: live is not None and live.connected, 30)

    category = requester.request("GET", "/api/categories")[0]["id"]
    ticket = requester.request(
        "POST",
        "/api/tickets",
        {
            "title": "Docking station no longer charges my laptop",
            "description": "<p>Since Monday.</p>",
            "category_id": category,
        },
    )
    wait_until(lambda: agent.model.row_of(ticket["id"]) is not None, 30)
    agent.context.api.request("PATCH", f"/api/tickets/{ticket['id']}", {"assignee_id": agent.context.user.id})
    assert agent.select_ticket(ticket["id"])
    wait_until(lambda: agent.detail.detail is not None and agent.detail.ticket_id == ticket["id"], 30)
    for state in ("viewing", "replying"):
        colleague.request("POST", "/api/presence", {"ticket_id": ticket["id"], "state": state})
        settle(0.5)
    others = requester.request("GET", "/api/tickets?limit=3&sort=-updated_at")["items"]
    for other in others:
        if other["id"] != ticket["id"]:
            body = {"content": "<p>Any news on this one?</p>"}
            requester.request("POST", f"/api/tickets/{other['id']}/comments", body)
    requester.request(
        "POST", f"/api/tickets/{ticket['id']}/comments", {"content": "<p>It is the USB-C one on desk 12.</p>"}
    )
    wait_until(lambda: "desk 12" in agent.detail.timeline.toPlainText(), 30)
    settle(1.0)
    shots.save(agent, "agent_live.png")
    close(agent)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description="Screenshot of the agent console's live updates.")
    return run_against_demo_server(parser, 8714, lambda url, shots, _args: take_screenshot(url, shots))


if __name__ == "__main__":
    sys.exit(main())
