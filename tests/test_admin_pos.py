"""Points of sale in the admin panel: a shop with an API key and a webhook endpoint to a
real receiver (tests/helpers/receiver.py) that refuses one delivery and takes the next;
administrators see the shop, its key and the endpoint's health; a superadmin redelivers
and revokes (with a reason, audited), in the API and in real Chromium; support is refused.
Screenshot: tests/artifacts/admin-pos.png."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page

from server.demo import SUPERADMIN_EMAIL
from tests.conftest import LiveServer
from tests.helpers.browser import PageWatch
from tests.helpers.graphql import (
    GraphQLClient,
    api_key,
    business_account,
    demo_admin,
    make_admin,
    register,
)
from tests.helpers.receiver import Receiver, receiving
from tests.helpers.waiting import until

ARTIFACTS = Path(__file__).parent / "artifacts"
WAIT_MS = 15000
PASSWORD = "a long enough passphrase"
POINTS = """query($search: String) { pointsOfSale(currency: "REC", first: 100, search: $search) {
  edges { node { ordersCount activeApiKeys account { id name handle
    apiKeys { id name scopes createdAt lastUsedAt revokedAt } }
    webhookEndpoints { endpoint { id url deliveries(first: 10) { edges { node { id status
      attempts { statusCode } } } } }
      health { window succeeded failed pending successRate lastError lastErrorAt
        lastSuccessAt } } } } pageInfo { hasNextPage } } }"""
ONE = """query($id: ID!) { pointOfSale(accountId: $id, currency: "REC") { ordersCount
  account { apiKeys { id revokedAt } } } }"""
ADD_ENDPOINT = """mutation($input: AddWebhookEndpointInput!) { addWebhookEndpoint(input: $input)
  { webhookEndpoint { id } errors { field code message } } }"""
CREATE_ORDER = """mutation($input: CreatePaymentOrderInput!) { createPaymentOrder(input: $input)
  { paymentOrder { id } errors { field code message } } }"""
REVOKE = """mutation($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) {
  apiKey { id revokedAt } errors { field code message } } }"""
REDELIVER = """mutation($input: RedeliverWebhookInput!) { redeliverWebhook(input: $input) {
  delivery { id status } errors { field code message } } }"""
AUDIT = """query($action: String) { auditLog(first: 20, action: $action) {
  edges { node { actor action targetType targetId reason } } } }"""


@pytest.fixture(scope="module")
def superadmin(live_server: LiveServer) -> GraphQLClient:
    return demo_admin(live_server.url, live_server.data_dir, "superadmin")


@pytest.fixture(scope="module")
def support(live_server: LiveServer, superadmin: GraphQLClient) -> GraphQLClient:
    return make_admin(live_server.url, superadmin, "SUPPORT")


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with receiving() as found:
        yield found


def _shop(url: str, receiver: Receiver, orders: int = 2) -> dict[str, Any]:
    """A shop with a charging key and an endpoint; its receiver refuses the first
    delivery (400: final) and takes the others: one delivery per order."""
    owner = register(url, f"p{uuid.uuid4().hex[:10]}@example.org", PASSWORD, "Marta Vidal")
    name = f"Llibreria {uuid.uuid4().hex[:6]}"
    shop = business_account(owner, name)
    secret = api_key(owner, shop["id"], "payment_orders:write", "payment_orders:read")
    owner.mutate(
        "addWebhookEndpoint",
        ADD_ENDPOINT,
        {"accountId": shop["id"], "url": receiver.url, "events": ["payment_order.created"]},
    )
    charger = GraphQLClient(url, token=secret)
    receiver.answers = [400]
    for _ in range(orders):
        charger.mutate(
            "createPaymentOrder",
            CREATE_ORDER,
            {"amount": "12.00", "currency": "REC", "idempotencyKey": uuid.uuid4().hex},
        )
    return {"owner": owner, "id": shop["id"], "handle": shop["handle"], "name": name}


def _point(admin: GraphQLClient, shop: dict[str, Any]) -> dict[str, Any]:
    edges = admin.data(POINTS, {"search": shop["name"]})["pointsOfSale"]["edges"]
    assert [e["node"]["account"]["id"] for e in edges] == [shop["id"]]
    return edges[0]["node"]


def _settled(
    admin: GraphQLClient, shop: dict[str, Any], deliveries: int = 2
) -> dict[str, Any] | None:
    point = _point(admin, shop)
    endpoint = point["webhookEndpoints"][0]
    health = endpoint["health"]
    # The health and the log are read separately, within one answer: a delivery finishing
    # meanwhile may be in one and not yet in the other. Settled: both agree.
    log = [edge["node"]["status"] for edge in endpoint["endpoint"]["deliveries"]["edges"]]
    finished = all(status in ("succeeded", "failed") for status in log)
    return point if finished and health["succeeded"] + health["failed"] == deliveries else None


def test_a_shop_with_a_key_and_an_endpoint_shows_its_delivery_health(
    live_server: LiveServer,
    superadmin: GraphQLClient,
    support: GraphQLClient,
    receiver: Receiver,
) -> None:
    shop = _shop(live_server.url, receiver)
    point = until(lambda: _settled(superadmin, shop), "both deliveries to finish")
    assert point["ordersCount"] == 2 and point["activeApiKeys"] == 1
    (key,) = point["account"]["apiKeys"]
    assert sorted(key["scopes"]) == ["payment_orders:read", "payment_orders:write"]
    assert key["revokedAt"] is None and key["lastUsedAt"] is not None
    (entry,) = point["webhookEndpoints"]
    assert entry["endpoint"]["url"] == receiver.url
    health = entry["health"]
    assert (health["window"], health["succeeded"], health["failed"], health["pending"]) == (
        2,
        1,
        1,
        0,
    )
    assert health["successRate"] == 0.5
    assert health["lastError"] == "HTTP 400"
    assert health["lastErrorAt"] and health["lastSuccessAt"]
    log = [e["node"] for e in entry["endpoint"]["deliveries"]["edges"]]
    assert sorted(d["status"] for d in log) == ["failed", "succeeded"]

    # Support reads the same; a search for nothing finds nothing; people who are not
    # administrators are refused.
    assert _point(support, shop)["webhookEndpoints"][0]["health"]["successRate"] == 0.5
    nobody = support.data(POINTS, {"search": "no shop is called this"})["pointsOfSale"]
    assert nobody["edges"] == []
    assert shop["owner"].refusal(POINTS, {"search": shop["name"]}) == "FORBIDDEN"


def test_a_superadmin_redelivers_and_revokes_audited_and_support_cannot(
    live_server: LiveServer,
    superadmin: GraphQLClient,
    support: GraphQLClient,
    receiver: Receiver,
) -> None:
    shop = _shop(live_server.url, receiver)
    point = until(lambda: _settled(superadmin, shop), "both deliveries to finish")
    log = [e["node"] for e in point["webhookEndpoints"][0]["endpoint"]["deliveries"]["edges"]]
    failed = next(d for d in log if d["status"] == "failed")
    key = point["account"]["apiKeys"][0]

    # Support acts on nothing: top-level FORBIDDEN, and nothing changed.
    assert support.refusal(REDELIVER, {"input": {"id": failed["id"]}}) == "FORBIDDEN"
    assert support.refusal(REVOKE, {"input": {"id": key["id"], "reason": "x"}}) == "FORBIDDEN"

    again = superadmin.mutate("redeliverWebhook", REDELIVER, {"id": failed["id"]})
    assert again["delivery"]["status"] == "pending"
    until(
        lambda: (
            _settled(superadmin, shop)
            and _point(superadmin, shop)["webhookEndpoints"][0]["health"]["succeeded"] == 2
        ),
        "the redelivery to succeed",
    )
    redelivered = superadmin.data(AUDIT, {"action": "webhook.redeliver"})["auditLog"]["edges"]
    assert redelivered[0]["node"]["targetType"] == "webhook_delivery"

    no_reason = superadmin.data(REVOKE, {"input": {"id": key["id"], "reason": " "}})
    assert no_reason["revokeApiKey"]["errors"][0]["code"] == "INVALID_INPUT"
    assert _point(superadmin, shop)["activeApiKeys"] == 1  # nothing changed
    revoked = superadmin.mutate(
        "revokeApiKey", REVOKE, {"id": key["id"], "reason": "leaked in a public repository"}
    )
    assert revoked["apiKey"]["revokedAt"] is not None
    assert _point(superadmin, shop)["activeApiKeys"] == 0
    entries = superadmin.data(AUDIT, {"action": "api_key.revoke"})["auditLog"]["edges"]
    audited = entries[0]["node"]
    assert audited["targetType"] == "api_key"
    assert audited["reason"] == "leaked in a public repository"
    assert audited["actor"] == SUPERADMIN_EMAIL

    # The owner still revokes their own keys, without a reason, as before (not audited).
    api_key(shop["owner"], shop["id"], "payment_orders:read")
    keys = superadmin.data(ONE, {"id": shop["id"]})["pointOfSale"]["account"]["apiKeys"]
    newest = next(k for k in keys if k["revokedAt"] is None)
    by_owner = shop["owner"].mutate("revokeApiKey", REVOKE, {"id": newest["id"]})
    assert by_owner["apiKey"]["revokedAt"] is not None


@pytest.fixture
async def wide(browser: Browser) -> AsyncIterator[PageWatch]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    yield PageWatch(await context.new_page())
    await context.close()


async def _as(page: Page, url: str, client: GraphQLClient, path: str) -> None:
    """Opens `path` in a browser carrying the API client's session (two-factor passed)."""
    cookie = client.http.cookies["rec_session"]
    await page.context.add_cookies([{"name": "rec_session", "value": cookie, "url": url}])
    await page.goto(url + path)


