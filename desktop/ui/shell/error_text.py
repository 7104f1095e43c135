"""Errors in the user's words: one place decides what a failure says and whether the user can
fix it (wrong password, no network, update needed) or should report it (a bug)."""

from __future__ import annotations

from collections.abc import Callable

from desktop.net.api import ApiError, AuthError, ClientError, ServerError, Unreachable, UpgradeRequired
from desktop.store.errors import ActionRefused, CacheError, CacheMismatch, CacheTooNew
from desktop.sync.session import UnsyncedChanges

_AUTH_TEXT: dict[str, str] = {
    "invalid_credentials": "Wrong email or password.",
    "account_disabled": "This account has been deactivated. Ask an administrator.",
    "invalid_token": "Your saved login has expired or was revoked. Please enter your password.",
}

_UPGRADE_TEXT: dict[str, str] = {
    "server_too_old": (
        "The server runs an older version of Ticketdesk than this app. "
        "Ask your administrator to update the server."
    ),
    "upgrade_required": "This version of Ticketdesk is too old for the server. Please update the app.",
}


def _auth(error: BaseException, _server: str) -> str:
    assert isinstance(error, AuthError)
    return _AUTH_TEXT.get(error.code, error.detail)


def _upgrade(error: BaseException, _server: str) -> str:
    assert isinstance(error, UpgradeRequired)
    return _UPGRADE_TEXT.get(error.code, _UPGRADE_TEXT["upgrade_required"])


def _value(error: BaseException, server: str) -> str:
    if "server address" in str(error).lower():
        return "Enter the server address, for example http://helpdesk.example.org:8700"
    return f"Unexpected error: {error}"


#: The first matching type decides the text (subclasses before their bases).
_LOGIN_TEXT: list[tuple[type[BaseException], Callable[[BaseException, str], str]]] = [
    (AuthError, _auth),
    (UpgradeRequired, _upgrade),
    (
        Unreachable,
        lambda _e, server: (
            f"Cannot reach the server at {server}. Check the address and your network connection."
        ),
    ),
    (
        ServerError,
        lambda e, _s: f"The server has a problem right now ({e}). Try again in a moment.",
    ),
    (ApiError, lambda e, _s: f"The server refused the login: {e}"),
    (ValueError, _value),
    (
        CacheTooNew,
        lambda _e, _s: "The offline data on this computer was written by a newer Ticketdesk. Please update.",
    ),
    (
        CacheMismatch,
        lambda _e, _s: (
            "The offline data on this computer belongs to another account. Log in with a password."
        ),
    ),
    (CacheError, lambda e, _s: f"The offline data on this computer cannot be opened: {e}"),
]


def login_error(error: BaseException, server_url: str) -> str:
    """What the login window says when logging in (or reopening a saved login) failed."""
    for kind, describe in _LOGIN_TEXT:
        if isinstance(error, kind):
            return describe(error, server_url)
    return f"Unexpected error: {error}"


def action_error(error: BaseException, what: str = "do that") -> str:
    """What a widget says when a local action (reply, status change...) was refused; an error
    that is no refusal says what could not be done ("Could not change the tickets: ...")."""
    if isinstance(error, ActionRefused):
        return error.message
    if isinstance(error, UnsyncedChanges):
        return str(error)
    if isinstance(error, ClientError):
        return error.detail
    return f"Could not {what}: {error}"
