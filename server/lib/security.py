"""Passwords, random tokens and keyed token hashes."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so both failures cost the same time.

    Made on the first failed sign-in, not at import: every process would pay a full argon2
    hash (tens of milliseconds, 64 MiB) just to start."""
    return _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return (
            _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def new_token(prefix: str) -> str:
    """A bearer secret; the prefix tells an API token (glp_) from an attendee's (gla_)."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def token_hash(secret_key: str, token: str) -> str:
    """Tokens are stored keyed-hashed: a copy of the database alone signs nobody in."""
    return hmac.new(secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()
