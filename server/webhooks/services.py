"""Webhook endpoints of business accounts: registered with a secret shown once, rotated with
both secrets signing for 24 hours. (Delivery from the outbox comes next; see the issue.)"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from server import clock
from server.accounts.errors import AccountsError
from server.accounts.models import Account, AccountKind
from server.sealed import seal, unseal
from server.webhooks import signing
from server.webhooks.models import WebhookEndpoint

EVENT_TYPES = (
    "payment_order.created",
    "payment_order.succeeded",
    "payment_order.canceled",
    "payment_order.expired",
    "refund.succeeded",
)
ENDPOINTS_PER_ACCOUNT_MAX = 10
ROTATION_OVERLAP = timedelta(hours=24)
PURPOSE = "webhook secrets"
_LOOPBACK = re.compile(r"^http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/|$)")


@dataclass(frozen=True)
class NewEndpoint:
    endpoint: WebhookEndpoint
    secret: str  # shown once


def _check_url(url: str, development: bool) -> str:
    url = url.strip()
    if len(url) > 2000 or not re.match(r"^https?://[^\s]+$", url):
        raise AccountsError("INVALID_INPUT", "url", "an http(s) address")
    if not url.startswith("https://") and not (development and _LOOPBACK.match(url)):
        raise AccountsError(
            "INVALID_INPUT", "url", "https only (plain http on loopback in development)"
        )
    return url


async def add_endpoint(
    account: Account, url: str, events: list[str], secret_key: str, development: bool
) -> NewEndpoint:
    if account.kind != AccountKind.BUSINESS:
        raise AccountsError("INVALID_INPUT", "accountId", "webhooks belong to business accounts")
    url = _check_url(url, development)
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown or not events:
        raise AccountsError("INVALID_INPUT", "events", f"choose among {', '.join(EVENT_TYPES)}")
    if (
        await WebhookEndpoint.filter(account=account, disabled_at=None).count()
        >= ENDPOINTS_PER_ACCOUNT_MAX
    ):
        raise AccountsError("LIMIT_EXCEEDED", "accountId", "too many endpoints; remove some")
    secret = signing.new_secret()
    endpoint = await WebhookEndpoint.create(
        account=account,
        url=url,
        events=sorted(set(events)),
        secret_sealed=seal(secret.encode(), secret_key, PURPOSE),
    )
    return NewEndpoint(endpoint=endpoint, secret=secret)


async def rotate_secret(endpoint: WebhookEndpoint, secret_key: str) -> str:
    """A new secret, shown once; the old one keeps signing for 24 hours."""
    secret = signing.new_secret()
    endpoint.previous_secret_sealed = endpoint.secret_sealed
    endpoint.previous_secret_until = clock.now() + ROTATION_OVERLAP
    endpoint.secret_sealed = seal(secret.encode(), secret_key, PURPOSE)
    await endpoint.save(
        update_fields=["previous_secret_sealed", "previous_secret_until", "secret_sealed"]
    )
    return secret


def secrets_in_force(endpoint: WebhookEndpoint, secret_key: str) -> list[str]:
    """The secrets a delivery is signed with now: the current one, and during a rotation the
    previous one too."""
    found = [unseal(endpoint.secret_sealed, secret_key, PURPOSE).decode()]
    until = endpoint.previous_secret_until
    if endpoint.previous_secret_sealed and until is not None and until > clock.now():
        found.append(unseal(endpoint.previous_secret_sealed, secret_key, PURPOSE).decode())
    return found


async def endpoints_of(account_id: int) -> list[WebhookEndpoint]:
    return await WebhookEndpoint.filter(account_id=account_id, disabled_at=None).order_by("id")
