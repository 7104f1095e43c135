"""Task callbacks that do nothing once their widget is gone.

A background task can finish after the window that started it was closed; calling into a
deleted Qt object raises. :func:`alive` wraps an ``on_done``/``on_error`` so the result is
dropped instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import shiboken6
from PySide6.QtCore import QObject

T = TypeVar("T")


def alive(owner: QObject, callback: Callable[[T], None]) -> Callable[[T], None]:
    """``callback``, skipped if ``owner`` was deleted meanwhile."""

    def call(value: T) -> None:
        if shiboken6.isValid(owner):
            callback(value)

    return call
