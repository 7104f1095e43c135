"""Who else has a ticket open: the states, the timings and the wire shapes both sides share.

Presence is ephemeral. A staff member's app says "viewing", "replying" or "left" for the ticket
it shows (``POST /api/presence``) and repeats it every :data:`PRESENCE_REFRESH` seconds while the
ticket stays open; the server passes it on to the other staff streams of every server process
(``event: presence``) with an ``expires_in`` of :data:`PRESENCE_TTL` seconds and stores nothing.
A receiver forgets an entry that is not refreshed in time, so a crashed or disconnected app
disappears by itself within seconds; "left" removes it at once.
"""

from __future__ import annotations

import enum
import uuid

from pydantic import BaseModel, ConfigDict, Field


class PresenceState(enum.StrEnum):
    VIEWING = "viewing"
    REPLYING = "replying"
    LEFT = "left"


#: Seconds between an open ticket's repeated announcements.
PRESENCE_REFRESH = 5.0
#: Seconds an announcement holds at its receivers (three refreshes: one lost POST is no flicker).
PRESENCE_TTL = 15.0
#: Seconds without typing after which "replying" falls back to "viewing".
REPLY_IDLE = 10.0

#: The SSE event name of a presence notice.
PRESENCE_EVENT = "presence"


class PresenceIn(BaseModel):
    """``POST /api/presence``: what the caller is doing on a ticket."""

    model_config = ConfigDict(extra="forbid")

    ticket_id: uuid.UUID
    state: PresenceState


class PresenceOut(BaseModel):
    """The data of an ``event: presence`` on the live stream."""

    ticket_id: uuid.UUID
    user_id: uuid.UUID
    name: str
    state: PresenceState
    #: Seconds from receipt until the entry is forgotten unless refreshed (0 with "left").
    expires_in: float = Field(ge=0)
