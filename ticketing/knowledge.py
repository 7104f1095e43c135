"""The knowledge base's shared rules: which tickets may become an article, the draft made
from one, and how a link to an article is written. The server's "create article from ticket"
and the client's offline command both use them, so a draft written offline reads like one made
online; replies and articles link to articles with :func:`article_url`, and the app reads those
links back with :func:`parse_article_url`."""

from __future__ import annotations

import uuid

from ticketing.domain import Status

#: Statuses of a ticket whose solution may become an article.
SOLVED_STATUSES: frozenset[Status] = frozenset({Status.RESOLVED, Status.CLOSED})
SOLUTION_HEADING = "<h3>Solution</h3>"
#: The scheme of links into the app (kept by the sanitizer: ``ticketing.richtext``).
APP_SCHEME = "ticketdesk"
_ARTICLE_PREFIX = f"{APP_SCHEME}://article/"


def may_become_article(status: Status | str) -> bool:
    return Status(status) in SOLVED_STATUSES


def draft_body(description: str, solution: str | None) -> str:
    """The ticket's description, then the reply that solved it (if any) under a heading."""
    if not solution:
        return description
    return f"{description}{SOLUTION_HEADING}{solution}"


def article_url(article_id: uuid.UUID | str) -> str:
    """The link to an article that a reply or an article carries: ``ticketdesk://article/<id>``."""
    return f"{_ARTICLE_PREFIX}{uuid.UUID(str(article_id))}"


def parse_article_url(url: str) -> str | None:
    """The article id an :func:`article_url` names (as text), or ``None`` for any other link."""
    if not url.lower().startswith(_ARTICLE_PREFIX):
        return None
    try:
        return str(uuid.UUID(url[len(_ARTICLE_PREFIX) :].strip("/")))
    except ValueError:
        return None
