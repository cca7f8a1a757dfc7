"""Webhook delivery to a real receiver on 127.0.0.1: signed, in order, retried, refused."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

from server import clock
from server.pos import services as pos
from server.settings import Settings
from server.stores.embedded import free_port
from server.webhooks import delivery
from server.webhooks import services as webhooks
from server.webhooks.models import WebhookCircuit, WebhookDelivery
from tests.helpers.receiver import Receiver, receiving, verifies
from tests.test_ledger import _fund, _person, key
from tests.test_pos import _order, _shop

PIN = "4071"
EVENTS = ["payment_order.created", "payment_order.succeeded", "refund.succeeded"]


async def _due_now() -> None:
    await WebhookDelivery.get_pymongo_collection().update_many(
        {"status": "pending"}, {"$set": {"next_attempt_at": clock.now()}}
    )


async def test_events_arrive_signed_and_in_order(stores: Settings) -> None:
    shop = await _shop()
    anna, anna_account = await _person("Anna")
    await _fund(anna_account, 50_00)
    with receiving() as receiver:
        endpoint = await webhooks.add_endpoint(
            shop, receiver.url, EVENTS, stores.secret_key, development=True
        )
        order = await _order(shop, amount=10_00)
        await pos.pay_order(order, anna, anna_account, PIN, key())
        order = await pos.get_order(str(order.id))
        await pos.refund_order(order, 2_00, "one item", key(), None)
        assert await delivery.enqueue_new_events() == 3
        assert await delivery.enqueue_new_events() == 0  # idempotent
        for _ in range(3):  # one per round: each waits for the earlier one of its order
            await delivery.deliver_due(stores.secret_key)
    types = [json.loads(body)["type"] for _, body in receiver.received]
    assert types == EVENTS
    for headers, body in receiver.received:
        assert verifies(endpoint.secret, headers, body)
        assert json.loads(body)["id"] == headers["webhook-id"]
    succeeded, refunded = (json.loads(body) for _, body in receiver.received[1:])
    order_id = base64.b64encode(f"PaymentOrder:{order.id}".encode()).decode()
    assert succeeded["data"]["paymentOrderId"] == order_id
    assert succeeded["data"]["status"] == "SUCCEEDED"
    assert succeeded["data"]["amount"] == {"amount": "10.00", "currency": "REC"}
    assert succeeded["data"]["reference"] == "T-1"
    assert refunded["data"]["refund"]["amount"] == {"amount": "2.00", "currency": "REC"}
    assert refunded["data"]["refund"]["reason"] == "one item"
    statuses = {d.status for d in await WebhookDelivery.find().to_list()}
    assert statuses == {"succeeded"}


async def test_server_errors_are_retried_and_4xx_refusals_are_not(stores: Settings) -> None:
    shop = await _shop()
    with receiving() as receiver:
        await webhooks.add_endpoint(
            shop, receiver.url, ["payment_order.created"], stores.secret_key, development=True
        )
        receiver.answers = [503, 429, 200]
        await _order(shop)
        await delivery.enqueue_new_events()
        for _ in range(3):
            await delivery.deliver_due(stores.secret_key)
            await _due_now()
        retried = (await WebhookDelivery.find().to_list())[0]
        assert retried.status == "succeeded"
        assert [a.status_code for a in retried.attempts] == [503, 429, 200]

        receiver.answers = [400]
        await _order(shop)
        await delivery.enqueue_new_events()
        await delivery.deliver_due(stores.secret_key)
        await _due_now()
        await delivery.deliver_due(stores.secret_key)
    refused = await WebhookDelivery.find(WebhookDelivery.status == "failed").to_list()
    assert len(refused) == 1 and [a.status_code for a in refused[0].attempts] == [400]


async def test_a_receiver_that_was_down_gets_everything_afterwards(stores: Settings) -> None:
    shop = await _shop()
    port = free_port()
    receiver = Receiver()
    receiver.port = port
    await webhooks.add_endpoint(
        shop, receiver.url, ["payment_order.created"], stores.secret_key, development=True
    )
    for _ in range(3):
        await _order(shop)
    await delivery.enqueue_new_events()
    await delivery.deliver_due(stores.secret_key)  # nobody listens: all fail, all pending
    pending = await WebhookDelivery.find(WebhookDelivery.status == "pending").to_list()
    assert len(pending) == 3 and all(p.attempts[0].error for p in pending)
    assert all(p.next_attempt_at > clock.now() for p in pending)  # backoff
    with receiving(receiver, port=port):
        await _due_now()
        await delivery.deliver_due(stores.secret_key)
    assert len(receiver.received) == 3
    assert {d.status for d in await WebhookDelivery.find().to_list()} == {"succeeded"}


async def test_an_endpoint_gets_only_events_from_after_it_was_added(stores: Settings) -> None:
    shop = await _shop()
    await _order(shop)  # before any endpoint
    with receiving() as receiver:
        await webhooks.add_endpoint(
            shop, receiver.url, ["payment_order.created"], stores.secret_key, development=True
        )
        await _order(shop)
        assert await delivery.enqueue_new_events() == 1
        await delivery.deliver_due(stores.secret_key)
    assert len(receiver.received) == 1


async def _probe_now(endpoint_id: int) -> None:
    await WebhookCircuit.get_pymongo_collection().update_one(
        {"_id": endpoint_id}, {"$set": {"next_probe_at": clock.now()}}
    )


async def test_an_endpoint_that_keeps_failing_rests_and_a_probe_brings_it_back(
    stores: Settings,
) -> None:
    shop, other_shop = await _shop(), await _shop()
    port = free_port()
    receiver = Receiver()
    receiver.port = port
    created = await webhooks.add_endpoint(
        shop, receiver.url, ["payment_order.created"], stores.secret_key, development=True
    )
    endpoint_id = created.endpoint.id
    orders = [await _order(shop) for _ in range(8)]
    await delivery.enqueue_new_events()
    assert await delivery.deliver_due(stores.secret_key) == delivery.CIRCUIT_FAILURES_TO_OPEN
    circuit = await WebhookCircuit.get(endpoint_id)
    assert circuit is not None and circuit.state == "open"
    assert circuit.consecutive_failures == delivery.CIRCUIT_FAILURES_TO_OPEN
    assert "ConnectError" in circuit.last_error
    assert circuit.next_probe_at is not None
    assert circuit.next_probe_at - clock.now() > timedelta(seconds=20)
    untried = await WebhookDelivery.find({"attempts": {"$size": 0}}).to_list()
    assert len(untried) == 3  # the rest waited instead of failing too

    # At rest: even due deliveries wait, while other endpoints are served.
    with receiving() as other:
        await webhooks.add_endpoint(
            other_shop, other.url, ["payment_order.created"], stores.secret_key, development=True
        )
        await _order(other_shop)
        await delivery.enqueue_new_events()
        await _due_now()
        assert await delivery.deliver_due(stores.secret_key) == 1
    assert len(other.received) == 1

    await _probe_now(endpoint_id)  # the probe's time: one delivery, still down
    assert await delivery.deliver_due(stores.secret_key) == 1
    circuit = await WebhookCircuit.get(endpoint_id)
    assert circuit is not None and circuit.state == "open" and circuit.probes == 1
    assert circuit.next_probe_at is not None and circuit.next_probe_at > clock.now()

    with receiving(receiver, port=port):
        await _probe_now(endpoint_id)
        assert await delivery.deliver_due(stores.secret_key) == 1  # the probe goes through
        circuit = await WebhookCircuit.get(endpoint_id)
        assert circuit is not None and circuit.state == "closed"
        assert circuit.consecutive_failures == 0 and circuit.last_success_at is not None
        await delivery.deliver_due(stores.secret_key)  # then everything that waited
    delivered = [json.loads(body)["data"]["paymentOrderId"] for _, body in receiver.received]
    expected = [base64.b64encode(f"PaymentOrder:{o.id}".encode()).decode() for o in orders]
    assert sorted(delivered) == sorted(expected) and len(delivered) == 8
    mine = await WebhookDelivery.find(WebhookDelivery.endpoint_id == endpoint_id).to_list()
    assert {d.status for d in mine} == {"succeeded"}


async def test_a_removed_endpoint_gets_nothing_more(stores: Settings) -> None:
    shop = await _shop()
    port = free_port()
    created = await webhooks.add_endpoint(
        shop,
        f"http://127.0.0.1:{port}/hooks",
        ["payment_order.created"],
        stores.secret_key,
        development=True,
    )
    await _order(shop)
    await delivery.enqueue_new_events()
    await delivery.remove_endpoint(created.endpoint)
    await _order(shop)
    assert await delivery.enqueue_new_events() == 0
    assert await delivery.deliver_due(stores.secret_key) == 0
    statuses = [d.status for d in await WebhookDelivery.find().to_list()]
    assert statuses == ["canceled"]
