"""Webhook delivery: events become deliveries, deliveries are POSTed, signed, until they
succeed, are refused, or three days pass.

At least once, in order per payment order: a delivery waits while an earlier one for the
same order and endpoint is still pending. Receivers deduplicate on `webhook-id`.
"""

from __future__ import annotations

import json
import logging
import random
import time
from datetime import timedelta
from typing import Any

import httpx
from pymongo.errors import DuplicateKeyError

from server import clock
from server.events.models import Event
from server.ledger.sealer import hold_lease
from server.webhooks import signing
from server.webhooks.models import Attempt, WebhookCursor, WebhookDelivery, WebhookEndpoint
from server.webhooks.services import EVENT_TYPES, secrets_in_force

log = logging.getLogger("rec.webhooks")
CONNECT_TIMEOUT_S = 2.0
RESPONSE_TIMEOUT_S = 10.0
GIVE_UP_AFTER = timedelta(days=3)
RETRY_DELAY_S_FIRST = 5.0
RETRY_DELAY_S_MAX = 6 * 3600.0
LATE_COMMIT_WINDOW = timedelta(seconds=30)  # events may commit a little after their time
BATCH_SIZE = 200
RETRYABLE_4XX = (408, 429)


def _body(event: Event) -> str:
    return json.dumps(
        {
            "id": str(event.id),
            "type": event.type,
            "created": event.created_at.isoformat(),
            "data": event.data,
        },
        separators=(",", ":"),
        default=str,
    )


async def enqueue_new_events() -> int:
    """Turns new events into deliveries for the endpoints that asked for them; idempotent."""
    cursor = await WebhookCursor.get("events")
    since = (cursor.read_until - LATE_COMMIT_WINDOW) if cursor else clock.now() - GIVE_UP_AFTER
    events = (
        await Event.find({"created_at": {"$gte": since}, "type": {"$in": list(EVENT_TYPES)}})
        .sort("created_at")
        .limit(BATCH_SIZE)
        .to_list()
    )
    created = 0
    endpoints: dict[int, list[WebhookEndpoint]] = {}
    for event in events:
        for account_id in event.account_ids:
            if account_id not in endpoints:
                endpoints[account_id] = await WebhookEndpoint.filter(
                    account_id=account_id, disabled_at=None
                )
            for endpoint in endpoints[account_id]:
                if event.type not in endpoint.events or event.created_at < endpoint.created_at:
                    continue  # not asked for, or from before the endpoint existed
                try:
                    await WebhookDelivery(
                        endpoint_id=endpoint.id,
                        account_id=account_id,
                        event_id=str(event.id),
                        event_type=event.type,
                        order_key=str(event.data.get("orderId", "")),
                        body=_body(event),
                        next_attempt_at=clock.now(),
                        created_at=event.created_at,
                    ).insert()
                    created += 1
                except DuplicateKeyError:  # seen in an earlier round
                    pass
    if events:
        newest = events[-1].created_at
        await WebhookCursor.get_pymongo_collection().update_one(
            {"_id": "events"}, {"$set": {"read_until": newest}}, upsert=True
        )
    return created


def _retry_delay_s(attempts: int) -> float:
    return random.uniform(0.5, 1.0) * min(RETRY_DELAY_S_FIRST * 2**attempts, RETRY_DELAY_S_MAX)


async def _attempt(
    client: httpx.AsyncClient, delivery: WebhookDelivery, endpoint: WebhookEndpoint, secret_key: str
) -> None:
    body = delivery.body.encode()
    headers = signing.headers(
        secrets_in_force(endpoint, secret_key), delivery.event_id, int(time.time()), body
    )
    started = time.perf_counter()
    status_code, problem = None, ""
    try:
        response = await client.post(endpoint.url, content=body, headers=headers)
        status_code = response.status_code
    except httpx.HTTPError as error:
        problem = f"{type(error).__name__}: {error}"[:300]
    attempt = Attempt(
        at=clock.now(),
        status_code=status_code,
        error=problem,
        duration_ms=int((time.perf_counter() - started) * 1000),
    )
    if status_code is not None and 200 <= status_code < 300:
        status, next_at = "succeeded", delivery.next_attempt_at
    elif status_code is not None and 400 <= status_code < 500 and status_code not in RETRYABLE_4XX:
        status, next_at = "failed", delivery.next_attempt_at  # the receiver refused it
    elif clock.now() - delivery.created_at > GIVE_UP_AFTER:
        status, next_at = "dead", delivery.next_attempt_at
    else:
        status = "pending"
        next_at = clock.now() + timedelta(seconds=_retry_delay_s(len(delivery.attempts)))
    await WebhookDelivery.get_pymongo_collection().update_one(
        {"_id": delivery.id},
        {
            "$push": {"attempts": attempt.model_dump()},
            "$set": {"status": status, "next_attempt_at": next_at},
        },
    )


async def deliver_due(secret_key: str, client: httpx.AsyncClient | None = None) -> int:
    """Attempts every delivery that is due and first in line for its order; returns how many."""
    owned = client is None
    client = client or httpx.AsyncClient(
        timeout=httpx.Timeout(RESPONSE_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
    )
    try:
        due = (
            await WebhookDelivery.find(
                WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= clock.now()
            )
            .sort("created_at")
            .limit(BATCH_SIZE)
            .to_list()
        )
        attempted = 0
        for delivery in due:
            earlier: Any = await WebhookDelivery.find_one(
                WebhookDelivery.endpoint_id == delivery.endpoint_id,
                WebhookDelivery.order_key == delivery.order_key,
                WebhookDelivery.status == "pending",
                {"created_at": {"$lt": delivery.created_at}},
            )
            if delivery.order_key and earlier is not None:
                continue  # in order per order: the earlier one goes first
            endpoint = await WebhookEndpoint.get_or_none(id=delivery.endpoint_id)
            if endpoint is None or endpoint.disabled_at is not None:
                continue
            await _attempt(client, delivery, endpoint, secret_key)
            attempted += 1
        return attempted
    finally:
        if owned:
            await client.aclose()


async def log_of(endpoint_id: int, limit: int = 50) -> list[WebhookDelivery]:
    return (
        await WebhookDelivery.find(WebhookDelivery.endpoint_id == endpoint_id)
        .sort("-created_at")
        .limit(min(limit, 100))
        .to_list()
    )


async def webhook_round(secret_key: str) -> None:
    """One round of the delivery job; only the holder of its lease works."""
    if not await hold_lease("webhooks"):
        return
    await enqueue_new_events()
    await deliver_due(secret_key)


async def redeliver(delivery: WebhookDelivery) -> WebhookDelivery:
    """Sends a delivery again, whatever became of it; its earlier attempts stay in the log."""
    await WebhookDelivery.get_pymongo_collection().update_one(
        {"_id": delivery.id}, {"$set": {"status": "pending", "next_attempt_at": clock.now()}}
    )
    refreshed = await WebhookDelivery.get(delivery.id)
    assert refreshed is not None
    return refreshed
