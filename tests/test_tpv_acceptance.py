"""The TPV as an integrator checks it, over HTTP only, against the running platform:
create an order with an API key, a resident pays it, the signed webhook arrives and
verifies, paying again is refused, another order is canceled, two partial refunds and one
too many, the receiver is down for a while, and in the end every event of the event log
arrived, verified, exactly as listed. (Expiry, which takes a minute to see, is checked
by tests/test_api_guide.py, following docs/api.md.)"""

from __future__ import annotations

import json
import time
import uuid

from tests.conftest import LiveServer
from tests.helpers.graphql import (
    GraphQLClient,
    api_key,
    business_account,
    demo_admin,
    make_admin,
    register,
)
from tests.helpers.receiver import Receiver, receiving, verifies
from tests.helpers.waiting import until
from tests.test_ledger_api import ME, PASSWORD, PIN, _issue, _key, _person
from tests.test_pos_api import CREATE_ORDER, EVENT_TYPES_ALL, EVENTS, PAY_ORDER, REFUND

CANCEL = """mutation($input: CancelPaymentOrderInput!) { cancelPaymentOrder(input: $input) {
  errors { code } } }"""
ADD_ENDPOINT = """mutation($input: AddWebhookEndpointInput!) { addWebhookEndpoint(input: $input) {
  secret errors { code } } }"""


def _types_received(receiver: Receiver) -> list[str]:
    return [json.loads(body)["type"] for _, body in list(receiver.received)]


def test_an_integrator_sees_every_event_arrive_signed_and_as_the_event_log_lists_it(
    live_server: LiveServer,
) -> None:
    url = live_server.url
    owner = register(url, f"o{uuid.uuid4().hex[:8]}@example.org", PASSWORD, "Carme")
    account = business_account(owner, "Llibreria del Carrer", "bookshop")
    key = api_key(
        owner, account["id"], "payment_orders:write", "payment_orders:read", "refunds:write"
    )
    shop = GraphQLClient(url, token=key)
    superadmin = demo_admin(url, live_server.data_dir, "superadmin")
    buyer = _person(url, make_admin(url, superadmin, "KYC_OFFICER"))
    _issue(demo_admin(url, live_server.data_dir, "treasurer"), buyer, "40.00")

    def create(amount: str, **extra: object) -> dict:
        variables = {"amount": amount, "currency": "REC", "idempotencyKey": _key(), **extra}
        created = shop.data(CREATE_ORDER, {"input": variables})["createPaymentOrder"]
        assert created["errors"] == []
        return created["paymentOrder"]

    def refund(order_id: str, amount: str) -> dict:
        return shop.data(
            REFUND,
            {"input": {"id": order_id, "amount": amount, "reason": "r", "idempotencyKey": _key()}},
        )["refundPaymentOrder"]

    with receiving() as receiver:
        secret = owner.mutate(
            "addWebhookEndpoint",
            ADD_ENDPOINT,
            {"accountId": account["id"], "url": receiver.url, "events": EVENT_TYPES_ALL},
        )["secret"]
        dropped = create("4.00", reference="LATER")
        sold = create("20.00", reference="SOLD-1", description="Dos llibres")
        paid = buyer.mutate(
            "payPaymentOrder", PAY_ORDER, {"id": sold["id"], "pin": PIN, "idempotencyKey": _key()}
        )
        assert paid["paymentOrder"]["status"] == "SUCCEEDED"
        until(
            lambda: "payment_order.succeeded" in _types_received(receiver), "the payment's webhook"
        )

        again = buyer.data(
            PAY_ORDER, {"input": {"id": sold["id"], "pin": PIN, "idempotencyKey": _key()}}
        )["payPaymentOrder"]
        assert [e["code"] for e in again["errors"]] == ["ORDER_NOT_PAYABLE"]
    port = receiver.port

    # The receiver is down: refunds happen all the same, and their webhooks wait.
    assert refund(sold["id"], "5.00")["errors"] == []
    assert refund(sold["id"], "3.00")["errors"] == []
    too_much = refund(sold["id"], "12.01")
    assert [e["code"] for e in too_much["errors"]] == ["REFUND_EXCEEDS_REMAINING"]
    assert buyer.data(ME)["viewer"]["activeAccount"]["wallet"]["balance"]["amount"] == "28.00"
    canceled = shop.data(CANCEL, {"input": {"id": dropped["id"]}})["cancelPaymentOrder"]
    assert canceled["errors"] == []
    time.sleep(3)  # at least one failed attempt while nobody listens

    with receiving(receiver, port=port):
        until(
            lambda: (
                _types_received(receiver).count("refund.succeeded") == 2
                and "payment_order.canceled" in _types_received(receiver)
            ),
            "the refunds and the cancellation",
            timeout_s=90,
        )

    logged = shop.data(EVENTS, {"first": 100})["events"]
    assert logged["pageInfo"]["hasNextPage"] is False
    listed = {edge["node"]["id"]: edge["node"] for edge in logged["edges"]}
    arrived: dict[str, dict] = {}
    for headers, body in receiver.received:
        assert verifies(secret, headers, body), "a webhook that does not verify"
        event = json.loads(body)
        assert event["id"] == headers["webhook-id"]
        arrived[event["id"]] = event  # at least once: a repeat is the same event
    assert arrived == listed
    by_order = [
        (e["data"]["reference"], e["type"], e["data"].get("refund", {}).get("amount"))
        for e in sorted(listed.values(), key=lambda e: e["created"])
    ]
    assert [entry for entry in by_order if entry[0] == "SOLD-1"] == [
        ("SOLD-1", "payment_order.created", None),
        ("SOLD-1", "payment_order.succeeded", None),
        ("SOLD-1", "refund.succeeded", {"amount": "5.00", "currency": "REC"}),
        ("SOLD-1", "refund.succeeded", {"amount": "3.00", "currency": "REC"}),
    ]
    assert [entry for entry in by_order if entry[0] == "LATER"] == [
        ("LATER", "payment_order.created", None),
        ("LATER", "payment_order.canceled", None),
    ]
    sold_arrivals = [
        event["type"]
        for event in (json.loads(body) for _, body in receiver.received)
        if event["data"]["reference"] == "SOLD-1"
    ]
    assert sold_arrivals[:2] == ["payment_order.created", "payment_order.succeeded"]
