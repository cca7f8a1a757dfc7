"""Each currency's wallet as an installed app, in real Chromium: installable, useful
offline, never stale when the network is back, an app of its own beside the other
currencies' wallets, and nothing fetched from outside (docs/pwa.md)."""

from __future__ import annotations

import io
import json
import re
import shutil
import struct
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Page, Route, async_playwright

from server.branding import load_all
from server.pwa_assets import OFFLINE_TEXTS, shell_of
from server.settings import PROJECT_ROOT
from tests.conftest import LiveServer, chromium_path
from tests.helpers.browser import CHROMIUM_ARGS, LOCAL_HOSTS, PageWatch

pytestmark = pytest.mark.browser
# Another currency beside REC, when branding/ has one: its wallet must be an app of its own.
OTHER = next(
    (
        b
        for b in sorted(load_all(PROJECT_ROOT / "branding"), key=lambda b: b.code)
        if b.code != "REC"
    ),
    None,
)
SNAPSHOT_KEY = "rec.wallet.snapshot.REC"  # each currency's wallet keeps its own
MADRID = ZoneInfo("Europe/Madrid")  # branding/rec's time zone: the offline page's times
# The DOM the wallet's home screen exposes (see server/static/wallet-offline.js).
HOME_SCREEN = """([amount, items, currency = "REC"]) => {
  const balance = document.createElement("p");
  balance.dataset.testid = "home-balance";
  balance.dataset.amount = amount;
  balance.dataset.currency = currency;
  balance.textContent = amount.replace(".", ",") + " REC";
  const list = document.createElement("ul");
  list.dataset.testid = "recent-activity";
  for (const text of items) {
    const item = document.createElement("li");
    item.dataset.testid = "activity-item";
    item.textContent = text;
    list.appendChild(item);
  }
  document.body.append(balance, list);
}"""
WORKER_ACTIVE = """async () => {
  // A worker that cannot install (a precached file missing) never gets ready: say so.
  const late = new Promise((_, fail) =>
    setTimeout(() => fail(new Error("the service worker did not activate in 20 s")), 20000));
  const registration = await Promise.race([navigator.serviceWorker.ready, late]);
  const worker = registration.active;
  if (worker.state !== "activated") {
    await Promise.race([late, new Promise((done) => worker.addEventListener("statechange", () => {
      if (worker.state === "activated") done();
    }))]);
  }
  return registration.scope;
}"""
CACHED = """async () => {
  const found = {};
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    found[name] = (await cache.keys()).map((request) => new URL(request.url).pathname);
  }
  return found;
}"""


class InstalledApp(PageWatch):
    """A page in a profile of its own (an incognito context is never installable), plus
    the requests of its service worker that left this machine."""

    def __init__(self, page: Page, url: str) -> None:
        super().__init__(page)
        self.url = url
        self.worker_remote_requests: list[str] = []
        page.context.on("request", self._on_context_request)

    def _on_context_request(self, request) -> None:  # type: ignore[no-untyped-def]
        url = urlparse(request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.hostname not in LOCAL_HOSTS:
            self.worker_remote_requests.append(request.url)

    async def open_controlled_wallet(self, code: str = "rec") -> str:
        """A currency's wallet, with its service worker active and in control; returns the
        scope."""
        await self.page.goto(f"{self.url}/wallet/{code}/")
        await self.page.get_by_test_id("currency-name").wait_for(timeout=15000)
        scope = await self.page.evaluate(WORKER_ACTIVE)
        await self.page.reload()
        await self.page.get_by_test_id("currency-name").wait_for(timeout=15000)
        assert await self.page.evaluate("navigator.serviceWorker.controller !== null")
        return scope

    def assert_stayed_local(self) -> None:
        assert self.remote_requests == [] and self.worker_remote_requests == []
        assert self.errors == []


@pytest.fixture
async def app(live_server: LiveServer, tmp_path: Path) -> AsyncIterator[InstalledApp]:
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=chromium_path(),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 420, "height": 860},
        )
        page = context.pages[0] if context.pages else await context.new_page()
        yield InstalledApp(page, live_server.url)
        await context.close()


