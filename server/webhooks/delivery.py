"""Webhook delivery: events become deliveries, deliveries are POSTed, signed, until they
succeed, are refused, or three days pass.

At least once, in order per payment order: a delivery waits while an earlier one for the
same order and endpoint is still pending. Receivers deduplicate on `webhook-id`.

A circuit breaker per endpoint: after five failed attempts in a row the endpoint rests, and
one probe (its oldest pending delivery) tests it, 30 s later and then at growing intervals
up to 5 minutes. When the receiver answers, everything that waited goes out, in order.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import timedelta
from typing import Any

import httpx
from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from server import clock, metrics
from server.events.models import Event
from server.webhooks import signing
from server.webhooks.models import (
    Attempt,
    WebhookCircuit,
    WebhookCursor,
    WebhookDelivery,
    WebhookEndpoint,
)
from server.webhooks.payloads import body_of
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
CIRCUIT_FAILURES_TO_OPEN = 5  # failed attempts in a row, across the endpoint's deliveries
PROBE_DELAY_S_FIRST = 30.0
PROBE_DELAY_S_MAX = 300.0  # a receiver back after an outage hears from us within 5 minutes


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
                        body=await body_of(event),
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


def _probe_delay_s(probes: int) -> float:
    return random.uniform(0.75, 1.0) * min(PROBE_DELAY_S_FIRST * 2**probes, PROBE_DELAY_S_MAX)


async def _attempt(
    client: httpx.AsyncClient, delivery: WebhookDelivery, endpoint: WebhookEndpoint, secret_key: str
) -> Attempt:
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
        error=problem or (f"HTTP {status_code}" if status_code and status_code >= 300 else ""),
        duration_ms=int((time.perf_counter() - started) * 1000),
    )
    if _answered(attempt) and status_code is not None and status_code < 300:
        status, next_at = "succeeded", delivery.next_attempt_at
    elif _answered(attempt):
        status, next_at = "failed", delivery.next_attempt_at  # the receiver refused it
    elif clock.now() - delivery.created_at > GIVE_UP_AFTER:
        status, next_at = "dead", delivery.next_attempt_at
    else:
        status = "pending"
        next_at = clock.now() + timedelta(seconds=_retry_delay_s(len(delivery.attempts)))
    await WebhookDelivery.get_pymongo_collection().update_one(
        _shard_key(delivery),
        {
            "$push": {"attempts": attempt.model_dump()},
            "$set": {"status": status, "next_attempt_at": next_at},
        },
    )
    metrics.WEBHOOK_ATTEMPTS.inc(status)
    return attempt


def _shard_key(delivery: WebhookDelivery) -> dict[str, Any]:
    """The delivery's `_id` with the collection's recommended shard key
    (`{endpoint_id, event_id}`, docs/scaling.md), so that a write goes to one shard only."""
    return {"endpoint_id": delivery.endpoint_id, "event_id": delivery.event_id, "_id": delivery.id}


def _answered(attempt: Attempt) -> bool:
    """The receiver is up and gave a final answer: 2xx, or a 4xx other than 408 and 429."""
    code = attempt.status_code
    return code is not None and (code < 300 or (400 <= code < 500 and code not in RETRYABLE_4XX))


async def circuit_of(endpoint_id: int) -> WebhookCircuit:
    return await WebhookCircuit.get(endpoint_id) or WebhookCircuit(id=endpoint_id)


async def _record(circuit: WebhookCircuit, attempt: Attempt) -> None:
    """Moves the endpoint's circuit breaker after an attempt."""
    now = clock.now()
    if _answered(attempt):
        if circuit.state == "open":
            log.info("webhook endpoint %s answers again: circuit closed", circuit.id)
            # Everything that waited goes out now, in order.
            await WebhookDelivery.get_pymongo_collection().update_many(
                {"endpoint_id": circuit.id, "status": "pending"}, {"$set": {"next_attempt_at": now}}
            )
        circuit.state, circuit.consecutive_failures, circuit.probes = "closed", 0, 0
        circuit.last_success_at, circuit.next_probe_at = now, None
    else:
        circuit.consecutive_failures += 1
        circuit.last_error, circuit.last_failure_at = attempt.error, now
        if circuit.state == "open":
            circuit.probes += 1
            circuit.next_probe_at = now + timedelta(seconds=_probe_delay_s(circuit.probes))
            await WebhookDelivery.get_pymongo_collection().update_many(
                {
                    "endpoint_id": circuit.id,
                    "status": "pending",
                    "created_at": {"$lt": now - GIVE_UP_AFTER},
                },
                {"$set": {"status": "dead"}},
            )
        elif circuit.consecutive_failures >= CIRCUIT_FAILURES_TO_OPEN:
            log.warning("webhook endpoint %s keeps failing: circuit open", circuit.id)
            circuit.state, circuit.opened_at, circuit.probes = "open", now, 0
            circuit.next_probe_at = now + timedelta(seconds=_probe_delay_s(0))
    await WebhookCircuit.get_pymongo_collection().replace_one(
        {"_id": circuit.id}, circuit.model_dump(exclude={"id", "revision_id"}), upsert=True
    )


