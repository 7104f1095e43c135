"""Canned replies (``/api/canned-replies``): support staff's reusable answers, personal or shared
by the team; end users are refused. Changes to team replies are in the admin audit log, as
other settings staff share (SLA calendars and policies) are (the write layer logs them, for the
offline mutations too); personal ones are nobody else's."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from sync_server.api.deps import SessionDep, StaffDep, errors
from sync_server.services.helpdesk import canned_replies
from ticketing.canned_reply_schemas import CannedReplyCreate, CannedReplyOut, CannedReplyPatch

router = APIRouter(prefix="/api/canned-replies", tags=["canned replies"])


@router.get("", response_model=list[CannedReplyOut], responses=errors(403))
def list_replies(session: SessionDep, staff: StaffDep) -> list[CannedReplyOut]:
    """The caller's personal replies and the team's, by title."""
    return [canned_replies.reply_out(r) for r in canned_replies.list_replies(session, staff)]


@router.post("", response_model=CannedReplyOut, status_code=201, responses=errors(403, 409))
def create_reply(body: CannedReplyCreate, session: SessionDep, staff: StaffDep) -> CannedReplyOut:
    """A reply owned by the caller; `personal` (the default) is theirs alone, `team` every
    staff member's."""
    return canned_replies.reply_out(canned_replies.create_reply(session, staff, body))


@router.patch("/{reply_id}", response_model=CannedReplyOut, responses=errors(403, 404))
def update_reply(
    reply_id: uuid.UUID, body: CannedReplyPatch, session: SessionDep, staff: StaffDep
) -> CannedReplyOut:
    """Its owner changes any field; an admin may change a team reply's title and body too.
    Someone else's personal reply is a 404."""
    return canned_replies.reply_out(canned_replies.update_reply(session, staff, reply_id, body).reply)


@router.delete("/{reply_id}", status_code=204, response_class=Response, responses=errors(403, 404))
def delete_reply(reply_id: uuid.UUID, session: SessionDep, staff: StaffDep) -> Response:
    canned_replies.delete_reply(session, staff, reply_id)
    return Response(status_code=204)


@router.post("/{reply_id}/use", response_model=CannedReplyOut, responses=errors(403, 404))
def count_use(reply_id: uuid.UUID, session: SessionDep, staff: StaffDep) -> CannedReplyOut:
    """Count one insertion into a reply (the app counts offline ones with the sync mutation
    `use_canned_reply`); the answer's `uses` is the new count."""
    return canned_replies.reply_out(canned_replies.count_use(session, staff, reply_id))
