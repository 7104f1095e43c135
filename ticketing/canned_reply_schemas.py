"""The canned-reply API's requests and answers (``/api/canned-replies``), a shape integrators
rely on: ``{"id", "title", "body", "scope", "owner_id", "uses"}``."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from ticketing.canned_replies import Scope
from ticketing.schemas import Input, RichText, Title


class CannedReplyCreate(Input):
    id: uuid.UUID | None = Field(default=None, description="Client-made UUID.")
    title: Title
    body: RichText = Field(
        description="Rich text (HTML), sanitized like comments; may hold {{ticket.number}},"
        " {{ticket.title}}, {{requester.name}}, {{agent.name}} and {{cursor}}."
    )
    scope: Scope = Scope.PERSONAL


class CannedReplyPatch(Input):
    """Any subset of fields; only the owner may change the scope."""

    title: Title | None = None
    body: RichText | None = None
    scope: Scope | None = None


class CannedReplyOut(BaseModel):
    id: uuid.UUID
    title: str
    body: str
    scope: Scope
    owner_id: uuid.UUID
    uses: int = Field(description="How many times it was inserted into a reply.")
