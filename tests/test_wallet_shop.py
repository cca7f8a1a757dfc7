"""The shop page editor (/wallet/shop, pwa/shop.py, shop_hours.py, shop_offers.py): an owner
edits the shop's profile, hours and offers in real Chromium at a phone's size, and the
public map (the `merchants` query over HTTP, and the wallet's /wallet/map) shows it all;
wrong input is refused beside its field and changes nothing; a cashier cannot edit."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import segno
from playwright.async_api import Browser, BrowserContext, Page, expect

from pwa.shop import degrees_value, listing_text
from pwa.shop_hours import hours_input, hours_problem, problem_row
from pwa.shop_offers import check_offer
from server.stores.embedded import EmbeddedDocumentServer
from tests.conftest import LiveServer, served, server_settings
from tests.helpers.graphql import (
    GraphQLClient,
    business_account,
    demo_admin,
    make_admin,
    register,
    token_from_outbox,
)

ARTIFACTS = Path(__file__).parent / "artifacts"
PHONE = {"width": 390, "height": 844}
PASSWORD = "a long enough passphrase"
WAIT_MS = 15000
MADRID = ZoneInfo("Europe/Madrid")
SET_TIER = """mutation($input: SetAccountKycTierInput!) { setAccountKycTier(input: $input) {
  tier errors { code } } }"""
INVITE = """mutation($input: InviteMemberInput!) { inviteMember(input: $input) {
  account { id } errors { field code message } } }"""
ACCEPT = """mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) {
  account { id } errors { field code message } } }"""
SWITCH = """mutation($input: SwitchAccountInput!) { switchAccount(input: $input) {
  errors { code } } }"""
MERCHANTS = """query($search: String) { merchants(currency: "REC", first: 5, search: $search) {
  edges { node { id name category address neighbourhood description location { lat lng }
    openingHours { day opens closes } hoursExceptions { date closed ranges { opens closes } }
    offers { kind title percentOff startsOn endsOn } } } } }"""
TIERS = [
    {"level": 0, "name": "Basic", "onMap": False},
    {"level": 2, "name": "KYC2", "onMap": True},
    {"level": 3, "name": "KYC3", "onMap": True},
]


def _day(days: int = 0) -> str:
    return (datetime.now(MADRID).date() + timedelta(days=days)).isoformat()


def _email() -> str:
    return f"w{uuid.uuid4().hex[:10]}@example.org"


# --- What the screen works out, without a browser ---


def test_the_screen_says_why_a_shop_is_not_on_the_map() -> None:
    assert listing_text("en", True, 2, TIERS) == "Your shop is on the map."
    said = listing_text("en", False, 0, TIERS)
    assert "verification level is 0" in said and "from level 2 (KYC2)" in said
    assert "nivell 2 (KYC2)" in listing_text("ca", False, None, TIERS)
    assert listing_text("es", False, 1, [TIERS[0]]).startswith("Esta moneda")


def test_typed_degrees_are_read_with_a_comma_or_a_point() -> None:
    assert degrees_value("41,4036", 90) == 41.4036
    assert degrees_value(" 2.157 ", 180) == 2.157
    for wrong in ("", "north", "91", "nan", "inf"):
        assert degrees_value(wrong, 90) is None, wrong


def test_an_hours_error_lands_on_the_row_it_names() -> None:
    week = [
        {"key": "tue", "day": 1, "opens": "09:00", "closes": "25:00"},
        {"key": "mon", "day": 0, "opens": " 09:00", "closes": "14:00 "},
    ]
    exceptions = [
        {"key": "x0", "date": "2030-01-01", "closed": True, "ranges": []},
        {
            "key": "x1",
            "date": "2030-01-02",
            "closed": False,
            "ranges": [{"key": "r", "opens": "10:00", "closes": "13:00"}],
        },
    ]
    sent = hours_input("A", week, exceptions)
    assert [r["day"] for r in sent["weekly"]] == [0, 1]  # by day: weekly[1] is Tuesday's
    assert sent["weekly"][0] == {"day": 0, "opens": "09:00", "closes": "14:00"}
    assert problem_row("weekly[1].closes", week, exceptions) == "tue"
    assert problem_row("weekly[0]", week, exceptions) == "mon"
    assert problem_row("exceptions[1].ranges[0].opens", week, exceptions) == "r"
    assert problem_row("exceptions[0].date", week, exceptions) == "x0"
    assert problem_row("weekly", week, exceptions) == ""
    assert problem_row("weekly[9].opens", week, exceptions) == ""
    assert hours_problem("en", "weekly[1].closes", "a time as HH:MM").startswith("The closing")
    assert (
        hours_problem("en", "weekly[0]", "overlaps another range") == "These hours overlap others."
    )
    assert "twice" in hours_problem("en", "exceptions[1].date", "this date is given twice")


def test_an_offer_is_checked_before_it_is_sent() -> None:
    values = {
        "kind": "PERCENTAGE",
        "title": " 10% ",
        "description": "",
        "percent": "10 %",
        "starts": "2030-03-10",
        "ends": "2030-03-01",
    }
    _, found = check_offer(values, "en")
    assert found == {"ends": "The last day cannot be before the first."}
    given, found = check_offer(values | {"ends": "", "percent": "0"}, "en")
    assert set(found) == {"percent"}
    given, found = check_offer(values | {"ends": ""}, "en")
    assert found == {} and given["percentOff"] == 10 and given["endsOn"] is None
    given, found = check_offer(values | {"kind": "FREE", "percent": "x", "ends": ""}, "en")
    assert found == {} and given["percentOff"] is None and given["title"] == "10%"


# --- In Chromium ---


async def _signed_in(browser: Browser, url: str, client: GraphQLClient) -> BrowserContext:
    """A phone whose browser holds the same session as `client`."""
    context = await browser.new_context(viewport=PHONE)
    session = client.http.cookies.get("rec_session")
    await context.add_cookies([{"name": "rec_session", "value": session, "url": url}])
    return context


def _merchant(url: str, tag: str) -> dict[str, Any]:
    [edge] = GraphQLClient(url).data(MERCHANTS, {"search": tag})["merchants"]["edges"]
    return edge["node"]


async def _saved(page: Page, test_id: str) -> None:
    await page.wait_for_function(
        "id => document.querySelector(`[data-testid=${id}]`)?.innerText.trim() !== ''",
        arg=test_id,
        timeout=WAIT_MS,
    )


async def _edit_profile(page: Page, url: str, tag: str) -> None:
    # Too short an address: refused beside it, and nothing changes, the name included.
    await page.fill("[data-testid=shop-name]", f"Llibres Nous {tag}")
    await page.fill("[data-testid=shop-address]", "ab")
    await page.click("[data-testid=shop-profile-save]")
    await page.get_by_test_id("shop-address-problem").wait_for(timeout=WAIT_MS)
    assert await page.get_by_test_id("shop-address").get_attribute("aria-invalid") == "true"
    unchanged = _merchant(url, tag)
    assert unchanged["name"] == f"Botiga {tag}" and unchanged["address"] == "Carrer de Verdi, 30"
    # Latitude that is not one: refused before asking.
    await page.fill("[data-testid=shop-address]", "Carrer de Verdi, 32")
    await page.fill("[data-testid=shop-lat]", "north")
    await page.click("[data-testid=shop-profile-save]")
    await page.get_by_test_id("shop-location-problem").wait_for(timeout=WAIT_MS)
    # Now right: kind, neighbourhood, description and place (typed: no map tiles here).
    assert await page.get_by_test_id("shop-map-picker").count() == 0
    await page.get_by_test_id("shop-category").select_option("bookshop")
    await page.fill("[data-testid=shop-neighbourhood]", "Gràcia")
    await page.fill("[data-testid=shop-description]", "Llibres de segona mà i cafè.")
    await page.fill("[data-testid=shop-lat]", "41,40212")
    await page.fill("[data-testid=shop-lng]", "2.156789")
    await page.click("[data-testid=shop-profile-save]")
    await _saved(page, "shop-profile-saved")
    assert await page.get_by_test_id("shop-location-problem").count() == 0
    # The client writes the server's value into the field after the render that says Saved.
    await expect(page.get_by_test_id("shop-lat")).to_have_value("41.40212")


async def _edit_hours(page: Page, url: str, tag: str) -> None:
    # Monday in two parts, Tuesday with an hour that does not exist.
    for _ in range(2):
        await page.click("[data-testid=hours-0-add]")
    await page.fill("[data-testid=hours-0-0-opens]", "09:00")
    await page.fill("[data-testid=hours-0-0-closes]", "14:00")
    await page.fill("[data-testid=hours-0-1-opens]", "17:00")
    await page.fill("[data-testid=hours-0-1-closes]", "20:30")
    await page.click("[data-testid=hours-1-add]")
    await page.fill("[data-testid=hours-1-0-opens]", "09:00")
    await page.fill("[data-testid=hours-1-0-closes]", "25:00")
    # A closed date, and a date open other hours.
    await page.click("[data-testid=exception-add]")
    await page.fill("[data-testid=exception-0-date]", _day(10))
    await page.click("[data-testid=exception-add]")
    await page.fill("[data-testid=exception-1-date]", _day(11))
    await page.uncheck("[data-testid=exception-1-closed]")
    await page.click("[data-testid=exception-1-add]")
    await page.fill("[data-testid=exception-1-0-opens]", "10:00")
    await page.fill("[data-testid=exception-1-0-closes]", "13:00")
    await page.click("[data-testid=hours-save]")
    problem = page.get_by_test_id("hours-1-0-problem")
    await problem.wait_for(timeout=WAIT_MS)
    assert "24:00" in await problem.inner_text()  # beside Tuesday's range, in Catalan
    assert await page.get_by_test_id("hours-0-0-problem").count() == 0
    assert _merchant(url, tag)["openingHours"] == []  # nothing changed
    await page.fill("[data-testid=hours-1-0-closes]", "20:00")
    await problem.wait_for(state="detached", timeout=WAIT_MS)  # typing there clears it
    await page.click("[data-testid=hours-save]")
    await _saved(page, "hours-saved")


async def _edit_offers(page: Page, url: str, tag: str) -> None:
    # The last day before the first: refused beside it before asking.
    await page.check("[data-testid=offer-kind-PERCENTAGE]")
    await page.fill("[data-testid=offer-title]", "Descompte de tardor")
    await page.fill("[data-testid=offer-percent]", "10")
    await page.fill("[data-testid=offer-starts]", _day(5))
    await page.fill("[data-testid=offer-ends]", _day(2))
    await page.click("[data-testid=offer-submit]")
    await page.get_by_test_id("offer-ends-problem").wait_for(timeout=WAIT_MS)
    # Over already: the API refuses it, beside the same field.
    await page.fill("[data-testid=offer-starts]", _day(-10))
    await page.fill("[data-testid=offer-ends]", _day(-5))
    await page.click("[data-testid=offer-submit]")
    ended = page.get_by_test_id("offer-ends-problem")
    await ended.wait_for(timeout=WAIT_MS)
    assert "acabat" in await ended.inner_text()
    assert await page.get_by_test_id("shop-offer-item").count() == 0
    # One to come, which the owner then removes (after saying no once).
    await page.fill("[data-testid=offer-starts]", _day(3))
    await page.fill("[data-testid=offer-ends]", "")
    await page.click("[data-testid=offer-submit]")
    item = page.get_by_test_id("shop-offer-item")
    await item.wait_for(timeout=WAIT_MS)
    assert await item.get_attribute("data-live") == "false"
    await item.get_by_test_id("offer-remove").click()
    await page.click("[data-testid=offer-confirm-no]")
    await item.get_by_test_id("offer-remove").click()
    await page.click("[data-testid=offer-confirm-yes]")
    await page.get_by_test_id("shop-offers-none").wait_for(timeout=WAIT_MS)
    # A classic offer, live from today for a month.
    await page.check("[data-testid=offer-kind-CLASSIC]")
    assert await page.get_by_test_id("offer-percent").count() == 0
    await page.fill("[data-testid=offer-title]", "Cafè i llibre per 5 REC")
    await page.fill("[data-testid=offer-starts]", _day())
    await page.fill("[data-testid=offer-ends]", _day(30))
    await page.click("[data-testid=offer-submit]")
    await item.wait_for(timeout=WAIT_MS)
    assert await item.get_attribute("data-live") == "true"
    assert "Cafè i llibre per 5 REC" in await item.inner_text()


def _png(text: str) -> bytes:
    out = io.BytesIO()
    segno.make(text).save(out, kind="png", scale=4)
    return out.getvalue()


async def _loaded(page: Page, test_id: str) -> str:
    """The src of an image that the browser did load."""
    image = page.get_by_test_id(test_id)
    await image.wait_for(timeout=WAIT_MS)
    await page.wait_for_function(
        "id => document.querySelector(`[data-testid=${id}]`)?.naturalWidth > 0",
        arg=test_id,
        timeout=WAIT_MS,
    )
    return await image.get_attribute("src") or ""


async def _edit_photo(page: Page, url: str, tag: str) -> str:
    """A text file named .png is refused beside the field; a PNG shows at once; removed,
    then another one: the address the map will show."""
    photo = page.get_by_test_id("shop-photo")
    assert await photo.get_attribute("data-has-photo") == "false"
    assert await page.get_by_test_id("shop-photo-none").count() == 1
    await page.set_input_files(
        "[data-testid=shop-photo-file]",
        {"name": "botiga.png", "mimeType": "image/png", "buffer": b"not a photo at all"},
    )
    await page.click("[data-testid=shop-photo-submit]")
    problem = page.get_by_test_id("shop-photo-file-problem")
    await problem.wait_for(timeout=WAIT_MS)
    assert await problem.inner_text() == "Envia una imatge JPEG, PNG o WebP."
    assert await page.get_by_test_id("shop-photo-file").get_attribute("aria-invalid") == "true"
    first = _png(f"first {tag}")
    await page.set_input_files(
        "[data-testid=shop-photo-file]",
        {"name": "botiga.png", "mimeType": "image/png", "buffer": first},
    )
    await problem.wait_for(state="detached", timeout=WAIT_MS)  # a new file clears it
    await page.click("[data-testid=shop-photo-submit]")
    src = await _loaded(page, "shop-photo-image")
    assert src.startswith("/directory/photos/") and src.endswith(".png")
    assert await page.get_by_test_id("shop-photo-image").get_attribute("alt") == (
        f"Llibres Nous {tag}"
    )
    assert await page.get_by_test_id("shop-photo-notice").inner_text() == (
        "Foto desada: el mapa ja la mostra."
    )
    assert httpx.get(url + src).content == first
    await page.click("[data-testid=shop-photo-remove]")
    await page.get_by_test_id("shop-photo-none").wait_for(timeout=WAIT_MS)
    assert httpx.get(url + src).status_code == 404
    await page.set_input_files(
        "[data-testid=shop-photo-file]",
        {"name": "façana.png", "mimeType": "image/png", "buffer": _png(f"second {tag}")},
    )
    await page.click("[data-testid=shop-photo-submit]")
    await page.wait_for_function(
        "old => (document.querySelector('[data-testid=shop-photo-image]')?.getAttribute('src')"
        " || old) !== old",
        arg=src,
        timeout=WAIT_MS,
    )
    return await _loaded(page, "shop-photo-image")


@pytest.mark.browser
async def test_an_owner_edits_the_shop_and_the_map_shows_it(
    live_server: LiveServer, browser: Browser
) -> None:
    url = live_server.url
    tag = f"t{uuid.uuid4().hex[:8]}"
    owner = register(url, _email(), PASSWORD, "Marta Vila")
    shop_id = business_account(owner, f"Botiga {tag}")["id"]
    owner.mutate("switchAccount", SWITCH, {"accountId": shop_id})
    superadmin = demo_admin(url, live_server.data_dir, "superadmin")
    officer = make_admin(url, superadmin, "KYC_OFFICER")
    officer.mutate(
        "setAccountKycTier", SET_TIER, {"accountId": shop_id, "tier": 2, "reason": "checked"}
    )
    # A cashier of the same shop, acting for it.
    cashier_email = _email()
    owner.mutate(
        "inviteMember", INVITE, {"accountId": shop_id, "email": cashier_email, "role": "CASHIER"}
    )
    cashier = register(url, cashier_email, PASSWORD, "Pau Caixer")
    token = token_from_outbox(superadmin, cashier_email, "invitation")
    cashier.mutate("acceptInvitation", ACCEPT, {"token": token})
    cashier.mutate("switchAccount", SWITCH, {"accountId": shop_id})
    manager_email = _email()
    owner.mutate(
        "inviteMember", INVITE, {"accountId": shop_id, "email": manager_email, "role": "MANAGER"}
    )
    manager = register(url, manager_email, PASSWORD, "Nil Encarregat")
    token = token_from_outbox(superadmin, manager_email, "invitation")
    manager.mutate("acceptInvitation", ACCEPT, {"token": token})
    manager.mutate("switchAccount", SWITCH, {"accountId": shop_id})

    context = await _signed_in(browser, url, owner)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # What the page sends the server over the websocket, message by message.
    sent: list[int] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda data: sent.append(len(data))))
    try:
        await page.goto(url + "/wallet/rec/shop")
        listed = page.get_by_test_id("shop-listed")
        await listed.wait_for(timeout=WAIT_MS)
        assert await listed.get_attribute("data-listed") == "true"
        await _edit_profile(page, url, tag)
        sent.clear()
        await _edit_hours(page, url, tag)
        # Each keystroke and click in a form of twenty fields is a small message (ReactPy's
        # own client sent up to 5 MB each: server/reactpy_client.py).
        assert len(sent) >= 15 and max(sent) < 2048, sent
        await _edit_offers(page, url, tag)
        photo_url = await _edit_photo(page, url, tag)
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"]
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "wallet-shop.png"), full_page=True)

        # The public map, over HTTP, as anyone.
        shown = _merchant(url, tag)
        assert shown["name"] == f"Llibres Nous {tag}"
        assert shown["category"] == "bookshop" and shown["neighbourhood"] == "Gràcia"
        assert shown["address"] == "Carrer de Verdi, 32"
        assert shown["description"] == "Llibres de segona mà i cafè."
        assert shown["location"] == {"lat": 41.40212, "lng": 2.156789}
        assert shown["openingHours"] == [
            {"day": 0, "opens": "09:00", "closes": "14:00"},
            {"day": 0, "opens": "17:00", "closes": "20:30"},
            {"day": 1, "opens": "09:00", "closes": "20:00"},
        ]
        assert shown["hoursExceptions"] == [
            {"date": _day(10), "closed": True, "ranges": []},
            {"date": _day(11), "closed": False, "ranges": [{"opens": "10:00", "closes": "13:00"}]},
        ]
        assert shown["offers"] == [
            {
                "kind": "CLASSIC",
                "title": "Cafè i llibre per 5 REC",
                "percentOff": None,
                "startsOn": _day(),
                "endsOn": _day(30),
            }
        ]

        # The wallet's map lists it with its offer.
        await page.goto(url + "/wallet/rec/map")
        await page.get_by_test_id("map-shops").wait_for(timeout=WAIT_MS)
        await page.get_by_test_id("map-search").fill(tag)
        item = page.get_by_test_id("shop").filter(has_text=f"Llibres Nous {tag}")
        await item.get_by_test_id("shop-item-offer").wait_for(timeout=WAIT_MS)
        assert "Cafè i llibre per 5 REC" in await item.inner_text()
        # Its details show the photo, named by the shop's name.
        await item.get_by_test_id("shop-item").click()
        assert await _loaded(page, "shop-details-photo") == photo_url
        image = item.get_by_test_id("shop-details-photo")
        assert await image.get_attribute("alt") == f"Llibres Nous {tag}"
        assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        await page.screenshot(path=str(ARTIFACTS / "wallet-map-photo.png"), full_page=True)
        assert errors == []
    finally:
        await context.close()

    # The cashier sees why not, and no form.
    context = await _signed_in(browser, url, cashier)
    page = await context.new_page()
    try:
        await page.goto(url + "/wallet/rec/shop")
        denied = page.get_by_test_id("shop-denied")
        await denied.wait_for(timeout=WAIT_MS)
        assert f"Llibres Nous {tag}" in await denied.inner_text()
        assert await page.get_by_test_id("shop-profile").count() == 0
        assert await page.get_by_test_id("shop-hours").count() == 0
    finally:
        await context.close()

    # A manager keeps the hours and offers; the name and place are the owners'.
    context = await _signed_in(browser, url, manager)
    page = await context.new_page()
    try:
        await page.goto(url + "/wallet/rec/shop")
        profile = page.get_by_test_id("shop-profile")
        await profile.wait_for(timeout=WAIT_MS)
        assert await profile.get_attribute("data-editable") == "false"
        assert f"Llibres Nous {tag}" in await profile.inner_text()
        assert await page.get_by_test_id("shop-profile-save").count() == 0
        await expect(page.get_by_test_id("hours-0-0-opens")).to_have_value("09:00")
        assert await page.get_by_test_id("shop-offer-item").count() == 1
        # The photo too, without the means to change it.
        assert await _loaded(page, "shop-photo-image") == photo_url
        assert await page.get_by_test_id("shop-photo-upload").count() == 0
        assert await page.get_by_test_id("shop-photo-remove").count() == 0
    finally:
        await context.close()


@pytest.fixture(scope="module")
def tiled_server(
    document_server: EmbeddedDocumentServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The app with map tiles from its own address (a marker image stands in for each)."""
    folder = tmp_path_factory.mktemp("tiled")
    settings = server_settings(folder, f"sqlite://{folder / 'rec.sqlite3'}", document_server.url)
    tiles = f"http://127.0.0.1:{settings.port}/static/vendor/leaflet/images/marker-icon.png?{{z}}{{x}}{{y}}"
    with served(settings, REC_MAP_TILE_URL=tiles) as server:
        yield server.url


