"""The search syntax users type in every search box (``status:open``, ``priority:high``,
``assignee:me``, ``#1042`` / ``TKT-1042``, phrases, ``-word``), parsed apart once for both sides:
the server's ``GET /api/search`` and the app's search over its cache read the same
:class:`ParsedQuery`. Pure: no database, no HTTP; a bad filter value is a
:class:`SearchSyntaxError` that each side words its own way (the server as a 422)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ticketing.domain import Status, parse_ticket_number

#: ``status:`` values, compared without case, spaces, dashes or underscores.
STATUS_WORDS: dict[str, Status] = {status.value.replace(" ", "").lower(): status for status in Status}
FILTER_KEYS = ("status", "priority", "assignee")

_FILTER = re.compile(r'(?<![^\s(])(?P<key>[A-Za-z]+):(?P<value>"[^"]*"|\S+)')
_JUMP = re.compile(r"^\s*(?:#\s*\d{1,18}|TKT-\d{1,18})\s*$", re.IGNORECASE)
#: a last word that also matches as a prefix: letters and digits only
_SIMPLE_WORD = re.compile(r"^[^\W_]+$")


class SearchSyntaxError(ValueError):
    """A known filter with a value that means nothing (``status:opn``): ``field`` is the input
    that holds it (``q``), ``message`` says what is wrong in words a user can act on."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ParsedQuery:
    """The words, the last one (if simple) apart to match as a prefix, and the filters.

    ``text`` is what was typed without the filters, as typed (a trailing space kept: it says
    the last word is finished), for a search that parses words itself (the cache's FTS5)."""

    words: str
    prefix: str | None = None
    ticket_number: int | None = None
    status: Status | None = None
    priority: str | None = None
    assignee_me: bool = False
    text: str = ""

    @property
    def filters_tickets(self) -> bool:
        """Whether a filter applies (then only tickets and comments can match)."""
        return self.status is not None or self.priority is not None or self.assignee_me

    @property
    def has_text(self) -> bool:
        return bool(self.words.strip() or self.prefix)


def status_of(value: str) -> Status:
    """The status a ``status:`` value names (``open``, ``on-hold``, ``"On Hold"``)."""
    status = STATUS_WORDS.get(re.sub(r"[\s_-]", "", value).lower())
    if status is None:
        choices = ", ".join(sorted(s.value.lower().replace(" ", "-") for s in Status))
        raise SearchSyntaxError("q", f"status:{value} is not a status (one of {choices})")
    return status


def _split_prefix(words: str) -> tuple[str, str | None]:
    """``printer ja`` -> (``printer``, ``ja``): the last word, if it is a plain word outside
    quotes and not after ``or``, also matches longer words."""
    if words.count('"') % 2 or words.rstrip().endswith('"'):
        return words, None
    tokens = words.split()
    if not tokens or not _SIMPLE_WORD.match(tokens[-1]) or tokens[-1].lower() == "or":
        return words, None
    if len(tokens) > 1 and tokens[-2].lower() == "or":
        return words, None
    return " ".join(tokens[:-1]), tokens[-1].lower()


def parse(q: str, priority_keys: Mapping[str, str]) -> ParsedQuery:
    """``q`` apart; ``priority_keys`` maps lower-case keys to the keys tickets store. A known
    filter with a bad value raises :class:`SearchSyntaxError`; an unknown ``key:value`` stays
    a word."""
    if _JUMP.match(q):
        number = parse_ticket_number(q.strip().lstrip("#").strip())
        return ParsedQuery(words=str(number), ticket_number=number, text=q)
    status: Status | None = None
    priority: str | None = None
    assignee_me = False
    kept: list[str] = []
    position = 0
    for match in _FILTER.finditer(q):
        key, value = match.group("key").lower(), match.group("value").strip('"')
        if key not in FILTER_KEYS:
            continue
        kept.append(q[position : match.start()])
        position = match.end()
        if key == "status":
            status = status_of(value)
        elif key == "priority":
            priority = priority_keys.get(value.lower())
            if priority is None:
                raise SearchSyntaxError("q", f"priority:{value} is not a priority")
        elif value.lower() == "me":
            assignee_me = True
        else:
            raise SearchSyntaxError("q", f"assignee:{value}: only assignee:me is known")
    kept.append(q[position:])
    words, prefix = _split_prefix(" ".join(part.strip() for part in kept if part.strip()))
    text = " ".join(part.strip() for part in kept if part.strip())
    if text and q[-1:].isspace():
        text += " "
    return ParsedQuery(words, prefix, None, status, priority, assignee_me, text)
