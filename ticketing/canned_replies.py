"""Canned replies: the variables filled when one is inserted, the ``::`` trigger and the title
match, shared by the reply box and its picker (no Qt, so they are tested on their own).

A reply's body is sanitized rich text, so every value is HTML-escaped before it replaces its
variable: a requester named ``<b>x</b>`` is shown as typed and never becomes markup. A variable
this module does not know is left as typed (``{{ticket.due}}`` stays visible for the agent to
fix), and ``{{cursor}}`` marks where the text cursor lands; without it the cursor ends the
inserted text.

Who may change one is decided here too (:func:`may_change`, :func:`may_change_scope`), so the
server's write layer and the offline cache refuse the same edits.
"""

from __future__ import annotations

import enum
import html
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from ticketing.domain import Role, format_ticket_number


class Scope(enum.StrEnum):
    """Who sees a canned reply: its owner only, or every support staff member."""

    PERSONAL = "personal"
    TEAM = "team"


def _same(a: uuid.UUID | str, b: uuid.UUID | str) -> bool:
    return uuid.UUID(str(a)) == uuid.UUID(str(b))


def may_change(scope: Scope | str, owner_id: uuid.UUID | str, actor_id: uuid.UUID | str, role: Role) -> bool:
    """Whether ``actor_id`` (of ``role``) may edit or delete a reply: support staff only; a
    personal reply is its owner's alone, a team one its owner's or an admin's."""
    if not role.is_staff:
        return False
    if _same(owner_id, actor_id):
        return True
    return Scope(scope) == Scope.TEAM and role == Role.ADMIN


def may_change_scope(owner_id: uuid.UUID | str, actor_id: uuid.UUID | str) -> bool:
    """Only its author moves a reply between personal and team (an admin edits a team reply's
    title and text only)."""
    return _same(owner_id, actor_id)


#: ``{{ name }}``; the name is letters, digits, dots and underscores.
_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}")
CURSOR_VARIABLE = "cursor"
#: Stands for the cursor in filled HTML (a private-use character nobody types); the editor
#: removes it and puts its cursor there.
CURSOR_MARK = "\ue000"
#: ``::gre`` at the end of the text before the cursor, at the start or after white space.
_TRIGGER = re.compile(r"(?:^|(?<=\s))::(\w{0,40})$")


@dataclass(frozen=True)
class FillValues:
    """What the variables stand for in one ticket's reply box."""

    ticket_number: int | None
    ticket_title: str
    requester_name: str
    agent_name: str

    def by_name(self) -> dict[str, str]:
        return {
            "ticket.number": format_ticket_number(self.ticket_number),
            "ticket.title": self.ticket_title,
            "requester.name": self.requester_name,
            "agent.name": self.agent_name,
        }


@dataclass(frozen=True)
class Filled:
    """A reply's body with its variables filled; ``html`` holds :data:`CURSOR_MARK` once when
    the body had a cursor placeholder."""

    html: str
    has_cursor: bool


def fill(body: str, values: FillValues) -> Filled:
    """The body with known variables replaced by escaped values and the first ``{{cursor}}``
    by :data:`CURSOR_MARK` (later ones are dropped); unknown variables stay as typed."""
    known = values.by_name()
    cursor_placed = False

    def replace(match: re.Match[str]) -> str:
        nonlocal cursor_placed
        name = match.group(1)
        if name == CURSOR_VARIABLE:
            if cursor_placed:
                return ""
            cursor_placed = True
            return CURSOR_MARK
        if name in known:
            return html.escape(known[name], quote=True)
        return match.group(0)

    filled = _VARIABLE.sub(replace, body.replace(CURSOR_MARK, ""))
    return Filled(html=filled, has_cursor=cursor_placed)


def trigger_query(text_before_cursor: str) -> str | None:
    """The letters typed after ``::`` when the text before the cursor ends in a trigger
    (``"Hi ::gre"`` -> ``"gre"``, ``"::"`` -> ``""``), else None (``"a::b"``, ``"::a b"``)."""
    match = _TRIGGER.search(text_before_cursor)
    return None if match is None else match.group(1)


def trigger_length(query: str) -> int:
    """How many characters the trigger ``::<query>`` takes in the text (to replace it)."""
    return len(query) + 2


class Titled(Protocol):
    @property
    def title(self) -> str: ...

    @property
    def uses(self) -> int: ...


_Reply = TypeVar("_Reply", bound=Titled)


def matching(replies: Iterable[_Reply], query: str) -> list[_Reply]:
    """The replies whose title contains ``query`` (any case): titles that start with it first,
    then the most used, then by title."""
    needle = query.strip().casefold()
    found = [reply for reply in replies if needle in reply.title.casefold()]
    return sorted(
        found,
        key=lambda r: (not r.title.casefold().startswith(needle), -r.uses, r.title.casefold()),
    )


def variables_in(body: str) -> Sequence[str]:
    """The variable names a body uses, in order, each once (for the editor's hint)."""
    seen: dict[str, None] = {}
    for match in _VARIABLE.finditer(body):
        seen.setdefault(match.group(1), None)
    return list(seen)
