"""The search syntax shared by the server and the app (ticketing/search_syntax.py): phrases,
exclusions, filters, ticket numbers, what is kept as typed for the cache's FTS5, bad values."""

from __future__ import annotations

import pytest

from ticketing.domain import Status
from ticketing.search_syntax import SearchSyntaxError, parse

PRIORITIES = {"high": "High", "low": "Low"}


@pytest.mark.parametrize(
    ("q", "words", "prefix", "text"),
    [
        ("printer jam", "printer", "jam", "printer jam"),
        ("printer jam ", "printer", "jam", "printer jam "),
        ('"paper jam"', '"paper jam"', None, '"paper jam"'),
        ("printer -jam", "printer -jam", None, "printer -jam"),
        ("status:open printer", "", "printer", "printer"),
        ("printer status:closed ", "", "printer", "printer "),
        ("colour:blue", "colour:blue", None, "colour:blue"),
    ],
)
def test_words_prefix_and_the_text_left_for_the_cache(
    q: str, words: str, prefix: str | None, text: str
) -> None:
    parsed = parse(q, PRIORITIES)
    assert (parsed.words, parsed.prefix, parsed.text) == (words, prefix, text)


def test_filters_are_parsed_out() -> None:
    parsed = parse('Status:"On Hold" priority:HIGH assignee:Me vpn', PRIORITIES)
    assert (parsed.status, parsed.priority, parsed.assignee_me) == (Status.ON_HOLD, "High", True)
    assert parsed.filters_tickets
    assert parse("status:in-progress", PRIORITIES).status is Status.IN_PROGRESS
    assert not parse("vpn", PRIORITIES).filters_tickets


@pytest.mark.parametrize(("q", "number"), [("#1042", 1042), ("# 7", 7), (" TKT-7 ", 7), ("tkt-12", 12)])
def test_a_ticket_number_alone_jumps(q: str, number: int) -> None:
    assert parse(q, {}).ticket_number == number


@pytest.mark.parametrize("q", ["1042", "TKT-7 printer", "#12 printer", "TKT-"])
def test_a_number_with_words_or_bare_is_no_jump(q: str) -> None:
    assert parse(q, {}).ticket_number is None


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("status:opn", "status:opn is not a status (one of closed, in-progress, on-hold, open, resolved)"),
        ("priority:urgent x", "priority:urgent is not a priority"),
        ("assignee:bob", "assignee:bob: only assignee:me is known"),
    ],
)
def test_bad_values_raise_a_syntax_error_naming_the_field(q: str, message: str) -> None:
    with pytest.raises(SearchSyntaxError) as raised:
        parse(q, PRIORITIES)
    assert (raised.value.field, raised.value.message) == ("q", message)
