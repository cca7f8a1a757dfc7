"""Random tokens: handed out once, stored only as their SHA-256."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token(nbytes: int = 32) -> tuple[str, str]:
    """A URL-safe random token and the hash to store for it."""
    token = secrets.token_urlsafe(nbytes)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
