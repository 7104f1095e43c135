"""Snippets that carry no markup from the content: PostgreSQL's ``ts_headline`` of the
tag-stripped text marks matches with control characters, the text is unescaped and escaped
again as HTML, and only then do the marks become ``<mark>`` and ``</mark>``."""

from __future__ import annotations

import html

from sqlalchemy import ColumnElement, func, literal
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.orm import InstrumentedAttribute

from sync_server.db import search_vectors
from ticketing.search_schemas import MARK_END, MARK_START

_START = "\x02"
_STOP = "\x03"
#: ts_headline's options: the marks, and a fragment of a sentence or two
OPTIONS = 'StartSel=\x02, StopSel=\x03, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "'


def plain_text(column: ColumnElement[str] | InstrumentedAttribute[str]) -> ColumnElement[str]:
    """``column`` without tags and without the two mark characters (so content cannot forge a mark)."""
    stripped = func.regexp_replace(column, "<[^>]+>", " ", "g")
    return func.translate(stripped, literal(_START + _STOP), "")


def headline(
    column: ColumnElement[str] | InstrumentedAttribute[str], query: ColumnElement[object]
) -> ColumnElement[str]:
    config = literal(search_vectors.CONFIG).cast(REGCONFIG)
    return func.ts_headline(config, plain_text(column), query, OPTIONS)


def to_html(raw: str) -> str:
    """``ts_headline``'s output as escaped text with ``<mark>`` around the matches."""
    text = html.escape(html.unescape(raw).replace("\xa0", " "), quote=True)
    return " ".join(text.split()).replace(_START, MARK_START).replace(_STOP, MARK_END)
