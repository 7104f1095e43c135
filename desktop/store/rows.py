"""Rows as the cache keeps them: wire values normalized, and which fields a bucket carries.

Times are normalized to one spelling (UTC, microseconds) so that text comparison in SQL is
time comparison; ids stay UUID text. Rows are plain ``dict``s of JSON values, which is also how
shadows are stored.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import uuid
from collections.abc import Callable
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


#: Values already in the cache's spelling, as the server sends nearly all of them: checking
#: the spelling is several times cheaper than parsing and writing the value again, and an
#: initial sync normalizes millions of them.
_CANONICAL_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00")
_CANONICAL_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _time(value: Any) -> str:
    if isinstance(value, str) and _CANONICAL_TIME.fullmatch(value):
        return value
    return utc_text(value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value))


def _id(value: Any) -> str | None:
    if isinstance(value, str) and _CANONICAL_ID.fullmatch(value):
        return value
    return id_text(value)


def _keep(value: Any) -> Any:
    return value


def tags_text(value: Any) -> str:
    """A list of tags as the cache stores it: JSON text (already text: kept)."""
    return value if isinstance(value, str) else json.dumps(list(value), ensure_ascii=False)


def tags_of(value: str | None) -> list[str]:
    """The list of tags a cached ``tags`` value holds."""
    return [] if not value else [str(tag) for tag in json.loads(value)]


#: Fields the wire carries as JSON arrays or objects and the cache keeps as JSON text.
JSON_FIELDS = frozenset({"hours", "holidays", "priorities", "category_ids", "pause_statuses"})


def json_text(value: Any) -> str:
    """A JSON array or object as the cache stores it: JSON text (already text: kept)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _normalizer(name: str) -> Callable[[Any], Any]:
    if name == "tags":
        return tags_text
    if name in JSON_FIELDS:
        return json_text
    if name.endswith("_at"):
        return _time
    if name == "id" or name.endswith("_id"):
        return _id
    return _keep


@functools.cache
def _normalizers(entity: str) -> dict[str, Callable[[Any], Any]]:
    """Per known field of ``entity``, what makes its wire value the cache's value."""
    return {name: _normalizer(name) for name in ENTITY_FIELDS[entity]}


def from_wire(entity: str, row: dict[str, Any]) -> Row:
    """The known fields of a server row, normalized; unknown fields are dropped."""
    normalizers = _normalizers(entity)
    return {
        name: None if value is None else normalizers[name](value)
        for name, value in row.items()
        if name in normalizers
    }


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
