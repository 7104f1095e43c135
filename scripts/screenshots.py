"""Screenshots of the real windows against a real demo server, for docs/screenshots/.

Starts ``python -m sync_server demo`` (embedded PostgreSQL, or ``--database-url``), logs in as
each demo account through the login window, waits for the first sync, and saves
``widget.grab()`` PNGs. Runs without a screen (``QT_QPA_PLATFORM=offscreen`` by default).

    .venv/bin/python scripts/screenshots.py [--database-url URL] [--port 8711] [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a plain script from a checkout

from PySide6.QtCore import QCoreApplication, QMimeData, QRect, QSize, Qt  # noqa: E402
from PySide6.QtGui import QColor, QImage, QPainter, QTextCursor  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402

from desktop.app import Application, create_qapplication  # noqa: E402
from desktop.store import attachment_queries, queries  # noqa: E402
from desktop.store.database import Store  # noqa: E402
from desktop.ui.portal.user_portal import UserPortal  # noqa: E402
from desktop.ui.shell.main_window import MainWindowBase  # noqa: E402
from desktop.ui.ticket.detail import TicketDetailView  # noqa: E402
from sync_server.child_server import ServerDidNotStart, wait_until_healthy  # noqa: E402
from ticketing.domain import Status  # noqa: E402
from ticketing.schemas import TicketQuery  # noqa: E402

APPS: list[Application] = []

ACCOUNTS = {
    "user": ("user@example.com", "user-pass-1"),
    "agent": ("agent@example.com", "agent-pass-1"),
    "admin": ("admin@example.com", "admin-pass-1"),
}


def start_server(port: int, data_dir: Path, database_url: str | None) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "sync_server", "demo", "--data-dir", str(data_dir), "--port", str(port)]
    if database_url:
        command += ["--database-url", database_url]
    server = subprocess.Popen(command, cwd=ROOT)  # noqa: S603  # our own interpreter and module
    try:
        wait_until_healthy(server, f"http://127.0.0.1:{port}", timeout=90)
    except ServerDidNotStart as error:
        server.kill()
        raise SystemExit(f"the demo server did not start: {error}") from error
    return server


def wait_until(condition: Callable[[], object], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("timed out waiting for the app")
        QCoreApplication.processEvents()
        time.sleep(0.01)


def settle(seconds: float = 0.3) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QCoreApplication.processEvents()
        time.sleep(0.01)


class Shots:
    """Saves grabs of widgets into one folder."""

    def __init__(self, out: Path) -> None:
        self.out = out

    def save(self, widget: QWidget, name: str) -> None:
        settle()
        widget.grab().save(str(self.out / name))
        print("saved", self.out / name)


def log_in(server_url: str, email: str, password: str, shots: Shots | None) -> MainWindowBase:
    app = Application(default_server=server_url, engine_options={"interval": 1.0})
    login = app.start(resume=False)
    login.resize(QSize(480, 420))
    login.email.setText(email)
    login.password.setText(password)
    if shots is not None:
        shots.save(login, "login.png")
    shown: list[MainWindowBase] = []
    app.main_window_shown.connect(shown.append)
    login.login_button.click()
    wait_until(lambda: shown)
    window = shown[0]
    window.resize(QSize(1280, 780))
    store = window.context.store
    wait_until(lambda: queries.categories(store) and queries.list_tickets(store), 60)
    settle(1.0)
    APPS.append(app)  # the Application lives as long as the script
    return window


def user_shots(window: UserPortal, shots: Shots) -> None:
    wait_until(lambda: window.model.rowCount() > 0)
    window.select_ticket(ticket_with_conversation(window))
    wait_until(lambda: window.detail.detail is not None)
    if attachment_queries.for_ticket(window.context.store, window.detail.ticket_id or ""):
        # the attached screenshot is fetched on its own, then shown as a thumbnail
        wait_until(lambda: any(key.startswith("thumb:") for key in window.detail.timeline.images))
    settle(0.5)
    shots.save(window, "user_portal.png")
    window.detail.resize(QSize(760, 700))
    shots.save(window.detail, "ticket_detail_user.png")

    form = window.open_ticket_form()
    form.title.setText("Printer on floor 3 prints blank pages")
    form.description.edit.setHtml(
        "<p>Since this morning the <b>HP LaserJet</b> on floor 3 prints <i>blank pages</i>.</p>"
        "<ul><li>Toner replaced</li><li>Restarted the printer</li></ul>"
        "<p>Error code: <code>E-204</code></p>"
    )
    form.description.edit.moveCursor(QTextCursor.MoveOperation.End)
    pasted = QMimeData()
    pasted.setImageData(example_screenshot())
    form.description.edit.insertFromMimeData(pasted)  # the real paste path
    wait_until(lambda: form.files.count() > 0)
    wait_until(lambda: form.category.count() > 1)
    form.category.setCurrentIndex(form.category.findText("Printer Not Working"))
    shots.save(form, "new_ticket.png")
    form.title.clear()
    form.validate()
    shots.save(form, "new_ticket_validation.png")
    form._on_discard_button_clicked()
    form.hide()
    knowledge_shot(window, shots)


def knowledge_shot(window: UserPortal, shots: Shots) -> None:
    """The knowledge base as a user reads it: published articles only, no editor controls."""
    kb = window.open_knowledge_base()
    kb.resize(QSize(1100, 620))
    wait_until(lambda: bool(kb.library.article_ids()), 60)
    kb.open_article(kb.library.article_ids()[0])
    wait_until(lambda: kb.reader.article_id is not None)
    settle(0.5)
    shots.save(kb, "knowledge-base-user.png")
    kb.close()


def staff_detail_shot(window: MainWindowBase, shots: Shots) -> None:
    detail = TicketDetailView(window.context)
    detail.resize(QSize(860, 760))
    detail.show_ticket(ticket_with_internal_note(window.context.store))
    wait_until(lambda: detail.detail is not None)
    detail.reply.internal.setChecked(True)
    detail.show()
    shots.save(detail, "ticket_detail_agent.png")
    detail.close()


def close(window: MainWindowBase) -> None:
    context = window.context
    context.sync.detach()
    context.session.engine.close()
    context.session.store.close()
    window.close_for_app()
    settle()


def take_screenshots(server_url: str, shots: Shots, *, consoles: bool = False) -> int:
    qapp = create_qapplication(["screenshots"])
    font = qapp.font()
    font.setPointSize(10)
    qapp.setFont(font)
    for role, (email, password) in ACCOUNTS.items():
        window = log_in(server_url, email, password, shots if role == "user" else None)
        if role == "user" and isinstance(window, UserPortal):
            user_shots(window, shots)
        elif isinstance(window, UserPortal):
            print(f"no {role} console in this build (the portal opened instead): no screenshot")
        elif consoles:
            shots.save(window, f"{role}_console.png")
        else:
            print(
                f"{role}: {type(window).__name__} opened (its screenshots belong to the console's own script)"
            )
        if role == "agent":
            staff_detail_shot(window, shots)
        close(window)
    return 0


def ticket_with_conversation(window: UserPortal) -> str:
    """An open ticket with files and the longest conversation, Resolved ones first (their reply
    box says a reply reopens them), for the detail screenshot."""
    store = window.context.store
    ranked: list[tuple[bool, bool, int, str]] = []
    for row in range(window.model.rowCount()):
        ticket_id = window.model.ticket_id(row)
        detail = queries.ticket_detail(store, ticket_id) if ticket_id else None
        if ticket_id and detail is not None and detail.ticket.status != Status.CLOSED:
            has_files = bool(attachment_queries.for_ticket(store, ticket_id))
            ranked.append(
                (has_files, detail.ticket.status == Status.RESOLVED, len(detail.timeline), ticket_id)
            )
    if not ranked:
        first = window.model.ticket_id(0)
        assert first is not None
        return first
    return max(ranked)[3]


def ticket_with_internal_note(store: Store) -> str:
    """The ticket with the most internal notes (for the staff detail screenshot)."""
    best: tuple[int, int, str] | None = None
    for ticket in queries.list_tickets(store, TicketQuery(limit=500)):
        detail = queries.ticket_detail(store, ticket.id)
        if detail is None:
            continue
        key = (sum(1 for c in detail.comments if c.is_internal), len(detail.timeline), ticket.id)
        best = key if best is None or key > best else best
    assert best is not None
    return best[2]


def example_screenshot() -> QImage:
    """A made-up "screenshot" to paste into the description."""
    image = QImage(360, 140, QImage.Format.Format_RGB32)
    image.fill(QColor("#f6f8fa"))
    painter = QPainter(image)
    painter.fillRect(QRect(0, 0, 360, 28), QColor("#1f6feb"))
    painter.setPen(QColor("#ffffff"))
    painter.drawText(QRect(10, 0, 340, 28), Qt.AlignmentFlag.AlignVCenter, "Print queue")
    painter.setPen(QColor("#cf222e"))
    painter.drawText(QRect(10, 40, 340, 90), Qt.AlignmentFlag.AlignLeft, "Error E-204: page data empty")
    painter.end()
    return image


def run_against_demo_server(
    parser: argparse.ArgumentParser, default_port: int, shoot: Callable[[str, Shots, argparse.Namespace], int]
) -> int:
    """Parse the common options, start a demo server with its own folders, and ``shoot``."""
    parser.add_argument("--database-url", help="PostgreSQL for the demo server (default: embedded)")
    parser.add_argument("--port", type=int, default=default_port)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ticketdesk-shots-"))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["XDG_DATA_HOME"] = str(work / "data")
    os.environ["XDG_CONFIG_HOME"] = str(work / "config")
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
    args.out.mkdir(parents=True, exist_ok=True)

    server = start_server(args.port, work / "server", args.database_url)
    try:
        return shoot(f"http://127.0.0.1:{args.port}", Shots(args.out), args)
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> int:
    parser = argparse.ArgumentParser(description="Screenshots of the Ticketdesk windows.")
    parser.add_argument(
        "--consoles", action="store_true", help="also save agent_console.png, admin_console.png"
    )
    return run_against_demo_server(
        parser, 8711, lambda url, shots, args: take_screenshots(url, shots, consoles=args.consoles)
    )


if __name__ == "__main__":
    sys.exit(main())
