"""Errors the services raise, each with an HTTP status and a stable code.

Services know nothing of HTTP; the one handler in ``app.py`` turns these into
``{"error": code, "detail": text}`` responses.
"""

from __future__ import annotations

from typing import Any

from ticketing.workflow import WorkflowError


class DomainError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, detail: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.extra = extra

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers the answer carries besides the JSON body."""
        return {}


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class Invalid(DomainError):
    status_code = 422
    code = "invalid"


class RateLimited(DomainError):
    """Too many requests: try again in ``retry_after`` whole seconds (also sent as the
    ``Retry-After`` header and in the body)."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, detail: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(detail, code=code, retry_after=retry_after)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


_WORKFLOW_ERRORS: dict[str, type[DomainError]] = {
    "forbidden": Forbidden,
    "illegal_transition": Conflict,
    "read_only": Conflict,
    "invalid": Invalid,
}


def from_workflow(error: WorkflowError) -> DomainError:
    """The shared rules raise :class:`WorkflowError`; the API answers with its code."""
    return _WORKFLOW_ERRORS.get(error.code, Invalid)(error.message, code=error.code)
