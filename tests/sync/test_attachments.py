"""Attachments through real desktop caches and a real server: offline, resumed, refused."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest

from desktop.net.api import ApiClient, Unreachable
from desktop.store import attachment_queries as attachments
from desktop.store import commands, queries
from desktop.store.blobs import LocalBlobs
from desktop.sync import downloads
from tests.helpers.files import PNG, WINDOWS_PROGRAM, sha256
from tests.helpers.sync import Desk, sync_until
from ticketing.files import CHUNK_SIZE
from ticketing.schemas import UploadStart, UploadStatus


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _attach(session: object, ticket_id: str, path: Path, comment_id: str | None = None) -> str:
    store = session.store  # type: ignore[attr-defined]
    digest, size = LocalBlobs(store.path).add_file(path)
    return commands.add_attachment(
        store, ticket_id, sha256=digest, size=size, file_name=path.name, comment_id=comment_id
    )


def test_files_attached_offline_upload_on_the_next_sync(desk: Desk, tmp_path: Path) -> None:
    user = desk.desktop("uma@example.com")
    user.engine.sync_once()
    category = queries.categories(user.store)[0].id
    desk.server.kill()

    screenshot = PNG + b"\x00" * (CHUNK_SIZE + 5000)  # two chunks
    ticket_id = commands.create_ticket(
        user.store, title="Printer", description="<p>jams</p>", category_id=category
    )
    on_ticket = _attach(user, ticket_id, _file(tmp_path, "screen.png", screenshot))
    comment_id = commands.add_comment(user.store, ticket_id, "Here is the log")
    on_comment = _attach(
        user, ticket_id, _file(tmp_path, "printer.log", b"paper jam at tray 2\n"), comment_id
    )
    shown = attachments.for_ticket(user.store, ticket_id)
    assert [(a.file_name, a.pending, a.comment_id) for a in shown] == [
        ("screen.png", True, None),
        ("printer.log", True, comment_id),
    ]
    with pytest.raises(Unreachable):
        user.engine.sync_once()

    desk.server.start()
    report = user.engine.sync_once()
    assert (report.pushed.applied, report.pushed.rejected) == (4, 0)
    sync_until(user, lambda: not any(a.pending for a in attachments.for_ticket(user.store, ticket_id)))

    agent = desk.rest("alice@example.com")
    listed = agent.request("GET", f"/api/tickets/{ticket_id}/attachments")
    assert {a["id"]: (a["file_name"], a["sha256"]) for a in listed} == {
        on_ticket: ("screen.png", sha256(screenshot)),
        on_comment: ("printer.log", sha256(b"paper jam at tray 2\n")),
    }
    assert next(a for a in listed if a["id"] == on_ticket)["content_type"] == "image/png"

    # another agent's app downloads it on demand, checked and kept locally
    alice = desk.desktop("alice@example.com")
    sync_until(alice, lambda: len(attachments.for_ticket(alice.store, ticket_id)) == 2)
    row = attachments.attachment(alice.store, on_ticket)
    assert row is not None and row.is_image
    blobs = LocalBlobs(alice.store.path)
    assert not blobs.has(row.sha256)
    path = downloads.fetch(alice.api, blobs, row)
    assert path.read_bytes() == screenshot
    opened = downloads.open_copy(alice.api, blobs, row)
    assert opened.name == "screen.png" and opened.read_bytes() == screenshot


class _DropsAfterFirstChunk(ApiClient):
    """The network goes away after the first chunk of each file has been sent."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.sent_offsets: list[int] = []
        self.failing = True

    def send_chunk(self, upload_id: uuid.UUID, offset: int, data: bytes) -> UploadStatus:
        self.sent_offsets.append(offset)
        if self.failing and offset > 0:
            raise Unreachable("connection reset")
        return super().send_chunk(upload_id, offset, data)


