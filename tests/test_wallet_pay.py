"""Paying a person and getting paid face to face, in real Chromium: the pay screen with a
typed handle, the charge screen's QR code, and that code read by a (fake) camera."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
import segno
from playwright.async_api import Browser, Page, expect

from tests.conftest import LiveServer, chromium_path
from tests.helpers.browser import CHROMIUM_ARGS, DECODE_QR, PageWatch
from tests.helpers.graphql import GraphQLClient, demo_admin, make_admin, register
from tests.test_ledger_api import ME, PASSWORD, PIN, _balance, _handle, _issue, _pay

pytestmark = pytest.mark.browser
SET_PIN = """mutation($input: SetPaymentPinInput!) { setPaymentPin(input: $input) {
  ok errors { code } } }"""
SET_TIER = """mutation($input: SetAccountKycTierInput!) {
  setAccountKycTier(input: $input) { tier errors { code } } }"""
PAYMENTS = """{ viewer { activeAccount { wallet(currency: "REC") { transactions(first: 50) {
  edges { node { id kind amount { amount } to { handle } memo sequence hash } } } } } } }"""
NO_CAMERA = {
    "No tenim permís per fer servir la càmera. Pots escriure l'àlies a mà.",
    "No hi ha cap càmera disponible. Pots escriure l'àlies a mà.",
}


@pytest.fixture(scope="module")
def treasurer(live_server: LiveServer) -> GraphQLClient:
    return demo_admin(live_server.url, live_server.data_dir, "treasurer")


@pytest.fixture(scope="module")
def kyc_officer(live_server: LiveServer) -> GraphQLClient:
    superadmin = demo_admin(live_server.url, live_server.data_dir, "superadmin")
    return make_admin(live_server.url, superadmin, "KYC_OFFICER")


def _resident(
    live_server: LiveServer, officer: GraphQLClient, name: str
) -> tuple[str, GraphQLClient]:
    """A person (Catalan, the default) with a payment PIN, verified to pay (tier 2)."""
    email = f"w{uuid.uuid4().hex[:10]}@example.org"
    person = register(live_server.url, email, PASSWORD, name)
    person.mutate("setPaymentPin", SET_PIN, {"pin": PIN, "currentPassword": PASSWORD})
    account_id = person.data(ME)["viewer"]["activeAccount"]["id"]
    officer.mutate(
        "setAccountKycTier", SET_TIER, {"accountId": account_id, "tier": 2, "reason": "in person"}
    )
    return email, person


async def _sign_in(page: Page, url: str, email: str, form: str, then: str) -> None:
    """Opens the screen, signs in on its own form, and waits to be back on it."""
    await page.goto(url)
    await page.get_by_test_id(form).wait_for(timeout=15000)
    await page.fill(f"[data-testid={form}] input[name=email]", email)
    await page.fill(f"[data-testid={form}] input[name=password]", PASSWORD)
    await page.click(f"[data-testid={form}] button[type=submit]")
    await page.get_by_test_id(then).wait_for(timeout=15000)
    assert page.url == url.split("?")[0]


def _payments(client: GraphQLClient) -> list[dict]:
    edges = client.data(PAYMENTS)["viewer"]["activeAccount"]["wallet"]["transactions"]["edges"]
    return [edge["node"] for edge in edges if edge["node"]["kind"] == "PAYMENT"]


async def _key(page: Page, test_id: str) -> str:
    key = await page.get_by_test_id(test_id).get_attribute("data-idempotency-key")
    assert key
    return key


async def _fits(page: Page, width: int) -> None:
    """Nothing wider than a small phone's screen: no sideways scrolling."""
    assert await page.evaluate("document.documentElement.scrollWidth") <= width


