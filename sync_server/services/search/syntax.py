"""What a search box's text asks: filters (``status:open``), a ticket number to jump to, and
the words left for PostgreSQL's ``websearch_to_tsquery``, parsed apart before any SQL runs."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sync_server.errors import Invalid
from ticketing.domain import Status, parse_ticket_number

#: ``status:`` values, compared without case, spaces, dashes or underscores.
STATUS_WORDS: dict[str, Status] = {status.value.replace(" ", "").lower(): status for status in Status}
FILTER_KEYS = ("status", "priority", "assignee")

_FILTER = re.compile(r'(?<![^\s(])(?P<key>[A-Za-z]+):(?P<value>"[^"]*"|\S+)')
_JUMP = re.compile(r"^\s*(?:#\s*\d{1,18}|TKT-\d{1,18})\s*$", re.IGNORECASE)
#: a last word that also matches as a prefix: letters and digits only
_SIMPLE_WORD = re.compile(r"^[^\W_]+$")


@dataclass(frozen=True)
class ParsedQuery:
    """The words, the last one (if simple) apart to match as a prefix, and the filters."""

    words: str
    prefix: str | None = None
    ticket_number: int | None = None
    status: Status | None = None
    priority: str | None = None
    assignee_me: bool = False

    @property
    def filters_tickets(self) -> bool:
        """Whether a filter applies (then only tickets and comments can match)."""
        return self.status is not None or self.priority is not None or self.assignee_me

    @property
    def has_text(self) -> bool:
        return bool(self.words.strip() or self.prefix)


def _bad(field: str, message: str) -> Invalid:
    return Invalid(
        f"Invalid request: q: {message}",
        code="validation_error",
        fields=[{"field": field, "message": message}],
    )


def _status(value: str) -> Status:
    status = STATUS_WORDS.get(re.sub(r"[\s_-]", "", value).lower())
    if status is None:
        choices = ", ".join(sorted(s.value.lower().replace(" ", "-") for s in Status))
        raise _bad("q", f"status:{value} is not a status (one of {choices})")
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


def parse(q: str, priority_keys: dict[str, str]) -> ParsedQuery:
    """``q`` apart; ``priority_keys`` maps lower-case keys to the keys tickets store. A known
    filter with a bad value is a 422; an unknown ``key:value`` stays a word."""
    if _JUMP.match(q):
        number = parse_ticket_number(q.strip().lstrip("#").strip())
        return ParsedQuery(words=str(number), ticket_number=number)
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
            status = _status(value)
        elif key == "priority":
            priority = priority_keys.get(value.lower())
            if priority is None:
                raise _bad("q", f"priority:{value} is not a priority")
        elif value.lower() == "me":
            assignee_me = True
        else:
            raise _bad("q", f"assignee:{value}: only assignee:me is known")
    kept.append(q[position:])
    words, prefix = _split_prefix(" ".join(part.strip() for part in kept if part.strip()))
    return ParsedQuery(words, prefix, None, status, priority, assignee_me)
