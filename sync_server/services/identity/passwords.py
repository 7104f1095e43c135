"""Password hashing (Argon2id) and the random tokens that stand in for a login."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
#: Verified against when the email is unknown, so both answers take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def derived_token(prefix: str, parent: str, salt: bytes, purpose: str) -> str:
    """A token made from another token and a random salt, so that presenting ``parent`` again
    (its answer was lost) gives back the same token. Unpredictable without both ``parent``, which
    the server keeps only as a hash, and ``salt``, which only the server keeps."""
    mac = hmac.new(parent.encode(), salt + b"|" + purpose.encode(), hashlib.sha256).digest()
    return f"{prefix}_{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def token_digest(token: str) -> str:
    """Tokens are stored only as their SHA-256, so a database leak grants no session."""
    return hashlib.sha256(token.encode()).hexdigest()
