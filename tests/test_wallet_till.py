"""The shop's till: its orders over the API (`Account.paymentOrders`), and in real Chromium a
cashier charging with a QR code, the owner watching the orders change live, a customer
paying, and the owner refunding part and then the rest (cashiers see no refund form)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Locator, Page, expect

from tests.conftest import LiveServer
from tests.helpers.browser import PageWatch
from tests.helpers.graphql import (
    GraphQLClient,
    api_key,
    business_account,
    demo_admin,
    make_admin,
    register,
    token_from_database,
)
from tests.test_ledger_api import PASSWORD, PIN, _issue, _key, _person

ARTIFACTS = Path(__file__).parent / "artifacts"
PHONE = {"width": 390, "height": 844}
SWITCH = """mutation($input: SwitchAccountInput!) { switchAccount(input: $input) {
  account { id } errors { code } } }"""
INVITE = """mutation($input: InviteMemberInput!) { inviteMember(input: $input) {
  errors { code } } }"""
ACCEPT = """mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) {
  account { id } errors { code } } }"""
CREATE_ORDER = """mutation($input: CreatePaymentOrderInput!) { createPaymentOrder(input: $input) {
  paymentOrder { id status } errors { field code message } } }"""
CANCEL = """mutation($input: CancelPaymentOrderInput!) { cancelPaymentOrder(input: $input) {
  paymentOrder { status } errors { code } } }"""
PAY_ORDER = """mutation($input: PayPaymentOrderInput!) { payPaymentOrder(input: $input) {
  paymentOrder { status } errors { field code message } } }"""
ORDERS = """query($account: ID!, $first: Int!, $after: String, $status: PaymentOrderStatus) {
  node(id: $account) { ... on Account { paymentOrders(first: $first, after: $after,
  status: $status) { edges { cursor node { id status reference amount { amount }
  refundedAmount { amount } createdAt } } pageInfo { hasNextPage endCursor } } } } }"""
MY_ORDERS = """{ viewer { activeAccount { paymentOrders(first: 5) { edges { node { id } } } } } }"""


def _shop(url: str) -> tuple[GraphQLClient, dict]:
    """A shop's owner, acting as the shop, and the shop's account."""
    owner = register(url, f"o{uuid.uuid4().hex[:10]}@example.org", PASSWORD, "Núria Font")
    account = business_account(owner, f"Merceria {uuid.uuid4().hex[:4]}")
    owner.mutate("switchAccount", SWITCH, {"accountId": account["id"]})
    return owner, account


def _cashier(live_server: LiveServer, owner: GraphQLClient, account: dict) -> tuple[str, str]:
    """A new cashier of the shop: their email, and their user's sign-in is PASSWORD."""
    email = f"c{uuid.uuid4().hex[:10]}@example.org"
    owner.mutate(
        "inviteMember", INVITE, {"accountId": account["id"], "email": email, "role": "CASHIER"}
    )
    person = register(live_server.url, email, PASSWORD, "Pau Caixer")
    token = token_from_database(live_server.data_dir.parent / "rec.sqlite3", email, "invitation")
    person.mutate("acceptInvitation", ACCEPT, {"token": token})
    return email, account["id"]


def _create(client: GraphQLClient, amount: str, reference: str) -> str:
    payload = client.mutate(
        "createPaymentOrder",
        CREATE_ORDER,
        {"amount": amount, "currency": "REC", "reference": reference, "idempotencyKey": _key()},
    )
    return payload["paymentOrder"]["id"]