async def test_a_person_pays_another_by_typing_the_handle(
    live_server: LiveServer, page: PageWatch, treasurer: GraphQLClient, kyc_officer: GraphQLClient
) -> None:
    email, payer = _resident(live_server, kyc_officer, "Jordi Vila")
    _, payee = _resident(live_server, kyc_officer, "Rosa Serra")
    _issue(treasurer, payer, "50.00")
    handle = _handle(payee)
    screen = page.page
    await screen.set_viewport_size({"width": 360, "height": 780})
    await _sign_in(screen, f"{live_server.url}/wallet/rec/pay", email, "pay-sign-in", "pay-form")
    assert await screen.get_by_test_id("pay-balance").inner_text() == "50,00 REC"

    # No camera here: a clear message, and typing works as ever.
    await screen.click("[data-testid=pay-scan]")
    message = screen.get_by_test_id("pay-scan-message")
    await screen.wait_for_function(
        "document.querySelector('[data-testid=pay-scan-message]').textContent.includes('mà')",
        timeout=15000,
    )
    assert await message.inner_text() in NO_CAMERA

    # Every control can be reached with the keyboard, in order.
    await screen.focus("[data-testid=pay-to]")
    order = []
    for _ in range(4):
        await screen.keyboard.press("Tab")
        order.append(await screen.evaluate("document.activeElement.dataset.testid"))
    assert order == ["pay-scan", "pay-amount", "pay-memo", "pay-continue"]

    # An amount with too many decimals: said beside the amount, nothing sent.
    await screen.fill("[data-testid=pay-to]", "ningu-" + uuid.uuid4().hex[:6])
    await screen.fill("[data-testid=pay-amount]", "12,505")
    await screen.fill("[data-testid=pay-memo]", "Pa i coca")
    await screen.click("[data-testid=pay-continue]")
    problem = screen.get_by_test_id("pay-amount-problem")
    await problem.wait_for(timeout=15000)
    assert await problem.inner_text() == "Posa un import més gran que zero, per exemple 12,50."
    amount_input = screen.get_by_test_id("pay-amount")
    assert await amount_input.get_attribute("aria-invalid") == "true"
    assert await amount_input.get_attribute("aria-describedby") == "pay-amount-problem"

    # Nobody has that handle: the API's recipient look-up says so before the PIN, beside
    # the recipient, the values kept.
    await screen.fill("[data-testid=pay-amount]", "7,25")
    await problem.wait_for(state="detached", timeout=15000)
    await screen.click("[data-testid=pay-continue]")
    not_found = screen.get_by_test_id("pay-to-problem")
    await not_found.wait_for(timeout=15000)
    assert await not_found.inner_text() == "No hi ha cap compte amb aquest àlies."
    to_input = screen.get_by_test_id("pay-to")
    assert await to_input.get_attribute("aria-invalid") == "true"
    assert "pay-to-problem" in (await to_input.get_attribute("aria-describedby") or "")
    await expect(screen.locator("[data-testid=pay-amount]")).to_have_value("7,25")
    await expect(screen.locator("[data-testid=pay-memo]")).to_have_value("Pa i coca")
    first_key = await _key(screen, "pay-form")

    # The right handle (with its @): other details, so a new idempotency key.
    await screen.fill("[data-testid=pay-to]", "@" + handle)
    await not_found.wait_for(state="detached", timeout=15000)
    key = await _key(screen, "pay-form")
    assert key != first_key
    await screen.click("[data-testid=pay-continue]")
    await screen.get_by_test_id("pay-check").wait_for(timeout=15000)
    # The check names whom the money reaches, as the API finds them.
    assert await screen.get_by_test_id("check-to").inner_text() == f"Rosa Serra (@{handle})"
    assert await screen.get_by_test_id("check-memo").inner_text() == "Pa i coca"
    assert await _key(screen, "pay-check") == key

    # A wrong PIN: said in Catalan beside the PIN; nothing paid; the same key kept.
    await screen.fill("[data-testid=pay-pin]", "0000")
    await screen.click("[data-testid=pay-submit]")
    wrong = screen.get_by_test_id("pay-pin-problem")
    await wrong.wait_for(timeout=15000)
    assert await wrong.inner_text() == "El PIN no és correcte."
    pin_input = screen.get_by_test_id("pay-pin")
    assert await pin_input.get_attribute("aria-invalid") == "true"
    assert await pin_input.get_attribute("aria-describedby") == "pay-pin-problem"
    assert await screen.get_by_test_id("check-amount").inner_text() == "7,25 REC"
    assert await _key(screen, "pay-check") == key
    assert _balance(payer) == "50.00" and _payments(payer) == []

    # Back to the form and on again, nothing changed: the values and the key stay.
    await screen.click("[data-testid=pay-change]")
    await screen.get_by_test_id("pay-form").wait_for(timeout=15000)
    await expect(screen.locator("[data-testid=pay-to]")).to_have_value("@" + handle)
    await expect(screen.locator("[data-testid=pay-amount]")).to_have_value("7,25")
    await expect(screen.locator("[data-testid=pay-memo]")).to_have_value("Pa i coca")
    await screen.click("[data-testid=pay-continue]")
    await screen.get_by_test_id("pay-check").wait_for(timeout=15000)
    assert await _key(screen, "pay-check") == key
    await _fits(screen, 360)

    # The right PIN: the receipt, then its place in the sealed ledger.
    await screen.fill("[data-testid=pay-pin]", PIN)
    await screen.click("[data-testid=pay-submit]")
    await screen.get_by_test_id("pay-receipt").wait_for(timeout=15000)
    assert await screen.get_by_test_id("receipt-amount").inner_text() == "7,25 REC"
    assert await screen.get_by_test_id("receipt-to").inner_text() == f"Rosa Serra (@{handle})"
    assert await screen.get_by_test_id("receipt-memo").inner_text() == "Pa i coca"
    assert await screen.get_by_test_id("receipt-when").inner_text()
    sequence = screen.get_by_test_id("receipt-sequence")
    await sequence.wait_for(timeout=25000)
    await _fits(screen, 360)

    payments = _payments(payer)
    assert len(payments) == 1  # one payment, whatever the retries
    paid = payments[0]
    assert paid["amount"] == {"amount": "7.25"} and paid["to"] == {"handle": handle}
    assert paid["memo"] == "Pa i coca"
    assert await sequence.inner_text() == str(paid["sequence"])
    assert await screen.get_by_test_id("receipt-hash").inner_text() == paid["hash"]
    assert _balance(payer) == "42.75" and _balance(payee) == "7.25"

    # The key the screen sent was that one: replaying it pays nothing more.
    again = _pay(payer, handle, "7.25", key=key, memo="Pa i coca")
    assert again["errors"] == [] and again["transaction"]["id"] == paid["id"]
    assert _balance(payer) == "42.75" and len(_payments(payer)) == 1
    assert page.remote_requests == [] and page.errors == []


