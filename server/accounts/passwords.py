"""Password hashing with argon2id, and the minimum strength we accept."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2id with the library's RFC 9106 low-memory profile (64 MiB, 3 passes, 4 lanes).
_STANDARD = PasswordHasher()
# For test suites only (REC_PASSWORD_HASHING=fast, refused in production): the same
# algorithm at its smallest cost, so thousands of sign-ins and PINs do not take minutes.
# Hashes made either way verify either way: the cost is written in each hash.
_FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
_hasher = _STANDARD
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
_COMMON = {"password", "1234567890", "qwertyuiop", "contrasenya", "contraseña", "barcelona"}


def configure(hashing: str) -> None:
    """Chooses the cost of new hashes: "standard" or "fast" (tests)."""
    global _hasher
    _hasher = {"standard": _STANDARD, "fast": _FAST}[hashing]


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, email: str = "") -> str | None:
    """Why a password is too weak, or None when it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"use at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"use at most {MAX_PASSWORD_LENGTH} characters"
    lowered = password.lower()
    if len(set(lowered)) < 4 or any(word in lowered for word in _COMMON):
        return "too easy to guess"
    if email and email.split("@")[0].lower() in lowered:
        return "must not contain your email address"
    return None
