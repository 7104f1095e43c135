"""Date-range presets of the Analytics filter bar and the interval a range reads best in.

Plain dates, no Qt: "today" is passed in, so the presets are the same in tests on any day.
"""

from __future__ import annotations

import datetime as dt
import enum

from desktop.net.reports import Interval


class Preset(enum.StrEnum):
    LAST_7 = "Last 7 days"
    LAST_30 = "Last 30 days"
    LAST_90 = "Last 90 days"
    THIS_QUARTER = "This quarter"
    CUSTOM = "Custom"


def preset_range(preset: Preset, today: dt.date) -> tuple[dt.date, dt.date]:
    """The inclusive range of ``preset`` ending today (custom: the last 30 days to start from)."""
    if preset is Preset.LAST_7:
        return today - dt.timedelta(days=6), today
    if preset is Preset.LAST_90:
        return today - dt.timedelta(days=89), today
    if preset is Preset.THIS_QUARTER:
        first_month = 3 * ((today.month - 1) // 3) + 1
        return dt.date(today.year, first_month, 1), today
    return today - dt.timedelta(days=29), today


def auto_interval(date_from: dt.date, date_to: dt.date) -> Interval:
    """Days up to a month, weeks up to about four months, months beyond."""
    days = (date_to - date_from).days + 1
    if days <= 31:
        return Interval.DAY
    if days <= 120:
        return Interval.WEEK
    return Interval.MONTH
