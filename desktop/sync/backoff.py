"""How long to wait before retrying after a failure: exponential, capped, with jitter.

Jitter keeps many clients that lost the same server from all coming back in the same second.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """``next_delay()`` after each failure (1, 2, 4... up to ``maximum`` seconds, give or take
    ``jitter``); ``reset()`` after a success."""

    initial: float = 1.0
    factor: float = 2.0
    maximum: float = 300.0
    jitter: float = 0.2
    random: Callable[[], float] = field(default=random.random)
    failures: int = 0

    def next_delay(self, at_least: float = 0.0) -> float:
        """The wait before the next attempt; never below ``at_least`` (a server's Retry-After)."""
        base = min(self.maximum, self.initial * self.factor**self.failures)
        self.failures += 1
        spread = base * self.jitter
        return max(at_least, base - spread + 2 * spread * self.random())

    def reset(self) -> None:
        self.failures = 0
