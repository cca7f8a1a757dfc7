"""The payment-provider interface: how euros are taken by card to buy currency.

A provider starts a payment (the browser is sent to its hosted page with `Checkout`),
tells us the outcome in a signed notification (`verify_notification`), and answers a
status query for a payment whose notification never came (`status`). Two adapters
implement it: `redsys.RedsysProvider`, the card gateway Spanish banks give shops, and
`sandbox.SandboxProvider`, a stand-in card processor for development and tests that is
served by our own server and says so on every page.

Money is integer minor units (euro cents). Our `reference` is the provider's order
number: at most 12 characters, the first 4 digits (Redsys' rule, kept for every provider).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class PaymentState(StrEnum):
    SUCCEEDED = "succeeded"  # the card was charged: the currency may be minted
    FAILED = "failed"  # declined, cancelled or refused: nothing is minted
    PENDING = "pending"  # not decided yet (or not known to the provider yet)


@dataclass(frozen=True)
class Checkout:
    """Where the browser goes to pay: a form the wallet submits (or a link when GET)."""

    url: str
    method: str  # "POST" or "GET"
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """What the provider says of one payment, from a verified notification or a query."""

    reference: str
    state: PaymentState
    amount_cents: int
    currency: str  # ISO 4217 alphabetic, "EUR"
    authorisation: str = ""  # the provider's authorisation code, when charged
    detail: str = ""  # the provider's response code or reason, for the log


class NotificationRejected(Exception):
    """A notification that is not the provider's (bad signature) or cannot be read."""


class ProviderUnavailable(Exception):
    """The provider could not be asked (network, timeout, an answer we cannot read)."""


class PaymentProvider(Protocol):
    name: str

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
        """The form that sends the browser to the provider's payment page."""
        ...

    def verify_notification(self, form: Mapping[str, str]) -> Outcome:
        """The outcome a notification carries, once its signature is checked; raises
        NotificationRejected otherwise. Never trusts the browser's return."""
        ...

    async def status(self, reference: str) -> Outcome:
        """Asks the provider for a payment's outcome (for notifications that never came);
        raises ProviderUnavailable when it cannot be asked."""
        ...
