"""The knowledge base's shared rules: which tickets may become an article, and the draft made
from one. The server's "create article from ticket" and the client's offline command both
use them, so a draft written offline reads like one made online."""

from __future__ import annotations

from ticketing.domain import Status

#: Statuses of a ticket whose solution may become an article.
SOLVED_STATUSES: frozenset[Status] = frozenset({Status.RESOLVED, Status.CLOSED})
SOLUTION_HEADING = "<h3>Solution</h3>"


def may_become_article(status: Status | str) -> bool:
    return Status(status) in SOLVED_STATUSES


def draft_body(description: str, solution: str | None) -> str:
    """The ticket's description, then the reply that solved it (if any) under a heading."""
    if not solution:
        return description
    return f"{description}{SOLUTION_HEADING}{solution}"