@pytest.mark.browser
async def test_the_place_is_picked_on_the_map_or_typed(tiled_server: str, browser: Browser) -> None:
    owner = register(tiled_server, _email(), PASSWORD, "Marta Vila")
    shop_id = business_account(owner, "Forn del Mapa")["id"]  # at 41.4036, 2.157
    owner.mutate("switchAccount", SWITCH, {"accountId": shop_id})
    context = await _signed_in(browser, tiled_server, owner)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        await page.goto(tiled_server + "/wallet/rec/shop")
        # Not on the map yet (no review): the screen says why.
        listed = page.get_by_test_id("shop-listed")
        await listed.wait_for(timeout=WAIT_MS)
        assert await listed.get_attribute("data-listed") == "false"
        said = await listed.inner_text()
        assert "verificació és 0" in said and "nivell 2" in said
        marker = page.locator("[data-testid=shop-map-picker] .leaflet-marker-icon")
        await marker.wait_for(timeout=WAIT_MS)
        # A tap a little to the right of the marker: east of it, the same latitude or so.
        await page.get_by_test_id("shop-map-picker").scroll_into_view_if_needed()
        box = await marker.bounding_box()
        assert box is not None
        await page.mouse.click(box["x"] + box["width"] / 2 + 60, box["y"] + box["height"])
        lng = page.get_by_test_id("shop-lng")
        await page.wait_for_function(
            "() => parseFloat(document.getElementById('shop-lng').value) > 2.157",
            timeout=WAIT_MS,
        )
        picked_lat = float(await page.get_by_test_id("shop-lat").input_value())
        picked_lng = float(await lng.input_value())
        assert abs(picked_lat - 41.4036) < 0.001 and 2.157 < picked_lng < 2.16
        # Typing moves the marker.
        before = await marker.bounding_box()
        await lng.fill("2.1565")
        await page.wait_for_function(
            "x => document.querySelector('[data-testid=shop-map-picker] .leaflet-marker-icon')"
            ".getBoundingClientRect().x < x",
            arg=before["x"] if before else 0,
            timeout=WAIT_MS,
        )
        await page.click("[data-testid=shop-profile-save]")
        await _saved(page, "shop-profile-saved")
        profile = owner.data(
            "query($id: ID!) { merchantProfile(accountId: $id) { location { lat lng } } }",
            {"id": shop_id},
        )["merchantProfile"]
        assert profile["location"]["lng"] == 2.1565
        assert abs(profile["location"]["lat"] - picked_lat) < 1e-6
        assert errors == []
    finally:
        await context.close()
