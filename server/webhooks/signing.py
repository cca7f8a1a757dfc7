"""Standard Webhooks signatures: `webhook-id`, `webhook-timestamp`, and
`webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">` with a `whsec_` secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

SECRET_PREFIX = "whsec_"
TOLERANCE_S = 5 * 60  # receivers refuse timestamps further off than this


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _key(secret: str) -> bytes:
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("a webhook secret starts with whsec_")
    return base64.b64decode(secret[len(SECRET_PREFIX) :])


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secrets_in_force: list[str], message_id: str, timestamp: int, body: bytes) -> dict:
    """The headers of a delivery, signed with every secret in force (two during rotation)."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            signature(secret, message_id, timestamp, body) for secret in secrets_in_force
        ),
        "content-type": "application/json",
    }


def verify(
    secret: str,
    message_id: str,
    timestamp: str,
    signatures: str,
    body: bytes,
    now_s: float | None = None,
) -> bool:
    """What a receiver does: a fresh timestamp and one matching signature, in constant time."""
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now_s is None else now_s) - sent_at) > TOLERANCE_S:
        return False
    expected = signature(secret, message_id, sent_at, body)
    return any(hmac.compare_digest(expected, given) for given in signatures.split(" "))
