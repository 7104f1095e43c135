"""Rich text (ticket descriptions, comments) reduced to a safe allowlist of HTML.

The server sanitizes everything users write before it is stored; the client sanitizes again
before it renders, so a malicious row in a cache cannot run anything either.
"""

from __future__ import annotations

import html
import re

import nh3

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "p",
        "br",
        "div",
        "span",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "s",
        "strike",
        "sub",
        "sup",
        "ul",
        "ol",
        "li",
        "blockquote",
        "pre",
        "code",
        "a",
        "h1",
        "h2",
        "h3",
        "h4",
        "hr",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "img",
    }
)
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
#: Links may point to the web, a mailbox or into the app (``ticketdesk://article/<id>``, see
#: ``ticketing.knowledge.article_url``); images only to attachments (``attachment:<id>``).
ALLOWED_URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto", "attachment", "ticketdesk"})

_TAG_RE = re.compile(r"<[^>]*>")
_SPACE_RE = re.compile(r"\s+")


IMAGE_SCHEME = "attachment:"


def _only_attachment_images(tag: str, attribute: str, value: str) -> str | None:
    """An image may show an attachment, never load a URL (a tracking pixel, a local file)."""
    if tag == "img" and attribute == "src" and not value.startswith(IMAGE_SCHEME):
        return None
    return value


def sanitize_html(text: str) -> str:
    """Keep formatting, drop scripts, handlers, styles and dangerous URLs."""
    return nh3.clean(
        text,
        tags=set(ALLOWED_TAGS),
        attributes={**ALLOWED_ATTRIBUTES, "*": set()},  # nh3 would allow title and lang everywhere
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=_only_attachment_images,
    ).strip()


def plain_text(text: str) -> str:
    """The readable words of sanitized HTML, for search, previews and plain-text mail."""
    without_tags = _TAG_RE.sub(" ", text)
    return _SPACE_RE.sub(" ", html.unescape(without_tags)).strip()


def has_content(sanitized: str) -> bool:
    """True when sanitized HTML shows something: words or an image."""
    return bool(plain_text(sanitized)) or "<img" in sanitized
