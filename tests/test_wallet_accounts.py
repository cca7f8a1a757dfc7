"""The accounts screen (/wallet/accounts) in real Chromium at a phone's size: a person
creates a business account, makes it active (the home follows), invites a cashier (the
mail reaches the development sandbox), makes an API key whose secret, shown once, works
as a bearer token over real HTTP until it is revoked, adds a webhook endpoint on a real
receiver (its signing secret shown once, and a delivery signed with it arrives), and goes
back to the personal account. The cashier sees the account with none of the owners'
buttons. Screenshots under tests/artifacts/ (ignored by git)."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from tests.conftest import LiveServer
from tests.helpers.browser import PageWatch
from tests.helpers.graphql import (
    GraphQLClient,
    demo_admin,
    register,
    token_from_outbox,
)
from tests.helpers.receiver import receiving, verifies
from tests.helpers.waiting import until
from tests.test_ledger_api import PASSWORD

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).parent / "artifacts"
PHONE = {"width": 390, "height": 844}
WAIT_MS = 15000
ACCEPT = """mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) {
  errors { code } } }"""
ACTING_AS = "{ viewer { activeAccount { name } } }"
CREATE_ORDER = """mutation($input: CreatePaymentOrderInput!) { createPaymentOrder(input: $input) {
  paymentOrder { id } errors { code } } }"""


@pytest.fixture
async def phones(browser: Browser) -> AsyncIterator[tuple[PageWatch, PageWatch]]:
    """Two phones: the owner's and the cashier's, each its own browser profile."""
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
    await page.get_by_test_id("home-sign-in").wait_for(timeout=WAIT_MS)
    await page.fill("[data-testid=sign-in-email]", email)
    await page.fill("[data-testid=sign-in-password]", PASSWORD)
    await page.click("[data-testid=home-sign-in] button[type=submit]")
    await page.get_by_test_id("home-balance").wait_for(timeout=WAIT_MS)


async def _accounts(page: Page, url: str) -> None:
    await page.goto(url + "/wallet/rec/accounts")
    await page.get_by_test_id("accounts-list").wait_for(timeout=WAIT_MS)


def _item(page: Page, name: str):  # type: ignore[no-untyped-def]
    return page.locator(f'[data-testid=account-item][data-name="{name}"]')


async def _switch_to(page: Page, name: str) -> None:
    await _item(page, name).get_by_test_id("account-switch").click()
    await page.wait_for_selector(
        f'[data-testid=account-item][data-name="{name}"][data-active=true]', timeout=WAIT_MS
    )


async def _home_shows(page: Page, url: str, name: str) -> None:
    await page.goto(url + "/wallet/rec/")
    await page.get_by_test_id("home-balance").wait_for(timeout=WAIT_MS)
    card = page.locator("section.balance")
    assert name in await card.inner_text()


async def test_an_owner_runs_a_business_account_and_a_cashier_sees_no_owner_buttons(
    live_server: LiveServer, phones: tuple[PageWatch, PageWatch]
) -> None:
    owner_phone, cashier_phone = phones
    url, you = live_server.url, owner_phone.page
    tag = uuid.uuid4().hex[:8]
    owner_email, cashier_email = f"owner-{tag}@example.org", f"cashier-{tag}@example.org"
    register(url, owner_email, PASSWORD, "Marta Puig")
    cashier = register(url, cashier_email, PASSWORD, "Pau Roca")
    business = f"Forn Verdi {tag}"

    # A business account, placed on the map by the wallet (no place typed).
    await _sign_in(you, url, owner_email)
    await _accounts(you, url)
    assert await _item(you, "Marta Puig").get_attribute("data-active") == "true"
    await you.get_by_test_id("business-open").click()
    await you.get_by_test_id("business-create").click()  # nothing typed: refused, per field
    await you.get_by_test_id("business-category-problem").wait_for(timeout=WAIT_MS)
    await you.fill("[data-testid=business-name]", business)
    await you.get_by_test_id("business-category").select_option("bakery")
    await you.fill("[data-testid=business-address]", "Carrer de Verdi, 30")
    await you.get_by_test_id("business-create").click()
    await _item(you, business).wait_for(timeout=WAIT_MS)
    assert await _item(you, business).get_attribute("data-role") == "OWNER"
    assert await you.get_by_test_id("business-form").count() == 0

    # Switching: the home follows.
    await _switch_to(you, business)
    await you.get_by_test_id("team").wait_for(timeout=WAIT_MS)
    await _home_shows(you, url, business)
    assert await you.get_by_test_id("nav-till").count() == 1
    await _accounts(you, url)
    await you.get_by_test_id("invite-form").wait_for(timeout=WAIT_MS)

    # An invitation by email, as cashier: the mail is in the sandbox; accepted by API.
    await you.fill("[data-testid=invite-email]", cashier_email)
    await you.get_by_test_id("invite-role").select_option("CASHIER")
    await you.get_by_test_id("invite-send").click()
    await you.get_by_test_id("team-notice").wait_for(timeout=WAIT_MS)
    assert cashier_email in await you.get_by_test_id("team-notice").inner_text()
    admin = demo_admin(url, live_server.data_dir, "superadmin")
    token = token_from_outbox(admin, cashier_email, "invitation")
    cashier.mutate("acceptInvitation", ACCEPT, {"token": token})

    # An API key: its secret, shown once, acts as the shop over real HTTP.
    await you.get_by_test_id("api-keys").wait_for(timeout=WAIT_MS)
    await you.fill("[data-testid=key-name]", "web shop")
    await you.get_by_test_id("key-create").click()  # no scope chosen: refused beside them
    await you.get_by_test_id("key-scopes-problem").wait_for(timeout=WAIT_MS)
    await you.get_by_test_id("key-scope-payment_orders-read").check()
    await you.get_by_test_id("key-scope-payment_orders-write").check()
    await you.get_by_test_id("key-create").click()
    await you.get_by_test_id("key-secret").wait_for(timeout=WAIT_MS)
    # The client writes a field's value just after it renders the field: wait for it.
    await expect(you.get_by_test_id("key-secret-value")).to_have_value(re.compile(r"^reck_"))
    secret = await you.get_by_test_id("key-secret-value").input_value()
    assert secret.startswith("reck_")
    program = GraphQLClient(url, token=secret)
    assert program.data(ACTING_AS)["viewer"]["activeAccount"]["name"] == business
    await you.get_by_test_id("key-secret-done").click()
    await you.get_by_test_id("key-secret").wait_for(state="detached", timeout=WAIT_MS)
    assert secret not in await you.content()

    # A webhook endpoint on a real receiver: its secret shown once signs what arrives.
    with receiving() as receiver:
        await you.fill("[data-testid=webhook-url]", receiver.url)
        await you.get_by_test_id("webhook-add").click()
        await you.get_by_test_id("webhook-secret").wait_for(timeout=WAIT_MS)
        shown = you.get_by_test_id("webhook-secret-value")
        await expect(shown).to_have_value(re.compile(r"^whsec_"))
        signing_secret = await shown.input_value()
        assert signing_secret.startswith("whsec_")
        await you.get_by_test_id("webhook-item").wait_for(timeout=WAIT_MS)
        await _shot(you, "accounts-owner")
        await you.get_by_test_id("webhook-secret-done").click()
        await you.get_by_test_id("webhook-secret").wait_for(state="detached", timeout=WAIT_MS)
        order = {"amount": "4.20", "currency": "REC", "idempotencyKey": f"accounts-{tag}"}
        program.mutate("createPaymentOrder", CREATE_ORDER, order)
        headers, body = until(lambda: receiver.received and receiver.received[0], "a delivery")
        assert verifies(signing_secret, headers, body)
        await _accounts(you, url)  # the endpoint's health: its last delivery went through
        await you.wait_for_selector(
            "[data-testid=webhook-last-delivery][data-status=succeeded]", timeout=WAIT_MS
        )
    assert signing_secret not in await you.content()
    assert await you.get_by_test_id("webhook-health").get_attribute("data-state") == "CLOSED"

    # The cashier joined: the owner sees them, and may remove them; not themselves.
    member = you.locator(f'[data-testid=member-item][data-email="{cashier_email}"]')
    assert await member.get_attribute("data-role") == "CASHIER"
    assert await member.get_by_test_id("member-remove").count() == 1
    me = you.locator(f'[data-testid=member-item][data-email="{owner_email}"]')
    assert await me.get_by_test_id("member-remove").count() == 0

    # Revoking, after a confirmation: the key no longer authenticates.
    key = you.locator('[data-testid=api-key-item][data-name="web shop"]')
    await key.get_by_test_id("api-key-revoke").click()
    await key.get_by_test_id("api-key-revoke-cancel").click()  # changed their mind
    assert program.data(ACTING_AS)["viewer"]["activeAccount"]["name"] == business
    await key.get_by_test_id("api-key-revoke").click()
    await key.get_by_test_id("api-key-revoke-confirm").click()
    await you.wait_for_selector(
        '[data-testid=api-key-item][data-name="web shop"][data-revoked=true]', timeout=WAIT_MS
    )
    assert program.data(ACTING_AS)["viewer"] is None
    assert program.refusal(CREATE_ORDER, {"input": order | {"idempotencyKey": "x"}}) == (
        "UNAUTHENTICATED"
    )

    # Back to the personal account: no business sections, and the home follows.
    await _switch_to(you, "Marta Puig")
    await you.get_by_test_id("team").wait_for(state="detached", timeout=WAIT_MS)
    assert await you.get_by_test_id("api-keys").count() == 0
    await _home_shows(you, url, "Marta Puig")
    assert owner_phone.errors == []

    # The cashier: the account is theirs to use, with none of the owners' buttons.
    them = cashier_phone.page
    await _sign_in(them, url, cashier_email)
    await _accounts(them, url)
    assert await _item(them, business).get_attribute("data-role") == "CASHIER"
    await _switch_to(them, business)
    await them.get_by_test_id("cashier-note").wait_for(timeout=WAIT_MS)
    for owners_only in (
        "team",
        "invite-form",
        "member-remove",
        "api-keys",
        "key-create",
        "api-key-revoke",
        "webhooks",
        "webhook-add",
        "webhook-rotate",
        "webhook-remove",
    ):
        assert await them.get_by_test_id(owners_only).count() == 0, owners_only
    await _shot(them, "accounts-cashier")
    assert cashier_phone.errors == []
