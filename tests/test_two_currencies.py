"""Two currencies on one deployment: REC (Barcelona, Catalan first, 2 decimals) and GRA
(a cooperative market, Spanish first, whole units). One person with one login holds a
wallet in each, pays in each, and the balances never mix; both wallets open side by side
in Chromium, each with its own name, colours, icons, texts and language."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from pwa.texts import text
from server.branding import load_branding
from server.settings import PROJECT_ROOT
from tests.conftest import LiveServer
from tests.helpers.browser import PageWatch, brand_look
from tests.helpers.graphql import GraphQLClient, demo_admin, make_admin, register

ARTIFACTS = Path(__file__).parent / "artifacts"
PASSWORD = "a long enough passphrase"
PIN = "2580"
REC = load_branding(PROJECT_ROOT / "branding" / "rec")
GRA = load_branding(PROJECT_ROOT / "branding" / "gra")
ME = "{ viewer { activeAccount { id handle } } }"
BALANCE = """query($currency: String!) { viewer { activeAccount { wallet(currency: $currency) {
  balance { amount currency } } } } }"""
SET_PIN = """mutation($input: SetPaymentPinInput!) { setPaymentPin(input: $input) {
  ok errors { code } } }"""
TIER = """mutation($input: SetAccountKycTierInput!) {
  setAccountKycTier(input: $input) { tier errors { code } } }"""
ISSUE = """mutation($input: IssueFundsInput!) { issueFunds(input: $input) {
  transaction { id } errors { field code message } } }"""
PAY = """mutation($input: PayInput!) { pay(input: $input) {
  transaction { id amount { amount currency } } errors { field code message } } }"""


def _key() -> str:
    return uuid.uuid4().hex


def _balance(person: GraphQLClient, code: str) -> dict[str, str]:
    answer = person.data(BALANCE, {"currency": code})
    return answer["viewer"]["activeAccount"]["wallet"]["balance"]


@pytest.fixture(scope="module")
def people(live_server: LiveServer) -> dict[str, Any]:
    """Núria, with money in both currencies, and Biel, who has none yet."""
    url = live_server.url
    superadmin = demo_admin(url, live_server.data_dir, "superadmin")
    treasurer = demo_admin(url, live_server.data_dir, "treasurer")
    officer = make_admin(url, superadmin, "KYC_OFFICER")
    nuria = register(url, f"nuria-{_key()[:8]}@example.org", PASSWORD, "Núria Vall")
    biel = register(url, f"biel-{_key()[:8]}@example.org", PASSWORD, "Biel Roca")
    assert nuria.mutate("setPaymentPin", SET_PIN, {"pin": PIN, "currentPassword": PASSWORD})
    account = nuria.data(ME)["viewer"]["activeAccount"]
    for code in ("REC", "GRA"):
        officer.mutate(
            "setAccountKycTier",
            TIER,
            {"accountId": account["id"], "tier": 2, "reason": "test", "currency": code},
        )
    for code, amount in (("REC", "40.00"), ("GRA", "40")):
        treasurer.mutate(
            "issueFunds",
            ISSUE,
            {
                "to": account["handle"],
                "amount": amount,
                "currency": code,
                "reason": "cash at the market office",
                "idempotencyKey": _key(),
            },
        )
    return {
        "nuria": nuria,
        "biel": biel,
        "biel_handle": biel.data(ME)["viewer"]["activeAccount"]["handle"],
    }


def _pay(person: GraphQLClient, to: str, amount: str, code: str) -> dict[str, Any]:
    variables = {
        "input": {
            "to": to,
            "amount": amount,
            "currency": code,
            "pin": PIN,
            "memo": "",
            "idempotencyKey": _key(),
        }
    }
    return person.data(PAY, variables)["pay"]


def test_one_person_pays_in_each_currency_and_the_balances_never_mix(
    people: dict[str, Any],
) -> None:
    nuria, biel, to = people["nuria"], people["biel"], people["biel_handle"]
    assert _balance(nuria, "REC") == {"amount": "40.00", "currency": "REC"}
    assert _balance(nuria, "GRA") == {"amount": "40", "currency": "GRA"}

    paid = _pay(nuria, to, "2.50", "REC")
    assert paid["errors"] == []
    assert paid["transaction"]["amount"] == {"amount": "2.50", "currency": "REC"}
    paid = _pay(nuria, to, "3", "GRA")
    assert paid["errors"] == []
    assert paid["transaction"]["amount"] == {"amount": "3", "currency": "GRA"}

    # A GRA has no cents: an amount with decimals is refused and moves nothing.
    refused = _pay(nuria, to, "1.50", "GRA")
    assert refused["transaction"] is None
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("amount", "INVALID_AMOUNT")]
    # Money of one currency cannot pay in the other: Núria has 37.50 REC, not 100.
    short = _pay(nuria, to, "100", "GRA")
    assert short["transaction"] is None and short["errors"][0]["code"] == "INSUFFICIENT_FUNDS"

    assert _balance(nuria, "REC") == {"amount": "37.50", "currency": "REC"}
    assert _balance(nuria, "GRA") == {"amount": "37", "currency": "GRA"}
    assert _balance(biel, "REC") == {"amount": "2.50", "currency": "REC"}
    assert _balance(biel, "GRA") == {"amount": "3", "currency": "GRA"}


def _rgb(colour: str) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


@pytest.mark.browser
async def test_both_wallets_side_by_side_have_their_own_look_words_and_money(
    live_server: LiveServer, people: dict[str, Any], page: PageWatch
) -> None:
    """Signed out, each wallet greets in its own language with its own words; signed in
    (one login), each shows its own balance in its own decimals."""
    context = page.page.context
    rec_page, gra_page = page.page, await context.new_page()
    for screen in (rec_page, gra_page):
        await screen.set_viewport_size({"width": 420, "height": 820})
    await rec_page.goto(live_server.url + "/wallet/rec/")
    await gra_page.goto(live_server.url + "/wallet/gra/")
    for screen, branding in ((rec_page, REC), (gra_page, GRA)):
        theme, code = branding.theme, branding.code.lower()
        await screen.get_by_test_id("home-sign-in").wait_for(timeout=15000)
        look = await brand_look(screen)
        assert look["lang"] == theme.default_language
        assert look["title"] == theme.name
        assert look["themeColour"].lower() == theme.colours.primary.lower()
        assert look["manifest"] == f"/wallet/{code}/manifest.webmanifest"
        assert look["icon"] == f"/branding/{code}/{theme.assets.icon_192}"
        assert look["primary"] == theme.colours.primary.lower()
        assert look["background"] == _rgb(theme.colours.background)
        assert look["logo"].startswith(f"/branding/{code}/")
        name = await screen.get_by_test_id("currency-name").inner_text()
        assert name == theme.name
    assert await brand_look(rec_page) != await brand_look(gra_page)
    # REC greets in Catalan with the wallet's words; GRA in Spanish with its own.
    rec_intro = text("ca", "welcome_intro")
    gra_intro = GRA.texts["es"]["welcome_intro"]
    assert await rec_page.get_by_text(rec_intro).count() == 1
    assert await gra_page.get_by_text(gra_intro).count() == 1
    assert await gra_page.get_by_text(text("es", "welcome_intro")).count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    await rec_page.screenshot(path=str(ARTIFACTS / "two-currencies-rec.png"))
    await gra_page.screenshot(path=str(ARTIFACTS / "two-currencies-gra.png"))

    cookie = people["nuria"].http.cookies.get("rec_session")
    assert cookie
    await context.add_cookies([{"name": "rec_session", "value": cookie, "url": live_server.url}])
    expected = {rec_page: ("REC", "37.50"), gra_page: ("GRA", "37")}
    for screen, (code, amount) in expected.items():
        await screen.reload()
        balance = screen.get_by_test_id("home-balance")
        await balance.wait_for(timeout=15000)
        assert await balance.get_attribute("data-currency") == code
        assert await balance.get_attribute("data-amount") == amount
    shown = {
        code: (await screen.get_by_test_id("home-balance").inner_text()).replace("\xa0", " ")
        for screen, (code, _) in expected.items()
    }
    assert "37,50" in shown["REC"] and "REC" in shown["REC"]  # Catalan decimals
    assert "37" in shown["GRA"] and "," not in shown["GRA"] and "GRA" in shown["GRA"]
    await rec_page.screenshot(path=str(ARTIFACTS / "two-currencies-rec-signed-in.png"))
    await gra_page.screenshot(path=str(ARTIFACTS / "two-currencies-gra-signed-in.png"))
    await gra_page.close()
    assert page.remote_requests == [] and page.errors == []
