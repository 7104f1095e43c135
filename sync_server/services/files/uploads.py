"""Resumable uploads into the blob store, and the checks a file passes before it is kept.

A client announces a file by SHA-256 and size, then sends chunks at the offset the server
reports, so an interrupted upload resumes where it stopped. When the last byte arrives, the
server checks the hash, the size limit, the kind of file (by content) and the malware scan;
only then is the blob stored (once, however many uploads share it) and the uploader granted the
right to reference it. A client that claims a hash without sending the bytes gains nothing: the
grant needs the bytes.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from sync_server.db.models import Blob, BlobGrant, BlobUpload
from sync_server.errors import Conflict, DomainError, Invalid, NotFound
from sync_server.services import settings_store
from sync_server.services.files import file_policy, malware_scan
from sync_server.services.files.blob_store import BlobStore
from ticketing.domain import new_id
from ticketing.files import clean_file_name, human_size
from ticketing.schemas import AttachmentSettings, UploadStart, UploadStatus

MEGABYTE = 1024 * 1024
#: Unfinished uploads older than this are forgotten (their bytes deleted).
STALE_UPLOAD_DAYS = 7


class TooLarge(DomainError):
    status_code = 413
    code = "too_large"


class FileRefused(DomainError):
    """The file's content is not accepted (its kind, or the malware scan)."""

    status_code = 422
    code = "file_refused"


class ScanUnavailable(DomainError):
    status_code = 503
    code = "scanner_unavailable"


def _check_size(size: int, limits: AttachmentSettings, name: str) -> None:
    limit = limits.max_size_mb * MEGABYTE
    if size > limit:
        raise TooLarge(f"{name} is {human_size(size)}; files may be at most {limits.max_size_mb} MB.")


def _complete(blob: Blob) -> UploadStatus:
    return UploadStatus(
        upload_id=None,
        sha256=blob.sha256,
        size=blob.size,
        received=blob.size,
        complete=True,
        content_type=blob.content_type,
    )


def _status(upload: BlobUpload) -> UploadStatus:
    return UploadStatus(
        upload_id=upload.id, sha256=upload.sha256, size=upload.size, received=upload.received, complete=False
    )


def has_grant(session: Session, user_id: uuid.UUID, sha256: str) -> bool:
    return (
        session.scalar(
            select(BlobGrant.sha256).where(BlobGrant.sha256 == sha256, BlobGrant.user_id == user_id)
        )
        is not None
    )


def start(session: Session, store: BlobStore, user_id: uuid.UUID, data: UploadStart) -> UploadStatus:
    """Begin (or resume) sending a file; complete at once if this user already sent it."""
    name = clean_file_name(data.file_name)
    _check_size(data.size, settings_store.load(session).attachments, name)
    prune_stale(session, store, user_id=user_id)
    blob = session.get(Blob, data.sha256)
    if blob is not None and blob.status != "clean":
        raise FileRefused(f"{name} was refused: it contains malware ({blob.scan_result}).")
    if blob is not None and blob.size == data.size and has_grant(session, user_id, data.sha256):
        return _complete(blob)
    upload = session.scalar(
        select(BlobUpload)
        .where(BlobUpload.user_id == user_id, BlobUpload.sha256 == data.sha256, BlobUpload.size == data.size)
        .order_by(BlobUpload.created_at.desc())
        .limit(1)
        .with_for_update()
    )
    if upload is None:
        upload = BlobUpload(id=new_id(), user_id=user_id, sha256=data.sha256, size=data.size, file_name=name)
        session.add(upload)
        session.flush()
    else:
        upload.received = min(store.part_size(upload.id), upload.size)
    return _status(upload)


def status(session: Session, user_id: uuid.UUID, upload_id: uuid.UUID) -> UploadStatus:
    upload = session.get(BlobUpload, upload_id)
    if upload is None or upload.user_id != user_id:
        raise NotFound("No such upload; start it again.")
    return _status(upload)


