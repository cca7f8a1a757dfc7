"""The example shop of examples/shop, run as its own process against the running platform.

The platform side is set up through the API only, as a shop owner would: a business
account, an API key, a webhook endpoint pointing at the shop. Then a buyer pays through the
shop's payment link, and the shop learns of it only from the platform's signed webhooks:
paid, refunded in part, canceled. Forged, stale and replayed webhooks change nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from server.settings import PROJECT_ROOT
from server.stores.embedded import free_port
from server.webhooks import signing
from tests.conftest import LiveServer, wait_for_http
from tests.helpers.graphql import (
    GraphQLClient,
    api_key,
    business_account,
    demo_admin,
    make_admin,
    register,
)
from tests.test_ledger_api import PIN, _issue, _key, _person
from tests.test_pos_api import PAY_ORDER

T = TypeVar("T")
STAFF_PASSWORD = "staff only, please"
EVENTS = [
    "payment_order.succeeded",
    "payment_order.canceled",
    "payment_order.expired",
    "refund.succeeded",
]
ADD_ENDPOINT = """mutation($input: AddWebhookEndpointInput!) { addWebhookEndpoint(input: $input) {
  secret webhookEndpoint { id } errors { field code message } } }"""
ORDER = """query($id: ID!) { paymentOrder(id: $id) { status amount { amount currency }
  reference successUrl cancelUrl refundedAmount { amount } } }"""
CANCEL_ORDER = """mutation($input: CancelPaymentOrderInput!) { cancelPaymentOrder(input: $input) {
  paymentOrder { status } errors { code } } }"""
NEWEST_ORDER = """{ events(first: 1, types: ["payment_order.created"]) {
  edges { node { data } } } }"""
DELIVERIES = """query($id: ID!) { node(id: $id) { ... on Account { webhookEndpoints { id
  deliveries(first: 20) { edges { node { id eventType status attempts { statusCode } } } }
  } } } }"""
REDELIVER = """mutation($input: RedeliverWebhookInput!) { redeliverWebhook(input: $input) {
  delivery { status } errors { code } } }"""


def eventually(
    read: Callable[[], T], done: Callable[[T], bool], what: str, within_s: float = 20
) -> T:
    """Reads until `done` holds; the platform's webhook job runs every second."""
    deadline = time.monotonic() + within_s
    while True:
        value = read()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {within_s} s; last seen: {value}")
        time.sleep(0.1)


@dataclass
class Platform:
    """The shop's side of the platform: its owner, account, API key and webhook endpoint."""

    url: str
    owner: GraphQLClient
    account_id: str
    api: GraphQLClient  # with the shop's API key
    api_key: str
    endpoint_id: str
    webhook_secret: str


@dataclass
class Shop:
    url: str
    process: subprocess.Popen[str]
    log_path: Path
    http: httpx.Client

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def order(self, order_id: str) -> dict[str, Any]:
        response = self.http.get(f"/orders/{order_id}", headers={"accept": "application/json"})
        assert response.status_code == 200, response.text
        return response.json()

    def buy(self, product: str) -> httpx.Response:
        return self.http.post("/buy", data={"product": product})

    def refund(self, order_id: str, staff: bool = True, **fields: str) -> httpx.Response:
        return self.http.post(
            f"/orders/{order_id}/refund",
            json=fields,
            headers={"accept": "application/json"},
            auth=("staff", STAFF_PASSWORD) if staff else None,
        )

    def webhook(self, headers: dict[str, str], body: bytes) -> httpx.Response:
        return self.http.post("/webhooks", content=body, headers=headers)


@pytest.fixture(scope="module")
def shop_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def platform(live_server: LiveServer, shop_port: int) -> Platform:
    owner = register(
        live_server.url,
        f"botiga-{uuid.uuid4().hex[:8]}@example.org",
        "a long enough passphrase",
        "Núria Serra",
    )
    account_id = business_account(owner, "Botiga Exemple")["id"]
    secret = api_key(
        owner, account_id, "payment_orders:write", "payment_orders:read", "refunds:write"
    )
    endpoint = owner.mutate(
        "addWebhookEndpoint",
        ADD_ENDPOINT,
        {
            "accountId": account_id,
            "url": f"http://127.0.0.1:{shop_port}/webhooks",
            "events": EVENTS,
        },
    )
    return Platform(
        url=live_server.url,
        owner=owner,
        account_id=account_id,
        api=GraphQLClient(live_server.url, token=secret),
        api_key=secret,
        endpoint_id=endpoint["webhookEndpoint"]["id"],
        webhook_secret=endpoint["secret"],
    )


