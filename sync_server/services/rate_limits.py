"""Rate limits that every server process shares: one GCRA cell per key, kept in PostgreSQL.

The generic cell rate algorithm keeps a single timestamp per key, the *theoretical arrival
time* (TAT): with a limit of ``count`` events per ``period``, each event moves the TAT on by
``period / count``, and an event is allowed while the TAT it would leave stays within one
``period`` of now (so a burst of ``count`` passes, then one event per interval). A check is one
atomic ``INSERT ... ON CONFLICT DO UPDATE ... WHERE ... RETURNING`` on the database's clock: any
number of server processes count against the same limits, and no process keeps a counter.

Limits come from the admin settings (``rate_limits`` group) and are counted per account *and*
per client address. A refused check changes nothing; a check that passed for the account but
not for the address is undone by the caller's rollback (:class:`RateLimited` is raised inside
the caller's transaction), so the two keys move together.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import math
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from sync_server.errors import RateLimited
from sync_server.services import settings_store
from ticketing.schemas import RateLimitSettings


class RateAction(enum.StrEnum):
    """What is limited; each reads its own field of :class:`RateLimitSettings`."""

    LOGIN = "login"
    TICKET = "ticket"
    COMMENT = "comment"
    UPLOAD = "upload"
    SMTP_TEST = "smtp_test"


#: A client address may do this many times what one account may: the people of one office
#: often reach the server through one address.
ADDRESS_FACTOR = 5

#: What a refusal says, per action (``{seconds}`` is filled in).
_REFUSALS: dict[RateAction, str] = {
    RateAction.LOGIN: "Too many sign-in attempts; try again in {seconds} s.",
    RateAction.TICKET: "Too many new tickets in a short time; try again in {seconds} s.",
    RateAction.COMMENT: "Too many comments in a short time; try again in {seconds} s.",
    RateAction.UPLOAD: "Too many uploads in a short time; try again in {seconds} s.",
    RateAction.SMTP_TEST: "Too many test mails; try again in {seconds} s.",
}

#: One in this many checks also deletes expired cells, so the table stays small.
_PRUNE_ONE_IN = 200


@dataclass(frozen=True)
class Rate:
    """``count`` events per ``period``."""

    count: int
    period: dt.timedelta

    @property
    def interval(self) -> dt.timedelta:
        return self.period / self.count

    def times(self, factor: int) -> Rate:
        return Rate(self.count * factor, self.period)


#: Test mails an admin may send: a few in a row, then one a minute.
SMTP_TESTS = Rate(5, dt.timedelta(minutes=5))


def rate_of(settings: RateLimitSettings, action: RateAction) -> Rate:
    """The per-account rate of ``action``: the admin's setting (test mails have a fixed one)."""
    minute, hour = dt.timedelta(minutes=1), dt.timedelta(hours=1)
    rates = {
        RateAction.LOGIN: Rate(settings.login_per_minute, minute),
        RateAction.TICKET: Rate(settings.tickets_per_hour, hour),
        RateAction.COMMENT: Rate(settings.comments_per_minute, minute),
        RateAction.UPLOAD: Rate(settings.uploads_per_minute, minute),
        RateAction.SMTP_TEST: SMTP_TESTS,  # not a setting: an admin's own tool
    }
    return rates[action]


def _digest(value: str) -> str:
    """Keys hold no email or address in clear, only a stable digest of it."""
    return hashlib.sha256(value.strip().lower().encode("utf-8", "surrogatepass")).hexdigest()[:40]


def account_key(action: str, account: uuid.UUID | str) -> str:
    """The cell of one account: a user id, or an email for logins (known or not)."""
    return f"{action}:account:{_digest(str(account))}"


def address_key(action: str, address: str) -> str:
    return f"{action}:address:{_digest(address)}"