async def test_the_charge_screen_shows_a_qr_code_of_the_pay_link(
    live_server: LiveServer, page: PageWatch, treasurer: GraphQLClient, kyc_officer: GraphQLClient
) -> None:
    email, shopkeeper = _resident(live_server, kyc_officer, "Forn de la Plaça")
    _, customer = _resident(live_server, kyc_officer, "Anna Puig")
    _issue(treasurer, customer, "10.00")
    handle = _handle(shopkeeper)
    screen = page.page
    await screen.set_viewport_size({"width": 360, "height": 780})
    await _sign_in(
        screen, f"{live_server.url}/wallet/rec/charge", email, "charge-sign-in", "charge-form"
    )
    assert handle in await screen.get_by_test_id("charge-into").inner_text()

    await screen.fill("[data-testid=charge-amount-input]", "0")
    await screen.click("[data-testid=charge-show]")
    problem = screen.get_by_test_id("charge-problem")
    await problem.wait_for(timeout=15000)
    assert await problem.inner_text() == "Posa un import més gran que zero, per exemple 12,50."
    amount_input = screen.get_by_test_id("charge-amount-input")
    assert await amount_input.get_attribute("aria-invalid") == "true"
    assert await amount_input.get_attribute("aria-describedby") == "charge-problem"

    await screen.fill("[data-testid=charge-amount-input]", "3,5")
    await screen.fill("[data-testid=charge-memo-input]", "Cafè amb llet")
    await screen.click("[data-testid=charge-show]")
    await screen.get_by_test_id("charge-code").wait_for(timeout=15000)
    assert await screen.get_by_test_id("charge-amount").inner_text() == "3,50 REC"
    expected = f"{live_server.url}/wallet/rec/pay?to={handle}&amount=3.50&memo=Caf%C3%A8+amb+llet"
    assert await screen.get_by_test_id("charge-link").inner_text() == expected
    qr = screen.get_by_test_id("charge-qr")
    assert (await qr.get_attribute("src") or "").startswith("data:image/svg+xml")
    assert "3,50 REC" in (await qr.get_attribute("alt") or "")
    assert await qr.evaluate(DECODE_QR) == expected
    await _fits(screen, 360)

    # The payment shows up live on the shopkeeper's screen.
    await screen.get_by_test_id("charge-waiting").wait_for(timeout=15000)
    await asyncio.sleep(1)  # the screen's subscription is listening by now
    paid = _pay(customer, handle, "3.50", memo="Cafè amb llet")
    assert paid["errors"] == []
    received = screen.get_by_test_id("charge-received")
    await received.wait_for(timeout=15000)
    assert await received.inner_text() == "Rebut: 3,50 REC."

    await screen.click("[data-testid=charge-new]")
    await screen.get_by_test_id("charge-form").wait_for(timeout=15000)
    await expect(screen.locator("[data-testid=charge-amount-input]")).to_have_value("3,5")
    assert page.remote_requests == [] and page.errors == []