def test_an_interrupted_upload_resumes_instead_of_starting_again(desk: Desk, tmp_path: Path) -> None:
    api = _DropsAfterFirstChunk(desk.server.url)
    user = desk.desktop("uma@example.com", api=api)
    user.engine.sync_once()
    category = queries.categories(user.store)[0].id
    ticket_id = commands.create_ticket(
        user.store, title="Big log", description="<p>log</p>", category_id=category
    )
    data = b"log line\n" * (3 * CHUNK_SIZE // 9)
    _attach(user, ticket_id, _file(tmp_path, "big.log", data))

    with pytest.raises(Unreachable):
        user.engine.sync_once()
    assert api.sent_offsets == [0, CHUNK_SIZE]
    api.failing = False
    user.engine.sync_once()
    assert api.sent_offsets == [0, CHUNK_SIZE, CHUNK_SIZE, 2 * CHUNK_SIZE]  # resumed, not restarted
    on_server = desk.rest("alice@example.com").request("GET", f"/api/tickets/{ticket_id}/attachments")
    assert [a["sha256"] for a in on_server] == [sha256(data)]


class _CountsUploads(ApiClient):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.started: list[str] = []

    def start_upload(self, body: UploadStart) -> UploadStatus:
        self.started.append(body.file_name)
        return super().start_upload(body)


def test_a_refused_file_becomes_a_sync_problem_and_the_rest_goes_on(desk: Desk, tmp_path: Path) -> None:
    api = _CountsUploads(desk.server.url)
    user = desk.desktop("uma@example.com", api=api)
    user.engine.sync_once()
    category = queries.categories(user.store)[0].id
    ticket_id = commands.create_ticket(
        user.store, title="Photo", description="<p>see</p>", category_id=category
    )
    _attach(user, ticket_id, _file(tmp_path, "holiday.png", WINDOWS_PROGRAM))
    commands.add_comment(user.store, ticket_id, "Did the photo arrive?")
    good = _attach(user, ticket_id, _file(tmp_path, "real.png", PNG))

    report = user.engine.sync_once()
    assert (report.pushed.applied, report.pushed.rejected) == (3, 1)
    problems = queries.problems(user.store)
    assert len(problems) == 1
    assert "holiday.png was refused: programs are not accepted" in (problems[0].message or "")
    assert api.started.count("holiday.png") == 1  # refused once, not sent again
    sync_until(user, lambda: [a.id for a in attachments.for_ticket(user.store, ticket_id)] == [good])
    comments = desk.rest("uma@example.com").request("GET", f"/api/tickets/{ticket_id}/comments")
    assert [c["content"] for c in comments] == ["Did the photo arrive?"]


def test_an_internal_notes_file_never_reaches_a_requesters_cache(desk: Desk, tmp_path: Path) -> None:
    user, agent = desk.desktop("uma@example.com"), desk.desktop("alice@example.com")
    user.engine.sync_once()
    category = queries.categories(user.store)[0].id
    ticket_id = commands.create_ticket(
        user.store, title="VPN", description="<p>down</p>", category_id=category
    )
    user.engine.sync_once()
    sync_until(agent, lambda: queries.ticket(agent.store, ticket_id) is not None)
    note = commands.add_comment(agent.store, ticket_id, "see the firewall dump", is_internal=True)
    secret = b"firewall dump: SECRET-TOKEN-4711\n"
    _attach(agent, ticket_id, _file(tmp_path, "dump.txt", secret), note)
    public = commands.add_comment(agent.store, ticket_id, "Working on it")
    agent.engine.sync_once()
    sync_until(
        user, lambda: any(c.id == public for c in queries.ticket_detail(user.store, ticket_id).comments)
    )  # type: ignore[union-attr]

    assert attachments.for_ticket(user.store, ticket_id) == []
    user.store.close()
    for path in [user.store.path, *user.store.path.parent.glob(user.store.path.name + "-*")]:
        assert sha256(secret).encode() not in path.read_bytes()
        assert b"dump.txt" not in path.read_bytes()
    with sqlite3.connect(user.store.path) as raw:
        assert raw.execute("SELECT count(*) FROM attachments").fetchone() == (0,)