def test_the_shops_orders_page_newest_first_and_filter_by_status(
    live_server: LiveServer,
) -> None:
    owner, account = _shop(live_server.url)
    charger = GraphQLClient(
        live_server.url, token=api_key(owner, account["id"], "payment_orders:write")
    )
    created = [_create(charger, f"{n}.00", f"T-{n}") for n in range(1, 6)]
    charger.mutate("cancelPaymentOrder", CANCEL, {"id": created[1]})
    reader = GraphQLClient(
        live_server.url, token=api_key(owner, account["id"], "payment_orders:read")
    )

    pages = reader.pages(ORDERS, "node.paymentOrders", {"account": account["id"], "first": 2})
    assert [len(page) for page in pages] == [2, 2, 1]
    seen = [order for page in pages for order in page]
    assert [order["id"] for order in seen] == created[::-1]  # newest first
    assert seen[0]["reference"] == "T-5" and seen[0]["refundedAmount"] == {"amount": "0.00"}
    assert owner.pages(ORDERS, "node.paymentOrders", {"account": account["id"], "first": 100}) == [
        seen
    ]

    canceled = reader.data(ORDERS, {"account": account["id"], "first": 10, "status": "CANCELED"})
    assert [e["node"]["id"] for e in canceled["node"]["paymentOrders"]["edges"]] == [created[1]]
    waiting = reader.data(
        ORDERS, {"account": account["id"], "first": 10, "status": "REQUIRES_PAYMENT"}
    )
    assert len(waiting["node"]["paymentOrders"]["edges"]) == 4

    for variables in ({"first": 0}, {"first": 101}, {"first": 5, "after": "not-a-cursor"}):
        body = reader.raw(ORDERS, {"account": account["id"], **variables})
        assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


def test_only_the_shops_people_and_its_reading_keys_see_its_orders(
    live_server: LiveServer,
) -> None:
    owner, account = _shop(live_server.url)
    order_id = _create(owner, "3.00", "A-1")
    email, _ = _cashier(live_server, owner, account)
    cashier = GraphQLClient(live_server.url)
    cashier.mutate(
        "login",
        """mutation($input: LoginInput!) { login(input: $input) { errors { code } } }""",
        {"email": email, "password": PASSWORD},
    )
    cashier.mutate("switchAccount", SWITCH, {"accountId": account["id"]})
    mine = cashier.data(MY_ORDERS)["viewer"]["activeAccount"]["paymentOrders"]["edges"]
    assert [edge["node"]["id"] for edge in mine] == [order_id]  # cashiers see the till

    # A key of the shop without payment_orders:read reaches the account, not its orders.
    refunds_only = GraphQLClient(
        live_server.url, token=api_key(owner, account["id"], "refunds:write")
    )
    body = refunds_only.raw(ORDERS, {"account": account["id"], "first": 5})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert body["data"]["node"] is None

    # Someone else does not even reach the account; their own personal account has none.
    stranger = register(live_server.url, f"x{uuid.uuid4().hex[:10]}@example.org", PASSWORD)
    assert stranger.data(ORDERS, {"account": account["id"], "first": 5}) == {"node": None}
    assert stranger.data(MY_ORDERS)["viewer"]["activeAccount"]["paymentOrders"]["edges"] == []
    other_owner, other_shop = _shop(live_server.url)
    assert other_owner.data(ORDERS, {"account": account["id"], "first": 5}) == {"node": None}
    other_key = GraphQLClient(
        live_server.url, token=api_key(other_owner, other_shop["id"], "payment_orders:read")
    )
    assert other_key.data(ORDERS, {"account": account["id"], "first": 5}) == {"node": None}
    assert GraphQLClient(live_server.url).data(MY_ORDERS) == {"viewer": None}  # signed out

    # Administrators read every account's lists, as with its other lists.
    support = make_admin(
        live_server.url, demo_admin(live_server.url, live_server.data_dir, "superadmin"), "SUPPORT"
    )
    seen = support.data(ORDERS, {"account": account["id"], "first": 5})
    assert [e["node"]["id"] for e in seen["node"]["paymentOrders"]["edges"]] == [order_id]


@pytest.fixture
async def phones(browser: Browser) -> AsyncIterator[tuple[PageWatch, PageWatch]]:
    """The owner's phone and the cashier's, each its own browser profile."""
    first = await browser.new_context(viewport=PHONE)
    second = await browser.new_context(viewport=PHONE)
    yield PageWatch(await first.new_page()), PageWatch(await second.new_page())
    await first.close()
    await second.close()


async def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"wallet-till-{name}.png"), full_page=True)


async def _open_till(page: Page, url: str, email: str, account_id: str) -> None:
    """Signs in on the till's own form; the person's own account is not a shop, so the till
    says so; then the session switches to the shop and the till opens."""
    await page.goto(url + "/wallet/rec/till")
    await page.get_by_test_id("till-sign-in").wait_for(timeout=15000)
    await page.fill("[data-testid=sign-in-email]", email)
    await page.fill("[data-testid=sign-in-password]", PASSWORD)
    await page.click("[data-testid=till-sign-in] button[type=submit]")
    refused = page.get_by_test_id("till-not-business")
    await refused.wait_for(timeout=15000)
    assert "Canvia al compte de la teva botiga" in await refused.inner_text()
    cookies = await page.context.cookies()
    session = GraphQLClient(url)
    session.http.cookies.set(
        "rec_session", next(c["value"] for c in cookies if c["name"] == "rec_session")
    )
    session.mutate("switchAccount", SWITCH, {"accountId": account_id})
    await page.reload()
    await page.get_by_test_id("till-order-list").wait_for(timeout=15000)


