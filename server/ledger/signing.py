"""Ed25519 keys that sign each currency's journal checkpoints.

The private key is kept in the relational store sealed with a key derived from
REC_SECRET_KEY (Fernet); the public key is published with every checkpoint.
"""

from __future__ import annotations

import base64

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from server.sealed import seal, unseal

PURPOSE = "checkpoint keys"


def new_keypair(secret_key: str) -> tuple[str, str]:
    """A new key: (public key in base64, private key sealed for storage)."""
    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(public).decode(), seal(raw, secret_key, PURPOSE)


def sign(sealed_private_key: str, secret_key: str, message: bytes) -> str:
    raw = unseal(sealed_private_key, secret_key, PURPOSE)
    return base64.b64encode(Ed25519PrivateKey.from_private_bytes(raw).sign(message)).decode()


def verify(public_key: str, message: bytes, signature: str) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key))
        key.verify(base64.b64decode(signature), message)
        return True
    except (InvalidSignature, ValueError):
        return False


def checkpoint_message(currency: str, sequence: int, chain_hash: str, signed_at: str) -> bytes:
    """Exactly what a checkpoint's signature covers."""
    return f"rec-checkpoint-v1\n{currency}\n{sequence}\n{chain_hash}\n{signed_at}".encode()