@pytest.mark.browser
async def test_in_the_panel_a_superadmin_redelivers_and_revokes_a_key(
    live_server: LiveServer, superadmin: GraphQLClient, receiver: Receiver, wide: PageWatch
) -> None:
    shop = _shop(live_server.url, receiver, orders=22)  # more than a page of the log
    until(lambda: _settled(superadmin, shop, 22), "every delivery to finish")
    page = wide.page
    await _as(page, live_server.url, superadmin, "/admin/pos?currency=REC")
    await page.get_by_test_id("pos-search").fill(shop["name"])
    await page.get_by_test_id("pos-search-go").click()
    found = page.locator(f"[data-testid=section-pos][data-search='{shop['name']}']")
    await found.wait_for(timeout=WAIT_MS)
    assert await found.locator("[data-testid=pos-list] tbody tr").count() == 1
    row = page.get_by_test_id(f"pos-{shop['handle']}")
    assert "95 %" in await row.inner_text() and "HTTP 400" in await row.inner_text()
    await row.get_by_role("link").click()

    detail = page.get_by_test_id("pos-detail")
    await detail.wait_for(timeout=WAIT_MS)
    assert "95 %" in await page.get_by_test_id("success-rate").inner_text()
    assert "HTTP 400" in await page.get_by_test_id("last-error").inner_text()
    # The log shows the latest 20; the oldest two, the refused one among them, on request.
    deliveries = page.get_by_test_id("delivery")
    assert await deliveries.count() == 20
    await page.get_by_test_id("older-deliveries").click()
    await page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=delivery]').length === 22",
        timeout=WAIT_MS,
    )
    assert await page.get_by_test_id("older-deliveries").count() == 0
    failed = page.locator("[data-testid=delivery][data-status=failed]")
    await failed.get_by_test_id("redeliver").click()
    await failed.wait_for(state="detached", timeout=WAIT_MS)  # pending again, or delivered
    # Redelivered: it goes out again and the receiver takes it; the log says so on reload.
    until(
        lambda: _point(superadmin, shop)["webhookEndpoints"][0]["health"]["succeeded"] == 22,
        "the redelivery to succeed",
    )

    key_row = page.locator("[data-testid^=key-][data-revoked=false]")
    await key_row.get_by_test_id("revoke-key").click()
    await key_row.get_by_test_id("revoke-reason").fill("the shop asked, by phone")
    await page.screenshot(path=str(_artifact("pos")), full_page=True)
    await key_row.get_by_test_id("confirm-revoke").click()
    await page.locator("[data-testid^=key-][data-revoked=true]").wait_for(timeout=WAIT_MS)
    keys = superadmin.data(ONE, {"id": shop["id"]})["pointOfSale"]["account"]["apiKeys"]
    assert [k["revokedAt"] is not None for k in keys] == [True]
    assert wide.remote_requests == [] and wide.errors == []


def _artifact(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"admin-{name}.png"
