"""Rich text keeps formatting and loses everything that could run or call out."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from ticketing.knowledge import article_url
from ticketing.richtext import has_content, plain_text, sanitize_html
from ticketing.schemas import RichText

PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<object data="x.swf"></object>',
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_nothing_executable_survives(payload: str) -> None:
    cleaned = sanitize_html(payload).lower()
    for marker in (
        "<script",
        "onerror",
        "onload",
        "javascript:",
        "<iframe",
        "<svg",
        "style=",
        "data:",
        "<object",
    ):
        assert marker not in cleaned


def test_formatting_stays() -> None:
    html = "<p><b>bold</b> <i>it</i></p><ul><li>one</li></ul><pre><code>x = 1</code></pre>"
    assert sanitize_html(html) == html


def test_images_may_show_attachments_only() -> None:
    cleaned = sanitize_html('<img src="https://tracker.example/p.gif"><img src="attachment:42" alt="shot">')
    assert "tracker" not in cleaned
    assert 'src="attachment:42"' in cleaned


def test_plain_text_and_content() -> None:
    assert plain_text("<p>Printer &amp; <b>toner</b></p>") == "Printer & toner"
    assert not has_content(sanitize_html("<p> </p><script>x</script>"))


def test_required_text_in_the_schema_says_something_exactly_when_the_server_sees_content() -> None:
    """The schema's pattern and ``has_content`` agree on every single character, so a request
    the schema calls valid is not refused as empty (a fuzzer found U+001C and U+FEFF)."""
    text_type = TypeAdapter(RichText)
    disagree = []
    for point in range(1, 0x10000):
        if 0xD800 <= point < 0xE000:
            continue
        char = chr(point)
        try:
            text_type.validate_python(char)
            accepted = True
        except ValidationError:
            accepted = False
        if accepted != has_content(sanitize_html(char)):
            disagree.append(hex(point))
    assert disagree == []


def test_links_into_the_app_survive_and_javascript_still_does_not() -> None:
    """A reply's link to an article (``ticketdesk://article/<id>``) is kept on the server and in
    the client, which share this sanitizer; a ``javascript:`` link beside it still loses its href."""
    link = article_url("5b0c1f1e-1111-4222-8333-444455556666")
    cleaned = sanitize_html(f'<p><a href="{link}">Printer tray</a> <a href="javascript:alert(1)">x</a></p>')
    assert f'href="{link}"' in cleaned
    assert "javascript:" not in cleaned.lower()
    assert cleaned.count("href=") == 1
