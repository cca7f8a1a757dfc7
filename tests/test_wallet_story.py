"""The wallet's whole story in real Chromium, at a phone's size (390 × 844): a resident
registers and gets funds, pays a shop by its handle while the shop's own wallet, in a
second browser, sees the money arrive live; the shop charges with a QR whose link the
resident opens (a scan, simulated); the resident switches language. Each main screen is
saved as a screenshot under tests/artifacts/ (ignored by git).

Elsewhere: paying a payment order link and landing on the shop (tests/test_pay_link.py),
offline and installability (tests/test_pwa_install.py), scanning with a camera
(tests/test_wallet_pay.py), the map (tests/test_wallet_map.py), buying by card
(tests/test_topup.py)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page

from tests.conftest import LiveServer
from tests.helpers.browser import PageWatch
from tests.helpers.graphql import GraphQLClient, business_account, demo_admin, make_admin
from tests.test_ledger_api import LOGIN, ME, PASSWORD, PIN

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).parent / "artifacts"
PHONE = {"width": 390, "height": 844}
SET_PIN = """mutation($input: SetPaymentPinInput!) { setPaymentPin(input: $input) {
  ok errors { code } } }"""


@pytest.fixture
async def phones(browser: Browser) -> AsyncIterator[tuple[PageWatch, PageWatch]]:
    """Two phones: the resident's and the shop's, each its own browser profile."""
    first = await browser.new_context(viewport=PHONE)
    second = await browser.new_context(viewport=PHONE)
    yield PageWatch(await first.new_page()), PageWatch(await second.new_page())
    await first.close()
    await second.close()


async def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"wallet-{name}.png"), full_page=True)


async def _sign_in(page: Page, url: str, email: str) -> None:
    await page.goto(url + "/wallet/rec/")
    await page.get_by_test_id("home-sign-in").wait_for(timeout=15000)
    await page.fill("[data-testid=sign-in-email]", email)
    await page.fill("[data-testid=sign-in-password]", PASSWORD)
    await page.click("[data-testid=home-sign-in] button[type=submit]")
    await page.get_by_test_id("home-balance").wait_for(timeout=15000)


async def _balance_becomes(page: Page, amount: str) -> None:
    await page.wait_for_function(
        "amount => document.querySelector('[data-testid=home-balance]')?.dataset.amount === amount",
        arg=amount,
        timeout=15000,
    )


async def test_register_fund_pay_a_shop_charge_by_qr_and_switch_language(
    live_server: LiveServer, phones: tuple[PageWatch, PageWatch]
) -> None:
    resident, shop = phones
    url = live_server.url
    you = resident.page

    # Register in the wallet.
    email = f"r{uuid.uuid4().hex[:10]}@example.org"
    await you.goto(url + "/wallet/rec/")
    await you.get_by_test_id("home-sign-in").wait_for(timeout=15000)
    await _shot(you, "welcome")
    await you.click("[data-testid=show-register]")
    await you.fill("[data-testid=register-name]", "Laia Serra")
    await you.fill("[data-testid=register-email]", email)
    await you.fill("[data-testid=register-password]", PASSWORD)
    await _shot(you, "register")
    await you.click("[data-testid=register-submit]")
    await you.get_by_test_id("registered").wait_for(timeout=15000)
    await you.fill("[data-testid=sign-in-password]", PASSWORD)
    await you.click("[data-testid=home-sign-in] button[type=submit]")
    await you.get_by_test_id("home-balance").wait_for(timeout=15000)

    # Funds: the PIN, a KYC officer's tier, the treasurer's issuance (cash at the office).
    api = GraphQLClient(url)
    token = api.data(LOGIN, {"input": {"email": email, "password": PASSWORD}})["login"]["token"]
    person = GraphQLClient(url, token)
    person.mutate("setPaymentPin", SET_PIN, {"pin": PIN, "currentPassword": PASSWORD})
    superadmin = demo_admin(url, live_server.data_dir, "superadmin")
    officer = make_admin(url, superadmin, "KYC_OFFICER")
    officer.mutate(
        "setAccountKycTier",
        """mutation($input: SetAccountKycTierInput!) { setAccountKycTier(input: $input) {
        tier errors { code } } }""",
        {"accountId": person.data(ME)["viewer"]["activeAccount"]["id"], "tier": 1, "reason": "ID"},
    )
    handle = person.data(ME)["viewer"]["activeAccount"]["handle"]
    demo_admin(url, live_server.data_dir, "treasurer").mutate(
        "issueFunds",
        """mutation($input: IssueFundsInput!) { issueFunds(input: $input) {
        transaction { id } errors { code } } }""",
        {
            "to": handle,
            "amount": "50.00",
            "currency": "REC",
            "reason": "cash at the office",
            "idempotencyKey": uuid.uuid4().hex,
        },
    )
    await _balance_becomes(you, "50.00")
    await _shot(you, "home")

    # The shop: its owner's wallet, with the shop's account active, in a second browser.
    shop_email = f"s{uuid.uuid4().hex[:10]}@example.org"
    owner = GraphQLClient(url)
    owner.mutate(
        "register",
        """mutation($input: RegisterInput!) { register(input: $input) { errors { code } } }""",
        {"email": shop_email, "password": PASSWORD, "name": "Jordi Puig"},
    )
    owner.mutate("login", LOGIN, {"email": shop_email, "password": PASSWORD})
    account = business_account(owner, f"Forn Laia {uuid.uuid4().hex[:4]}", "bakery")
    await _sign_in(shop.page, url, shop_email)
    # The shop's phone acts for the shop: its session switches to the business account.
    cookies = await shop.page.context.cookies()
    session = next(c["value"] for c in cookies if c["name"] == "rec_session")
    phone_session = GraphQLClient(url)
    phone_session.http.cookies.set("rec_session", session)
    phone_session.mutate(
        "switchAccount",
        """mutation($input: SwitchAccountInput!) { switchAccount(input: $input) {
        errors { code } } }""",
        {"accountId": account["id"]},
    )
    await shop.page.reload()
    await shop.page.get_by_test_id("home-balance").wait_for(timeout=15000)
    shop_handle = phone_session.data(ME)["viewer"]["activeAccount"]["handle"]
    assert shop_handle != owner.data(ME)["viewer"]["activeAccount"]["handle"]
    assert await shop.page.get_by_test_id("home-balance").inner_text() == "0,00 REC"

    # The resident pays the shop by its handle; the shop's phone sees it arrive.
    await you.goto(url + "/wallet/rec/pay")
    await you.get_by_test_id("pay-form").wait_for(timeout=15000)
    await you.fill("[data-testid=pay-to]", "@" + shop_handle)
    await you.fill("[data-testid=pay-amount]", "4,20")
    await you.fill("[data-testid=pay-memo]", "Coca de llardons")
    await _shot(you, "pay")
    await you.click("[data-testid=pay-continue]")
    await you.get_by_test_id("pay-check").wait_for(timeout=15000)
    await you.fill("[data-testid=pay-pin]", PIN)
    await you.click("[data-testid=pay-submit]")
    await you.get_by_test_id("pay-receipt").wait_for(timeout=15000)
    await you.get_by_test_id("receipt-seal").wait_for(timeout=25000)
    await _shot(you, "receipt")
    await _balance_becomes(shop.page, "4.20")  # live, no reload
    assert await shop.page.get_by_test_id("home-balance").inner_text() == "4,20 REC"
    await _shot(shop.page, "shop-home")

    # The shop charges with a QR; the resident opens its link (the scan, simulated).
    await shop.page.goto(url + "/wallet/rec/charge")
    await shop.page.get_by_test_id("charge-form").wait_for(timeout=15000)
    await shop.page.fill("[data-testid=charge-amount-input]", "2,30")
    await shop.page.click("[data-testid=charge-show]")
    await shop.page.get_by_test_id("charge-code").wait_for(timeout=15000)
    await _shot(shop.page, "charge")
    link = (await shop.page.get_by_test_id("charge-link").inner_text()).strip()
    assert link.startswith(url + "/wallet/rec/pay?") and shop_handle in link
    await you.goto(link)
    await you.get_by_test_id("pay-form").wait_for(timeout=15000)
    assert await you.input_value("[data-testid=pay-amount]") in ("2.30", "2,30")
    await you.click("[data-testid=pay-continue]")
    await you.get_by_test_id("pay-check").wait_for(timeout=15000)
    await you.fill("[data-testid=pay-pin]", PIN)
    await you.click("[data-testid=pay-submit]")
    await you.get_by_test_id("pay-receipt").wait_for(timeout=15000)
    await shop.page.get_by_test_id("charge-received").wait_for(timeout=15000)

    # Back home, the resident switches to English: the wallet speaks it at once.
    await you.goto(url + "/wallet/rec/")
    await _balance_becomes(you, "43.50")
    assert await you.get_by_test_id("home-balance").inner_text() == "43,50 REC"
    await you.select_option("[data-testid=home-language]", "en")
    await you.wait_for_function(
        "() => document.querySelector('[data-testid=home]')?.lang === 'en'", timeout=15000
    )
    assert await you.get_by_test_id("home-balance").inner_text() == "43.50 REC"
    assert "Recent activity" in await you.inner_text("[data-testid=home]")
    assert person.data("{ viewer { user { language } } }")["viewer"]["user"]["language"] == "en"
    await _shot(you, "home-english")
    await you.goto(url + "/wallet/rec/map")
    await you.wait_for_load_state("networkidle")
    await _shot(you, "map")
    await you.goto(url + "/wallet/rec/top-up")
    await you.get_by_test_id("buy-amount").wait_for(timeout=15000)
    await _shot(you, "buy")
    for phone in (resident, shop):
        assert phone.remote_requests == [] and phone.errors == []
