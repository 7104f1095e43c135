"""Modules imported on first use, so that the login window opens before the rest of the app loads.

Importing everything the app may need (SQLAlchemy, pydantic schemas, requests, the sync engine,
the consoles) took most of a second before the first window; none of it is needed to paint
the login window. A module bound with :func:`lazy_module` is imported when one of its
attributes is first read (often on a worker thread: resuming a login, opening the cache).
Type checkers see the real module, written as::

    if TYPE_CHECKING:
        from desktop.sync import session
    else:
        session = lazy_module("desktop.sync.session")
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands for the module ``name`` and imports it when an attribute is first read
    (``importlib`` locks each module, so two threads asking at once import it once)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.load(), attribute)

    def load(self) -> ModuleType:
        return importlib.import_module(self._name)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


def lazy_module(name: str) -> Any:
    """A stand-in for the module ``name`` (``Any``: declare the real module for type checkers)."""
    return LazyModule(name)