async def _due() -> list[WebhookDelivery]:
    """Deliveries due now, except those of endpoints at rest (their circuit open), and for
    each open circuit whose probe time came, its oldest pending delivery."""
    now = clock.now()
    open_circuits = await WebhookCircuit.find({"state": "open"}).to_list()
    due = (
        await WebhookDelivery.find(
            {
                "status": "pending",
                "next_attempt_at": {"$lte": now},
                "endpoint_id": {"$nin": [circuit.id for circuit in open_circuits]},
            }
        )
        .sort("created_at")
        .limit(BATCH_SIZE)
        .to_list()
    )
    for circuit in open_circuits:
        if circuit.next_probe_at is None or circuit.next_probe_at > now:
            continue
        oldest = (
            await WebhookDelivery.find(
                WebhookDelivery.endpoint_id == circuit.id, WebhookDelivery.status == "pending"
            )
            .sort("created_at")
            .limit(1)
            .to_list()
        )
        due[:0] = oldest
    return due


async def deliver_due(secret_key: str, client: httpx.AsyncClient | None = None) -> int:
    """Attempts every delivery that is due and first in line for its order, except those of
    endpoints whose circuit is open, which get one probe when its time comes."""
    due = await _due()
    if not due:
        return 0  # most rounds: no client to build
    owned = client is None
    client = client or httpx.AsyncClient(
        timeout=httpx.Timeout(RESPONSE_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
    )
    try:
        circuits: dict[int, WebhookCircuit] = {}
        probed: set[int] = set()
        attempted = 0
        for delivery in due:
            if delivery.endpoint_id not in circuits:
                circuits[delivery.endpoint_id] = await circuit_of(delivery.endpoint_id)
            circuit = circuits[delivery.endpoint_id]
            if circuit.state == "open":
                probe_time = circuit.next_probe_at and circuit.next_probe_at <= clock.now()
                if not probe_time or circuit.id in probed:
                    continue  # the endpoint rests; its deliveries wait for the probe
                probed.add(circuit.id)
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
            attempt = await _attempt(client, delivery, endpoint, secret_key)
            await _record(circuit, attempt)
            attempted += 1
        return attempted
    finally:
        if owned:
            await client.aclose()


async def log_of(
    endpoint_id: int, first: int, after: ObjectId | None = None
) -> tuple[list[WebhookDelivery], bool]:
    """The endpoint's deliveries, newest first, and whether more follow."""
    query: dict[str, Any] = {"endpoint_id": endpoint_id}
    if after is not None:
        query["_id"] = {"$lt": after}
    rows = await WebhookDelivery.find(query).sort("-_id").limit(first + 1).to_list()
    return rows[:first], len(rows) > first


async def webhook_round(secret_key: str) -> None:
    """One round of the delivery job, run by the holder of the `webhooks` lease
    (server/jobs.py)."""
    await enqueue_new_events()
    await deliver_due(secret_key)


async def remove_endpoint(endpoint: WebhookEndpoint) -> None:
    """No more deliveries to it: what was pending is canceled; the log stays."""
    endpoint.disabled_at = clock.now()
    await endpoint.save(update_fields=["disabled_at"])
    await WebhookDelivery.get_pymongo_collection().update_many(
        {"endpoint_id": endpoint.id, "status": "pending"}, {"$set": {"status": "canceled"}}
    )
    await WebhookCircuit.get_pymongo_collection().delete_one({"_id": endpoint.id})


async def redeliver(delivery: WebhookDelivery) -> WebhookDelivery:
    """Sends a delivery again, whatever became of it; its earlier attempts stay in the log."""
    await WebhookDelivery.get_pymongo_collection().update_one(
        _shard_key(delivery), {"$set": {"status": "pending", "next_attempt_at": clock.now()}}
    )
    refreshed = await WebhookDelivery.get(delivery.id)
    assert refreshed is not None
    return refreshed