def receive(
    session: Session, store: BlobStore, user_id: uuid.UUID, upload_id: uuid.UUID, *, offset: int, data: bytes
) -> UploadStatus | DomainError:
    """Store a chunk at ``offset`` (which must be what the server has); finish on the last byte.

    A refused file comes back as the error to answer with *after* committing: the refusal's
    bookkeeping (the upload forgotten, a quarantined blob recorded) must stay."""
    upload = session.get(BlobUpload, upload_id, with_for_update=True)
    if upload is None or upload.user_id != user_id:
        raise NotFound("No such upload; start it again.")
    if offset != upload.received:
        raise Conflict(
            f"The server has {upload.received} bytes of this file; send from there.", code="wrong_offset"
        )
    if offset + len(data) > upload.size:
        raise TooLarge(f"{upload.file_name} is larger than announced ({human_size(upload.size)}).")
    upload.received = store.write_chunk(upload.id, offset, data)
    upload.updated_at = dt.datetime.now(dt.UTC)
    session.flush()
    if upload.received < upload.size:
        return _status(upload)
    return _finish(session, store, upload)


def _forget(session: Session, store: BlobStore, upload: BlobUpload) -> None:
    store.discard(upload.id)
    session.delete(upload)
    session.flush()


def _finish(session: Session, store: BlobStore, upload: BlobUpload) -> UploadStatus | DomainError:
    limits = settings_store.load(session).attachments
    name = upload.file_name
    if store.part_digest(upload.id) != upload.sha256:
        _forget(session, store, upload)
        return Invalid(
            f"The bytes received for {name} do not match its SHA-256; send the file again.",
            code="hash_mismatch",
        )
    part = store.part_path(upload.id)
    judgement = file_policy.judge_file(part, name)
    refusal = file_policy.refusal(judgement, limits.blocked_types)
    if refusal is not None:
        _forget(session, store, upload)
        return FileRefused(f"{name} was refused: {refusal}.")
    try:
        scan = malware_scan.scan(part, limits.clamd_address)
    except malware_scan.ScannerUnavailable as error:
        raise ScanUnavailable(f"{error} The upload is kept; try again later.") from error
    values = {"sha256": upload.sha256, "size": upload.size, "content_type": judgement.content_type}
    if scan.infected:
        store.quarantine(upload.id, upload.sha256)
        session.execute(
            insert(Blob)
            .values(**values, status="quarantined", scan_result=scan.finding)
            .on_conflict_do_nothing(index_elements=["sha256"])
        )
        session.execute(delete(BlobUpload).where(BlobUpload.id == upload.id))
        return FileRefused(f"{name} was refused: it contains malware ({scan.finding}).")
    store.commit(upload.id, upload.sha256)
    session.execute(
        insert(Blob)
        .values(**values, scan_result=scan.finding)
        .on_conflict_do_nothing(index_elements=["sha256"])
    )
    session.execute(
        insert(BlobGrant)
        .values(sha256=upload.sha256, user_id=upload.user_id)
        .on_conflict_do_nothing(index_elements=["sha256", "user_id"])
    )
    session.delete(upload)
    session.flush()
    blob = session.get(Blob, upload.sha256)
    assert blob is not None
    return _complete(blob)


def prune_stale(
    session: Session, store: BlobStore, days: int = STALE_UPLOAD_DAYS, user_id: uuid.UUID | None = None
) -> int:
    """Forget uploads nobody has continued for ``days`` (of one user, or everyone's); returns
    how many. Runs at every server start and whenever a user starts an upload."""
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    stmt = select(BlobUpload).where(BlobUpload.updated_at < cutoff)
    if user_id is not None:
        stmt = stmt.where(BlobUpload.user_id == user_id)
    stale = list(session.scalars(stmt))
    for upload in stale:
        _forget(session, store, upload)
    return len(stale)
