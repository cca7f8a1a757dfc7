"""What integrators see of an event: the webhook body, and the same object in the event log.

Money is a decimal string beside its currency, and IDs are the API's own global IDs, so a
shop can pass what it receives straight back to the API.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

from bson import ObjectId

from server import clock
from server.currencies.services import get_currency
from server.events.models import Event
from server.webhooks.services import EVENT_TYPES

EVENT_LOG_DAYS = 30


def global_id(type_name: str, key: object) -> str:
    """The API's opaque ID of a node (Relay's base64 of "Type:key")."""
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


def _money(cents: int, currency: str, decimals: int) -> dict[str, str]:
    return {"amount": f"{Decimal(cents).scaleb(-decimals):.{decimals}f}", "currency": currency}


async def public_event(event: Event) -> dict[str, Any]:
    """`{id type created data}` of a payment order or refund event."""
    raw = event.data
    currency_code = str(raw.get("currency", ""))
    currency = await get_currency(currency_code)
    decimals = currency.decimals if currency else 2
    data: dict[str, Any] = {
        "paymentOrderId": global_id("PaymentOrder", raw.get("orderId", "")),
        "status": str(raw.get("status", "")),
        "amount": _money(int(raw.get("amount_cents", 0)), currency_code, decimals),
        "reference": str(raw.get("reference", "")),
    }
    if "transactionId" in raw:
        data["transactionId"] = global_id("Transaction", raw["transactionId"])
    if "reason" in raw:
        data["reason"] = str(raw["reason"])
    if "refundId" in raw:
        data["refund"] = {
            "id": str(raw["refundId"]),
            "amount": _money(int(raw.get("refund_amount_cents", 0)), currency_code, decimals),
            "reason": str(raw.get("refund_reason", "")),
        }
    return {
        "id": str(event.id),
        "type": event.type,
        "created": event.created_at.isoformat(),
        "data": data,
    }


async def body_of(event: Event) -> str:
    """The webhook body: compact JSON of the public event."""
    return json.dumps(await public_event(event), separators=(",", ":"))


async def event_log(
    account_id: int,
    first: int,
    after: str | None = None,
    types: list[str] | None = None,
    order_key: str | None = None,
) -> tuple[list[dict[str, Any]], bool]:
    """An account's payment order and refund events of the last 30 days, newest first, as
    their webhooks carry them, and whether more follow. Raises ValueError on a bad cursor
    or an unknown event type."""
    unknown = sorted(set(types or []) - set(EVENT_TYPES))
    if unknown:
        raise ValueError(f"unknown event types: {', '.join(unknown)}")
    query: dict[str, Any] = {
        "account_ids": account_id,
        "type": {"$in": list(types or EVENT_TYPES)},
        "created_at": {"$gte": clock.now() - timedelta(days=EVENT_LOG_DAYS)},
    }
    if after is not None:
        if not ObjectId.is_valid(after):
            raise ValueError("after is not a cursor of this list")
        query["_id"] = {"$lt": ObjectId(after)}
    if order_key is not None:
        query["data.orderId"] = order_key
    rows = await Event.find(query).sort("-_id").limit(first + 1).to_list()
    return [await public_event(row) for row in rows[:first]], len(rows) > first
