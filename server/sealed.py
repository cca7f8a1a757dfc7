"""Secrets kept in a store, sealed with a key derived from REC_SECRET_KEY (Fernet):
checkpoint signing keys, webhook secrets. Changing REC_SECRET_KEY makes them unreadable."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


def _fernet(secret_key: str, purpose: str) -> Fernet:
    digest = hashlib.sha256(f"rec {purpose}:{secret_key}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(value: bytes, secret_key: str, purpose: str) -> str:
    return _fernet(secret_key, purpose).encrypt(value).decode()


def unseal(token: str, secret_key: str, purpose: str) -> bytes:
    try:
        return _fernet(secret_key, purpose).decrypt(token.encode())
    except InvalidToken:
        raise RuntimeError(
            f"cannot open the sealed {purpose}: was REC_SECRET_KEY changed?"
        ) from None
