"""Every colour the app paints, written once: text tones, notices, internal notes, status pills.

Two schemes, one for light window palettes and one for dark ones, with the same names, so a
widget asks for ``scheme_for(widget.palette()).danger`` and never writes a colour itself. Pills
(status, draft, pending, problem) have their own background and text colour and read the same
on either. This module sits beside ``desktop/tasks.py`` rather than under ``desktop/ui``
because the item models colour their cells too, and nothing below the windows imports them.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QPalette

from ticketing.domain import Status


@dataclass(frozen=True)
class Scheme:
    """The named colours of one scheme, as CSS hex strings (stylesheets, HTML and QColor)."""

    text: str
    muted: str
    danger: str
    warning: str
    success: str
    #: Public replies in the timeline.
    surface: str
    surface_border: str
    #: Internal notes: tinted so nobody mistakes them for public replies.
    internal_background: str
    internal_border: str
    internal_label: str
    #: A notice banner (e.g. "you are offline").
    notice_background: str
    notice_text: str
    #: A table row that another person's change just updated (marked for a few seconds).
    changed_row: str
    #: Chart series, in the order a chart's series take them (created, resolved, reopened...).
    chart_series: tuple[str, ...]
    #: Priorities in a chart, most urgent first (a chart with fewer spreads over the ramp).
    chart_urgency: tuple[str, ...]
    #: Chart background, grid lines and axis/legend text.
    chart_background: str
    chart_grid: str


LIGHT = Scheme(
    text="#1f2328",
    muted="#656d76",
    danger="#cf222e",
    warning="#9a6700",
    success="#1a7f37",
    surface="#f6f8fa",
    surface_border="#d0d7de",
    internal_background="#fff4d6",
    internal_border="#d4a72c",
    internal_label="#7d4e00",
    notice_background="#fff8c5",
    notice_text="#1f2328",
    changed_row="#ddf4ff",
    chart_series=("#0969da", "#1a7f37", "#cf222e", "#8250df", "#bf8700", "#1b7c83", "#57606a"),
    chart_urgency=("#cf222e", "#e16f24", "#bf8700", "#0969da", "#8c959f"),
    chart_background="#ffffff",
    chart_grid="#d8dee4",
)
DARK = Scheme(
    text="#e6edf3",
    muted="#8d96a0",
    danger="#f85149",
    warning="#d29922",
    success="#3fb950",
    surface="#161b22",
    surface_border="#30363d",
    internal_background="#3a2e12",
    internal_border="#bb8009",
    internal_label="#e3b341",
    notice_background="#3a2e12",
    notice_text="#e6edf3",
    changed_row="#12365e",
    chart_series=("#58a6ff", "#3fb950", "#f85149", "#bc8cff", "#d29922", "#39c5cf", "#8d96a0"),
    chart_urgency=("#f85149", "#f0883e", "#d29922", "#58a6ff", "#8d96a0"),
    chart_background="#0d1117",
    chart_grid="#30363d",
)


def is_dark(palette: QPalette) -> bool:
    """Whether ``palette`` draws light text on a dark base."""
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


def scheme_for(palette: QPalette) -> Scheme:
    """The scheme that reads well on ``palette`` (a widget's or the application's)."""
    return DARK if is_dark(palette) else LIGHT


@dataclass(frozen=True)
class PillColors:
    """A pill's background and the text colour drawn on it."""

    background: str
    foreground: str = "#ffffff"


#: One colour per status, readable in light and dark palettes alike.
STATUS_PILLS: dict[Status, PillColors] = {
    Status.OPEN: PillColors("#1f6feb"),
    Status.IN_PROGRESS: PillColors("#9a6700"),
    Status.ON_HOLD: PillColors("#8250df"),
    Status.RESOLVED: PillColors("#1a7f37"),
    Status.CLOSED: PillColors("#57606a"),
}
#: A status this version does not know (a newer server's): neutral grey.
UNKNOWN_STATUS_PILL = PillColors("#57606a")
#: A ticket created on this computer that has no number yet.
DRAFT_PILL = PillColors("#9a6700")
#: Changes made here that the server has not confirmed yet.
PENDING_PILL = PillColors("#bf8700", "#1f2328")
#: A change the server refused or answered with a conflict.
PROBLEM_PILL = PillColors("#cf222e")


def status_pill(status: Status | str) -> PillColors:
    """The pill colours of ``status``; neutral for a status this version does not know."""
    try:
        return STATUS_PILLS[Status(status)]
    except ValueError:
        return UNKNOWN_STATUS_PILL
