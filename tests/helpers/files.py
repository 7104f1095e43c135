"""Helpers for attachment tests: files of known kinds, and uploading them through the API."""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any

from tests.helpers.api import Account

#: The EICAR anti-virus test file: harmless, and every scanner reports it.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
#: The start of a Windows program (MZ header and the DOS stub's message).
WINDOWS_PROGRAM = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 48
    + (b"This program cannot be run in DOS mode.\r\r\n$" + b"\x00" * 200)
)
#: A 1x1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def zipped(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def start_upload(account: Account, data: bytes, name: str) -> Any:
    return account.post(
        "/api/blobs/uploads", json={"sha256": sha256(data), "size": len(data), "file_name": name}
    )


def send(account: Account, upload_id: str, data: bytes, offset: int) -> Any:
    return account.client.put(
        f"/api/blobs/uploads/{upload_id}",
        params={"offset": offset},
        content=data,
        headers={**account.headers, "Content-Type": "application/octet-stream"},
    )


def upload(account: Account, data: bytes, name: str, chunk: int = 1024 * 1024) -> Any:
    """Upload ``data`` in chunks; returns the last response (the verdict on the file)."""
    started = start_upload(account, data, name)
    assert started.status_code == 200, started.text
    status = started.json()
    if status["complete"]:
        return started
    offset = status["received"]
    response = started
    while True:
        response = send(account, status["upload_id"], data[offset : offset + chunk], offset)
        if response.status_code != 200 or response.json()["complete"]:
            return response
        offset = response.json()["received"]


def attach(account: Account, ticket: str, data: bytes, name: str, **fields: Any) -> Any:
    return account.post(
        f"/api/tickets/{ticket}/attachments",
        json={"sha256": sha256(data), "size": len(data), "file_name": name, **fields},
    )