_HIT = text(
    """
    WITH previous AS (
        SELECT tat FROM rate_limits WHERE key = :key
    ), counted AS (
        INSERT INTO rate_limits AS r (key, tat)
        VALUES (:key, statement_timestamp() + :interval)
        ON CONFLICT (key) DO UPDATE
            SET tat = GREATEST(r.tat, statement_timestamp()) + :interval
            WHERE GREATEST(r.tat, statement_timestamp()) + :interval <= statement_timestamp() + :period
        RETURNING r.tat
    )
    SELECT
        EXISTS (SELECT 1 FROM counted) AS allowed,
        EXTRACT(EPOCH FROM (SELECT tat FROM previous) + :interval - :period - statement_timestamp())
            AS wait
    """
)


def hit(session: Session, key: str, rate: Rate) -> float:
    """Count one event against ``key``: 0.0 if it is within ``rate``, otherwise the seconds until
    it would be (and nothing is counted)."""
    row = session.execute(_HIT, {"key": key, "interval": rate.interval, "period": rate.period}).one()
    if row.allowed:
        return 0.0
    if row.wait is None:  # the cell was created by a transaction newer than this statement
        return rate.interval.total_seconds()
    return max(float(row.wait), 0.001)


_ADVANCE = text(
    """
    INSERT INTO rate_limits AS r (key, tat)
    VALUES (:key, statement_timestamp() + :step)
    ON CONFLICT (key) DO UPDATE SET tat = GREATEST(r.tat, statement_timestamp()) + :step
    RETURNING EXTRACT(EPOCH FROM r.tat - statement_timestamp()) AS ahead
    """
)


def advance(session: Session, key: str, step: dt.timedelta) -> float:
    """Move ``key``'s TAT on by ``step`` whatever the limit (for counting failures); returns how
    many seconds ahead of now it ends up."""
    return float(session.execute(_ADVANCE, {"key": key, "step": step}).scalar_one())


def ahead(session: Session, key: str) -> float:
    """How many seconds ``key``'s TAT is ahead of now (0.0 for none), without counting."""
    value = session.scalar(
        text(
            "SELECT GREATEST(EXTRACT(EPOCH FROM tat - statement_timestamp()), 0) "
            "FROM rate_limits WHERE key = :key"
        ),
        {"key": key},
    )
    return 0.0 if value is None else float(value)


def prune(session: Session) -> int:
    """Delete cells whose TAT has passed (an expired cell counts exactly like no cell)."""
    result = session.execute(
        text(
            "DELETE FROM rate_limits WHERE key IN (SELECT key FROM rate_limits "
            "WHERE tat < statement_timestamp() LIMIT 1000 FOR UPDATE SKIP LOCKED)"
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def whole_seconds(wait: float) -> int:
    """A wait as ``Retry-After`` says it: whole seconds, at least one."""
    return max(1, math.ceil(wait))


def refusal(action: RateAction, wait: float) -> RateLimited:
    seconds = whole_seconds(wait)
    return RateLimited(_REFUSALS[action].format(seconds=seconds), retry_after=seconds)


def enforce(
    session: Session,
    action: RateAction,
    *,
    user_id: uuid.UUID | str | None = None,
    address: str | None = None,
) -> None:
    """Count one ``action`` for the account (``user_id``; for logins, the email typed) and for
    the client ``address``; raise :class:`RateLimited` if either is over its limit.

    Call it inside the transaction that should carry the count and let the exception roll that
    transaction back (``with session.begin():`` does), so a refusal counts nothing. To count an
    attempt even when the work after it fails, use a transaction of its own (the FastAPI
    dependency in ``sync_server.api.limits`` does).
    """
    rate = rate_of(settings_store.rate_limit_settings(session), action)
    cells: list[tuple[str, Rate]] = []
    if user_id is not None:
        cells.append((account_key(action, user_id), rate))
    if address is not None:
        cells.append((address_key(action, address), rate.times(ADDRESS_FACTOR)))
    wait = max((hit(session, key, cell_rate) for key, cell_rate in cells), default=0.0)
    if wait > 0:
        raise refusal(action, wait)
    if secrets.randbelow(_PRUNE_ONE_IN) == 0:
        prune(session)