def _worker_config(live_server: LiveServer) -> dict:
    response = httpx.get(live_server.url + "/wallet/rec/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "no-cache"  # each new version seen at once
    first_line = response.text.split("\n", 1)[0]
    return json.loads(first_line.removeprefix("self.REC_SW = ").removesuffix(";"))


def _pixel_size(png: bytes) -> tuple[int, int]:
    try:
        from PIL import Image
    except ImportError:  # no Pillow: the size is in the PNG's first chunk, IHDR
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
        width, height = struct.unpack(">II", png[16:24])
        return width, height
    with Image.open(io.BytesIO(png)) as image:
        return image.size


def _assert_known_at(label: str, saved_at_ms: int) -> None:
    """The label of a snapshot taken minutes ago, in Catalan, in the currency's time zone."""
    moment = datetime.fromtimestamp(saved_at_ms / 1000, MADRID)
    at = f"a {'la' if moment.hour == 1 else 'les'} {moment.hour}:{moment.minute:02d}"
    if moment.date() == datetime.now(MADRID).date():
        assert label == f"Saldo conegut {at}"
    else:  # taken before midnight: the label names the day too
        assert label.startswith("Saldo conegut el ") and label.endswith(at)


async def _offline_reload(app: InstalledApp) -> None:
    await app.page.context.set_offline(True)
    await app.page.reload()
    await app.page.get_by_test_id("offline-page").wait_for(timeout=15000)


async def test_chromium_finds_the_wallet_installable(
    live_server: LiveServer, app: InstalledApp
) -> None:
    scope = await app.open_controlled_wallet()
    assert scope == live_server.url + "/wallet/rec/"
    registration = await app.page.evaluate(
        """async () => {
        const found = await navigator.serviceWorker.getRegistration();
        return {scope: found.scope, script: found.active.scriptURL};
    }"""
    )
    assert registration == {"scope": scope, "script": live_server.url + "/wallet/rec/sw.js"}
    cdp = await app.page.context.new_cdp_session(app.page)
    assert (await cdp.send("Page.getInstallabilityErrors"))["installabilityErrors"] == []
    parsed = await cdp.send("Page.getAppManifest")
    assert parsed["url"] == live_server.url + "/wallet/rec/manifest.webmanifest"
    assert parsed["errors"] == []

    manifest = httpx.get(parsed["url"]).json()
    assert manifest["name"] == "REC, moneda ciutadana de Barcelona"
    assert manifest["short_name"] == "REC"
    assert manifest["id"] == manifest["start_url"] == manifest["scope"] == "/wallet/rec/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#0E7C66" and manifest["background_color"] == "#F7F5F0"
    sizes = {}
    for icon in manifest["icons"]:
        response = httpx.get(live_server.url + icon["src"])
        assert response.status_code == 200 and response.headers["content-type"] == "image/png"
        width, height = _pixel_size(response.content)
        assert icon["sizes"] == f"{width}x{height}"  # the manifest tells the truth
        sizes.setdefault(icon.get("purpose", "any"), set()).add(width)
    assert {192, 512} <= sizes["any"] and 512 in sizes["maskable"]
    app.assert_stayed_local()


@pytest.mark.skipif(OTHER is None, reason="branding/ has one currency only")
async def test_each_currency_s_wallet_is_an_app_of_its_own(
    live_server: LiveServer, app: InstalledApp
) -> None:
    assert OTHER is not None
    other, theme = OTHER.code.lower(), OTHER.theme
    await app.open_controlled_wallet("rec")
    scope = await app.open_controlled_wallet(other)
    assert scope == f"{live_server.url}/wallet/{other}/"
    page = app.page
    assert await page.get_by_test_id("currency-name").inner_text() == theme.name
    assert await page.get_attribute("html", "lang") == theme.default_language
    assert await page.get_attribute("meta[name=theme-color]", "content") == theme.colours.primary
    scopes = await page.evaluate(
        "async () => (await navigator.serviceWorker.getRegistrations()).map((r) => r.scope)"
    )
    assert sorted(scopes) == sorted([f"{live_server.url}/wallet/rec/", scope])
    cdp = await page.context.new_cdp_session(page)
    assert (await cdp.send("Page.getInstallabilityErrors"))["installabilityErrors"] == []
    parsed = await cdp.send("Page.getAppManifest")
    assert parsed["url"] == f"{live_server.url}/wallet/{other}/manifest.webmanifest"
    # Each worker fills its own cache with its own currency's files.
    cached = await page.evaluate(CACHED)
    mine = {
        name: paths for name, paths in cached.items() if name.startswith(f"rec-wallet-{other}-")
    }
    rec = {name: paths for name, paths in cached.items() if name.startswith("rec-wallet-rec-")}
    assert len(mine) == 1 and len(rec) == 1 and len(cached) == 2
    [mine_paths], [rec_paths] = mine.values(), rec.values()
    assert f"/branding/{other}/{theme.assets.icon_192}" in mine_paths
    assert not any(path.startswith(f"/branding/{other}/") for path in rec_paths)
    assert not any(path.startswith("/branding/rec/") for path in mine_paths)
    if getattr(theme, "fonts", None) is not None:  # its typeface, loaded for the page
        family = await page.evaluate("getComputedStyle(document.body).fontFamily")
        assert family.startswith(f'"{theme.fonts.family}"')
    app.assert_stayed_local()


async def test_the_worker_precaches_the_shell_and_nothing_else(
    live_server: LiveServer, app: InstalledApp
) -> None:
    config = _worker_config(live_server)
    # Caches of an older version, of the worker all currencies shared before, of another
    # currency's wallet, and one that is not a wallet's.
    await app.page.goto(live_server.url + "/wallet/rec/offline")
    await app.page.evaluate(
        """Promise.all(["rec-wallet-rec-0ld", "rec-wallet-0123456789abcdef",
                        "rec-wallet-gra-0ld", "other"].map((name) => caches.open(name)))"""
    )
    await app.open_controlled_wallet()
    # What the page loads, as it runs: the ReactPy client and the wallet's scripts.
    loaded = await app.page.evaluate(
        "performance.getEntriesByType('resource').map((entry) => new URL(entry.name).pathname)"
    )
    for path in loaded:
        if path.startswith(("/static/", "/reactpy/static/", "/branding/")):
            assert path in config["assets"]
    assert {"/reactpy/static/index.js", "/static/wallet-offline.js"} <= set(loaded)
    # Reloaded with those refused by the network, the wallet still runs: they come from
    # the worker's cache.
    refused: list[str] = []

    async def refuse(route: Route) -> None:
        refused.append(route.request.url)
        await route.abort()

    await app.page.context.route(re.compile(r"/(static|reactpy/static|branding)/"), refuse)
    await app.page.reload()
    await app.page.get_by_test_id("currency-name").wait_for(timeout=15000)
    assert refused == []
    await app.page.context.unroute_all()

    # The page asks the API and the wallet page itself, as scripts would: none is kept.
    await app.page.evaluate(
        """async () => {
        await fetch("/graphql", {method: "POST", headers: {"content-type": "application/json"},
                                 body: JSON.stringify({query: "{ __typename }"})});
        await fetch("/graphql?query=%7B__typename%7D");
        await fetch("/wallet/rec/");
        await fetch("/wallet/");
        await fetch("/healthz");
    }"""
    )
    cached = await app.page.evaluate(CACHED)
    mine = f"rec-wallet-rec-{config['version']}"
    assert config["prefix"] == "rec-wallet-rec-" and config["offline"] == "/wallet/rec/offline"
    # The old ones are gone; another currency's cache is never this worker's to delete.
    assert set(cached) == {mine, "rec-wallet-gra-0ld", "other"}
    assert sorted(cached[mine]) == sorted(config["assets"] + config["pages"])
    assert "/wallet/rec/" not in cached[mine] and "/wallet/" not in cached[mine]
    app.assert_stayed_local()


async def test_the_wallet_keeps_a_snapshot_of_what_it_shows_and_follows_it(
    live_server: LiveServer, app: InstalledApp
) -> None:
    await app.open_controlled_wallet()
    # A balance in another currency is never this wallet's to keep.
    await app.page.evaluate(HOME_SCREEN, ["40", ["Pan +40 GRA"], "GRA"])
    await app.page.wait_for_timeout(300)
    assert await app.page.evaluate(
        "[localStorage.getItem('rec.wallet.snapshot.REC'), "
        "localStorage.getItem('rec.wallet.snapshot.GRA')]"
    ) == [None, None]
    await app.page.evaluate(
        """document.querySelectorAll('[data-testid="home-balance"], [data-testid="recent-activity"]')
        .forEach((element) => element.remove())"""
    )
    before = int(time.time() * 1000)
    await app.page.evaluate(HOME_SCREEN, ["12.50", ["Forn de Pa −3,00 REC", "Anna +10,00 REC"]])
    await app.page.wait_for_function(f"localStorage.getItem('{SNAPSHOT_KEY}') !== null")
    snapshot = json.loads(await app.page.evaluate(f"localStorage.getItem('{SNAPSHOT_KEY}')"))
    assert snapshot["format"] == 1
    assert before <= snapshot["savedAt"] <= int(time.time() * 1000)
    assert snapshot["balance"] == {"amount": "12.50", "currency": "REC", "text": "12,50 REC"}
    assert snapshot["activity"] == ["Forn de Pa −3,00 REC", "Anna +10,00 REC"]

    # A live update: a payment comes in; the snapshot follows it.
    await app.page.evaluate(
        """() => {
        const balance = document.querySelector('[data-testid="home-balance"]');
        balance.dataset.amount = "17.50";
        balance.textContent = "17,50 REC";
        const item = document.createElement("li");
        item.dataset.testid = "activity-item";
        item.textContent = "Jordi +5,00 REC";
        document.querySelector('[data-testid="recent-activity"]').prepend(item);
    }"""
    )
    await app.page.wait_for_function(
        f"JSON.parse(localStorage.getItem('{SNAPSHOT_KEY}')).balance.amount === '17.50'"
    )
    snapshot = json.loads(await app.page.evaluate(f"localStorage.getItem('{SNAPSHOT_KEY}')"))
    assert snapshot["activity"] == ["Jordi +5,00 REC", "Forn de Pa −3,00 REC", "Anna +10,00 REC"]
    assert snapshot["balance"]["text"] == "17,50 REC"

    # Offline, the wallet's address shows that snapshot, labelled as such.
    await _offline_reload(app)
    page = app.page
    _assert_known_at(
        await page.get_by_test_id("offline-known-at").inner_text(), snapshot["savedAt"]
    )
    assert await page.get_by_test_id("offline-balance").inner_text() == "17,50 REC"
    assert await page.get_by_test_id("offline-activity").locator("li").all_inner_texts() == [
        "Jordi +5,00 REC",
        "Forn de Pa −3,00 REC",
        "Anna +10,00 REC",
    ]
    assert await page.get_by_test_id("offline-nothing-saved").is_hidden()
    assert page.url == live_server.url + "/wallet/rec/"
    app.assert_stayed_local()


async def test_offline_the_wallet_shows_the_last_known_balance_then_the_live_one(
    live_server: LiveServer, app: InstalledApp
) -> None:
    await app.open_controlled_wallet()
    saved_at = int(time.time() * 1000) - 5 * 60 * 1000
    await app.page.evaluate(
        "([key, value]) => localStorage.setItem(key, value)",
        [
            SNAPSHOT_KEY,
            json.dumps(
                {
                    "format": 1,
                    "savedAt": saved_at,
                    "balance": {"amount": "1234.5", "currency": "REC", "text": "1.234,5 REC"},
                    "activity": ["Verdures Can Mercadal −4,20 REC", "<b>not markup</b>"],
                }
            ),
        ],
    )
    await _offline_reload(app)
    page = app.page
    text = await page.inner_text("main")
    assert "Sense connexió" in text and "Per pagar i cobrar cal connexió." in text
    _assert_known_at(await page.get_by_test_id("offline-known-at").inner_text(), saved_at)
    assert await page.get_by_test_id("offline-balance").inner_text() == "1.234,5 REC"
    assert await page.get_by_test_id("offline-activity").locator("li").all_inner_texts() == [
        "Verdures Can Mercadal −4,20 REC",
        "<b>not markup</b>",  # shown as text, never as HTML
    ]
    # Still offline, trying again shows the offline page again, not an old wallet page.
    await page.get_by_test_id("offline-retry").click()
    await page.wait_for_load_state()
    await page.get_by_test_id("offline-page").wait_for(timeout=15000)
    assert await page.get_by_test_id("currency-name").count() == 0

    # Back online: the page goes back to the live wallet by itself, from the server.
    await page.context.set_offline(False)
    await page.get_by_test_id("currency-name").wait_for(timeout=15000)
    assert await page.get_by_test_id("offline-page").count() == 0
    assert await page.evaluate("navigator.serviceWorker.controller !== null")
    assert page.url == live_server.url + "/wallet/rec/"

    # The offline page opened by its own address: its button leads to the live wallet.
    await page.goto(live_server.url + "/wallet/rec/offline")
    async with page.expect_navigation():
        await page.get_by_test_id("offline-retry").click()
    await page.get_by_test_id("currency-name").wait_for(timeout=15000)
    assert page.url == live_server.url + "/wallet/rec/"
    app.assert_stayed_local()


async def test_an_older_snapshot_says_its_day_and_no_snapshot_says_so(
    live_server: LiveServer, app: InstalledApp
) -> None:
    await app.open_controlled_wallet()
    await app.page.evaluate(f"localStorage.removeItem('{SNAPSHOT_KEY}')")
    await _offline_reload(app)
    page = app.page
    assert await page.get_by_test_id("offline-snapshot").is_hidden()
    assert (
        await page.get_by_test_id("offline-nothing-saved").inner_text()
        == "Aquest dispositiu encara no ha desat cap saldo."
    )

    saved_at = int(datetime(2024, 3, 3, 14, 32, tzinfo=MADRID).timestamp() * 1000)
    snapshot = {"format": 1, "savedAt": saved_at, "balance": {"amount": "3.00", "currency": "REC"}}
    await page.evaluate(
        "([key, value]) => localStorage.setItem(key, value)", [SNAPSHOT_KEY, json.dumps(snapshot)]
    )
    await page.reload()
    label = await page.get_by_test_id("offline-known-at").inner_text()
    assert label.startswith("Saldo conegut el 3 de març") and label.endswith(" a les 14:32")
    assert "2024" in label  # another year: said
    assert await page.get_by_test_id("offline-balance").inner_text() == "3,00 REC"
    assert await page.get_by_test_id("offline-activity").locator("li").count() == 0
    app.assert_stayed_local()


async def test_signing_out_forgets_the_snapshot(live_server: LiveServer, app: InstalledApp) -> None:
    await app.open_controlled_wallet()
    # Another currency's snapshot, and the one all currencies shared before: all forgotten.
    others = ["rec.wallet.snapshot.GRA", "rec.wallet.snapshot"]
    await app.page.evaluate(
        "(keys) => keys.forEach((key) => localStorage.setItem(key, '{}'))", others
    )
    await app.page.evaluate(HOME_SCREEN, ["8.00", ["Anna +8,00 REC"]])
    await app.page.wait_for_function(f"localStorage.getItem('{SNAPSHOT_KEY}') !== null")
    await app.page.evaluate(
        """() => {
        const form = document.createElement("form");
        form.method = "post";
        form.action = "/wallet/sign-out";
        form.addEventListener("submit", (event) => event.preventDefault());
        document.body.appendChild(form);
        form.requestSubmit();
    }"""
    )
    assert await app.page.evaluate(f"localStorage.getItem('{SNAPSHOT_KEY}')") is None
    kept = await app.page.evaluate("(keys) => keys.map((key) => localStorage.getItem(key))", others)
    assert kept == [None, None]
    # The page still shows the balance until it leaves: it is not saved again.
    await app.page.evaluate(
        "document.querySelector('[data-testid=\"home-balance\"]').dataset.amount = '9.00'"
    )
    await app.page.wait_for_timeout(300)
    assert await app.page.evaluate(f"localStorage.getItem('{SNAPSHOT_KEY}')") is None
    app.assert_stayed_local()


def test_the_offline_page_speaks_the_currency_language(live_server: LiveServer) -> None:
    response = httpx.get(live_server.url + "/wallet/rec/offline")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-cache"
    assert '<html lang="ca">' in response.text and "Sense connexió" in response.text
    assert all({"ca", "es", "en"} <= set(words) for words in OFFLINE_TEXTS.values())


def test_the_cache_version_follows_every_precached_file(tmp_path: Path) -> None:
    shutil.copytree(PROJECT_ROOT / "branding" / "rec", tmp_path / "rec")
    [branding] = load_all(tmp_path)
    before = shell_of(branding)
    assert before.version == shell_of(branding).version  # the same files, the same version
    with open(tmp_path / "rec" / "logo.svg", "a") as logo:
        logo.write("<!-- a new logo -->\n")
    after = shell_of(branding)
    assert after.version != before.version and list(after.assets) == list(before.assets)
