"""The knowledge base's shared rules: tag normalization, the buckets an article's status puts
it in, and the draft made from a solved ticket."""

from __future__ import annotations

import uuid

import pytest

from ticketing import knowledge, visibility
from ticketing.domain import AgentVisibility, ArticleStatus, Role, Status
from ticketing.schemas import normalize_tags


def test_tags_are_stripped_lower_cased_and_kept_once_in_order() -> None:
    assert normalize_tags([" VPN ", "Remote Access", "vpn", "remote access", "Zürich"]) == [
        "vpn",
        "remote access",
        "zürich",
    ]
    assert normalize_tags([]) == []


@pytest.mark.parametrize("tags", [[""], ["   "], ["x" * 41], [f"t{n}" for n in range(21)], ["a\x00b"]])
def test_bad_tags_are_refused(tags: list[str]) -> None:
    with pytest.raises(ValueError):
        normalize_tags(tags)


def test_twenty_tags_of_forty_characters_are_fine() -> None:
    tags = [f"{n:02d}" + "x" * 38 for n in range(20)]
    assert normalize_tags(tags) == tags


def test_drafts_are_for_staff_only_and_published_articles_for_everyone() -> None:
    user = visibility.subscriptions(Role.USER, uuid.uuid4(), AgentVisibility.ALL)
    limited_agent = visibility.subscriptions(Role.AGENT, uuid.uuid4(), AgentVisibility.ASSIGNED)
    admin = visibility.subscriptions(Role.ADMIN, uuid.uuid4(), AgentVisibility.ALL)
    draft, published = (visibility.article_buckets(s) for s in ArticleStatus)
    assert not visibility.can_see(user, draft)
    assert visibility.can_see(user, published)
    for staff in (limited_agent, admin):
        assert visibility.can_see(staff, draft) and visibility.can_see(staff, published)
    assert draft < published  # unpublishing only leaves buckets: the change log removes it there


def test_only_solved_tickets_become_articles() -> None:
    assert {s for s in Status if knowledge.may_become_article(s)} == {Status.RESOLVED, Status.CLOSED}
    assert knowledge.draft_body("<p>d</p>", None) == "<p>d</p>"
    assert knowledge.draft_body("<p>d</p>", "<p>fix</p>") == "<p>d</p><h3>Solution</h3><p>fix</p>"


def test_an_article_link_is_written_in_one_place_and_read_back() -> None:
    article_id = uuid.uuid4()
    url = knowledge.article_url(article_id)
    assert url == f"ticketdesk://article/{article_id}"
    assert knowledge.parse_article_url(url) == str(article_id)
    for other in (
        "https://example.com/article/x",
        "ticketdesk://article/not-an-id",
        "ticketdesk://ticket/1",
        "",
    ):
        assert knowledge.parse_article_url(other) is None