def _y4m_of_qr(content: str, path: Path, width: int = 640, height: int = 480) -> None:
    """A still video (a few identical frames) of the QR code, black on a white page, as
    Chromium's fake camera reads it: YUV 4:2:0, the luma plane drawn from segno's matrix."""
    scale = 8
    rows = [bytes(row) for row in segno.make(content, error="m").matrix_iter(scale=1, border=4)]
    size = len(rows) * scale
    assert size <= min(width, height) and width % 2 == 0 and height % 2 == 0
    left, top = (width - size) // 2, (height - size) // 2
    luma = bytearray(b"\xff" * (width * height))
    for y, row in enumerate(rows):
        line = b"".join(b"\x00" * scale if dark else b"\xff" * scale for dark in row)
        for dy in range(scale):
            start = (top + y * scale + dy) * width + left
            luma[start : start + size] = line
    chroma = b"\x80" * ((width // 2) * (height // 2))
    frame = b"FRAME\n" + bytes(luma) + chroma + chroma
    header = f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + frame * 10)


async def test_scanning_a_charge_code_with_the_camera_fills_the_pay_form(
    live_server: LiveServer,
    browser: Browser,
    treasurer: GraphQLClient,
    kyc_officer: GraphQLClient,
    tmp_path: Path,
) -> None:
    email, payer = _resident(live_server, kyc_officer, "Pere Soler")
    _, shop = _resident(live_server, kyc_officer, "Llibreria Verdi")
    _issue(treasurer, payer, "20.00")
    handle = _handle(shop)
    link = f"{live_server.url}/wallet/rec/pay?" + urlencode(
        {"to": handle, "amount": "4.20", "memo": "Llibre"}
    )
    video = tmp_path / "qr.y4m"
    _y4m_of_qr(link, video)

    camera_browser = await browser.browser_type.launch(
        executable_path=chromium_path(),
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = await camera_browser.new_context(viewport={"width": 360, "height": 780})
        await context.grant_permissions(["camera"], origin=live_server.url)
        watched = PageWatch(await context.new_page())
        screen = watched.page
        await _sign_in(
            screen, f"{live_server.url}/wallet/rec/pay", email, "pay-sign-in", "pay-form"
        )
        await expect(screen.locator("[data-testid=pay-to]")).to_have_value("")

        await screen.click("[data-testid=pay-scan]")
        await screen.wait_for_function(
            "document.querySelector('[data-testid=pay-to]').value !== ''", timeout=20000
        )
        await expect(screen.locator("[data-testid=pay-to]")).to_have_value(handle)
        await expect(screen.locator("[data-testid=pay-amount]")).to_have_value("4.20")
        await expect(screen.locator("[data-testid=pay-memo]")).to_have_value("Llibre")
        message = screen.get_by_test_id("pay-scan-message")
        assert await message.inner_text() == "Codi llegit: revisa les dades i continua."
        assert await screen.get_by_test_id("scan-dialog").count() == 0  # the camera is off

        await screen.click("[data-testid=pay-continue]")
        await screen.get_by_test_id("pay-check").wait_for(timeout=15000)
        check_to = await screen.get_by_test_id("check-to").inner_text()
        assert check_to == f"Llibreria Verdi (@{handle})"
        assert await screen.get_by_test_id("check-amount").inner_text() == "4,20 REC"
        await screen.fill("[data-testid=pay-pin]", PIN)
        await screen.click("[data-testid=pay-submit]")
        await screen.get_by_test_id("pay-receipt").wait_for(timeout=15000)
        assert (
            await screen.get_by_test_id("receipt-to").inner_text() == f"Llibreria Verdi (@{handle})"
        )
        assert _balance(payer) == "15.80" and _balance(shop) == "4.20"
        assert watched.remote_requests == [] and watched.errors == []
        await context.close()
    finally:
        await camera_browser.close()
