"""Attachments: a ticket's (or a comment's) reference to a stored blob, and who may read it.

Metadata is accepted only for a blob that is stored, clean, and either uploaded by the same
account or already visible to it through another attachment: otherwise a hash would be a key to
someone else's file. An attachment of an internal note is internal too, in the same buckets.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from sync_server.db.models import Attachment, Blob, Comment, Ticket
from sync_server.errors import Conflict, Forbidden, Invalid, NotFound, from_workflow
from sync_server.services import settings_store
from sync_server.services.files import file_policy, uploads
from sync_server.services.helpdesk.tickets import find_ticket, state_of
from sync_server.services.identity.principal import Principal
from sync_server.services.sync import changelog
from sync_server.services.sync.readable import readable_attachments, readable_comments
from ticketing import workflow
from ticketing.domain import new_id
from ticketing.files import clean_file_name
from ticketing.schemas import AttachmentCreate
from ticketing.visibility import comment_buckets


def _may_reference(session: Session, principal: Principal, sha256: str) -> bool:
    if uploads.has_grant(session, principal.user.id, sha256):
        return True
    visible = readable_attachments(principal).where(Attachment.sha256 == sha256).limit(1)
    return session.scalar(visible) is not None


def _comment_of(session: Session, principal: Principal, ticket: Ticket, comment_id: uuid.UUID) -> Comment:
    comment = session.scalar(
        readable_comments(principal).where(Comment.id == comment_id, Comment.ticket_id == ticket.id)
    )
    if comment is None:
        raise NotFound("No such comment on this ticket.")
    if comment.author_id != principal.user.id:
        raise Forbidden("Files can be attached only to your own comments.")
    return comment


def add_attachment(session: Session, principal: Principal, key: str, data: AttachmentCreate) -> Attachment:
    ticket = find_ticket(session, principal, key, lock=True)
    comment = None if data.comment_id is None else _comment_of(session, principal, ticket, data.comment_id)
    is_internal = comment is not None and comment.is_internal
    try:
        workflow.check_comment(principal.actor, state_of(ticket), is_internal)
    except workflow.WorkflowError as error:
        raise from_workflow(error) from error
    attachment_id = data.id or new_id()
    existing = session.get(Attachment, attachment_id)
    if existing is not None:
        if existing.uploader_id == principal.user.id and existing.sha256 == data.sha256:
            return existing
        raise Conflict("An attachment with this id already exists.", code="duplicate_id")
    name = clean_file_name(data.file_name)
    blob = session.get(Blob, data.sha256)
    if blob is None or blob.status != "clean" or not _may_reference(session, principal, data.sha256):
        raise Conflict(f"The content of {name} has not been uploaded.", code="blob_missing")
    if blob.size != data.size:
        raise Conflict(f"{name} is {blob.size} bytes, not {data.size}.", code="size_mismatch")
    refusal = file_policy.name_refusal(name, settings_store.load(session).attachments.blocked_types)
    if refusal is not None:
        raise Invalid(f"{name} was refused: {refusal}.", code="file_refused")
    attachment = Attachment(
        id=attachment_id,
        ticket_id=ticket.id,
        comment_id=None if comment is None else comment.id,
        uploader_id=principal.user.id,
        file_name=name,
        content_type=blob.content_type,
        size=blob.size,
        sha256=blob.sha256,
        is_internal=is_internal,
    )
    session.add(attachment)
    session.flush()
    changelog.record(
        session,
        "attachment",
        attachment.id,
        comment_buckets(ticket.submitter_id, ticket.assignee_id, is_internal),
    )
    return attachment


def list_attachments(session: Session, principal: Principal, ticket_id: uuid.UUID) -> list[Attachment]:
    stmt = (
        readable_attachments(principal)
        .where(Attachment.ticket_id == ticket_id)
        .order_by(Attachment.created_at)
    )
    return list(session.scalars(stmt))


def readable_attachment(
    session: Session, principal: Principal, attachment_id: uuid.UUID
) -> tuple[Attachment, Blob]:
    """An attachment the principal may download, with its blob; others (and quarantined ones)
    are not found."""
    attachment = session.scalar(readable_attachments(principal).where(Attachment.id == attachment_id))
    blob = None if attachment is None else session.get(Blob, attachment.sha256)
    if attachment is None or blob is None or blob.status != "clean":
        raise NotFound("No such attachment.")
    return attachment, blob


def readable_blob(session: Session, principal: Principal, sha256: str) -> Blob:
    """A blob by hash, only for its uploader or someone who can see an attachment using it."""
    blob = session.get(Blob, sha256)
    if blob is None or blob.status != "clean" or not _may_reference(session, principal, sha256):
        raise NotFound("No such file.")
    return blob
