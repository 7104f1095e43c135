"""A QTextDocument written out as the small HTML the server keeps (``ticketing.richtext``).

``QTextEdit.toHtml()`` describes formatting with inline styles, which the sanitizer removes (and
bold with them); this writes plain tags instead: ``<p>``, ``<b>``, ``<i>``, ``<s>``, ``<code>``,
``<a href>``, ``<ul>``/``<ol>``/``<li>``, ``<br>`` and ``<img src="attachment:<id>">``.
"""

from __future__ import annotations

from html import escape

from PySide6.QtGui import QFont, QTextBlock, QTextCharFormat, QTextDocument, QTextList, QTextListFormat

OBJECT_REPLACEMENT = "\ufffc"  # where an image sits in a block's text
LINE_SEPARATOR = "\u2028"  # Shift+Enter inside a paragraph

_ORDERED = frozenset(
    {
        QTextListFormat.Style.ListDecimal,
        QTextListFormat.Style.ListLowerAlpha,
        QTextListFormat.Style.ListUpperAlpha,
        QTextListFormat.Style.ListLowerRoman,
        QTextListFormat.Style.ListUpperRoman,
    }
)


def is_code(fmt: QTextCharFormat) -> bool:
    return fmt.fontFixedPitch() or "monospace" in (fmt.fontFamilies() or [])


def _text(text: str) -> str:
    return escape(text, quote=False).replace(LINE_SEPARATOR, "<br>").replace("\n", "<br>")


def _fragment(text: str, fmt: QTextCharFormat) -> str:
    if fmt.isImageFormat():
        name = escape(fmt.toImageFormat().name())
        return "".join(f'<img src="{name}" alt="image">' for _ in text)
    out = _text(text)
    if is_code(fmt):
        out = f"<code>{out}</code>"
    if fmt.fontStrikeOut():
        out = f"<s>{out}</s>"
    if fmt.fontItalic():
        out = f"<i>{out}</i>"
    if fmt.fontWeight() >= QFont.Weight.DemiBold.value:
        out = f"<b>{out}</b>"
    if fmt.isAnchor() and fmt.anchorHref():
        out = f'<a href="{escape(fmt.anchorHref())}">{out}</a>'
    return out


def block_html(block: QTextBlock) -> str:
    """The inline content of one paragraph or list item."""
    parts: list[str] = []
    iterator = block.begin()
    while not iterator.atEnd():
        fragment = iterator.fragment()
        if fragment.isValid():
            parts.append(_fragment(fragment.text(), fragment.charFormat()))
        iterator += 1
    return "".join(parts)


def document_to_html(document: QTextDocument) -> str:
    """The document as clean HTML; ``""`` when it holds no text and no image."""
    out: list[str] = []
    open_list: tuple[int, str] | None = None  # (first block number of the list, tag)
    block = document.begin()
    while block.isValid():
        inline = block_html(block)
        text_list: QTextList | None = block.textList()
        if text_list is not None:
            key = text_list.item(0).blockNumber()
            tag = "ol" if text_list.format().toListFormat().style() in _ORDERED else "ul"
            if open_list is None or open_list[0] != key:
                if open_list is not None:
                    out.append(f"</{open_list[1]}>")
                out.append(f"<{tag}>")
                open_list = (key, tag)
            out.append(f"<li>{inline}</li>")
        else:
            if open_list is not None:
                out.append(f"</{open_list[1]}>")
                open_list = None
            out.append(f"<p>{inline}</p>" if inline.strip() else "<p><br></p>")
        block = block.next()
    if open_list is not None:
        out.append(f"</{open_list[1]}>")
    while out and out[0] == "<p><br></p>":
        out.pop(0)
    while out and out[-1] == "<p><br></p>":
        out.pop()
    return "".join(out)
