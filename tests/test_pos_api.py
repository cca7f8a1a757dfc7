"""Payment orders over the API, as a shop's program and a resident use them."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest
from strawberry import relay

from tests.conftest import LiveServer
from tests.helpers.graphql import (
    GraphQLClient,
    api_key,
    demo_admin,
    make_admin,
    register,
    token_from_database,
)
from tests.helpers.live import next_message, subscription
from tests.helpers.waiting import until
from tests.test_ledger_api import PIN, _issue, _key, _person

EVENT_TYPES_ALL = [
    "payment_order.created",
    "payment_order.succeeded",
    "payment_order.canceled",
    "payment_order.expired",
    "refund.succeeded",
]
CREATE_SHOP = """mutation($input: CreateBusinessAccountInput!) { createBusinessAccount(input: $input) {
  account { id handle } errors { code } } }"""
CREATE_KEY = """mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) {
  secret errors { code } } }"""
CREATE_ORDER = """mutation($input: CreatePaymentOrderInput!) { createPaymentOrder(input: $input) {
  paymentOrder { id status amount { amount currency } paymentUrl qrSvg expiresAt reference }
  errors { field code message } } }"""
ORDER = """query($id: ID!) { paymentOrder(id: $id) { status merchantName amount { amount }
  reference refundedAmount { amount } refunds { amount { amount } reason } } }"""
PAY_ORDER = """mutation($input: PayPaymentOrderInput!) { payPaymentOrder(input: $input) {
  paymentOrder { status } errors { field code message } } }"""
EVENTS = """query($first: Int!, $after: String, $types: [String!], $orderId: ID) {
  events(first: $first, after: $after, types: $types, paymentOrderId: $orderId) {
    edges { cursor node { id type created data } } pageInfo { hasNextPage endCursor } } }"""
REFUND = """mutation($input: RefundPaymentOrderInput!) { refundPaymentOrder(input: $input) {
  refund { amount { amount } reason status } paymentOrder { refundedAmount { amount } }
  errors { field code message } } }"""


@pytest.fixture(scope="module")
def treasurer(live_server: LiveServer) -> GraphQLClient:
    return demo_admin(live_server.url, live_server.data_dir, "treasurer")


@pytest.fixture(scope="module")
def officer(live_server: LiveServer) -> GraphQLClient:
    superadmin = demo_admin(live_server.url, live_server.data_dir, "superadmin")
    return make_admin(live_server.url, superadmin, "KYC_OFFICER")


@pytest.fixture(scope="module")
def shop(live_server: LiveServer) -> dict:
    owner = register(
        live_server.url,
        f"shop-{uuid.uuid4().hex[:8]}@example.org",
        "a long enough passphrase",
        "Owner",
    )
    account = owner.mutate(
        "createBusinessAccount",
        CREATE_SHOP,
        {
            "name": "Botiga del Barri",
            "category": "shop",
            "address": "Carrer de Verdi, 30",
            "location": {"lat": 41.4036, "lng": 2.157},
        },
    )["account"]
    owner.mutate(
        "switchAccount",
        """mutation($input: SwitchAccountInput!) { switchAccount(
        input: $input) { account { id } errors { code } } }""",
        {"accountId": account["id"]},
    )

    def key(*scopes: str) -> GraphQLClient:
        secret = owner.mutate(
            "createApiKey",
            CREATE_KEY,
            {"accountId": account["id"], "name": "web", "scopes": list(scopes)},
        )["secret"]
        return GraphQLClient(live_server.url, token=secret)

    return {
        "owner": owner,
        "account": account,
        "charger": key("payment_orders:write", "payment_orders:read"),
        "refunder": key("refunds:write", "payment_orders:read"),
    }


def _create(client: GraphQLClient, amount: str = "20.00", **extra: object) -> dict:
    payload = client.data(
        CREATE_ORDER,
        {
            "input": {
                "amount": amount,
                "currency": "REC",
                "reference": "WEB-42",
                "idempotencyKey": _key(),
                **extra,
            }
        },
    )
    return payload["createPaymentOrder"]


def test_a_program_creates_an_order_anyone_with_the_link_sees_what_to_pay(
    live_server: LiveServer, shop: dict
) -> None:
    created = _create(shop["charger"], description="Llibre")
    assert created["errors"] == []
    order = created["paymentOrder"]
    assert order["status"] == "REQUIRES_PAYMENT" and order["reference"] == "WEB-42"
    assert order["paymentUrl"].startswith(live_server.url + "/pay/")
    assert order["qrSvg"].startswith("<svg")
    png = httpx.get(order["paymentUrl"] + "/qr.png")
    assert png.status_code == 200 and png.content[:4] == b"\x89PNG"
    public = GraphQLClient(live_server.url).data(ORDER, {"id": order["id"]})["paymentOrder"]
    assert public == {
        "status": "REQUIRES_PAYMENT",
        "merchantName": "Botiga del Barri",
        "amount": {"amount": "20.00"},
        "reference": None,
        "refundedAmount": None,
        "refunds": None,
    }
    bad = _create(shop["charger"], amount="1.234")
    assert bad["errors"][0]["code"] == "INVALID_AMOUNT"


def test_an_order_is_paid_once_and_the_shop_hears_it_live(
    live_server: LiveServer, shop: dict, treasurer: GraphQLClient, officer: GraphQLClient
) -> None:
    buyer = _person(live_server.url, officer)
    _issue(treasurer, buyer, "50.00")
    order = _create(shop["charger"])["paymentOrder"]
    token = shop["charger"].http.headers["authorization"].split(" ", 1)[1]
    query = "subscription($id: ID) { paymentOrderEvents(id: $id) { type status } }"
    with subscription(
        live_server.url, query.replace("($id: ID)", "").replace("(id: $id)", ""), token=token
    ) as socket:
        wrong = buyer.data(
            PAY_ORDER, {"input": {"id": order["id"], "pin": "0000", "idempotencyKey": _key()}}
        )["payPaymentOrder"]
        assert wrong["errors"][0]["code"] == "WRONG_PIN"
        paid = buyer.mutate(
            "payPaymentOrder", PAY_ORDER, {"id": order["id"], "pin": PIN, "idempotencyKey": _key()}
        )
        assert paid["paymentOrder"]["status"] == "SUCCEEDED"
        event = next_message(socket)["payload"]["data"]["paymentOrderEvents"]
        if event["type"] == "payment_order.created":  # the order's creation, heard late
            event = next_message(socket)["payload"]["data"]["paymentOrderEvents"]
    assert event == {"type": "payment_order.succeeded", "status": "SUCCEEDED"}
    again = buyer.data(
        PAY_ORDER, {"input": {"id": order["id"], "pin": PIN, "idempotencyKey": _key()}}
    )["payPaymentOrder"]
    assert again["errors"][0]["code"] == "ORDER_NOT_PAYABLE"


def test_refunds_need_the_scope_and_never_exceed_the_payment(
    live_server: LiveServer, shop: dict, treasurer: GraphQLClient, officer: GraphQLClient
) -> None:
    buyer = _person(live_server.url, officer)
    _issue(treasurer, buyer, "50.00")
    order = _create(shop["charger"], amount="30.00")["paymentOrder"]
    buyer.mutate(
        "payPaymentOrder", PAY_ORDER, {"id": order["id"], "pin": PIN, "idempotencyKey": _key()}
    )
    beyond = {"input": {"id": order["id"], "amount": "1.00", "idempotencyKey": _key()}}
    assert shop["charger"].refusal(REFUND, beyond) == "FORBIDDEN"  # a key without refunds:write
    only_refunds = api_key(shop["owner"], shop["account"]["id"], "refunds:write")
    refunder = GraphQLClient(live_server.url, token=only_refunds)  # the one scope suffices
    first = refunder.mutate(
        "refundPaymentOrder",
        REFUND,
        {"id": order["id"], "amount": "10.00", "reason": "one item back", "idempotencyKey": _key()},
    )
    assert first["refund"] == {
        "amount": {"amount": "10.00"},
        "reason": "one item back",
        "status": "SUCCEEDED",
    }
    refunder.mutate(
        "refundPaymentOrder",
        REFUND,
        {"id": order["id"], "amount": "15.00", "idempotencyKey": _key()},
    )
    too_much = refunder.data(
        REFUND, {"input": {"id": order["id"], "amount": "5.01", "idempotencyKey": _key()}}
    )
    assert too_much["refundPaymentOrder"]["errors"] == [
        {
            "field": "amount",
            "code": "REFUND_EXCEEDS_REMAINING",
            "message": "only 5.00 REC remain to refund",
        }
    ]
    seen = shop["owner"].data(ORDER, {"id": order["id"]})["paymentOrder"]
    assert seen["refundedAmount"] == {"amount": "25.00"} and len(seen["refunds"]) == 2


def test_a_cashier_charges_but_cannot_refund(
    live_server: LiveServer, shop: dict, treasurer: GraphQLClient, officer: GraphQLClient
) -> None:
    email = f"cashier-{uuid.uuid4().hex[:8]}@example.org"
    shop["owner"].mutate(
        "inviteMember",
        """mutation($input: InviteMemberInput!) {
        inviteMember(input: $input) { errors { code } } }""",
        {"accountId": shop["account"]["id"], "email": email, "role": "CASHIER"},
    )
    cashier = register(live_server.url, email, "a long enough passphrase", "Cashier")
    token = token_from_database(live_server.data_dir.parent / "rec.sqlite3", email, "invitation")
    cashier.mutate(
        "acceptInvitation",
        """mutation($input: AcceptInvitationInput!) {
        acceptInvitation(input: $input) { account { id } errors { code } } }""",
        {"token": token},
    )
    cashier.mutate(
        "switchAccount",
        """mutation($input: SwitchAccountInput!) { switchAccount(
        input: $input) { account { id } errors { code } } }""",
        {"accountId": shop["account"]["id"]},
    )
    order = _create(cashier)["paymentOrder"]  # a cashier charges
    buyer = _person(live_server.url, officer)
    _issue(treasurer, buyer, "50.00")
    buyer.mutate(
        "payPaymentOrder", PAY_ORDER, {"id": order["id"], "pin": PIN, "idempotencyKey": _key()}
    )
    refused = cashier.data(REFUND, {"input": {"id": order["id"], "idempotencyKey": _key()}})
    assert refused["refundPaymentOrder"]["errors"][0]["code"] == "FORBIDDEN"
    seen = shop["owner"].data(ORDER, {"id": order["id"]})["paymentOrder"]
    assert seen["refundedAmount"] == {"amount": "0.00"}


def test_only_owners_add_webhook_endpoints_and_see_the_secret_once(
    live_server: LiveServer, shop: dict
) -> None:
    add = """mutation($input: AddWebhookEndpointInput!) { addWebhookEndpoint(input: $input) {
        secret webhookEndpoint { id url events } errors { field code } } }"""
    endpoint = {
        "accountId": shop["account"]["id"],
        "url": "http://127.0.0.1:9/hooks",
        "events": ["payment_order.succeeded", "refund.succeeded"],
    }
    created = shop["owner"].mutate("addWebhookEndpoint", add, endpoint)
    assert created["secret"].startswith("whsec_")
    assert created["webhookEndpoint"]["events"] == ["payment_order.succeeded", "refund.succeeded"]
    assert shop["charger"].refusal(add, {"input": endpoint}) == "FORBIDDEN"
    stranger = register(
        live_server.url, f"s-{uuid.uuid4().hex[:8]}@example.org", "a long enough passphrase"
    )
    assert stranger.refusal(add, {"input": endpoint}) == "FORBIDDEN"


def test_the_shops_receiver_gets_signed_webhooks_from_the_running_platform(
    live_server: LiveServer, shop: dict, treasurer: GraphQLClient, officer: GraphQLClient
) -> None:
    import json
    import time

    from tests.helpers.receiver import receiving, verifies

    add = """mutation($input: AddWebhookEndpointInput!) { addWebhookEndpoint(input: $input) {
        secret errors { code } } }"""
    with receiving() as receiver:
        secret = shop["owner"].mutate(
            "addWebhookEndpoint",
            add,
            {
                "accountId": shop["account"]["id"],
                "url": receiver.url,
                "events": ["payment_order.succeeded"],
            },
        )["secret"]
        buyer = _person(live_server.url, officer)
        _issue(treasurer, buyer, "20.00")
        order = _create(shop["charger"], amount="3.00")["paymentOrder"]
        buyer.mutate(
            "payPaymentOrder", PAY_ORDER, {"id": order["id"], "pin": PIN, "idempotencyKey": _key()}
        )
        deadline = time.monotonic() + 20
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.2)
    assert receiver.received, "no webhook arrived"
    headers, body = receiver.received[0]
    assert verifies(secret, headers, body)
    delivered = json.loads(body)
    assert delivered["type"] == "payment_order.succeeded"
    assert delivered["data"]["paymentOrderId"] == order["id"]
    assert delivered["data"]["amount"] == {"amount": "3.00", "currency": "REC"}
    # The event log lists it exactly as the webhook carried it.
    listed = shop["charger"].data(EVENTS, {"first": 5, "orderId": order["id"]})["events"]
    assert listed["edges"][0]["node"] == delivered
    assert [e["node"]["type"] for e in listed["edges"]] == [
        "payment_order.succeeded",
        "payment_order.created",
    ]
    health = """query($id: ID!) { node(id: $id) { ... on Account { webhookEndpoints {
        health { state consecutiveFailures lastSuccessAt } } } } }"""
    endpoints = shop["owner"].data(health, {"id": shop["account"]["id"]})["node"]
    states = [e["health"] for e in endpoints["webhookEndpoints"]]
    assert any(h["state"] == "CLOSED" and h["lastSuccessAt"] for h in states)


def test_the_event_log_pages_and_filters_the_last_30_days(
    live_server: LiveServer, shop: dict
) -> None:
    orders = [_create(shop["charger"], amount="1.00")["paymentOrder"] for _ in range(3)]
    shop["owner"].mutate(
        "cancelPaymentOrder",
        """mutation($input: CancelPaymentOrderInput!) { cancelPaymentOrder(input: $input) {
        paymentOrder { status } errors { code } } }""",
        {"id": orders[0]["id"]},
    )
    reader = shop["charger"]
    first = reader.data(EVENTS, {"first": 2, "types": ["payment_order.created"]})["events"]
    assert [e["node"]["data"]["paymentOrderId"] for e in first["edges"]] == [
        orders[2]["id"],
        orders[1]["id"],
    ]
    assert first["pageInfo"]["hasNextPage"] is True
    after = first["pageInfo"]["endCursor"]
    second = reader.data(EVENTS, {"first": 1, "after": after, "types": ["payment_order.created"]})
    assert second["events"]["edges"][0]["node"]["data"]["paymentOrderId"] == orders[0]["id"]
    canceled = reader.data(EVENTS, {"first": 5, "types": ["payment_order.canceled"]})["events"]
    node = canceled["edges"][0]["node"]
    assert node["data"]["paymentOrderId"] == orders[0]["id"]
    assert node["data"]["status"] == "CANCELED" and node["data"]["reason"] == "by the shop"
    for bad in ({"first": 0}, {"first": 101}, {"first": 5, "after": "nope"}):
        assert reader.refusal(EVENTS, bad) == "INVALID_INPUT"
    assert reader.refusal(EVENTS, {"first": 5, "types": ["payment_order.paid"]}) == "INVALID_INPUT"
    assert GraphQLClient(live_server.url).refusal(EVENTS, {"first": 5}) == "UNAUTHENTICATED"


def test_an_owner_reads_the_delivery_log_and_redelivers(
    live_server: LiveServer, shop: dict
) -> None:
    import time

    from tests.helpers.receiver import receiving

    add = """mutation($input: AddWebhookEndpointInput!) { addWebhookEndpoint(input: $input) {
        webhookEndpoint { id } errors { code } } }"""
    log = """query($id: ID!) { node(id: $id) { ... on Account { webhookEndpoints { id
        deliveries(first: 5) { edges { node { id eventType status attempts { statusCode } } } }
        } } } }"""
    redeliver = """mutation($input: RedeliverWebhookInput!) { redeliverWebhook(input: $input) {
        delivery { status } errors { code } } }"""
    owner = shop["owner"]

    def deliveries(endpoint_id: str) -> list[dict]:
        endpoints = owner.data(log, {"id": shop["account"]["id"]})["node"]["webhookEndpoints"]
        endpoint = next(e for e in endpoints if e["id"] == endpoint_id)
        return [edge["node"] for edge in endpoint["deliveries"]["edges"]]

    def wait_for(endpoint_id: str, status: str) -> list[dict]:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            found = deliveries(endpoint_id)
            if found and found[0]["status"] == status:
                return found
            time.sleep(0.2)
        raise AssertionError(f"no {status} delivery: {deliveries(endpoint_id)}")

    with receiving() as receiver:
        receiver.answers = [400]  # refused once: no retry
        endpoint_id = owner.mutate(
            "addWebhookEndpoint",
            add,
            {
                "accountId": shop["account"]["id"],
                "url": receiver.url,
                "events": ["payment_order.created"],
            },
        )["webhookEndpoint"]["id"]
        _create(shop["charger"])
        failed = wait_for(endpoint_id, "failed")
        assert failed[0]["attempts"] == [{"statusCode": 400}]
        again = owner.mutate("redeliverWebhook", redeliver, {"id": failed[0]["id"]})
        assert again["delivery"]["status"] == "pending"
        done = wait_for(endpoint_id, "succeeded")
        _create(shop["charger"])
        _create(shop["charger"])

        def all_three_succeeded() -> list[dict] | None:
            found = deliveries(endpoint_id)
            done = len(found) == 3 and {d["status"] for d in found} == {"succeeded"}
            return found if done else None

        newest = until(all_three_succeeded, "three deliveries succeeded")
    assert done[0]["attempts"] == [{"statusCode": 400}, {"statusCode": 200}]
    assert len(receiver.received) == 4

    # The log pages by cursor, newest first, each delivery once.
    one = """query($id: ID!, $after: String) { node(id: $id) { ... on Account {
        webhookEndpoints { id deliveries(first: 1, after: $after) {
        edges { cursor node { id } } pageInfo { hasNextPage endCursor } } } } } }"""
    paged: list[str] = []
    after = None
    while True:
        variables = {"id": shop["account"]["id"], "after": after}
        endpoints = owner.data(one, variables)["node"]["webhookEndpoints"]
        connection = next(e for e in endpoints if e["id"] == endpoint_id)["deliveries"]
        paged += [edge["node"]["id"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert paged == [d["id"] for d in newest]
    assert paged[-1] == failed[0]["id"]
    bad = owner.raw(one, {"id": shop["account"]["id"], "after": "zz"})
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    stranger = register(
        live_server.url, f"x-{uuid.uuid4().hex[:8]}@example.org", "a long enough passphrase"
    )
    refused = stranger.data(redeliver, {"input": {"id": failed[0]["id"]}})["redeliverWebhook"]
    assert refused == {"delivery": None, "errors": [{"code": "NOT_FOUND"}]}
    # Both are nodes: their owner finds them by ID, nobody else does.
    by_id = """query($e: ID!, $d: ID!) { e: node(id: $e) { ... on WebhookEndpoint { url } }
        d: node(id: $d) { ... on WebhookDelivery { eventType status } } }"""
    ids = {"e": endpoint_id, "d": failed[0]["id"]}
    assert owner.data(by_id, ids) == {
        "e": {"url": receiver.url},
        "d": {"eventType": "payment_order.created", "status": "succeeded"},
    }
    assert stranger.data(by_id, ids) == {"e": None, "d": None}


def test_a_key_with_webhooks_write_manages_endpoints_and_removing_one_stops_it(
    live_server: LiveServer, shop: dict
) -> None:
    add = """mutation($input: AddWebhookEndpointInput!) { addWebhookEndpoint(input: $input) {
        webhookEndpoint { id } secret errors { code } } }"""
    listing = """query($id: ID!) { node(id: $id) { ... on Account { webhookEndpoints { id url
        deliveries(first: 5) { edges { node { status } } } } } } }"""
    remove = """mutation($input: RemoveWebhookEndpointInput!) { removeWebhookEndpoint(
        input: $input) { removedId errors { code } } }"""
    account_id = shop["account"]["id"]
    hooks = GraphQLClient(
        live_server.url, token=api_key(shop["owner"], account_id, "webhooks:write")
    )
    endpoint = {
        "accountId": account_id,
        "url": "http://127.0.0.1:9/down",
        "events": EVENT_TYPES_ALL,
    }
    assert shop["charger"].refusal(add, {"input": endpoint}) == "FORBIDDEN"  # no webhooks:write
    added = hooks.mutate("addWebhookEndpoint", add, endpoint)
    assert added["secret"].startswith("whsec_")
    endpoint_id = added["webhookEndpoint"]["id"]
    _create(shop["charger"])

    def mine() -> dict | None:
        endpoints = hooks.data(listing, {"id": account_id})["node"]["webhookEndpoints"]
        return next((e for e in endpoints if e["id"] == endpoint_id), None)

    deadline = time.monotonic() + 20

    def queued() -> bool:
        return bool((mine() or {"deliveries": {"edges": []}})["deliveries"]["edges"])

    while not queued() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert queued(), "no delivery was queued"
    assert hooks.mutate("removeWebhookEndpoint", remove, {"id": endpoint_id})["removedId"]
    assert mine() is None
    again = hooks.data(remove, {"input": {"id": endpoint_id}})["removeWebhookEndpoint"]
    assert again["errors"] == [{"code": "NOT_FOUND"}]
    rotate = """mutation($input: RotateWebhookSecretInput!) { rotateWebhookSecret(
        input: $input) { secret errors { code } } }"""
    rotated = hooks.data(rotate, {"input": {"id": endpoint_id}})["rotateWebhookSecret"]
    assert rotated == {"secret": None, "errors": [{"code": "NOT_FOUND"}]}  # gone for good
    others = register(
        live_server.url, f"r-{uuid.uuid4().hex[:8]}@example.org", "a long enough passphrase"
    )
    kept = hooks.mutate("addWebhookEndpoint", add, endpoint)["webhookEndpoint"]["id"]
    refused = others.data(remove, {"input": {"id": kept}})["removeWebhookEndpoint"]
    assert refused["errors"] == [{"code": "NOT_FOUND"}]
    assert hooks.mutate("removeWebhookEndpoint", remove, {"id": kept})["removedId"] == kept


def test_subscriptions_to_what_does_not_exist_are_refused_with_a_code(
    live_server: LiveServer, shop: dict, officer: GraphQLClient
) -> None:
    token = shop["charger"].http.headers["authorization"].split(" ", 1)[1]
    nowhere = relay.to_base64("PaymentOrder", "6b0000000000000000000000")
    query = "subscription($id: ID) { paymentOrderEvents(id: $id) { type } }"
    for order_id in (nowhere, relay.to_base64("Account", 1), "not an id"):
        variables = {"id": order_id}
        with subscription(live_server.url, query, token=token, variables=variables) as socket:
            answer = next_message(socket)
            assert answer["payload"]["errors"][0]["extensions"]["code"] == "NOT_FOUND"
            assert next_message(socket)["type"] == "complete"
    buyer = _person(live_server.url, officer)
    query = 'subscription { walletEvents(currency: "XXX") { type } }'
    with subscription(live_server.url, query, cookie=buyer.http.cookies["rec_session"]) as socket:
        answer = next_message(socket)
        assert answer["payload"]["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
