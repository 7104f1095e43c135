"""The search API's question and answer (``GET /api/search``), shared by the server (to answer)
and the client (to show the hits).

A snippet is plain text escaped as HTML (``&lt;``, ``&amp;``...) in which the matched words
are wrapped in ``<mark>`` and ``</mark>``: those two tags are the only markup it ever holds,
so a client may show it as HTML, or unescape it after taking the marks out. Titles are plain
text, as everywhere else in the API.
"""

from __future__ import annotations

import enum
import uuid
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from ticketing.schemas import Input, SafeStr

MAX_QUERY_LENGTH = 200
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MARK_START = "<mark>"
MARK_END = "</mark>"


class SearchKind(enum.StrEnum):
    """What a hit is."""

    TICKET = "ticket"
    COMMENT = "comment"
    ARTICLE = "article"


class SearchQuery(Input):
    """The parameters of ``GET /api/search``."""

    q: Annotated[SafeStr, StringConstraints(min_length=1, max_length=MAX_QUERY_LENGTH)] = Field(
        description='Words (all must match), `"a phrase"`, `-word` to exclude, `or`; the last'
        " word also matches as a prefix. `#1042` or `TKT-1042` finds that ticket first. Filters"
        " of tickets and comments: `status:open` (`open`, `in-progress`, `on-hold`, `resolved`,"
        " `closed`), `priority:<key>`, `assignee:me` (alone, they list the tickets they keep;"
        " any filter leaves articles out); another `key:value` is a plain word."
    )
    kind: SearchKind | None = Field(default=None, description="Only hits of this kind.")
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: Annotated[str, StringConstraints(max_length=500)] | None = Field(
        default=None, description="`next_cursor` of the previous page."
    )


class SearchResult(BaseModel):
    kind: SearchKind
    id: uuid.UUID
    ticket_number: str | None = Field(
        description="`TKT-1042`: the ticket's number, or the commented ticket's; null for articles."
    )
    title: str = Field(
        description="The ticket's or article's title (a comment's ticket's title): plain text, as"
        " in the ticket's own answer, to be escaped by whoever shows it as HTML."
    )
    snippet: str = Field(description="Escaped plain text with the matches in `<mark>...</mark>`.")
    rank: float


class SearchResponse(BaseModel):
    results: list[SearchResult]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at the end.")


# --- suggestions (GET /api/kb/suggest) ---------------------------------------------------------

DEFAULT_SUGGEST_LIMIT = 6
MAX_SUGGEST_LIMIT = 20


class SuggestQuery(Input):
    """The parameters of ``GET /api/kb/suggest``."""

    q: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1, max_length=1000, pattern=r"^[^\x00]*[^\x00\s][^\x00]*$"
        ),
    ] = Field(
        description="What a new ticket says (a title, a sentence): any of its meaningful words"
        " matches (three letters or more, not a common English word); the last one also as a"
        " prefix. Not search syntax: quotes, `-` and `:` are plain characters."
    )
    limit: int = Field(default=DEFAULT_SUGGEST_LIMIT, ge=1, le=MAX_SUGGEST_LIMIT)


class SuggestResult(BaseModel):
    id: uuid.UUID
    title: str = Field(description="The article's title: plain text.")
    snippet: str = Field(description="Escaped plain text with the matches in `<mark>...</mark>`.")
    rank: float


class SuggestResponse(BaseModel):
    results: list[SuggestResult]
