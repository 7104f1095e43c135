"""Rows as the cache keeps them: wire values normalized, and which fields a bucket carries.

Times are normalized to one spelling (UTC, microseconds) so that text comparison in SQL is
time comparison; ids stay UUID text. Rows are plain ``dict``s of JSON values, which is also how
shadows are stored.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from ticketing import visibility
from ticketing.protocol import DIRECTORY_USER_FIELDS, ENTITY_FIELDS

Row = dict[str, Any]


def utc_text(value: dt.datetime) -> str:
    """A time as the cache stores it; a naive time is taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def parse_time(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


def stored_time(value: str) -> dt.datetime:
    """A timestamp every synced row has (``created_at``...)."""
    parsed = parse_time(value)
    assert parsed is not None, "synced rows always have their timestamps"
    return parsed


def id_text(value: uuid.UUID | str | None) -> str | None:
    """An id as the cache stores it (canonical UUID text)."""
    return None if value is None else str(uuid.UUID(str(value)))


def _normalize(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name.endswith("_at"):
        return utc_text(value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value))
    if name == "id" or name.endswith("_id"):
        return id_text(value)
    return value


def from_wire(entity: str, row: dict[str, Any]) -> Row:
    """The known fields of a server row, normalized; unknown fields are dropped."""
    fields = ENTITY_FIELDS[entity]
    return {name: _normalize(name, value) for name, value in row.items() if name in fields}


def carried_fields(entity: str, bucket: str) -> tuple[str, ...]:
    """The fields of ``entity`` rows that ``bucket`` delivers (the directory shows less of a user)."""
    if entity == "user" and bucket == visibility.DIRECTORY:
        return DIRECTORY_USER_FIELDS
    return ENTITY_FIELDS[entity]


def unseen_fields(entity: str, buckets: set[str]) -> tuple[str, ...]:
    """Fields no longer delivered by any of ``buckets``: they must not stay in the cache."""
    seen: set[str] = set()
    for bucket in buckets:
        seen.update(carried_fields(entity, bucket))
    return tuple(name for name in ENTITY_FIELDS[entity] if name not in seen)
