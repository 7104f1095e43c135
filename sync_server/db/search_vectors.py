"""The text search vectors of tickets, comments and articles, written once for the models and
the migration that adds them (PostgreSQL compares generated expressions as text)."""

from __future__ import annotations

#: The text search configuration of every vector and query (explicit, so that a server's
#: ``default_text_search_config`` changes nothing and the expressions stay immutable).
CONFIG = "english"


def plain(column: str) -> str:
    """``column``'s sanitized HTML without its tags (an immutable expression)."""
    return f"regexp_replace(({column})::text, '<[^>]+>'::text, ' '::text, 'g'::text)"


def _vector(column: str, weight: str, *, html: bool) -> str:
    text = plain(column) if html else f"({column})::text"
    return f"setweight(to_tsvector('{CONFIG}'::regconfig, {text}), '{weight}'::\"char\")"


TICKET_VECTOR = f"{_vector('title', 'A', html=False)} || {_vector('description', 'B', html=True)}"
COMMENT_VECTOR = _vector("content", "B", html=True)
ARTICLE_VECTOR = f"{_vector('title', 'A', html=False)} || {_vector('body', 'B', html=True)}"
