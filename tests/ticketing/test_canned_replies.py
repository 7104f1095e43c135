"""Filling a canned reply's variables, the ``::`` trigger, the title match, and who may change
one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from ticketing.canned_replies import (
    CURSOR_MARK,
    FillValues,
    Scope,
    fill,
    matching,
    may_change,
    may_change_scope,
    trigger_length,
    trigger_query,
    variables_in,
)
from ticketing.domain import Role
from ticketing.richtext import sanitize_html

VALUES = FillValues(
    ticket_number=1042, ticket_title="Printer jams", requester_name="Ann Lee", agent_name="Dana Ray"
)


def test_known_variables_are_filled() -> None:
    body = "<p>Hello {{requester.name}}, about {{ticket.number}} ({{ ticket.title }}). {{agent.name}}</p>"
    filled = fill(body, VALUES)
    assert filled.html == "<p>Hello Ann Lee, about TKT-1042 (Printer jams). Dana Ray</p>"
    assert not filled.has_cursor


def test_a_ticket_without_a_number_yet_says_draft() -> None:
    values = FillValues(ticket_number=None, ticket_title="t", requester_name="r", agent_name="a")
    assert fill("{{ticket.number}}", values).html == "Draft"


def test_unknown_variables_are_left_as_typed() -> None:
    body = "Due {{ticket.due}} and {{ nonsense }} and {{requester.name}}"
    assert fill(body, VALUES).html == "Due {{ticket.due}} and {{ nonsense }} and Ann Lee"


@pytest.mark.parametrize("name", ["<b>x</b>", '"><img src=x onerror=alert(1)>', "Tom & Jerry"])
def test_values_are_escaped_so_a_name_cannot_inject_markup(name: str) -> None:
    values = FillValues(ticket_number=1, ticket_title=name, requester_name=name, agent_name="a")
    filled = fill('<p>Dear {{requester.name}}</p><a href="https://x/?q={{ticket.title}}">l</a>', values)
    assert "<b>" not in filled.html and "<img" not in filled.html
    assert sanitize_html(filled.html).count("<a ") == 1
    assert "&lt;" in filled.html or "&amp;" in filled.html


def test_the_cursor_placeholder_becomes_one_mark() -> None:
    filled = fill("<p>Hi {{requester.name}}, {{cursor}}</p><p>Bye {{cursor}}</p>", VALUES)
    assert filled.has_cursor
    assert filled.html == f"<p>Hi Ann Lee, {CURSOR_MARK}</p><p>Bye </p>"


def test_a_typed_mark_is_not_taken_for_the_cursor() -> None:
    filled = fill(f"a{CURSOR_MARK}b", VALUES)
    assert filled.html == "ab" and not filled.has_cursor


@pytest.mark.parametrize(
    ("text", "query"),
    [("::", ""), ("::gre", "gre"), ("Hi there ::gre", "gre"), ("line\n::ab_1", "ab_1")],
)
def test_a_trigger_is_found_before_the_cursor(text: str, query: str) -> None:
    assert trigger_query(text) == query
    assert trigger_length(query) == len(query) + 2


@pytest.mark.parametrize("text", ["", "gre", "a::gre", "::gre ", "::a b", "http://x"])
def test_text_without_a_trigger(text: str) -> None:
    assert trigger_query(text) is None


@dataclass
class _Reply:
    title: str
    uses: int = 0


def test_titles_match_any_case_prefix_first_then_most_used() -> None:
    replies = [_Reply("Say hello", 1), _Reply("Greeting", 0), _Reply("greet again", 5), _Reply("Bye", 9)]
    assert [r.title for r in matching(replies, "GRE")] == ["greet again", "Greeting"]
    assert matching(replies, "e")[0].title == "Bye"
    assert len(matching(replies, "")) == 4


def test_variables_in_a_body() -> None:
    assert variables_in("{{a}} {{ b.c }} {{a}}") == ["a", "b.c"]


def test_who_may_change_a_reply_is_one_rule_for_server_and_client() -> None:
    owner, other = uuid.uuid4(), uuid.uuid4()
    assert may_change(Scope.PERSONAL, owner, owner, Role.AGENT)
    assert may_change("team", owner, str(owner), Role.AGENT)  # ids as text or UUIDs
    assert not may_change(Scope.TEAM, owner, other, Role.AGENT)
    assert may_change(Scope.TEAM, owner, other, Role.ADMIN)
    assert not may_change(Scope.PERSONAL, owner, other, Role.ADMIN)  # someone else's own
    assert not may_change(Scope.PERSONAL, owner, owner, Role.USER)  # end users have none
    assert may_change_scope(owner, str(owner)) and not may_change_scope(owner, other)
