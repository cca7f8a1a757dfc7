"""The sandbox payment provider: a stand-in card processor for development and tests.

It is an outside party we cannot reach in development (a bank's card gateway), so it is
faked here, clearly: `SandboxProvider` is the adapter (the same interface as Redsys), and
`server/topup/sandbox_processor.py` is the pretend processor, served by our own server
under `/sandbox/card`, whose every page says SANDBOX. They share a key, as a merchant and
its gateway do: forms, notifications and status answers are signed with HMAC-SHA256.

Test cards (any future expiry, any CVC): see `TEST_CARDS`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping

import httpx

from server.topup.providers import (
    Checkout,
    NotificationRejected,
    Outcome,
    PaymentState,
    ProviderUnavailable,
)

NAME = "sandbox"
# Card number -> (what the processor does, shown on its page)
TEST_CARDS = {
    "4242424242424242": "succeeds; notification at once",
    "4000000000000077": "succeeds; notification delayed (REC_SANDBOX_NOTIFY_DELAY_S)",
    "4000000000000341": "succeeds; no notification ever (found by the status query)",
    "4000000000000002": "declined",
    "4000000000009995": "declined: insufficient funds",
}
START_FIELDS = (
    "reference",
    "amount_cents",
    "currency",
    "description",
    "notify_url",
    "ok_url",
    "ko_url",
)
OUTCOME_FIELDS = ("reference", "state", "amount_cents", "currency", "authorisation", "detail")


def sandbox_key(secret_key: str) -> bytes:
    """The key the sandbox and its merchant share, derived from the platform's secret."""
    return hmac.new(secret_key.encode(), b"rec sandbox card processor", hashlib.sha256).digest()


def sign(key: bytes, fields: Mapping[str, str], names: tuple[str, ...]) -> str:
    message = json.dumps({name: str(fields.get(name, "")) for name in names}, sort_keys=True)
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def signed(key: bytes, fields: Mapping[str, str], names: tuple[str, ...]) -> bool:
    given = fields.get("signature", "")
    return isinstance(given, str) and hmac.compare_digest(given, sign(key, fields, names))


def outcome_from(fields: Mapping[str, str]) -> Outcome:
    """An Outcome from signed outcome fields; NotificationRejected when unreadable."""
    try:
        state = PaymentState(fields["state"])
        amount = int(fields["amount_cents"])
    except (KeyError, ValueError) as problem:
        raise NotificationRejected(f"unreadable fields: {problem}") from None
    return Outcome(
        reference=str(fields.get("reference", "")),
        state=state,
        amount_cents=amount,
        currency=str(fields.get("currency", "")),
        authorisation=str(fields.get("authorisation", "")),
        detail=str(fields.get("detail", "")),
    )


class SandboxProvider:
    """The adapter our top-ups use when the sandbox processor stands in for the bank."""

    name = NAME

    def __init__(self, key: bytes, base_url: str, timeout_s: float = 10) -> None:
        self._key = key
        self._base_url = base_url.rstrip("/")
        self._timeout_s = timeout_s

    def start(
        self,
        *,
        reference: str,
        amount_cents: int,
        currency: str,
        description: str,
        notify_url: str,
        ok_url: str,
        ko_url: str,
    ) -> Checkout:
        fields = {
            "reference": reference,
            "amount_cents": str(amount_cents),
            "currency": currency,
            "description": description,
            "notify_url": notify_url,
            "ok_url": ok_url,
            "ko_url": ko_url,
        }
        fields["signature"] = sign(self._key, fields, START_FIELDS)
        return Checkout(url=f"{self._base_url}/sandbox/card", method="POST", fields=fields)

    def verify_notification(self, form: Mapping[str, str]) -> Outcome:
        if not signed(self._key, form, OUTCOME_FIELDS):
            raise NotificationRejected("the signature is not the sandbox's")
        return outcome_from(form)

    async def status(self, reference: str) -> Outcome:
        url = f"{self._base_url}/sandbox/card/api/payments/{reference}"
        asked = sign(self._key, {"reference": reference}, ("reference",))
        try:
            async with httpx.AsyncClient(timeout=self._timeout_s) as client:
                answer = await client.get(url, headers={"X-Sandbox-Signature": asked})
        except httpx.HTTPError as problem:
            raise ProviderUnavailable(f"the sandbox did not answer: {problem!r}") from None
        if answer.status_code == 404:  # the card page was never submitted
            return Outcome(reference, PaymentState.PENDING, 0, "EUR", detail="unknown")
        if answer.status_code != 200:
            raise ProviderUnavailable(f"the sandbox answered {answer.status_code}")
        try:
            fields = {str(k): str(v) for k, v in answer.json().items()}
        except (ValueError, AttributeError):
            raise ProviderUnavailable("the sandbox's answer is not JSON") from None
        if not signed(self._key, fields, OUTCOME_FIELDS):
            raise NotificationRejected("the status answer is not signed by the sandbox")
        return outcome_from(fields)
