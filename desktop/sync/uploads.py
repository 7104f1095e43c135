"""Bytes before metadata: upload the files of queued ``add_attachment`` mutations first.

The server refuses an attachment whose blob it lacks, so a push may only include an
``add_attachment`` once its file is on the server. Uploads resume where the server says it
stopped. Of the mutations about to be pushed, the ones before the first file that could not be
uploaded go now; a file the server refuses (too big, a program, malware) becomes a sync problem
with the server's reason, and the mutations after it go on.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from desktop.net.api import ApiError, ClientError
from desktop.store.blobs import LocalBlobs
from desktop.store.outbox import QueuedMutation
from ticketing.files import CHUNK_SIZE
from ticketing.protocol import AddAttachmentArgs, MutationName
from ticketing.schemas import UploadStart, UploadStatus

#: ``(bytes sent, bytes to send)`` for the file being uploaded.
UploadProgress = Callable[[int, int], None]


@runtime_checkable
class BlobTransport(Protocol):
    """:class:`desktop.net.api.ApiClient` is one."""

    def start_upload(self, body: UploadStart) -> UploadStatus: ...

    def send_chunk(self, upload_id: uuid.UUID, offset: int, data: bytes) -> UploadStatus: ...


class FileUnavailable(ApiError):
    """The file is no longer on this computer (its copy was deleted by hand)."""

    def __init__(self, file_name: str) -> None:
        super().__init__(0, "file_missing", f"{file_name} is no longer on this computer; attach it again.")


def upload_file(
    transport: BlobTransport,
    blobs: LocalBlobs,
    args: AddAttachmentArgs,
    on_progress: UploadProgress | None = None,
) -> None:
    """Make sure the server holds the file's bytes (a no-op when it already does)."""
    if not blobs.has(args.sha256):
        raise FileUnavailable(args.file_name)
    start = UploadStart(sha256=args.sha256, size=args.size, file_name=args.file_name)
    status = transport.start_upload(start)
    while not status.complete:
        assert status.upload_id is not None
        if on_progress is not None:
            on_progress(status.received, status.size)
        chunk = blobs.read_chunk(args.sha256, status.received, CHUNK_SIZE)
        try:
            status = transport.send_chunk(status.upload_id, status.received, chunk)
        except ApiError as error:
            if error.code != "wrong_offset":
                raise
            status = transport.start_upload(start)  # ask where the server is, and go on from there
    if on_progress is not None:
        on_progress(status.size, status.size)


@dataclass(frozen=True)
class Prepared:
    """What may be pushed now: ``ready`` (a prefix of the batch); then, if the batch was cut
    short, either the mutation whose file was ``refused`` (with the server's answer) or the
    transient error that stopped the uploads (``waiting``)."""

    ready: list[QueuedMutation]
    refused: tuple[QueuedMutation, ApiError] | None = None
    waiting: ClientError | None = None


def prepare(
    batch: list[QueuedMutation],
    transport: object,
    blobs: LocalBlobs,
    on_progress: UploadProgress | None = None,
) -> Prepared:
    """Upload the files of ``batch``'s attachments in order, as far as possible."""
    for index, mutation in enumerate(batch):
        if mutation.name != MutationName.ADD_ATTACHMENT:
            continue
        if not isinstance(transport, BlobTransport):
            return Prepared(batch[:index], waiting=ClientError("This connection cannot upload files."))
        args = AddAttachmentArgs.model_validate(mutation.args)
        try:
            upload_file(transport, blobs, args, on_progress)
        except ApiError as error:
            if error.transient or error.status in (401, 426) or error.status >= 500:
                return Prepared(batch[:index], waiting=error)
            return Prepared(batch[:index], refused=(mutation, error))
        except ClientError as error:
            return Prepared(batch[:index], waiting=error)
    return Prepared(batch)
