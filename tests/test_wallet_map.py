"""The wallet's map and directory of shops (/wallet/map, pwa/directory.py and
server/static/wallet-map.js): the demo's Barcelona shops in a list and on a Leaflet map,
in real Chromium, signed out or in, with no map tiles (or tiles from the server's own address)
and nothing asked of any other machine."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Page

from pwa.directory import bbox_of, clock, day_names, next_change_text, status_text
from server.stores.embedded import EmbeddedDocumentServer
from tests.conftest import LiveServer, served, server_settings
from tests.helpers.browser import PageWatch
from tests.helpers.graphql import (
    REGISTER,
    GraphQLClient,
    business_account,
    demo_admin,
    make_admin,
    register,
)

DEMO_SHOPS = {
    "Forn de Pa Sant Antoni",
    "Llibreria La Central del Raval",
    "Verdures Can Mercadal",
    "Cafè de la Rambla del Poblenou",
}
WITH_OFFERS = DEMO_SHOPS - {"Verdures Can Mercadal"}
WAIT_MS = 15000
MADRID = ZoneInfo("Europe/Madrid")


# --- What the screen says, without a browser ---


def test_times_and_days_are_in_the_persons_language() -> None:
    assert clock("07:00", "ca") == "7:00"
    assert clock("07:00", "en") == "07:00"
    assert clock("24:00", "ca") == "24:00"  # the midnight that ends a day
    assert day_names("ca")[0] == "Dilluns" and day_names("ca")[6] == "Diumenge"
    assert day_names("es")[2] == "Miércoles"


def test_the_next_opening_is_told_on_the_shops_clock() -> None:
    now = datetime(2026, 3, 2, 10, 0, tzinfo=MADRID)  # a Monday
    today = "2026-03-02T13:00:00+00:00"  # 14:00 in Madrid
    assert next_change_text(today, "Europe/Madrid", "ca", now) == "14:00"
    tomorrow = "2026-03-03T06:00:00+00:00"
    assert next_change_text(tomorrow, "Europe/Madrid", "ca", now) == "demà, 7:00"
    friday = "2026-03-06T06:00:00+00:00"
    assert next_change_text(friday, "Europe/Madrid", "es", now) == "Viernes, 7:00"
    shop = {"openNow": False, "nextChange": tomorrow, "timezone": "Europe/Madrid"}
    assert status_text(shop, "ca", now) == "Tancada · obre: demà, 7:00"
    shop = {"openNow": True, "nextChange": today, "timezone": "Europe/Madrid"}
    assert status_text(shop, "en", now) == "Open now · closes: 14:00"
    assert status_text({"openNow": True, "nextChange": None}, "ca", now) == "Oberta ara"


def test_the_maps_area_becomes_the_bbox_argument() -> None:
    assert bbox_of("41.37,2.15,41.39,2.17") == {
        "south": 41.37,
        "west": 2.15,
        "north": 41.39,
        "east": 2.17,
    }
    # Past the 180th meridian (a map panned round the world): west ends up above east.
    assert bbox_of("-10,170,10,190") == {"south": -10, "west": 170, "north": 10, "east": -170}
    assert bbox_of("-95,-10,95,10") == {"south": -90, "west": -10, "north": 90, "east": 10}
    for wrong in ("", "1,2,3", "a,b,c,d", "nan,0,1,1", "0,-200,10,200", "10,0,0,1"):
        assert bbox_of(wrong) is None, wrong


# --- In Chromium ---


async def _open_map(page: PageWatch, live_server: LiveServer) -> None:
    await page.page.goto(live_server.url + "/wallet/rec/map")
    await page.page.get_by_test_id("map-shops").wait_for(timeout=WAIT_MS)


async def _names(page: Page) -> list[str]:
    return await page.get_by_test_id("shop-name").all_inner_texts()


async def _wait_for_names(page: Page, expected: set[str]) -> None:
    """Until the list shows exactly those shops, and the map one marker each."""
    for _ in range(WAIT_MS // 100):
        names = set(await _names(page))
        markers = await page.locator(".leaflet-marker-icon").count()
        if names == expected and markers == len(expected):
            return
        await page.wait_for_timeout(100)
    raise AssertionError(f"the list shows {await _names(page)}, expected {sorted(expected)}")


async def _wait_for_markers(page: Page, count: int) -> None:
    await page.wait_for_function(
        "count => document.querySelectorAll('.leaflet-marker-icon').length === count",
        arg=count,
        timeout=WAIT_MS,
    )


@pytest.mark.browser
async def test_signed_out_the_map_lists_the_shops_with_a_marker_each(
    live_server: LiveServer, page: PageWatch
) -> None:
    await page.page.set_viewport_size({"width": 360, "height": 740})
    await _open_map(page, live_server)
    await _wait_for_markers(page.page, len(DEMO_SHOPS))
    assert set(await _names(page.page)) == DEMO_SHOPS
    body = await page.page.inner_text("body")
    assert "Botigues" in body and "Obertes ara" in body and "Amb ofertes" in body  # Catalan
    assert await page.page.get_by_test_id("map-count").inner_text() == "4 botigues"
    # Each shop: its category, address, whether it is open, and its live offers.
    forn = page.page.get_by_test_id("shop").filter(has_text="Forn de Pa Sant Antoni")
    forn_text = await forn.inner_text()
    assert "Forn" in forn_text and "Carrer del Comte Borrell, 52" in forn_text
    assert "Coca de recapte i cafè per 5 REC" in forn_text
    assert re.search(r"Oberta ara|Tancada", forn_text)
    # The markers are the shops', named, and reachable from the keyboard.
    titles = await page.page.locator(".leaflet-marker-icon").evaluate_all(
        "icons => icons.map(icon => [icon.title, icon.tabIndex, icon.getAttribute('role')])"
    )
    assert sorted(t[0] for t in titles) == sorted(DEMO_SHOPS)
    assert all(t[1] == 0 and t[2] == "button" for t in titles)
    # Every control has a name a screen reader reads.
    for test_id in ("map-search", "map-category", "map-open-now", "map-with-offers"):
        label = await page.page.get_by_test_id(test_id).evaluate(
            "element => element.labels.length ? element.labels[0].innerText.trim() : ''"
        )
        assert label, test_id
    # No tiles in tests: no tile layer at all; and 360 px wide is enough.
    assert await page.page.locator(".leaflet-tile").count() == 0
    width = await page.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    assert page.remote_requests == [] and page.errors == []


@pytest.mark.browser
async def test_search_and_category_narrow_the_list_and_the_map(
    live_server: LiveServer, page: PageWatch
) -> None:
    await _open_map(page, live_server)
    await _wait_for_names(page.page, DEMO_SHOPS)
    search = page.page.get_by_test_id("map-search")
    await search.fill("llibreria")
    await _wait_for_names(page.page, {"Llibreria La Central del Raval"})
    assert await page.page.get_by_test_id("map-count").inner_text() == "1 botiga"
    await search.fill("cafe")  # accents aside
    await _wait_for_names(page.page, {"Cafè de la Rambla del Poblenou"})
    await search.fill("no such shop anywhere")
    await page.page.get_by_test_id("map-none").wait_for(timeout=WAIT_MS)
    await _wait_for_markers(page.page, 0)
    await search.fill("")
    await _wait_for_names(page.page, DEMO_SHOPS)
    await page.page.get_by_test_id("map-category").select_option("grocery")
    await _wait_for_names(page.page, {"Verdures Can Mercadal"})
    await search.fill("forn")  # both filters at once: nothing
    await page.page.get_by_test_id("map-none").wait_for(timeout=WAIT_MS)
    await page.page.get_by_test_id("map-category").select_option("")
    await _wait_for_names(page.page, {"Forn de Pa Sant Antoni"})
    assert page.remote_requests == [] and page.errors == []


@pytest.mark.browser
async def test_with_offers_shows_only_the_shops_with_an_offer_live(
    live_server: LiveServer, page: PageWatch
) -> None:
    await _open_map(page, live_server)
    await _wait_for_names(page.page, DEMO_SHOPS)
    await page.page.get_by_test_id("map-with-offers").check()
    await _wait_for_names(page.page, WITH_OFFERS)
    for item in await page.page.get_by_test_id("shop").all():
        assert await item.get_by_test_id("shop-item-offer").count() >= 1
    await page.page.get_by_test_id("map-with-offers").uncheck()
    await _wait_for_names(page.page, DEMO_SHOPS)
    assert page.remote_requests == [] and page.errors == []


@pytest.mark.browser
async def test_a_shop_chosen_in_the_list_or_on_the_map_shows_its_hours_and_offers(
    live_server: LiveServer, page: PageWatch
) -> None:
    await _open_map(page, live_server)
    await _wait_for_names(page.page, DEMO_SHOPS)
    # From the list, with the keyboard.
    forn = page.page.get_by_test_id("shop-item").filter(has_text="Forn de Pa Sant Antoni")
    await forn.focus()
    await page.page.keyboard.press("Enter")
    details = page.page.get_by_test_id("shop-details")
    await details.wait_for(timeout=WAIT_MS)
    assert await forn.get_attribute("aria-expanded") == "true"
    hours = await details.get_by_test_id("shop-hours").inner_text()
    assert "Dilluns" in hours and "7:00\u201314:00, 17:00\u201320:30" in hours
    assert "Diumenge" in hours and "7:30\u201314:00" in hours
    exceptions = await details.get_by_test_id("shop-exceptions").inner_text()
    assert "25 de desembre" in exceptions and "Tancat" in exceptions
    offers = await details.get_by_test_id("shop-offers").inner_text()
    assert "Coca de recapte i cafè per 5 REC" in offers and "Sense data de fi" in offers
    assert "Carrer del Comte Borrell, 52" in await details.inner_text()
    # The map shows that shop apart.
    chosen = page.page.locator('.leaflet-marker-icon[title="Forn de Pa Sant Antoni"]')
    await page.page.wait_for_function(
        "() => document.querySelector('.leaflet-marker-icon[title=\"Forn de Pa Sant Antoni\"]')"
        ".getAttribute('aria-pressed') === 'true'",
        timeout=WAIT_MS,
    )
    assert await chosen.count() == 1
    # From the map: the bookshop's marker opens the bookshop's details in the list.
    await page.page.locator('.leaflet-marker-icon[title="Llibreria La Central del Raval"]').click()
    bookshop = page.page.get_by_test_id("shop-details").filter(has_text="10:00")
    await bookshop.wait_for(timeout=WAIT_MS)
    text = await bookshop.inner_text()
    assert "Un punt de llibre amb cada compra" in text and "De regal" in text
    assert "Acaba:" in text  # the offer's last day
    button = page.page.get_by_test_id("shop-item").filter(has_text="Llibreria La Central")
    assert await button.get_attribute("aria-expanded") == "true"
    assert await button.evaluate("element => element === document.activeElement")
    assert page.remote_requests == [] and page.errors == []


@pytest.mark.browser
async def test_the_list_can_keep_to_the_area_the_map_shows(
    live_server: LiveServer, page: PageWatch
) -> None:
    await _open_map(page, live_server)
    await _wait_for_names(page.page, DEMO_SHOPS)
    await page.page.get_by_test_id("map-in-area").check()
    await page.page.wait_for_timeout(1000)  # the area, then the list for it
    assert set(await _names(page.page)) == DEMO_SHOPS  # the map was showing them all
    # Closer in, around the middle of the four shops: none of them is in sight.
    for _ in range(3):
        await page.page.locator(".leaflet-control-zoom-in").click()
        await page.page.wait_for_timeout(400)
    await page.page.get_by_test_id("map-none").wait_for(timeout=WAIT_MS)
    await page.page.get_by_test_id("map-in-area").uncheck()
    await _wait_for_names(page.page, DEMO_SHOPS)
    assert page.remote_requests == [] and page.errors == []


@pytest.mark.browser
async def test_signed_in_the_map_speaks_the_persons_language(
    live_server: LiveServer, page: PageWatch
) -> None:
    email, password = f"map-{uuid.uuid4().hex[:8]}@example.org", "a long enough passphrase"
    GraphQLClient(live_server.url).mutate(
        "register",
        REGISTER,
        {"email": email, "password": password, "name": "Lucía", "language": "es"},
    )
    await page.page.goto(live_server.url + "/wallet/rec/")
    await page.page.get_by_test_id("home-sign-in").wait_for(timeout=WAIT_MS)
    await page.page.fill("input[name=email]", email)
    await page.page.fill("input[name=password]", password)
    await page.page.click("[data-testid=home-sign-in] button[type=submit]")
    await page.page.get_by_test_id("home").wait_for(timeout=WAIT_MS)
    await _open_map(page, live_server)
    await page.page.get_by_text("Tiendas", exact=True).wait_for(timeout=WAIT_MS)
    assert await page.page.get_by_test_id("map-count").inner_text() == "4 tiendas"
    await page.page.get_by_test_id("shop-item").filter(has_text="Verdures").click()
    hours = await page.page.get_by_test_id("shop-hours").inner_text()
    assert "Martes" in hours and "8:00\u201314:00, 17:00\u201320:00" in hours
    assert "Domingo" in hours and "Cerrado" in hours
    assert (
        "Ahora no tiene ninguna oferta."
        in await page.page.get_by_test_id("shop-details").inner_text()
    )
    assert page.remote_requests == [] and page.errors == []


@pytest.fixture(scope="module")
def tiled_server(
    document_server: EmbeddedDocumentServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The app with tiles from its own address (a marker image stands in for each tile)."""
    folder = tmp_path_factory.mktemp("tiled")
    settings = server_settings(folder, f"sqlite://{folder / 'rec.sqlite3'}", document_server.url)
    base = f"http://127.0.0.1:{settings.port}"
    tiles = base + "/static/vendor/leaflet/images/marker-icon.png?z={z}&x={x}&y={y}"
    with served(
        settings, "demo", REC_MAP_TILE_URL=tiles, REC_MAP_ATTRIBUTION="Mapes de prova"
    ) as server:
        yield server.url


