"""Counting what the suggestions beside the new-ticket form did, per form session, and queuing
it for the server's deflection report (the ``record_deflection`` mutation).

A session runs from the form being shown to the ticket being submitted or the form being left
(closed or cancelled). ``shown``: distinct suggestions displayed during it; ``opened``: distinct
ones the user opened; ``deflected``: at least one opened and the form left without submitting.
A session that showed nothing is not sent. The record goes through the outbox like any change,
so it is kept offline and sent once (the server is idempotent on its id); it is queued under
its own id as its family, and no cached row shows it, so nothing is replayed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from desktop.store import outbox
from desktop.store.database import ChangeSet, Store
from ticketing.domain import new_id
from ticketing.protocol import RecordDeflectionArgs

SuggestionKey = tuple[str, str]  # (kind, id)


@dataclass
class FormSession:
    """One new-ticket form session's suggestions, as they were shown and opened."""

    shown: set[SuggestionKey] = field(default_factory=set)
    opened: set[SuggestionKey] = field(default_factory=set)

    def saw(self, keys: list[SuggestionKey]) -> None:
        self.shown.update(keys)

    def open(self, key: SuggestionKey) -> None:
        self.opened.add(key)
        self.shown.add(key)

    def record(
        self,
        *,
        submitted: str | None,
        category_id: str | None,
        priority: str | None,
        at: dt.datetime | None = None,
    ) -> RecordDeflectionArgs | None:
        """What to send for the session ending now: ``submitted`` is the ticket's id if the
        form was submitted, else ``None``; ``None`` if no suggestion was shown."""
        if not self.shown:
            return None
        return RecordDeflectionArgs(
            id=new_id(),
            at=at or dt.datetime.now(dt.UTC),
            shown=len(self.shown),
            opened=len(self.opened),
            deflected=bool(self.opened) and submitted is None,
            category_id=uuid.UUID(category_id) if category_id else None,
            priority=priority or None,
            ticket_id=uuid.UUID(submitted) if submitted else None,
        )


def record_deflection(store: Store, args: RecordDeflectionArgs) -> int:
    """Queue ``args`` in the outbox; the mutation's id."""
    with store.write() as conn:
        mutation_id = outbox.enqueue(conn, args, str(args.id), args.at)
    store.announce(ChangeSet(outbox=True))
    return mutation_id
