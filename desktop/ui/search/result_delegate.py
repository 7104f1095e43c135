"""Paints one search result in two lines: what it is (kind, ticket number, title, status, a
"Draft" tag) and its snippet with the matched words highlighted.

Both lines are rich text made from escaped text only (:func:`result_html`): the snippet's
markers become highlighted bold after escaping, so nothing a ticket or article says is markup.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QSize
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem
from typing_extensions import override

from desktop.palette import DRAFT_PILL, Scheme, scheme_for, status_pill
from desktop.store import search
from desktop.store.everywhere import ResultKind, SearchResult
from desktop.ui.search.results_model import ResultRole
from desktop.ui.widgets.rich_text_cell import begin_cell
from ticketing.domain import format_ticket_number

LINES = 2
MARGIN = 6


def _pill(text: str, background: str, foreground: str) -> str:
    return (
        f"<span style='background-color:{background}; color:{foreground}'>&nbsp;{escape(text)}&nbsp;</span>"
    )


def result_html(result: SearchResult, colors: Scheme, *, selected: bool = False) -> str:
    """The two lines of ``result`` as rich text (on a selected row, in the selection's text
    colour: muted grey would not read on it)."""
    muted = "" if selected else f" style='color:{colors.muted}'"
    parts = [f"<span{muted}>{escape(result.kind.label)}</span>&nbsp;&nbsp;"]
    if result.kind is not ResultKind.ARTICLE:
        parts.append(f"<b>{escape(format_ticket_number(result.ticket_number))}</b>&nbsp;")
        pill = status_pill(result.status)
        title_line = (
            f"{escape(result.title)}&nbsp;&nbsp;{_pill(result.status, pill.background, pill.foreground)}"
        )
    else:
        draft = _pill("Draft", DRAFT_PILL.background, DRAFT_PILL.foreground) if result.draft else ""
        title_line = f"<b>{escape(result.title)}</b>&nbsp;&nbsp;{draft}"
    mark = f"<b style='background-color:{colors.notice_background}; color:{colors.notice_text}'>"
    snippet = search.snippet_html(" ".join(result.snippet.split())).replace("<b>", mark)
    return "".join(parts) + title_line + f"<br><span{muted}>{snippet or '&nbsp;'}</span>"


class ResultDelegate(QStyledItemDelegate):
    """Two lines of rich text per result; selection painted by the style as usual."""

    @override
    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        result = index.data(ResultRole.RESULT)
        if not isinstance(result, SearchResult):
            super().paint(painter, option, index)
            return
        cell = begin_cell(self, painter, option, index)
        document = cell.document(result_html(result, scheme_for(cell.item.palette), selected=cell.selected))
        area = cell.item.rect.adjusted(MARGIN, MARGIN // 2, -MARGIN, -MARGIN // 2)
        document.setTextWidth(area.width())
        cell.draw(painter, document, area, QPointF(area.topLeft()))

    @override
    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        height = option.fontMetrics.lineSpacing() * LINES + MARGIN * 2
        return QSize(option.rect.width() or 400, height)