@pytest.mark.browser
async def test_tiles_come_from_the_address_the_server_is_given(
    tiled_server: str, page: PageWatch
) -> None:
    await page.page.goto(tiled_server + "/wallet/rec/map")
    await page.page.get_by_test_id("map-shops").wait_for(timeout=WAIT_MS)
    await _wait_for_markers(page.page, len(DEMO_SHOPS))
    await page.page.locator(".leaflet-tile-loaded").first.wait_for(timeout=WAIT_MS)
    sources = await page.page.locator(".leaflet-tile").evaluate_all(
        "tiles => tiles.map(tile => tile.src)"
    )
    assert sources and all(
        src.startswith(tiled_server + "/static/vendor/leaflet/images/marker-icon.png?z=")
        for src in sources
    )
    assert "Mapes de prova" in await page.page.locator(".leaflet-control-attribution").inner_text()
    assert page.remote_requests == [] and page.errors == []


# Last: the shops it adds are on this module's server for the tests after it.
@pytest.fixture(scope="module")
def many_shops(live_server: LiveServer) -> Iterator[str]:
    """More shops than a page holds, each with the word returned in its name."""
    tag = f"pg{uuid.uuid4().hex[:6]}"
    superadmin = demo_admin(live_server.url, live_server.data_dir, "superadmin")
    officer = make_admin(live_server.url, superadmin, "KYC_OFFICER")
    owner = register(live_server.url, f"{tag}@example.org", "a long enough passphrase")
    for number in range(23):
        # After the demo shops by name: the first page of the whole list holds those.
        account = business_account(owner, f"Xarcuteria {tag} {number:02d}")
        payload = officer.data(
            """mutation($input: SetAccountKycTierInput!) {
            setAccountKycTier(input: $input) { tier errors { code } } }""",
            {"input": {"accountId": account["id"], "tier": 2, "reason": "documents checked"}},
        )
        assert payload["setAccountKycTier"]["errors"] == []
    yield tag


@pytest.mark.browser
async def test_more_shops_come_a_page_at_a_time(
    live_server: LiveServer, page: PageWatch, many_shops: str
) -> None:
    await _open_map(page, live_server)
    await page.page.get_by_test_id("map-search").fill(many_shops)
    # The first page of those shops alone.
    await page.page.wait_for_function(
        """tag => {
            const names = [...document.querySelectorAll('[data-testid=shop-name]')];
            return names.length === 20 && names.every(name => name.innerText.includes(tag));
        }""",
        arg=many_shops,
        timeout=WAIT_MS,
    )
    await page.page.get_by_test_id("map-more").wait_for(timeout=WAIT_MS)
    await _wait_for_markers(page.page, 20)
    await page.page.get_by_test_id("map-more").click()
    await page.page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=shop]').length === 23", timeout=WAIT_MS
    )
    await _wait_for_markers(page.page, 23)
    assert await page.page.get_by_test_id("map-more").count() == 0
    names = await _names(page.page)
    assert names == sorted(names) and len(set(names)) == 23
    assert page.remote_requests == [] and page.errors == []
