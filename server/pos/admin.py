"""Points of sale as administrators see them: the business accounts that take payments
through the gateway (the TPV), with their keys, endpoints and how deliveries fare.

A business account is a point of sale ("TPV enabled") when it has at least one API key
not revoked, or a webhook endpoint not removed, or any payment order in the currency
looked at. Reading keys and endpoints here is read-only and for administrators only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q

from server.accounts.models import Account, AccountKind, ApiKey
from server.pos.models import PaymentOrder
from server.webhooks.delivery import circuit_of, log_of
from server.webhooks.models import WebhookEndpoint

SEARCH_MAX = 80
HEALTH_WINDOW = 50  # the success rate is over the endpoint's last 50 deliveries
FINISHED = ("succeeded", "failed", "dead")


async def _account_ids_with_gateway(currency: str) -> set[int]:
    keyed = await ApiKey.filter(revoked_at=None).values_list("account_id", flat=True)
    hooked = await WebhookEndpoint.filter(disabled_at=None).values_list("account_id", flat=True)
    ordering = await PaymentOrder.get_pymongo_collection().distinct(
        "account_id", {"currency": currency}
    )
    return {int(i) for i in [*keyed, *hooked, *ordering]}


async def points_of_sale(
    currency: str, first: int, after: int | None = None, search: str = ""
) -> tuple[list[Account], bool]:
    """Business accounts that are points of sale, by id; name or handle containing
    `search` (any case) when given; and whether more follow."""
    ids = await _account_ids_with_gateway(currency)
    if not ids:
        return [], False
    query = Account.filter(id__in=sorted(ids), kind=AccountKind.BUSINESS)
    words = search.strip()[:SEARCH_MAX].lstrip("@")
    if words:
        query = query.filter(Q(name__icontains=words) | Q(handle__icontains=words))
    if after is not None:
        query = query.filter(id__gt=after)
    rows = await query.order_by("id").limit(first + 1)
    return rows[:first], len(rows) > first


async def is_point_of_sale(account: Account, currency: str) -> bool:
    if account.kind != AccountKind.BUSINESS:
        return False
    return account.id in await _account_ids_with_gateway(currency)


async def orders_count(account_id: int, currency: str) -> int:
    return await PaymentOrder.find(
        PaymentOrder.account_id == account_id, PaymentOrder.currency == currency
    ).count()


async def active_key_count(account_id: int) -> int:
    return await ApiKey.filter(account_id=account_id, revoked_at=None).count()


@dataclass
class DeliveryHealth:
    window: int  # how many of the latest deliveries were looked at
    succeeded: int
    failed: int  # refused by the receiver, or given up
    pending: int  # still being tried
    last_error: str
    last_error_at: datetime | None
    last_success_at: datetime | None

    @property
    def success_rate(self) -> float | None:
        """Succeeded of those that finished, 0 to 1; None before any finished."""
        finished = self.succeeded + self.failed
        return self.succeeded / finished if finished else None


async def delivery_health(endpoint_id: int, window: int = HEALTH_WINDOW) -> DeliveryHealth:
    """How the endpoint's latest deliveries fared. The last error and the last success are
    the latest among their attempts (a receiver's refusal included), or the circuit
    breaker's when it remembers a later one."""
    rows, _ = await log_of(endpoint_id, window)
    statuses = [row.status for row in rows]
    attempts = sorted((a for row in rows for a in row.attempts), key=lambda a: a.at)
    failures = [a for a in attempts if a.error]
    successes = [a for a in attempts if a.status_code is not None and a.status_code < 300]
    last_error, last_error_at = (failures[-1].error, failures[-1].at) if failures else ("", None)
    last_success_at = successes[-1].at if successes else None
    circuit = await circuit_of(endpoint_id)
    if circuit.last_failure_at and (
        last_error_at is None or circuit.last_failure_at > last_error_at
    ):
        last_error, last_error_at = circuit.last_error, circuit.last_failure_at
    if circuit.last_success_at and (
        last_success_at is None or circuit.last_success_at > last_success_at
    ):
        last_success_at = circuit.last_success_at
    return DeliveryHealth(
        window=len(rows),
        succeeded=statuses.count("succeeded"),
        failed=statuses.count("failed") + statuses.count("dead"),
        pending=statuses.count("pending"),
        last_error=last_error,
        last_error_at=last_error_at,
        last_success_at=last_success_at,
    )
