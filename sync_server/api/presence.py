"""``POST /api/presence``: a staff member says what they are doing on a ticket (ephemeral).

The announcement goes to the other staff streams of every server process as ``event:
presence`` (see :mod:`sync_server.services.live.presence`); nothing is stored. Limited per
account (an app sends one every few seconds while a ticket is open).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from sync_server.api.deps import SessionDep, StaffDep, errors
from sync_server.api.limits import RATE_LIMITED
from sync_server.services.live import presence
from sync_server.services.live.presence import PresenceLimiter
from ticketing.presence import PresenceIn

router = APIRouter(prefix="/api", tags=["live"])


@router.post("/presence", status_code=204, response_class=Response, responses={**errors(404), **RATE_LIMITED})
def announce_presence(body: PresenceIn, request: Request, session: SessionDep, staff: StaffDep) -> Response:
    """Staff only: `viewing`, `replying` or `left` on a ticket the caller may read. Other
    staff who may read it get `event: presence` on their live stream, which expires after
    `expires_in` seconds unless repeated (send it every few seconds while the ticket is open);
    `left` removes it at once."""
    limiter: PresenceLimiter = request.app.state.presence_limiter
    limiter.hit(staff.user.id)
    presence.announce(session, staff, body.ticket_id, body.state, request.app.state.presence_ttl)
    return Response(status_code=204)