@pytest.fixture(scope="module")
def shop(
    platform: Platform, shop_port: int, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Shop]:
    """The example shop, started as a person would start it, on its own port."""
    folder = tmp_path_factory.mktemp("shop")
    url = f"http://127.0.0.1:{shop_port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REC_", "SHOP_"))}
    env.update(
        SHOP_PLATFORM_URL=platform.url,
        SHOP_API_KEY=platform.api_key,
        SHOP_WEBHOOK_SECRET=platform.webhook_secret,
        SHOP_PUBLIC_URL=url,
        SHOP_DATABASE=str(folder / "shop.sqlite3"),
        SHOP_STAFF_PASSWORD=STAFF_PASSWORD,
    )
    log_path = folder / "shop.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "examples.shop.app:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(shop_port),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=PROJECT_ROOT,
        )
    http = httpx.Client(base_url=url, timeout=20)
    try:
        try:
            wait_for_http(url + "/", process, timeout_s=30)
        except (RuntimeError, TimeoutError) as problem:
            raise AssertionError(f"{problem}:\n{log_path.read_text()}") from None
        yield Shop(url=url, process=process, log_path=log_path, http=http)
    finally:
        http.close()
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def buyer(live_server: LiveServer) -> GraphQLClient:
    """A resident at KYC tier 2 with 200.00 REC and a payment PIN."""
    superadmin = demo_admin(live_server.url, live_server.data_dir, "superadmin")
    officer = make_admin(live_server.url, superadmin, "KYC_OFFICER")
    treasurer = demo_admin(live_server.url, live_server.data_dir, "treasurer")
    person = _person(live_server.url, officer)
    _issue(treasurer, person, "200.00")
    return person


def _buy(shop: Shop, platform: Platform, product: str) -> dict[str, Any]:
    """Buys at the shop; returns the shop's order, found by the reference it gave the platform."""
    response = shop.buy(product)
    assert response.status_code == 303, shop.log()
    payment_url = response.headers["location"]
    assert payment_url.startswith(platform.url + "/pay/")
    created = platform.api.data(NEWEST_ORDER)["events"]["edges"][0]["node"]["data"]
    order = shop.order(created["reference"])
    assert order["paymentOrderId"] == created["paymentOrderId"]
    assert order["paymentUrl"] == payment_url
    seen = platform.api.data(ORDER, {"id": order["paymentOrderId"]})["paymentOrder"]
    assert seen["reference"] == order["id"]
    assert seen["successUrl"] == seen["cancelUrl"] == f"{shop.url}/orders/{order['id']}"
    return order


def _pay(buyer: GraphQLClient, order: dict[str, Any]) -> None:
    paid = buyer.mutate(
        "payPaymentOrder",
        PAY_ORDER,
        {"id": order["paymentOrderId"], "pin": PIN, "idempotencyKey": _key()},
    )
    assert paid["paymentOrder"]["status"] == "SUCCEEDED"


def _paid(shop: Shop, platform: Platform, buyer: GraphQLClient, product: str) -> dict[str, Any]:
    order = _buy(shop, platform, product)
    _pay(buyer, order)
    return eventually(
        lambda: shop.order(order["id"]), lambda o: o["status"] == "paid", "the shop hears it"
    )


def _refunded(shop: Shop, order_id: str, total: str) -> dict[str, Any]:
    return eventually(
        lambda: shop.order(order_id),
        lambda o: o["refunded"] == total,
        f"the shop records {total} refunded",
    )


def test_the_shop_lists_its_products(shop: Shop) -> None:
    page = shop.http.get("/")
    assert page.status_code == 200 and "Cotton tote bag" in page.text
    listed = shop.http.get("/", headers={"accept": "application/json"}).json()
    assert [(p["key"], p["price"], p["currency"]) for p in listed] == [
        ("tote", "12.50", "REC"),
        ("honey", "9.75", "REC"),
        ("mug", "21.00", "REC"),
    ]
    unknown = shop.http.post("/buy", data={"product": "yacht"})
    assert unknown.status_code == 400 and "UNKNOWN_PRODUCT" in unknown.text


