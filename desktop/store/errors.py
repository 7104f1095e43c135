"""Errors of the local cache: an action the rules refuse, and a cache file we must not use.

They are kept apart from network errors (:mod:`desktop.net.api`) because the UI reacts differently:
a refused action is explained next to the button, a cache error at login.
"""

from __future__ import annotations

from pydantic import ValidationError

from ticketing.workflow import WorkflowError


class ActionRefused(Exception):
    """A user action refused before it is queued; ``code`` is stable, ``message`` is for people.

    The codes are the server's (``illegal_transition``, ``forbidden``, ``read_only``,
    ``invalid``, ``not_found``...), so the UI explains a local refusal and a server rejection
    the same way.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @classmethod
    def from_workflow(cls, error: WorkflowError) -> ActionRefused:
        return cls(error.code, error.message)

    @classmethod
    def from_validation(cls, error: ValidationError) -> ActionRefused:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return cls("invalid", f"{where}: {first['msg']}" if where else str(first["msg"]))


class CacheError(Exception):
    """A cache file that cannot be opened as this account's cache."""


class CacheTooNew(CacheError):
    """The file was written by a newer Ticketdesk (its schema version is ahead of ours)."""


class CacheMismatch(CacheError):
    """The file belongs to another server or account; it is never opened for this one."""
