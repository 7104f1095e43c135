"""Attachments in the real windows against a live server: attach, sync, see thumbnails, open."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QImage
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from desktop.net.api import ApiClient
from desktop.store import attachment_queries, queries
from desktop.sync.status import SyncProgress
from desktop.ui.portal.user_portal import UserPortal
from desktop.ui.shell.context import AppContext
from desktop.ui.shell.status_bar import SyncProgressBar
from sync_server.child_server import LiveServer
from tests.helpers.api import create_account
from tests.helpers.files import WINDOWS_PROGRAM, sha256
from tests.helpers.ui import log_in_app, shut_app
from ticketing.domain import Role

pytestmark = pytest.mark.usefixtures("collect_garbage_on_the_ui_thread")


class _OpenedFiles(QObject):
    """Stands in for the desktop's file opener (Qt's own hook for a URL scheme)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


@pytest.fixture
def opened_files() -> Any:
    catcher = _OpenedFiles()
    QDesktopServices.setUrlHandler("file", catcher, "open")
    yield catcher
    QDesktopServices.unsetUrlHandler("file")


def _sync(qtbot: QtBot, context: AppContext) -> None:
    before = context.sync.status.last_sync_at
    context.sync.request_sync()
    qtbot.waitUntil(
        lambda: context.sync.status.last_sync_at != before and not context.sync.status.syncing, timeout=20_000
    )


def _sync_until(qtbot: QtBot, context: AppContext, done: Any) -> None:
    """Sync until ``done()``: the server may deliver a change one sync later (a transaction
    older than it was still open)."""
    for _attempt in range(20):
        _sync(qtbot, context)
        if done():
            return
    raise AssertionError("the change did not arrive")


def _png(path: Path, width: int, height: int) -> bytes:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(0x3366CC)
    assert image.save(str(path), "PNG")
    return path.read_bytes()


def test_a_requester_attaches_files_sees_the_agents_picture_and_opens_it(
    qtbot: QtBot,
    live_server: LiveServer,
    engine: Engine,
    desktop_env: Path,
    tmp_path: Path,
    opened_files: Any,
) -> None:
    _uma_id, password = create_account(engine, "uma@example.com", Role.USER)
    _alice_id, alice_password = create_account(engine, "alice@example.com", Role.AGENT)
    _app, portal = log_in_app(qtbot, live_server.url, "uma@example.com", password)
    assert isinstance(portal, UserPortal)
    context: AppContext = portal.context
    try:
        # a new ticket with a file
        log = tmp_path / "error.log"
        log.write_text("E42 paper jam\n")
        form = portal.open_ticket_form()
        qtbot.waitUntil(lambda: form.category.count() > 1)
        form.title.setText("Printer jams")
        form.description.edit.setHtml("<p>It jams.</p>")
        form.category.setCurrentIndex(1)
        form._on_category_activated(1)
        form.add_files([str(log)])
        with qtbot.waitSignal(form.ticket_created) as created:
            form.submit_button.click()
        ticket_id = created.args[0]
        _sync_until(qtbot, context, lambda: queries.ticket(context.store, ticket_id).number is not None)  # type: ignore[union-attr]
        agent = ApiClient(live_server.url)
        agent.login("alice@example.com", alice_password)
        on_server = agent.request("GET", f"/api/tickets/{ticket_id}/attachments")
        assert [(a["file_name"], a["sha256"]) for a in on_server] == [("error.log", sha256(log.read_bytes()))]

        # the agent answers with a screenshot (from another computer)
        picture = _png(tmp_path / "fix.png", 800, 400)
        reply = agent.request("POST", f"/api/tickets/{ticket_id}/comments", {"content": "Do this"})
        status = agent.request(
            "POST",
            "/api/blobs/uploads",
            {"sha256": sha256(picture), "size": len(picture), "file_name": "fix.png"},
        )
        agent.send_chunk(status["upload_id"], 0, picture)
        body = {
            "sha256": sha256(picture),
            "size": len(picture),
            "file_name": "fix.png",
            "comment_id": reply["id"],
        }
        shot = agent.request("POST", f"/api/tickets/{ticket_id}/attachments", body)

        _sync_until(
            qtbot, context, lambda: attachment_queries.attachment(context.store, shot["id"]) is not None
        )
        qtbot.waitUntil(lambda: portal.select_ticket(ticket_id))
        detail = portal.detail
        qtbot.waitUntil(lambda: f"thumb:{shot['id']}" in detail.timeline.images, timeout=20_000)
        thumbnail = detail.timeline.images[f"thumb:{shot['id']}"]
        assert (thumbnail.width(), thumbnail.height()) == (240, 120)
        html = detail.timeline.toHtml()
        assert "fix.png" in html and "error.log" in html

        detail.open_attachment(shot["id"])
        qtbot.waitUntil(lambda: len(opened_files.urls) == 1)
        opened = Path(opened_files.urls[0].toLocalFile())
        assert opened.name == "fix.png" and opened.read_bytes() == picture
    finally:
        shut_app(portal)


def test_a_reply_with_files_and_a_refused_one(
    qtbot: QtBot, live_server: LiveServer, engine: Engine, desktop_env: Path, tmp_path: Path
) -> None:
    _uma_id, password = create_account(engine, "uma@example.com", Role.USER)
    _app, portal = log_in_app(qtbot, live_server.url, "uma@example.com", password)
    context: AppContext = portal.context
    try:
        form = portal.open_ticket_form()
        qtbot.waitUntil(lambda: form.category.count() > 1)
        form.title.setText("Laptop")
        form.description.edit.setHtml("<p>Slow</p>")
        form.category.setCurrentIndex(1)
        form._on_category_activated(1)
        with qtbot.waitSignal(form.ticket_created) as created:
            form.submit_button.click()
        ticket_id = created.args[0]
        qtbot.waitUntil(lambda: portal.select_ticket(ticket_id))
        detail = portal.detail
        qtbot.waitUntil(lambda: detail.detail is not None)

        notes = tmp_path / "notes.txt"
        notes.write_text("what I tried\n")
        disguised = tmp_path / "holiday.png"
        disguised.write_bytes(WINDOWS_PROGRAM)
        detail.reply.set_files([notes, disguised])
        assert "2 file(s)" in detail.reply.files_label.text()
        detail.reply.editor.edit.setHtml("<p>Logs attached</p>")
        detail.reply.send_button.click()
        qtbot.waitUntil(lambda: len(attachment_queries.for_ticket(context.store, ticket_id)) == 2)
        qtbot.waitUntil(lambda: detail.reply.files == [])  # cleared once the reply is queued

        _sync_until(qtbot, context, lambda: context.sync.status.problems == 1)
        problem = queries.problems(context.store)[0]
        assert "holiday.png was refused: programs are not accepted" in (problem.message or "")
        qtbot.waitUntil(
            lambda: (
                [a.file_name for a in attachment_queries.for_ticket(context.store, ticket_id)]
                == ["notes.txt"]
            )
        )
    finally:
        shut_app(portal)


def test_upload_progress_shows_a_percentage_even_for_huge_files(qtbot: QtBot) -> None:
    bar = SyncProgressBar()
    qtbot.addWidget(bar)
    bar.show_progress(SyncProgress("upload", 3 * 2**30, 4 * 2**30))  # more than a progress bar counts
    assert (bar.minimum(), bar.maximum(), bar.value()) == (0, 100, 75)
    assert bar.text() == "Uploading 75%"
    assert "3.0 GB of 4.0 GB" in bar.toolTip()