def test_a_buyer_pays_through_the_link_and_the_shop_hears_it_by_webhook(
    shop: Shop, platform: Platform, buyer: GraphQLClient
) -> None:
    order = _buy(shop, platform, "tote")
    assert (order["status"], order["amount"], order["currency"]) == ("pending", "12.50", "REC")
    seen = platform.api.data(ORDER, {"id": order["paymentOrderId"]})["paymentOrder"]
    assert seen["status"] == "REQUIRES_PAYMENT"
    assert seen["amount"] == {"amount": "12.50", "currency": "REC"}
    refused = shop.refund(order["id"], amount="1.00")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "NOT_PAID"
    _pay(buyer, order)
    paid = eventually(
        lambda: shop.order(order["id"]), lambda o: o["status"] == "paid", "the shop hears it"
    )
    assert paid["refunded"] == "0.00"
    assert [(e["type"], e["outcome"]) for e in paid["events"]] == [
        ("payment_order.succeeded", "paid")
    ]
    page = shop.http.get(f"/orders/{order['id']}")
    assert page.status_code == 200 and "<td>paid</td>" in page.text


def test_a_partial_refund_is_recorded_when_the_platform_confirms_it(
    shop: Shop, platform: Platform, buyer: GraphQLClient
) -> None:
    order = _paid(shop, platform, buyer, "mug")  # 21.00
    anyone = shop.refund(order["id"], staff=False, amount="21.00")
    assert anyone.status_code == 401 and anyone.json()["error"]["code"] == "UNAUTHORIZED"
    assert anyone.headers["www-authenticate"].startswith("Basic")
    bad = shop.refund(order["id"], amount="two euros")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "INVALID_AMOUNT"
    too_much = shop.refund(order["id"], amount="21.01")
    assert too_much.status_code == 422
    assert too_much.json()["error"]["code"] == "REFUND_EXCEEDS_REMAINING"
    done = shop.refund(order["id"], amount="2.00", reason="chipped handle")
    assert done.status_code == 200, done.text
    answer = done.json()
    assert answer["refund"]["amount"] == "2.00" and answer["refund"]["status"] == "SUCCEEDED"
    recorded = _refunded(shop, order["id"], "2.00")
    assert [(r["amount"], r["reason"]) for r in recorded["refunds"]] == [("2.00", "chipped handle")]
    assert recorded["refunds"][0]["id"] == answer["refund"]["refundId"]
    requests = {r["id"]: r for r in recorded["refundRequests"]}
    assert requests[answer["refund"]["requestId"]]["status"] == "succeeded"
    assert [r["error"].split(":")[0] for r in recorded["refundRequests"] if r["error"]] == [
        "REFUND_EXCEEDS_REMAINING"
    ]
    assert recorded["status"] == "paid"
    seen = platform.api.data(ORDER, {"id": order["paymentOrderId"]})["paymentOrder"]
    assert seen["refundedAmount"] == {"amount": "2.00"}

    # the same request sent again (a double click) refunds once
    again = shop.refund(
        order["id"], amount="2.00", reason="chipped handle", requestId=answer["refund"]["requestId"]
    )
    assert again.status_code == 200, again.text
    assert again.json()["refund"]["refundId"] == answer["refund"]["refundId"]
    seen = platform.api.data(ORDER, {"id": order["paymentOrderId"]})["paymentOrder"]
    assert seen["refundedAmount"] == {"amount": "2.00"}


def test_forged_and_stale_webhooks_are_refused_and_change_nothing(
    shop: Shop, platform: Platform, buyer: GraphQLClient
) -> None:
    order = _paid(shop, platform, buyer, "honey")
    before = shop.order(order["id"])
    forged = {
        "id": "evt_forged",
        "type": "refund.succeeded",
        "created": "2026-01-01T00:00:00+00:00",
        "data": {
            "paymentOrderId": order["paymentOrderId"],
            "status": "SUCCEEDED",
            "amount": {"amount": "9.75", "currency": "REC"},
            "reference": order["id"],
            "refund": {
                "id": "forged-refund",
                "amount": {"amount": "9.75", "currency": "REC"},
                "reason": "free honey",
            },
        },
    }
    body = json.dumps(forged).encode()
    now = int(time.time())
    wrong_secret = signing.headers([signing.new_secret()], "msg_forged_1", now, body)
    assert shop.webhook(wrong_secret, body).status_code == 400
    stale = signing.headers([platform.webhook_secret], "msg_forged_2", now - 6 * 60, body)
    assert shop.webhook(stale, body).status_code == 400
    future = signing.headers([platform.webhook_secret], "msg_forged_3", now + 6 * 60, body)
    assert shop.webhook(future, body).status_code == 400
    genuine = signing.headers([platform.webhook_secret], "msg_forged_4", now, body)
    tampered = body.replace(b'"9.75"', b'"0.01"', 1)
    assert shop.webhook(genuine, tampered).status_code == 400
    unsigned = {"content-type": "application/json"}
    assert shop.webhook(unsigned, body).status_code == 400
    assert shop.order(order["id"]) == before
    assert before["refunded"] == "0.00" and before["status"] == "paid"
    assert "webhook refused" in shop.log()


