"""A shop's payment link in real Chromium: sign in, pay with the PIN, land on the shop."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

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
from tests.test_ledger_api import ME, PASSWORD, PIN, _issue, _key
from tests.test_pos_api import CREATE_ORDER, PAY_ORDER

pytestmark = pytest.mark.browser
SET_PIN = """mutation($input: SetPaymentPinInput!) { setPaymentPin(input: $input) {
  ok errors { code } } }"""


@pytest.fixture(scope="module")
def shop_site() -> Iterator[str]:
    """The shop's own site, where the wallet sends buyers back: a real server."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = f"<html><body><h1>Gracies per la compra</h1><p>{self.path}</p></body></html>"
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body.encode())))
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def charger(live_server: LiveServer) -> GraphQLClient:
    owner = register(live_server.url, f"o{uuid.uuid4().hex[:8]}@example.org", PASSWORD)
    account = business_account(owner, "Forn de la Plaça", "bakery")
    secret = api_key(owner, account["id"], "payment_orders:write")
    return GraphQLClient(live_server.url, token=secret)


def _buyer(live_server: LiveServer, funds: str) -> tuple[str, GraphQLClient]:
    email = f"b{uuid.uuid4().hex[:8]}@example.org"
    buyer = register(live_server.url, email, PASSWORD, "Jordi Vila")
    buyer.mutate("setPaymentPin", SET_PIN, {"pin": PIN, "currentPassword": PASSWORD})
    superadmin = demo_admin(live_server.url, live_server.data_dir, "superadmin")
    officer = make_admin(live_server.url, superadmin, "KYC_OFFICER")
    account_id = buyer.data(ME)["viewer"]["activeAccount"]["id"]
    officer.mutate(
        "setAccountKycTier",
        """mutation($input: SetAccountKycTierInput!) {
        setAccountKycTier(input: $input) { tier errors { code } } }""",
        {"accountId": account_id, "tier": 2, "reason": "checked in person"},
    )
    _issue(demo_admin(live_server.url, live_server.data_dir, "treasurer"), buyer, funds)
    return email, buyer


def _order(charger: GraphQLClient, shop_site: str, amount: str) -> dict:
    created = charger.data(
        CREATE_ORDER,
        {
            "input": {
                "amount": amount,
                "currency": "REC",
                "reference": "WEB-7",
                "description": "Coca de recapte",
                "successUrl": f"{shop_site}/thanks?order=WEB-7",
                "cancelUrl": f"{shop_site}/basket",
                "idempotencyKey": _key(),
            }
        },
    )["createPaymentOrder"]
    assert created["errors"] == []
    return created["paymentOrder"]


async def test_a_resident_signs_in_from_the_link_pays_and_lands_on_the_shop(
    live_server: LiveServer, page: PageWatch, charger: GraphQLClient, shop_site: str
) -> None:
    email, buyer = _buyer(live_server, "30.00")
    order = _order(charger, shop_site, "12.50")
    await page.page.goto(order["paymentUrl"])
    await page.page.get_by_test_id("pay-sign-in").wait_for(timeout=15000)
    assert await page.page.get_by_test_id("order-amount").inner_text() == "12.50 REC"
    assert await page.page.get_by_test_id("order-merchant").inner_text() == "Forn de la Plaça"

    await page.page.fill("input[name=email]", email)
    await page.page.fill("input[name=password]", "not the password")
    await page.page.click("[data-testid=pay-sign-in] button[type=submit]")
    error = page.page.get_by_test_id("sign-in-error")
    await error.wait_for(timeout=15000)
    assert await error.inner_text() == "Correu o contrasenya incorrectes."

    await page.page.fill("input[name=email]", email)
    await page.page.fill("input[name=password]", PASSWORD)
    await page.page.click("[data-testid=pay-sign-in] button[type=submit]")
    await page.page.get_by_test_id("pay-form").wait_for(timeout=15000)
    assert page.page.url == order["paymentUrl"]  # back on the order after signing in
    assert "Jordi Vila" in await page.page.get_by_test_id("pay-from").inner_text()
    assert "30.00 REC" in await page.page.get_by_test_id("pay-balance").inner_text()

    await page.page.fill("[data-testid=pay-pin]", "0000")
    await page.page.click("[data-testid=pay-submit]")
    problem = page.page.get_by_test_id("pay-problem")
    await problem.wait_for(timeout=15000)
    assert await problem.inner_text() == "El PIN no és correcte."
    assert buyer.data(ME)["viewer"]["activeAccount"]["wallet"]["balance"]["amount"] == "30.00"

    await page.page.fill("[data-testid=pay-pin]", PIN)
    await page.page.click("[data-testid=pay-submit]")
    await page.page.get_by_test_id("order-paid").wait_for(timeout=15000)
    await page.page.wait_for_url(f"{shop_site}/thanks?order=WEB-7", timeout=15000)
    assert "Gracies per la compra" in await page.page.inner_text("body")

    assert buyer.data(ME)["viewer"]["activeAccount"]["wallet"]["balance"]["amount"] == "17.50"
    again = buyer.data(
        PAY_ORDER, {"input": {"id": order["id"], "pin": PIN, "idempotencyKey": _key()}}
    )["payPaymentOrder"]
    assert again["errors"] == [
        {"field": "id", "code": "ORDER_NOT_PAYABLE", "message": "this order is already paid"}
    ]
    assert page.remote_requests == [] and page.errors == []


async def test_an_order_that_cannot_be_paid_says_so_and_leads_back(
    live_server: LiveServer, page: PageWatch, charger: GraphQLClient, shop_site: str
) -> None:
    order = _order(charger, shop_site, "3.00")
    charger.data(
        """mutation($input: CancelPaymentOrderInput!) { cancelPaymentOrder(input: $input) {
        errors { code } } }""",
        {"input": {"id": order["id"]}},
    )
    await page.page.goto(order["paymentUrl"])
    status = page.page.get_by_test_id("order-status")
    await status.wait_for(timeout=15000)
    assert await status.inner_text() == "Cancel·lada"
    assert await page.page.get_by_test_id("pay-sign-in").count() == 0
    assert await page.page.get_by_test_id("pay-form").count() == 0
    await page.page.click("[data-testid=cancel-and-return]")
    await page.page.wait_for_url(f"{shop_site}/basket", timeout=15000)

    await page.page.goto(f"{live_server.url}/pay/{'x' * 24}")
    missing = page.page.get_by_test_id("order-missing")
    await missing.wait_for(timeout=15000)
    assert await missing.inner_text() == "No hi ha cap ordre de pagament amb aquest enllaç."
    assert page.remote_requests == [] and page.errors == []
