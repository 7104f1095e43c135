"""Files: resumable uploads into the blob store, attaching them, and downloading them.

Uploads: ``POST /api/blobs/uploads`` announces a file (SHA-256, size) and answers how much the
server already holds; ``PUT /api/blobs/uploads/{id}?offset=N`` sends the bytes from there, one
chunk per request. Downloads check visibility on every request, by attachment id or by hash,
and always leave as a download (``Content-Disposition: attachment``, no sniffing), so nothing a
user uploaded ever runs in a browser.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor

from sync_server.api.deps import Caller, PrincipalDep, SessionDep, ShortCallerDep, errors
from sync_server.api.limits import limit
from sync_server.api.tickets import TicketKey
from sync_server.db.models import Attachment, Blob
from sync_server.services.files import attachments, uploads
from sync_server.services.files.blob_store import BlobStore
from sync_server.services.helpdesk.tickets import find_ticket
from sync_server.services.rate_limits import RateAction
from ticketing.files import MAX_CHUNK_SIZE, SHA256_PATTERN
from ticketing.schemas import AttachmentCreate, AttachmentOut, UploadStart, UploadStatus

router = APIRouter(tags=["attachments"])


def get_blob_store(request: Request) -> BlobStore:
    store: BlobStore = request.app.state.blob_store
    return store


BlobStoreDep = Annotated[BlobStore, Depends(get_blob_store)]


def attachment_out(attachment: Attachment) -> AttachmentOut:
    return AttachmentOut.model_validate(attachment, from_attributes=True)


@router.post(
    "/api/blobs/uploads",
    response_model=UploadStatus,
    responses=errors(413),
    dependencies=[Depends(limit(RateAction.UPLOAD))],
)
def start_upload(
    body: UploadStart, session: SessionDep, principal: PrincipalDep, store: BlobStoreDep
) -> UploadStatus:
    """Announce a file by SHA-256 and size. `complete: true` means the server has it from you
    already; otherwise send the bytes from `received` on."""
    return uploads.start(session, store, principal.user.id, body)


@router.get("/api/blobs/uploads/{upload_id}", response_model=UploadStatus)
def upload_status(upload_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> UploadStatus:
    """How much of an upload the server holds (to resume after an interruption)."""
    return uploads.status(session, principal.user.id, upload_id)


async def _read_chunk(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_CHUNK_SIZE:
        raise uploads.TooLarge(f"Send at most {MAX_CHUNK_SIZE} bytes per request.")
    body = bytearray()
    async for piece in request.stream():
        body += piece
        if len(body) > MAX_CHUNK_SIZE:
            raise uploads.TooLarge(f"Send at most {MAX_CHUNK_SIZE} bytes per request.")
    return bytes(body)


def _receive(
    request: Request, caller: Caller, upload_id: uuid.UUID, offset: int, data: bytes
) -> UploadStatus:
    store = get_blob_store(request)
    with request.app.state.session_factory() as session:
        with session.begin():
            outcome = uploads.receive(
                session, store, caller.principal.user.id, upload_id, offset=offset, data=data
            )
        if isinstance(outcome, Exception):
            raise outcome  # answered after the refusal's bookkeeping was committed
        return outcome


@router.put(
    "/api/blobs/uploads/{upload_id}",
    response_model=UploadStatus,
    responses=errors(409, 413),
    openapi_extra={
        "requestBody": {
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
        }
    },
)
async def send_chunk(
    upload_id: uuid.UUID,
    request: Request,
    caller: ShortCallerDep,
    offset: Annotated[int, Query(ge=0, le=1 << 40, description="Where these bytes start.")],
) -> UploadStatus:
    """Bytes of the file from `offset` (which must be what the server holds). The answer to the
    last chunk says whether the file was accepted, or why it was refused."""
    data = await _read_chunk(request)
    return await run_in_threadpool(_receive, request, caller, upload_id, offset, data)


def _download(store: BlobStore, blob: Blob, file_name: str) -> FileResponse:
    return FileResponse(
        store.path(blob.sha256),
        media_type=blob.content_type,
        filename=file_name,
        content_disposition_type="attachment",
        headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, max-age=86400",
            "ETag": f'"{blob.sha256}"',
        },
    )


class _Sha256Convertor(Convertor[str]):
    """Routes ``/api/blobs/{sha256:sha256}`` only for a hash, so ``GET /api/blobs/uploads``
    is a 405 of the uploads path rather than a malformed hash."""

    regex = SHA256_PATTERN.strip("^$")

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("sha256", _Sha256Convertor())


@router.get("/api/blobs/{sha256:sha256}")
def download_blob(
    sha256: Annotated[str, Path(pattern=SHA256_PATTERN)],
    session: SessionDep,
    principal: PrincipalDep,
    store: BlobStoreDep,
) -> FileResponse:
    """A file by its hash: only for whoever uploaded it or can see an attachment using it."""
    blob = attachments.readable_blob(session, principal, sha256)
    return _download(store, blob, sha256)


@router.get("/api/attachments/{attachment_id}/content")
def download_attachment(
    attachment_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, store: BlobStoreDep
) -> FileResponse:
    """An attachment's bytes, if the caller may see it (never a quarantined file)."""
    attachment, blob = attachments.readable_attachment(session, principal, attachment_id)
    return _download(store, blob, attachment.file_name)


@router.get("/api/tickets/{key}/attachments", response_model=list[AttachmentOut])
def list_attachments(key: TicketKey, session: SessionDep, principal: PrincipalDep) -> list[AttachmentOut]:
    """The ticket's files the caller may see, oldest first (internal notes' files: staff only)."""
    ticket = find_ticket(session, principal, key)
    return [attachment_out(a) for a in attachments.list_attachments(session, principal, ticket.id)]


@router.post(
    "/api/tickets/{key}/attachments",
    response_model=AttachmentOut,
    status_code=201,
    responses=errors(403, 409),
)
def add_attachment(
    key: TicketKey, body: AttachmentCreate, session: SessionDep, principal: PrincipalDep
) -> AttachmentOut:
    """Attach an uploaded file to the ticket, or to one of your comments on it (`comment_id`)."""
    return attachment_out(attachments.add_attachment(session, principal, key, body))
