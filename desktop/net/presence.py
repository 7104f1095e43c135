"""``POST /api/presence``: tell the server what this staff member is doing on a ticket.

Best effort: presence is refreshed every few seconds and expires by itself, so a failed
announcement (offline, a slow server, a 429) is logged and forgotten, never shown to anyone.
No Qt: the ticket view runs it through the :class:`~desktop.tasks.TaskRunner`.
"""

from __future__ import annotations

import logging
import uuid

from desktop.net.api import ApiClient, ClientError
from ticketing.presence import PresenceIn, PresenceState

log = logging.getLogger(__name__)


def announce(api: ApiClient, ticket_id: str, state: PresenceState) -> bool:
    """Send one announcement; False (and nothing raised) when it did not get through."""
    body = PresenceIn(ticket_id=uuid.UUID(ticket_id), state=state).model_dump(mode="json")
    try:
        api.request("POST", "/api/presence", body)
    except ClientError as error:
        log.debug("presence %s on %s not sent: %s", state, ticket_id, error)
        return False
    return True
