"""The opaque ``next_cursor`` of search pages: the last hit's rank, kind and id, so the next
page starts right after it in (rank DESC, kind, id) order."""

from __future__ import annotations

import base64
import binascii
import json
import math
import uuid
from dataclasses import dataclass

from sync_server.errors import Invalid
from ticketing.search_schemas import SearchKind


@dataclass(frozen=True)
class Position:
    rank: float
    kind: SearchKind
    id: uuid.UUID


def encode(position: Position) -> str:
    data = json.dumps([position.rank, position.kind.value, str(position.id)], separators=(",", ":"))
    return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")


def decode(cursor: str) -> Position:
    """The position ``cursor`` names; anything but a cursor this server made is a 422."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        rank, kind, row_id = json.loads(raw)
        if not isinstance(rank, int | float) or isinstance(rank, bool) or not math.isfinite(rank):
            raise ValueError("rank")
        return Position(float(rank), SearchKind(kind), uuid.UUID(row_id))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, AttributeError) as error:
        raise Invalid(
            "Invalid request: cursor: not a cursor from a previous page",
            code="validation_error",
            fields=[{"field": "cursor", "message": "not a cursor from a previous page"}],
        ) from error
