"""The write side of live notices: one ``pg_notify`` per transaction that changed synced rows.

:func:`sync_server.services.sync.changelog.record` adds the buckets it wrote to the session;
just before the transaction commits, :func:`_notify_before_commit` sends them on
:data:`CHANNEL` with an event id from ``sync_op_seq`` (the change log's own sequence), in that
same transaction. PostgreSQL delivers a NOTIFY only when its transaction commits, so a notice
never reaches a client before the data it announces can be pulled, and a rolled-back change
announces nothing. A notice too large for NOTIFY's 8000-byte payload names :data:`WILDCARD`
instead ("everyone pull").
"""

from __future__ import annotations

from collections.abc import Iterable

import orjson
from sqlalchemy import event, text
from sqlalchemy.orm import Session

#: The NOTIFY channel every server process LISTENs on.
CHANNEL = "ticketdesk_changes"
#: The bucket name meaning "every bucket": each listener tells all its streams to pull.
WILDCARD = "*"
#: Largest payload we send; PostgreSQL refuses 8000 bytes or more.
MAX_PAYLOAD = 7900

_KEY = "live_buckets"
_NOTIFY = text(
    """
    SELECT pg_notify(
        CAST(:channel AS text),
        concat('{"id": ', nextval('sync_op_seq'), ', "buckets": ', CAST(:buckets AS text), '}')
    )
    """
)


def changed(session: Session, buckets: Iterable[str]) -> None:
    """Remember that this transaction changed ``buckets``; they are announced at commit."""
    session.info.setdefault(_KEY, set()).update(buckets)


def encode_buckets(buckets: set[str]) -> str:
    """The JSON list of ``buckets``, or the wildcard when it would not fit in one notice."""
    encoded = orjson.dumps(sorted(buckets)).decode()
    if len(encoded) + 40 > MAX_PAYLOAD:
        return orjson.dumps([WILDCARD]).decode()
    return encoded


@event.listens_for(Session, "before_commit")
def _notify_before_commit(session: Session) -> None:
    buckets: set[str] | None = session.info.pop(_KEY, None)
    if buckets:
        session.execute(_NOTIFY, {"channel": CHANNEL, "buckets": encode_buckets(buckets)})


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    """The whole transaction was undone (a savepoint's rollback keeps the set: a notice too
    many only costs a pull)."""
    session.info.pop(_KEY, None)
