"""Argon2id password hashing (argon2-cffi)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from app.core import ValidationFailed

MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()


def use_hasher(hasher: PasswordHasher) -> None:
    """Replace the hasher's cost parameters (tests use a cheaper one; hashes stay verifiable)."""
    global _hasher  # noqa: PLW0603 - one process-wide hashing policy
    _hasher = hasher


def check_policy(password: str) -> None:
    """Refuse passwords that are too short or blank."""
    if len(password) < MIN_PASSWORD_LENGTH or not password.strip():
        raise ValidationFailed(
            f"A password needs at least {MIN_PASSWORD_LENGTH} characters; choose a longer one."
        )


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password`` (salted, with its parameters)."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash``; never raises on a bad hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
