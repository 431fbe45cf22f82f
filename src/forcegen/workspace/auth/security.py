"""Password hashing (argon2id) and random secrets whose SHA-256 is what gets stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = [
    "constant_time_equal",
    "hash_password",
    "hash_secret",
    "new_secret",
    "password_needs_rehash",
    "set_password_cost",
    "verify_password",
]

_hasher = PasswordHasher()
# Verifying against this keeps the timing of "no such user" equal to "wrong password".
_DUMMY_HASH = _hasher.hash("forcegen-dummy-password")


def set_password_cost(time_cost: int = 3, memory_kib: int = 65536, parallelism: int = 4) -> None:
    """Change the argon2 parameters for new hashes.

    The defaults are argon2-cffi's RFC 9106 low-memory profile. Lower them only for tests;
    existing hashes keep verifying with their own.
    """
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
    _DUMMY_HASH = _hasher.hash("forcegen-dummy-password")


def hash_password(password: str) -> str:
    """argon2id hash of ``password`` with a fresh salt (parameters from argon2-cffi defaults)."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; runs a full hash even when there is no user."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


def new_secret(prefix: str = "") -> str:
    """A 256-bit URL-safe random secret."""
    return prefix + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """SHA-256 hex of a high-entropy secret (tokens, session ids; never passwords)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def constant_time_equal(a: str | None, b: str | None) -> bool:
    """Compare two secrets without leaking where they differ."""
    if not a or not b:
        return False
    return hmac.compare_digest(a.encode(), b.encode())