def test_a_replayed_webhook_is_applied_once(
    shop: Shop, platform: Platform, buyer: GraphQLClient
) -> None:
    order = _paid(shop, platform, buyer, "tote")
    assert shop.refund(order["id"], amount="3.00", reason="wrong colour").status_code == 200
    recorded = _refunded(shop, order["id"], "3.00")
    received = [e for e in recorded["events"] if e["type"] == "refund.succeeded"]
    assert len(received) == 1

    # the platform sends the same delivery again: same webhook-id, same body
    def deliveries() -> list[dict[str, Any]]:
        node = platform.owner.data(DELIVERIES, {"id": platform.account_id})["node"]
        endpoint = next(e for e in node["webhookEndpoints"] if e["id"] == platform.endpoint_id)
        return [edge["node"] for edge in endpoint["deliveries"]["edges"]]

    delivery = eventually(  # the platform notes the shop's answer just after it
        lambda: next(d for d in deliveries() if d["eventType"] == "refund.succeeded"),
        lambda d: d["status"] == "succeeded",
        "the platform notes the delivery",
    )
    assert delivery["attempts"] == [{"statusCode": 200}]
    platform.owner.mutate("redeliverWebhook", REDELIVER, {"id": delivery["id"]})
    eventually(
        lambda: next(d for d in deliveries() if d["id"] == delivery["id"]),
        lambda d: d["status"] == "succeeded" and len(d["attempts"]) == 2,
        "the platform redelivers",
    )
    assert next(d for d in deliveries() if d["id"] == delivery["id"])["attempts"] == [
        {"statusCode": 200},
        {"statusCode": 200},
    ]
    after = shop.order(order["id"])
    assert after["refunded"] == "3.00" and len(after["refunds"]) == 1
    assert after["events"] == recorded["events"]

    # a message with an ID already applied is acknowledged and ignored, whatever it says;
    # the shop accepts it signed with the secret in force among others (a rotation)
    body = json.dumps(
        {
            "id": received[0]["webhookId"],
            "type": "refund.succeeded",
            "created": "2026-01-01T00:00:00+00:00",
            "data": {
                "paymentOrderId": order["paymentOrderId"],
                "reference": order["id"],
                "refund": {"id": "another", "amount": {"amount": "5.00", "currency": "REC"}},
            },
        }
    ).encode()
    headers = signing.headers(
        [signing.new_secret(), platform.webhook_secret],
        received[0]["webhookId"],
        int(time.time()),
        body,
    )
    replayed = shop.webhook(headers, body)
    assert replayed.status_code == 200 and replayed.json() == {"ok": True, "duplicate": True}
    assert shop.order(order["id"]) == after


def test_an_order_canceled_by_the_shop_on_the_platform_is_canceled_in_the_shop(
    shop: Shop, platform: Platform, buyer: GraphQLClient
) -> None:
    order = _buy(shop, platform, "honey")
    canceled = platform.api.mutate(
        "cancelPaymentOrder", CANCEL_ORDER, {"id": order["paymentOrderId"]}
    )
    assert canceled["paymentOrder"]["status"] == "CANCELED"
    seen = eventually(
        lambda: shop.order(order["id"]), lambda o: o["status"] == "canceled", "the shop hears it"
    )
    assert seen["note"] == "by the shop" and seen["refunded"] == "0.00"
    late = buyer.data(
        PAY_ORDER,
        {"input": {"id": order["paymentOrderId"], "pin": PIN, "idempotencyKey": _key()}},
    )["payPaymentOrder"]
    assert late["errors"][0]["code"] == "ORDER_NOT_PAYABLE"
    assert shop.order(order["id"])["status"] == "canceled"
