"""Login throttling against password guessing: failed logins slow down sharply.

Besides the admin's ``login_per_minute`` (every attempt counts), failures are counted per
account (the email typed, whether or not such an account exists, so the answer never tells)
and per client address. Five failures for an account in fifteen minutes (twenty from one
address) refuse further attempts for a while, without even looking at the password; every
lockout within the strike memory doubles the next one, up to a cap. A successful login resets
nothing: an attacker who also owns an account cannot clear their address's count with it.

The state is kept as rate-limit cells (``sync_server.services.rate_limits``): the failure cell's
time runs ahead by one interval per failure, and a strike cell remembers recent lockouts.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy.orm import Session

from sync_server.services import rate_limits
from sync_server.services.rate_limits import Rate, RateAction


@dataclass(frozen=True)
class FailurePolicy:
    """``failures.count`` failures in ``failures.period`` lock out; each further lockout within
    ``strike_memory`` of the last doubles, up to ``longest_lock``."""

    failures: Rate
    strike_memory: dt.timedelta
    longest_lock: dt.timedelta

    @property
    def allowance(self) -> float:
        """How far (seconds) the failure cell may run ahead before attempts are refused."""
        return (self.failures.period - self.failures.interval).total_seconds()


#: Per account: a person mistyping a few times is never slowed down; a guesser is.
ACCOUNT_POLICY = FailurePolicy(
    Rate(5, dt.timedelta(minutes=15)), dt.timedelta(hours=6), dt.timedelta(hours=1)
)
#: Per address: an office behind one address has room for its people's typos.
ADDRESS_POLICY = FailurePolicy(
    Rate(20, dt.timedelta(minutes=15)), dt.timedelta(hours=6), dt.timedelta(hours=24)
)

_FAILED = "login-failed"
_STRIKES = "login-strikes"


@dataclass(frozen=True)
class _Cells:
    policy: FailurePolicy
    failures: str  # the failure cell's key
    strikes: str  # the strike cell's key


def _cells(email: str, address: str) -> list[_Cells]:
    return [
        _Cells(
            ACCOUNT_POLICY,
            rate_limits.account_key(_FAILED, email),
            rate_limits.account_key(_STRIKES, email),
        ),
        _Cells(
            ADDRESS_POLICY,
            rate_limits.address_key(_FAILED, address),
            rate_limits.address_key(_STRIKES, address),
        ),
    ]


def locked_for(session: Session, email: str, address: str) -> float:
    """Seconds until this email may be tried again from this address (0.0: now)."""
    waits = [rate_limits.ahead(session, c.failures) - c.policy.allowance for c in _cells(email, address)]
    return max([0.0, *waits])


def before_attempt(session: Session, email: str, address: str) -> None:
    """Count the attempt against ``login_per_minute`` and refuse it while locked out; raises
    :class:`~sync_server.errors.RateLimited` with the same answer whether the account exists."""
    rate_limits.enforce(session, RateAction.LOGIN, user_id=email, address=address)
    wait = locked_for(session, email, address)
    if wait > 0:
        raise rate_limits.refusal(RateAction.LOGIN, wait)


def record_failure(session: Session, email: str, address: str) -> None:
    """A wrong password (or unknown email): count it; a lockout that begins gets its strike."""
    for cells in _cells(email, address):
        policy = cells.policy
        if rate_limits.advance(session, cells.failures, policy.failures.interval) <= policy.allowance:
            continue
        remembered = rate_limits.advance(session, cells.strikes, policy.strike_memory)
        strikes = math.ceil(remembered / policy.strike_memory.total_seconds())
        lock = min(policy.failures.interval * 2 ** min(strikes - 1, 20), policy.longest_lock)
        if (
            lock > policy.failures.interval
        ):  # the first lockout lasts one interval, each next one twice the last
            rate_limits.advance(session, cells.failures, lock - policy.failures.interval)
