"""How dates, times and ticket facts are written for people, in one place for every window."""

from __future__ import annotations

import datetime as dt


def local_time(moment: dt.datetime) -> str:
    """``2024-05-03 14:07`` in the computer's time zone."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def relative_time(moment: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """``just now``, ``5 min ago``, ``3 h ago``, ``2 days ago``, or the date after a week."""
    if moment is None:
        return "never"
    now = now or dt.datetime.now(dt.UTC)
    seconds = (now - moment).total_seconds()
    if seconds < 45:
        return "just now"
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min ago"
    if seconds < 86400:
        return f"{round(seconds / 3600)} h ago"
    if seconds < 7 * 86400:
        days = int(seconds // 86400)
        return "yesterday" if days == 1 else f"{days} days ago"
    return moment.astimezone().strftime("%Y-%m-%d")


def time_left(done: int, total: int, elapsed: float) -> str:
    """``about 2 min left`` from the rate so far; empty until the rate means something."""
    if done <= 0 or total <= done or elapsed < 1.0:
        return ""
    seconds = (total - done) * elapsed / done
    if seconds < 10:
        return "a few seconds left"
    if seconds < 90:
        return f"about {round(seconds / 10) * 10} s left"
    if seconds < 90 * 60:
        return f"about {round(seconds / 60)} min left"
    return f"about {round(seconds / 3600, 1):g} h left"


def span_text(seconds: float) -> str:
    """A compact length of time: ``45 s``, ``12 min``, ``2 h 05 min``, ``3 d 4 h``."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def due_text(due_at: dt.datetime, paused: bool, now: dt.datetime) -> str:
    """The queue's Due cell: ``in 2 h 05 min``, ``12 min overdue``, ``Paused``."""
    if paused:
        return "Paused"
    left = (due_at - now).total_seconds()
    return f"in {span_text(left)}" if left > 0 else f"{span_text(-left)} overdue"
