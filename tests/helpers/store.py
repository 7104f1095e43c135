"""Helpers for the desktop cache tests: a store on a temporary folder, server rows, pull pages.

The pages are built with the protocol's own models, as the sync server would send them, so the
store tests need no server.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from desktop.store import Store, files
from desktop.sync import apply
from ticketing import visibility
from ticketing.domain import Role, new_id
from ticketing.protocol import ENTITY_FIELDS, REMOVE, Change, PullResponse

SERVER = "http://127.0.0.1:8700"
EPOCH = "epoch-1"
T0 = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)


def open_store(base: Path, user_id: uuid.UUID | None = None, role: Role = Role.USER) -> Store:
    user_id = user_id or new_id()
    return Store.open(files.cache_path(SERVER, user_id, base), server_url=SERVER, user_id=user_id, role=role)


def _row(entity: str, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(ENTITY_FIELDS[entity])
    row.update(id=str(new_id()), created_at=T0.isoformat())
    if "updated_at" in row:
        row.update(updated_at=T0.isoformat(), version=1)
    row.update({k: str(v) if isinstance(v, uuid.UUID) else v for k, v in fields.items()})
    return row


def user_row(user_id: uuid.UUID, name: str, role: Role, email: str | None = None) -> dict[str, Any]:
    return _row(
        "user",
        id=user_id,
        name=name,
        role=role.value,
        is_active=True,
        email=email or f"{name.lower()}@example.com",
    )


def category_row(name: str = "Hardware", **fields: Any) -> dict[str, Any]:
    return _row("category", **{"name": name, "is_active": True, **fields})


def priority_row(key: str, rank: int, **fields: Any) -> dict[str, Any]:
    return _row("priority", **{"key": key, "name": key, "rank": rank, "is_active": True, **fields})


def ticket_row(
    submitter: uuid.UUID, category_id: str, number: int | None = 1001, **fields: Any
) -> dict[str, Any]:
    defaults: dict[str, Any] = {
        "number": number,
        "title": "Printer jams",
        "description": "<p>On page two.</p>",
        "status": "Open",
        "priority": "Medium",
        "category_id": category_id,
        "submitter_id": submitter,
    }
    defaults.update(fields)
    return _row("ticket", **defaults)


def comment_row(
    ticket: dict[str, Any], author: uuid.UUID, content: str, is_internal: bool = False
) -> dict[str, Any]:
    return _row("comment", ticket_id=ticket["id"], author_id=author, content=content, is_internal=is_internal)


def event_row(
    ticket: dict[str, Any], actor: uuid.UUID, field: str, old: str | None, new: str | None
) -> dict[str, Any]:
    return _row(
        "ticket_event", ticket_id=ticket["id"], actor_id=actor, field=field, old_value=old, new_value=new
    )


def article_row(author: uuid.UUID, **fields: Any) -> dict[str, Any]:
    defaults: dict[str, Any] = {
        "title": "Printer jams",
        "body": "<p>Open the <b>tray</b>.</p>",
        "tags": ["printer", "hardware"],
        "status": "published",
        "author_id": author,
    }
    return _row("article", **{**defaults, **fields})


def put(bucket: str, entity: str, row: dict[str, Any], fields: Iterable[str] | None = None) -> Change:
    """A PUT as ``bucket`` carries it (only ``fields`` of the row, if given)."""
    carried = {k: v for k, v in row.items() if fields is None or k in fields}
    return Change(bucket=bucket, entity=entity, op="PUT", id=uuid.UUID(row["id"]), row=carried)


def remove(bucket: str, entity: str, row_id: str) -> Change:
    return Change(bucket=bucket, entity=entity, op=REMOVE, id=uuid.UUID(row_id))


def page(
    changes: Iterable[Change],
    *,
    cursors: dict[str, str] | None = None,
    removed: Iterable[str] = (),
    has_more: bool = False,
    remaining: int = 0,
    epoch: str = EPOCH,
    last_mutation_id: int | None = None,
) -> PullResponse:
    changes = list(changes)
    if cursors is None:
        cursors = {change.bucket: f"100:{n}" for n, change in enumerate(changes, start=1)}
    return PullResponse(
        db_epoch=epoch,
        changes=changes,
        cursors=cursors,
        removed_buckets=list(removed),
        has_more=has_more,
        remaining=remaining,
        last_mutation_id=last_mutation_id,
    )


def pull(store: Store, *changes: Change, **options: Any) -> None:
    """Apply one final page, as after a complete pull."""
    apply.apply_page(store, page(changes, **options), final=True)


class World:
    """A small help desk as the server would sync it: reference data, a requester, agents."""

    def __init__(self) -> None:
        self.requester = new_id()
        self.agent = new_id()
        self.other_agent = new_id()
        self.category = category_row("Hardware")
        self.other_category = category_row("Network")
        self.retired_category = category_row("Fax", is_active=False)
        self.priorities = [
            priority_row(key, rank) for key, rank in (("Low", 10), ("Medium", 20), ("High", 30))
        ]
        self.users = [
            user_row(self.requester, "Uma", Role.USER),
            user_row(self.agent, "Alice", Role.AGENT),
            user_row(self.other_agent, "Bob", Role.AGENT),
        ]

    def reference(self, for_staff: bool) -> list[Change]:
        """What the directory (and, for staff, the people bucket) brings."""
        changes = [
            put(visibility.DIRECTORY, "category", row)
            for row in (self.category, self.other_category, self.retired_category)
        ]
        changes += [put(visibility.DIRECTORY, "priority", row) for row in self.priorities]
        for row in self.users:
            if row["role"] != Role.USER.value:
                changes.append(
                    put(visibility.DIRECTORY, "user", row, fields=("id", "name", "role", "is_active"))
                )
            if for_staff:
                changes.append(put(visibility.PEOPLE, "user", row))
            elif row["id"] == str(self.requester):
                changes.append(put(visibility.requester_bucket(self.requester), "user", row))
        return changes

    def ticket(self, number: int | None = 1001, **fields: Any) -> dict[str, Any]:
        category = fields.pop("category_id", self.category["id"])
        return ticket_row(self.requester, category, number, **fields)


def calendar_row(name: str = "24/7", **fields: Any) -> dict[str, Any]:
    """A business calendar as the staff bucket carries it (every minute working time by default)."""
    always = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    defaults: dict[str, Any] = {
        "name": name,
        "timezone": "UTC",
        "hours": always,
        "holidays": [],
        "is_default": True,
    }
    return _row("sla_calendar", **{**defaults, **fields})


def policy_row(calendar: dict[str, Any], name: str = "Standard", **fields: Any) -> dict[str, Any]:
    """An SLA policy as the staff bucket carries it: 1 h first response, 4 h next, 8 h resolution."""
    defaults: dict[str, Any] = {
        "name": name,
        "position": 0,
        "priorities": [],
        "category_ids": [],
        "calendar_id": calendar["id"],
        "first_response_minutes": 60,
        "next_response_minutes": 240,
        "resolution_minutes": 480,
        "pause_statuses": ["On Hold"],
        "warning_percent": 80,
    }
    return _row("sla_policy", **{**defaults, **fields})
