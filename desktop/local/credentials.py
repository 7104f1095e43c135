"""Remembered logins: a refresh token in the system keyring, never a password on disk.

What is remembered besides the token (server, email, the account's id, name and role, so that
the app can open the offline cache without the network) is not secret and lives in the client
settings file.
"""

from __future__ import annotations

import contextlib

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends.chainer import ChainerBackend

SERVICE = "ticketdesk"

#: Backends that would keep a token readable by anyone who can read the user's files (or
#: keep nothing at all).
_INSECURE_BACKENDS = ("PlaintextKeyring", "fail.Keyring", "null.Keyring")


def _key(server_url: str, email: str) -> str:
    return f"{server_url.rstrip('/')}|{email.lower()}"


def backend() -> KeyringBackend:
    return keyring.get_keyring()


def storing_backend(current: KeyringBackend | None = None) -> KeyringBackend:
    """The backend a new token is written to. When several keyrings are installed (the
    system's and keyrings.alt's plain file, say), keyring chains them and writes to the first
    of the chain, the one of highest priority."""
    current = current or backend()
    if isinstance(current, ChainerBackend):
        links = list(current.backends)
        return links[0] if links else current
    return current


def keyring_is_secure(current: KeyringBackend | None = None) -> bool:
    """False when tokens would land in a plain file (or nowhere): the login window then says
    so, and leaves "Remember me" unchecked unless the user ticks it."""
    store = storing_backend(current)
    name = f"{type(store).__module__}.{type(store).__name__}"
    return not any(marker in name for marker in _INSECURE_BACKENDS) and store.priority > 0


def save_refresh_token(server_url: str, email: str, token: str) -> bool:
    """Store the token; False when no keyring can hold it (nothing is remembered then)."""
    try:
        keyring.set_password(SERVICE, _key(server_url, email), token)
    except keyring.errors.KeyringError:
        return False
    return True


def load_refresh_token(server_url: str, email: str) -> str | None:
    try:
        return keyring.get_password(SERVICE, _key(server_url, email))
    except keyring.errors.KeyringError:
        return None


def forget(server_url: str, email: str) -> None:
    # nothing stored, or no keyring at all: either way nothing remains
    with contextlib.suppress(keyring.errors.KeyringError):
        keyring.delete_password(SERVICE, _key(server_url, email))
