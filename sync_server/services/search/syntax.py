"""The server's side of the search syntax: :mod:`ticketing.search_syntax` parses ``q`` (the
same parser as the app's cache search); a bad filter value becomes the API's 422 ``Invalid``."""

from __future__ import annotations

from sync_server.errors import Invalid
from ticketing.search_syntax import STATUS_WORDS, ParsedQuery, SearchSyntaxError
from ticketing.search_syntax import parse as parse_syntax

__all__ = ["STATUS_WORDS", "ParsedQuery", "parse"]


def parse(q: str, priority_keys: dict[str, str]) -> ParsedQuery:
    """``q`` apart (see :func:`ticketing.search_syntax.parse`); a known filter with a bad value
    is a 422 naming the field; an unknown ``key:value`` stays a word."""
    try:
        return parse_syntax(q, priority_keys)
    except SearchSyntaxError as error:
        raise Invalid(
            f"Invalid request: {error.field}: {error.message}",
            code="validation_error",
            fields=[{"field": error.field, "message": error.message}],
        ) from None
