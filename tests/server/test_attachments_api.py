"""Attachments through the REST API: resumable uploads, checks by content, dedup, visibility."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text

from sync_server.app import create_app
from sync_server.db.models import Attachment, Blob, BlobGrant, BlobUpload
from sync_server.db.session import make_session_factory
from tests.helpers.api import Account, login, submit
from tests.helpers.files import (
    EICAR,
    PNG,
    WINDOWS_PROGRAM,
    attach,
    send,
    sha256,
    start_upload,
    upload,
    zipped,
)
from ticketing.domain import Role


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "server-data"


@pytest.fixture
def client(engine: Engine, data_dir: Path) -> TestClient:
    return TestClient(create_app(engine, data_dir=data_dir))


@pytest.fixture
def uma(client: TestClient, engine: Engine) -> Account:
    return login(client, engine, "uma@example.com", Role.USER)


@pytest.fixture
def ben(client: TestClient, engine: Engine) -> Account:
    return login(client, engine, "ben@example.com", Role.USER)


@pytest.fixture
def agent(client: TestClient, engine: Engine) -> Account:
    return login(client, engine, "alice@example.com", Role.AGENT)


@pytest.fixture
def admin(client: TestClient, engine: Engine) -> Account:
    return login(client, engine, "root@example.com", Role.ADMIN)


def _count(engine: Engine, model: type) -> int:
    with make_session_factory(engine)() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_a_file_uploads_in_chunks_attaches_and_downloads(uma: Account, data_dir: Path) -> None:
    ticket = submit(uma)["number"]
    data = bytes(range(256)) * 9000  # 2.3 MB: three chunks of 1 MB
    verdict = upload(uma, data, "dump.bin")
    assert verdict.status_code == 200, verdict.text
    assert verdict.json()["complete"] is True

    attached = attach(uma, ticket, data, "dump.bin")
    assert attached.status_code == 201, attached.text
    body = attached.json()
    assert (body["file_name"], body["size"], body["sha256"]) == ("dump.bin", len(data), sha256(data))

    listed = uma.get(f"/api/tickets/{ticket}/attachments").json()
    assert [a["id"] for a in listed] == [body["id"]]
    download = uma.get(f"/api/attachments/{body['id']}/content")
    assert download.status_code == 200
    assert download.content == data
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    # stored under its hash, inside the data folder, and nowhere else
    assert _files_under(data_dir) == [
        data_dir / "blobs" / sha256(data)[:2] / sha256(data)[2:4] / sha256(data)
    ]


def test_an_interrupted_upload_resumes_where_it_stopped(uma: Account, engine: Engine) -> None:
    data = PNG + b"\x00" * 3_000_000
    started = start_upload(uma, data, "shot.png").json()
    upload_id = started["upload_id"]
    first = send(uma, upload_id, data[:1_000_000], 0)
    assert first.json()["received"] == 1_000_000
    # the connection dropped; the app asks again where to go on
    again = start_upload(uma, data, "shot.png").json()
    assert (again["upload_id"], again["received"]) == (upload_id, 1_000_000)
    wrong = send(uma, upload_id, data[:1000], 0)
    assert wrong.status_code == 409
    assert "1000000 bytes" in wrong.json()["detail"]
    rest = send(uma, upload_id, data[1_000_000:], 1_000_000)
    assert rest.status_code == 200, rest.text
    assert rest.json()["complete"] is True
    assert _count(engine, BlobUpload) == 0


def test_one_content_is_stored_once_and_a_hash_alone_grants_nothing(
    uma: Account, ben: Account, engine: Engine, data_dir: Path
) -> None:
    data = b"%PDF-1.7\n" + b"quarterly report " * 1000
    uma_ticket = submit(uma)["number"]
    ben_ticket = submit(ben, "Mine")["number"]
    assert upload(uma, data, "report.pdf").json()["complete"]
    assert attach(uma, uma_ticket, data, "report.pdf").status_code == 201

    # Ben knows the hash (say it leaked) but has not sent the bytes: nothing to reference or fetch
    claim = start_upload(ben, data, "report.pdf").json()
    assert claim["complete"] is False
    refused = attach(ben, ben_ticket, data, "report.pdf")
    assert refused.status_code == 409
    assert refused.json()["error"] == "blob_missing"
    assert ben.get(f"/api/blobs/{sha256(data)}").status_code == 404

    # once he sends the bytes himself, he may: and the disk still holds one copy
    assert upload(ben, data, "copy.pdf").json()["complete"]
    assert attach(ben, ben_ticket, data, "copy.pdf").status_code == 201
    assert _count(engine, Blob) == 1
    assert _count(engine, BlobGrant) == 2
    assert len(_files_under(data_dir / "blobs")) == 1


def test_users_never_fetch_another_users_or_an_internal_notes_file(
    uma: Account, ben: Account, agent: Account
) -> None:
    ticket = submit(uma)["number"]
    public = b"uma's screenshot " * 100
    assert upload(uma, public, "public.txt").json()["complete"]
    public_id = attach(uma, ticket, public, "public.txt").json()["id"]

    note = agent.post(
        f"/api/tickets/{ticket}/comments", json={"content": "cert expired", "is_internal": True}
    )
    secret = b"internal log: admin password rotation " * 50
    assert upload(agent, secret, "log.txt").json()["complete"]
    internal = attach(agent, ticket, secret, "log.txt", comment_id=note.json()["id"])
    assert internal.status_code == 201, internal.text
    assert internal.json()["is_internal"] is True
    internal_id = internal.json()["id"]

    assert [a["id"] for a in uma.get(f"/api/tickets/{ticket}/attachments").json()] == [public_id]
    assert uma.get(f"/api/attachments/{internal_id}/content").status_code == 404
    assert uma.get(f"/api/blobs/{sha256(secret)}").status_code == 404
    assert uma.get(f"/api/blobs/{sha256(public)}").status_code == 200

    assert ben.get(f"/api/attachments/{public_id}/content").status_code == 404
    assert ben.get(f"/api/blobs/{sha256(public)}").status_code == 404
    assert ben.get(f"/api/tickets/{ticket}/attachments").status_code == 404

    seen_by_agent = {a["id"] for a in agent.get(f"/api/tickets/{ticket}/attachments").json()}
    assert seen_by_agent == {public_id, internal_id}
    assert agent.get(f"/api/attachments/{internal_id}/content").content == secret


def test_a_requester_cannot_attach_to_someone_elses_comment(uma: Account, agent: Account) -> None:
    ticket = submit(uma)["number"]
    reply = agent.post(f"/api/tickets/{ticket}/comments", json={"content": "Try this"}).json()
    assert upload(uma, PNG, "a.png").json()["complete"]
    refused = attach(uma, ticket, PNG, "a.png", comment_id=reply["id"])
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("name", "data", "why"),
    [
        ("holiday.png", WINDOWS_PROGRAM, "programs are not accepted"),
        ("setup.exe", WINDOWS_PROGRAM, "programs are not accepted"),
        ("notes.txt", b"#!/bin/sh\nrm -rf ~\n", "scripts are not accepted"),
        ("fix.bat", b"@echo off\r\ndel /q C:\\*\r\n", "scripts are not accepted"),
        (
            "logs.zip",
            zipped(**{"logs/app.log": b"ok", "tools/run.exe": b"whatever"}),
            "the program tools/run.exe",
        ),
        ("deep.zip", zipped(**{"inner.zip": zipped(**{"x.png": WINDOWS_PROGRAM})}), "a executable"),
    ],
)
def test_dangerous_files_are_refused_by_content_with_a_reason(
    uma: Account, engine: Engine, data_dir: Path, name: str, data: bytes, why: str
) -> None:
    verdict = upload(uma, data, name)
    assert verdict.status_code == 422, verdict.text
    assert verdict.json()["error"] == "file_refused"
    assert why in verdict.json()["detail"]
    assert name in verdict.json()["detail"]
    assert _count(engine, Blob) == 0
    assert _count(engine, BlobUpload) == 0
    assert _files_under(data_dir / "blobs") == []
    assert _files_under(data_dir / "uploads") == []


def test_admins_may_allow_a_kind(uma: Account, admin: Account) -> None:
    allowed = admin.patch("/api/settings", json={"attachments": {"blocked_types": ["script"]}})
    assert allowed.status_code == 200, allowed.text
    assert upload(uma, WINDOWS_PROGRAM, "tool.exe").json()["complete"] is True
    assert upload(uma, b"#!/bin/sh\necho hi\n", "hi.sh").status_code == 422


def test_unknown_kinds_in_settings_are_refused(admin: Account) -> None:
    response = admin.patch("/api/settings", json={"attachments": {"blocked_types": ["exe"]}})
    assert response.status_code == 422
    assert "blocked_types" in response.text


@pytest.mark.parametrize(
    ("name", "data"),
    [("eicar.com.txt", EICAR), ("innocent.zip", zipped(**{"readme.txt": EICAR}))],
)
def test_the_eicar_test_file_is_quarantined_and_never_served(
    uma: Account, engine: Engine, data_dir: Path, name: str, data: bytes
) -> None:
    ticket = submit(uma)["number"]
    verdict = upload(uma, data, name)
    assert verdict.status_code == 422
    assert "malware" in verdict.json()["detail"]
    assert "Eicar" in verdict.json()["detail"]
    with make_session_factory(engine)() as session:
        blob = session.get(Blob, sha256(data))
        assert blob is not None
        assert blob.status == "quarantined"
    assert _files_under(data_dir / "blobs") == []
    assert len(_files_under(data_dir / "quarantine")) == 1
    again = start_upload(uma, data, name)
    assert again.status_code == 422
    assert attach(uma, ticket, data, name).status_code == 409  # its bytes were never accepted
    assert uma.get(f"/api/blobs/{sha256(data)}").status_code == 404


def test_sizes_are_checked_before_and_while_uploading(uma: Account, admin: Account) -> None:
    assert admin.patch("/api/settings", json={"attachments": {"max_size_mb": 1}}).status_code == 200
    big = b"x" * (1024 * 1024 + 1)
    refused = start_upload(uma, big, "big.log")
    assert refused.status_code == 413
    assert "at most 1 MB" in refused.json()["detail"]

    small = b"y" * 100
    started = start_upload(uma, small, "small.log").json()
    overflow = send(uma, started["upload_id"], small + b"more", 0)
    assert overflow.status_code == 413
    huge_chunk = send(uma, started["upload_id"], b"z" * (9 * 1024 * 1024), 0)
    assert huge_chunk.status_code == 413


def test_a_file_whose_bytes_do_not_match_its_hash_is_refused(uma: Account, engine: Engine) -> None:
    data = b"genuine content"
    started = start_upload(uma, data, "a.txt").json()
    tampered = send(uma, started["upload_id"], b"tampered conten", 0)
    assert tampered.status_code == 422
    assert tampered.json()["error"] == "hash_mismatch"
    assert _count(engine, Blob) == 0


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("../../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("/absolute/path/report.txt", "report.txt"),
        ("..", "file"),
        ("bad\x01name<>.txt", "bad_name__.txt"),
        ("'; DROP TABLE attachments; --.txt", "'; DROP TABLE attachments; --.txt"),
    ],
)
def test_file_names_are_labels_never_paths(
    uma: Account, data_dir: Path, tmp_path: Path, given: str, stored: str
) -> None:
    ticket = submit(uma)["number"]
    data = f"content for {given}".encode()
    assert upload(uma, data, given).json()["complete"]
    attached = attach(uma, ticket, data, given)
    assert attached.status_code == 201, attached.text
    assert attached.json()["file_name"] == stored
    download = uma.get(f"/api/attachments/{attached.json()['id']}/content")
    assert download.content == data
    assert "/" not in download.headers["content-disposition"].split("filename", 1)[1]
    # nothing was written outside the data folder
    assert [p for p in _files_under(tmp_path) if data_dir not in p.parents] == []


def test_a_blob_cannot_be_reattached_under_a_name_the_desktop_would_run(uma: Account) -> None:
    ticket = submit(uma)["number"]
    data = b"echo this is plain text\n"
    assert upload(uma, data, "notes.txt").json()["complete"]
    refused = attach(uma, ticket, data, "notes.cmd")
    assert refused.status_code == 422
    assert "script" in refused.json()["detail"]


def test_attaching_again_with_the_same_id_is_idempotent(uma: Account, engine: Engine) -> None:
    ticket = submit(uma)["number"]
    assert upload(uma, PNG, "a.png").json()["complete"]
    first = attach(uma, ticket, PNG, "a.png").json()
    again = attach(uma, ticket, PNG, "a.png", id=first["id"])
    assert again.status_code == 201
    assert again.json()["id"] == first["id"]
    assert _count(engine, Attachment) == 1


def test_uploads_are_rate_limited_with_retry_after(uma: Account, admin: Account) -> None:
    assert admin.patch("/api/settings", json={"rate_limits": {"uploads_per_minute": 2}}).status_code == 200
    answers = [start_upload(uma, f"file {n}".encode(), f"{n}.txt") for n in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[2].headers["retry-after"]) >= 1
    assert "uploads" in answers[2].json()["detail"]


def test_abandoned_uploads_are_forgotten_with_their_bytes(
    uma: Account, ben: Account, engine: Engine, data_dir: Path
) -> None:
    data = b"half a file " * 1000
    started = start_upload(uma, data, "half.log").json()
    assert send(uma, started["upload_id"], data[:500], 0).json()["received"] == 500
    assert len(_files_under(data_dir / "uploads")) == 1
    with engine.begin() as conn:  # a week and a day without news of it
        conn.execute(text("UPDATE blob_uploads SET updated_at = now() - interval '8 days'"))
    assert start_upload(ben, b"other", "other.txt").status_code == 200  # someone else's: kept
    assert _count(engine, BlobUpload) == 2
    fresh = start_upload(uma, b"new file", "new.txt")  # the same user starts another upload
    assert fresh.status_code == 200
    assert _count(engine, BlobUpload) == 2  # hers is gone, Ben's stays, the new one came
    assert _files_under(data_dir / "uploads") == []  # no part file had bytes but hers