def _row(page: Page, order_id: str) -> Locator:
    return page.locator(f"[data-testid=till-order][data-order-id='{order_id}']")


@pytest.mark.browser
async def test_a_cashier_charges_the_owner_sees_it_paid_live_and_refunds_it(
    live_server: LiveServer, phones: tuple[PageWatch, PageWatch]
) -> None:
    url = live_server.url
    owner_phone, cashier_phone = phones
    boss, till = owner_phone.page, cashier_phone.page
    owner_email = f"o{uuid.uuid4().hex[:10]}@example.org"
    owner = register(url, owner_email, PASSWORD, "Núria Font")
    account = business_account(owner, f"Merceria {uuid.uuid4().hex[:4]}")
    cashier_email, _ = _cashier(live_server, owner, account)
    superadmin = demo_admin(url, live_server.data_dir, "superadmin")
    buyer = _person(url, make_admin(url, superadmin, "KYC_OFFICER"))
    _issue(demo_admin(url, live_server.data_dir, "treasurer"), buyer, "50.00")

    # The owner opens the till: no orders yet.
    await _open_till(boss, url, owner_email, account["id"])
    await boss.get_by_test_id("till-no-orders").wait_for(timeout=15000)
    assert "propietari" in await boss.get_by_test_id("till-shop").inner_text()

    # The cashier charges: a wrong amount is said beside it, what was typed stays.
    await _open_till(till, url, cashier_email, account["id"])
    await till.fill("[data-testid=till-amount]", "12,505")
    await till.fill("[data-testid=till-reference]", "Tiquet 881")
    await till.fill("[data-testid=till-description]", "Fil i agulles")
    await till.click("[data-testid=till-charge-submit]")
    problem = till.get_by_test_id("till-amount-problem")
    await problem.wait_for(timeout=15000)
    key = await till.get_by_test_id("till-charge-form").get_attribute("data-idempotency-key")
    assert await problem.inner_text() == "Posa un import més gran que zero, per exemple 12,50."
    assert await till.get_by_test_id("till-amount").get_attribute("aria-invalid") == "true"
    await expect(till.locator("[data-testid=till-reference]")).to_have_value("Tiquet 881")
    await till.fill("[data-testid=till-amount]", "12,50")
    await problem.wait_for(state="detached", timeout=15000)
    new_key = await till.get_by_test_id("till-charge-form").get_attribute("data-idempotency-key")
    assert new_key and new_key != key  # another amount, another charge
    await till.click("[data-testid=till-charge-submit]")
    charge = till.get_by_test_id("till-charge")
    await till.get_by_test_id("till-qr").wait_for(timeout=15000)
    order_id = await charge.get_attribute("data-order-id")
    assert order_id
    assert await till.get_by_test_id("till-charge-amount").inner_text() == "12,50 REC"
    link = (await till.get_by_test_id("till-link").inner_text()).strip()
    assert link.startswith(url + "/pay/")
    status = till.get_by_test_id("till-charge-status")
    assert await status.get_attribute("data-status") == "REQUIRES_PAYMENT"
    assert await till.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await _row(till, order_id).wait_for(timeout=15000)  # the cashier's own list, live
    await _shot(till, "charge")

    # The owner's list shows the new order at once, without reloading.
    row = _row(boss, order_id)
    await row.wait_for(timeout=15000)
    await expect(row).to_have_attribute("data-status", "REQUIRES_PAYMENT", timeout=15000)
    assert "Tiquet 881" in await row.inner_text() and "12,50 REC" in await row.inner_text()

    # A customer pays it: the cashier's screen and the owner's list both say so, live.
    paid = buyer.mutate(
        "payPaymentOrder", PAY_ORDER, {"id": order_id, "pin": PIN, "idempotencyKey": _key()}
    )
    assert paid["paymentOrder"]["status"] == "SUCCEEDED"
    await expect(status).to_have_attribute("data-status", "SUCCEEDED", timeout=15000)
    assert await status.inner_text() == "Pagat: 12,50 REC. Gràcies!"
    await till.get_by_test_id("till-qr").wait_for(state="detached", timeout=15000)
    await expect(row).to_have_attribute("data-status", "SUCCEEDED", timeout=15000)
    assert "Pagada" in await row.inner_text()
    await expect(_row(till, order_id)).to_have_attribute("data-status", "SUCCEEDED")
    await boss.get_by_test_id("till-filter-SUCCEEDED").click()
    await expect(boss.locator("[data-testid=till-order]")).to_have_count(1, timeout=15000)
    await boss.get_by_test_id("till-filter-CANCELED").click()
    await boss.get_by_test_id("till-no-orders").wait_for(timeout=15000)
    await boss.get_by_test_id("till-filter-all").click()
    await _row(boss, order_id).wait_for(timeout=15000)
    assert await boss.get_by_test_id("till-history").get_attribute("href") == "/wallet/rec/history"
    await _shot(boss, "orders")

    # The cashier opens the order: everything about it, and no refund form.
    await till.click("[data-testid=till-charge-details]")
    await till.get_by_test_id("till-order-page").wait_for(timeout=15000)
    assert await till.get_by_test_id("order-reference").inner_text() == "Tiquet 881"
    assert await till.get_by_test_id("order-description").inner_text() == "Fil i agulles"
    assert await till.get_by_test_id("order-status").inner_text() == "Pagada"
    await till.get_by_test_id("till-refund-staff-only").wait_for(timeout=15000)
    assert await till.get_by_test_id("till-refund-form").count() == 0

    # The owner refunds too much: said beside the amount, in Catalan, with what remains.
    await boss.goto(f"{url}/wallet/rec/till/{order_id}")
    form = boss.get_by_test_id("till-refund-form")
    await form.wait_for(timeout=15000)
    assert await boss.get_by_test_id("order-remaining").inner_text() == "12,50 REC"
    await boss.fill("[data-testid=refund-amount]", "20")
    await boss.fill("[data-testid=refund-reason]", "Massa fil")
    await boss.click("[data-testid=refund-submit]")
    too_much = boss.get_by_test_id("refund-amount-problem")
    await too_much.wait_for(timeout=15000)
    assert await too_much.inner_text() == "Només queden 12,50 REC per retornar."
    assert await too_much.get_attribute("data-code") == "REFUND_EXCEEDS_REMAINING"
    await expect(boss.locator("[data-testid=refund-reason]")).to_have_value("Massa fil")
    # A retry of the very same refund keeps its idempotency key.
    refund_key = await form.get_attribute("data-idempotency-key")
    await boss.click("[data-testid=refund-submit]")
    await too_much.wait_for(timeout=15000)
    assert await form.get_attribute("data-idempotency-key") == refund_key

    # Part of it: 5,00 back; what remains follows live.
    await boss.fill("[data-testid=refund-amount]", "5")
    await too_much.wait_for(state="detached", timeout=15000)
    await boss.click("[data-testid=refund-submit]")
    await boss.get_by_test_id("refund-done").wait_for(timeout=15000)
    assert await boss.get_by_test_id("refund-done").inner_text() == "Retornat 5,00 REC."
    await expect(boss.get_by_test_id("order-remaining")).to_have_text("7,50 REC", timeout=15000)
    await expect(boss.locator("[data-testid=till-refund]")).to_have_count(1)
    await _shot(boss, "order")

    # Then all the rest: the amount left empty; the form goes, both refunds are listed.
    await boss.click("[data-testid=refund-submit]")
    await expect(boss.get_by_test_id("order-refunded")).to_have_text("12,50 REC", timeout=15000)
    await form.wait_for(state="detached", timeout=15000)
    await expect(boss.locator("[data-testid=till-refund]")).to_have_count(2)
    assert "Massa fil" in await boss.get_by_test_id("till-refunds").inner_text()

    # The till's list shows the refund too.
    await boss.click("[data-testid=till-back]")
    row = _row(boss, order_id)
    await row.wait_for(timeout=15000)
    assert "Retornat 12,50 REC" in await row.inner_text()
    for phone in phones:
        assert phone.errors == [] and phone.remote_requests == []
