"""One wallet per currency, each an app of its own (docs/pwa.md): /wallet/<code>/ with its
own shell, manifest, service worker and offline page, drawn from its branding folder; the
wallet's old addresses redirect, keeping the query; an unknown code is a 404 page; a host
name of REC_WALLET_HOSTS opens its currency's wallet."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import httpx
import pytest

from server.app import create_app
from server.branding import REQUIRED_ASSETS, Branding, load_all
from server.settings import PROJECT_ROOT, Settings, SettingsError
from tests.conftest import LiveServer
from tests.helpers.browser import PageWatch
from tests.helpers.graphql import register

BRANDINGS = {branding.code: branding for branding in load_all(PROJECT_ROOT / "branding")}
CODES = sorted(BRANDINGS)  # REC, and GRA and others when branding/ has them


def _worker_config(text: str) -> dict:
    first_line = text.split("\n", 1)[0]
    return json.loads(first_line.removeprefix("self.REC_SW = ").removesuffix(";"))


def _icons(branding: Branding) -> set[str]:
    base = f"/branding/{branding.code.lower()}/"
    return {base + getattr(branding.theme.assets, name) for name in REQUIRED_ASSETS}


@pytest.mark.parametrize("code", CODES)
def test_each_currency_has_its_own_shell_manifest_worker_and_offline_page(
    live_server: LiveServer, code: str
) -> None:
    branding = BRANDINGS[code]
    theme, home = branding.theme, f"/wallet/{code.lower()}/"

    shell = httpx.get(live_server.url + home)
    assert shell.status_code == 200
    assert f'<html lang="{theme.default_language}">' in shell.text
    assert f"<title>{theme.name}</title>" in shell.text
    assert f'<meta name="theme-color" content="{theme.colours.primary}">' in shell.text
    assert f"--background: {theme.colours.background};" in shell.text
    assert f'<link rel="manifest" href="{home}manifest.webmanifest">' in shell.text
    assert f'data-worker="{home}sw.js"' in shell.text and f'data-wallet="{home}"' in shell.text
    assert f'href="/branding/{code.lower()}/{theme.assets.icon_192}"' in shell.text
    fonts = getattr(theme, "fonts", None)
    if fonts is not None:  # the theme's own typeface, for the whole page
        assert "@font-face" in shell.text and f'font-family: "{fonts.family}"' in shell.text
    for page in (
        "history",
        "pay",
        "till/0123456789abcdef01234567",
        "till/T3JkZXI6MQ==",
        "top-up/a",
    ):
        answer = httpx.get(f"{live_server.url}{home}{page}")
        assert answer.status_code == 200 and f"<title>{theme.name}</title>" in answer.text

    manifest = httpx.get(f"{live_server.url}{home}manifest.webmanifest").json()
    assert manifest["id"] == manifest["start_url"] == manifest["scope"] == home
    assert (manifest["name"], manifest["short_name"]) == (theme.full_name, theme.name)
    assert manifest["lang"] == theme.default_language
    assert manifest["theme_color"] == theme.colours.primary
    assert manifest["background_color"] == theme.colours.background
    assert {icon["src"] for icon in manifest["icons"]} <= _icons(branding)

    worker = httpx.get(f"{live_server.url}{home}sw.js")
    assert worker.status_code == 200 and worker.headers["cache-control"] == "no-cache"
    config = _worker_config(worker.text)
    assert config["prefix"] == f"rec-wallet-{code.lower()}-"
    assert config["offline"] == f"{home}offline"
    assert config["pages"] == [f"{home}offline", f"{home}manifest.webmanifest"]
    assert _icons(branding) <= set(config["assets"])
    for other in set(CODES) - {code}:  # nothing of another currency's
        assert not _icons(BRANDINGS[other]) & set(config["assets"])
    for url in config["assets"]:  # everything it precaches is there: it would not install
        assert httpx.get(live_server.url + url).status_code == 200, url

    offline = httpx.get(f"{live_server.url}{home}offline")
    assert offline.status_code == 200
    assert f'<html lang="{theme.default_language}">' in offline.text
    assert f'data-currency="{code}"' in offline.text
    assert f'href="{home}manifest.webmanifest"' in offline.text


def test_the_currencies_wallets_are_different_apps(live_server: LiveServer) -> None:
    manifests = [
        httpx.get(f"{live_server.url}/wallet/{code.lower()}/manifest.webmanifest").json()
        for code in CODES
    ]
    versions = {
        _worker_config(httpx.get(f"{live_server.url}/wallet/{code.lower()}/sw.js").text)["version"]
        for code in CODES
    }
    assert len({manifest["id"] for manifest in manifests}) == len(CODES)
    assert len({manifest["name"] for manifest in manifests}) == len(CODES)
    assert len(versions) == len(CODES)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/wallet/", "/wallet/rec/"),
        ("/wallet/?error=INVALID_CREDENTIALS", "/wallet/rec/?error=INVALID_CREDENTIALS"),
        (
            "/wallet/history?kind=PAYMENT&from=2026-03-01",
            "/wallet/rec/history?kind=PAYMENT&from=2026-03-01",
        ),
        ("/wallet/reset-password?token=abc.def", "/wallet/rec/reset-password?token=abc.def"),
        (
            "/wallet/pay?to=forn&amount=2.50&memo=pa%20i%20coca",
            "/wallet/rec/pay?to=forn&amount=2.50&memo=pa%20i%20coca",
        ),
        ("/wallet/till/0123456789abcdef01234567", "/wallet/rec/till/0123456789abcdef01234567"),
        ("/wallet/top-up/abc?x=1", "/wallet/rec/top-up/abc?x=1"),
        ("/wallet/history/", "/wallet/rec/history"),
        ("/wallet/sw.js", "/wallet/rec/sw.js"),
        ("/wallet/manifest.webmanifest", "/wallet/rec/manifest.webmanifest"),
        ("/wallet/offline", "/wallet/rec/offline"),
        ("/wallet/rec", "/wallet/rec/"),
        ("/wallet/REC/pay?to=forn", "/wallet/rec/pay?to=forn"),
    ],
)
def test_the_old_addresses_redirect_to_the_default_currency_keeping_the_query(
    live_server: LiveServer, old: str, new: str
) -> None:
    answer = httpx.get(live_server.url + old, follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (307, new)


@pytest.mark.parametrize(
    "path",
    [
        "/wallet/xyz/",
        "/wallet/xyz/history",
        "/wallet/xyz/sw.js",
        "/wallet/rec/nothing",
        "/wallet/nothing",
    ],
)
def test_an_address_that_is_no_wallet_is_a_404_page(live_server: LiveServer, path: str) -> None:
    answer = httpx.get(live_server.url + path, follow_redirects=False)
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html")
    assert 'data-testid="wallet-not-found"' in answer.text
    assert 'href="/wallet/rec/"' in answer.text  # the way to the default wallet
    assert "mountReactPy" not in answer.text and "serviceWorker" not in answer.text


def test_the_session_cookie_serves_every_currency_s_wallet(live_server: LiveServer) -> None:
    """One sign-in for all currencies: the cookie's path is /, not a wallet's."""
    email = f"every-wallet-{uuid.uuid4().hex[:8]}@example.org"
    register(live_server.url, email, "a long enough passphrase")
    answer = httpx.post(
        live_server.url + "/wallet/sign-in",
        data={"email": email, "password": "a long enough passphrase", "next": "/wallet/rec/"},
        headers={"origin": live_server.url},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/wallet/rec/"
    cookie = answer.headers["set-cookie"]
    assert re.search(r"(?i);\s*path=/(;|$)", cookie), cookie


@pytest.mark.browser
@pytest.mark.parametrize("code", CODES)
async def test_every_link_of_a_currency_s_wallet_stays_in_it(
    live_server: LiveServer, page: PageWatch, code: str
) -> None:
    """Signed in at /wallet/<code>/: the balance is in that currency, every link and form
    of the wallet leads to that currency's pages, and so does each screen's way back."""
    home = f"/wallet/{code.lower()}/"
    email = f"links-{uuid.uuid4().hex[:8]}@example.org"
    register(live_server.url, email, "a long enough passphrase")
    screen = page.page
    await screen.goto(live_server.url + home)
    await screen.get_by_test_id("home-sign-in").wait_for(timeout=15000)
    assert await screen.get_attribute("[data-testid=forgot-password-link]", "href") == (
        home + "forgot-password"
    )
    await screen.fill("[data-testid=sign-in-email]", email)
    await screen.fill("[data-testid=sign-in-password]", "a long enough passphrase")
    await screen.click("[data-testid=home-sign-in] button[type=submit]")
    balance = screen.get_by_test_id("home-balance")
    await balance.wait_for(timeout=15000)
    assert screen.url == live_server.url + home
    assert await balance.get_attribute("data-currency") == code
    assert await screen.get_by_test_id("currency-name").inner_text() == BRANDINGS[code].theme.name
    addresses = await screen.evaluate(
        """() => [...document.querySelectorAll("a[href], form[action]")]
        .map((element) => element.getAttribute("href") || element.getAttribute("action"))"""
    )
    wallet = [address for address in addresses if address.startswith("/wallet/")]
    assert len(wallet) >= 8, addresses
    for address in wallet:
        assert address.startswith(home) or address == "/wallet/sign-out", address
    await screen.click("[data-testid=nav-history]")
    await screen.get_by_test_id("history").wait_for(timeout=15000)
    assert screen.url == f"{live_server.url}{home}history"
    assert await screen.get_attribute("[data-testid=nav-home]", "href") == home
    assert page.remote_requests == [] and page.errors == []


HOME = """query($currency: String!) { viewer { activeAccount { wallet(currency: $currency) {
  balance { amount currency } transactions(first: 10) { edges { node { id } } } } } } }"""


@pytest.mark.parametrize("code", CODES)
def test_a_person_without_money_in_a_currency_sees_a_zero_balance(
    live_server: LiveServer, code: str
) -> None:
    """The wallet of the address's currency, even one the person never used: nothing in
    it, in that currency's own decimals, and no error."""
    person = register(
        live_server.url, f"new-{uuid.uuid4().hex[:8]}@example.org", "a long passphrase"
    )
    wallet = person.data(HOME, {"currency": code})["viewer"]["activeAccount"]["wallet"]
    decimals = BRANDINGS[code].theme.decimals
    zero = "0" if decimals == 0 else "0." + "0" * decimals
    assert wallet == {
        "balance": {"amount": zero, "currency": code},
        "transactions": {"edges": []},
    }


# --- REC_WALLET_HOSTS: a host name of its own for a currency's wallet ---


def test_wallet_hosts_are_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {"REC_WALLET_HOSTS": " Gra.Example.org=gra , rec.example.org=REC,", "REC_MODE": "test"}
    )
    assert settings.wallet_hosts == (("gra.example.org", "GRA"), ("rec.example.org", "REC"))
    assert settings.wallet_host_currency("GRA.example.org") == "GRA"
    assert settings.wallet_host_currency("other.example.org") is None
    assert Settings.from_env({"REC_MODE": "test"}).wallet_hosts == ()


@pytest.mark.parametrize(
    "value",
    [
        "gra.example.org",  # no currency
        "gra.example.org=",
        "=GRA",
        "https://gra.example.org=GRA",  # a host name, not an address
        "gra.example.org:8443=GRA",  # no port
        "gra.example.org=G",  # not a currency code
        "gra.example.org=GRA;rec.example.org=REC",  # commas between pairs
    ],
)
def test_a_malformed_wallet_host_is_refused_naming_the_variable(value: str) -> None:
    with pytest.raises(SettingsError, match="^REC_WALLET_HOSTS must be host=CODE pairs"):
        Settings.from_env({"REC_WALLET_HOSTS": value, "REC_MODE": "test"})


def test_a_wallet_host_named_twice_is_refused() -> None:
    with pytest.raises(SettingsError, match="REC_WALLET_HOSTS names the host a.example.org twice"):
        Settings.from_env({"REC_WALLET_HOSTS": "a.example.org=REC,A.example.org=GRA"})


def test_a_wallet_host_of_an_unknown_currency_stops_the_start(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"REC_DATA_DIR": str(tmp_path), "REC_WALLET_HOSTS": "x.example.org=XYZ"}
    )
    with pytest.raises(SettingsError, match="REC_WALLET_HOSTS names XYZ: no such currency"):
        create_app(settings)


async def test_a_wallet_host_opens_its_currency_s_wallet(tmp_path: Path) -> None:
    """Requests with that Host, through the whole app (no stores needed to redirect)."""
    other = next((code for code in CODES if code != "REC"), "REC")
    settings = Settings.from_env(
        {
            "REC_DATA_DIR": str(tmp_path),
            "REC_WALLET_HOSTS": f"wallet-{other.lower()}.example.org={other}",
        }
    )
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

        async def location(path: str, host: str) -> str:
            answer = await client.get(path, headers={"host": host})
            assert answer.status_code == 307
            return answer.headers["location"]

        mine = f"wallet-{other.lower()}.example.org"
        assert await location("/", mine) == f"/wallet/{other.lower()}/"
        assert await location("/wallet/", f"{mine.upper()}:8443") == f"/wallet/{other.lower()}/"
        assert (
            await location("/wallet/reset-password?token=t", mine)
            == f"/wallet/{other.lower()}/reset-password?token=t"
        )
        # Any other host: the deployment's default currency.
        assert await location("/", "elsewhere.example.org") == "/wallet/rec/"
        assert await location("/wallet/history", "127.0.0.1:8000") == "/wallet/rec/history"
        # Each currency's wallet stays where it is, whatever the host.
        shell = await client.get("/wallet/rec/", headers={"host": mine})
        assert shell.status_code == 200 and "<title>REC</title>" in shell.text


def _mailed_link(database: Path, to: str) -> str:
    """The newest link mailed to `to`, from the sandbox outbox."""
    import sqlite3

    with sqlite3.connect(database) as connection:
        (body,) = connection.execute(
            'SELECT body FROM sandbox_outbox WHERE "to" = ? ORDER BY id DESC LIMIT 1', (to,)
        ).fetchone()
    found = re.search(r"http://\S+/wallet/\S+\?token=", body)
    assert found, body
    return found.group(0)


def test_mailed_links_open_the_wallet_of_the_currency_they_were_asked_in(
    live_server: LiveServer,
) -> None:
    """Registering, asking for a new password or inviting someone in Gra's wallet mails a
    link to Gra's wallet; none named: the front door's; an unknown currency: refused."""
    database = live_server.data_dir.parent / "rec.sqlite3"
    other = next(code for code in CODES if code != "REC").lower()
    email = f"mailed-{uuid.uuid4().hex[:8]}@example.org"
    client = httpx.Client(base_url=live_server.url)
    asked = {"email": email, "password": "a long enough passphrase", "name": "M"}
    refused = client.post(
        "/graphql",
        json={"query": REGISTER, "variables": {"input": {**asked, "currency": "XYZ"}}},
    ).json()["data"]["register"]
    assert refused["user"] is None
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("currency", "INVALID_INPUT")]
    assert refused["errors"][0]["message"].startswith("no currency XYZ (served: ")

    made = client.post(
        "/graphql",
        json={"query": REGISTER, "variables": {"input": {**asked, "currency": other}}},
    ).json()["data"]["register"]
    assert made["errors"] == []
    assert _mailed_link(database, email).endswith(f"/wallet/{other}/verify-email?token=")

    for currency, wallet in ((other.upper(), f"/wallet/{other}"), (None, "/wallet")):
        answer = client.post(
            "/graphql",
            json={"query": RESET, "variables": {"input": {"email": email, "currency": currency}}},
        ).json()["data"]["requestPasswordReset"]
        assert answer == {"ok": True, "errors": []}
        assert _mailed_link(database, email).endswith(f"{wallet}/reset-password?token=")
    wrong = client.post(
        "/graphql",
        json={"query": RESET, "variables": {"input": {"email": email, "currency": "??"}}},
    ).json()["data"]["requestPasswordReset"]
    assert wrong["ok"] is False and wrong["errors"][0]["field"] == "currency"

    # Signed in, not confirmed yet: the confirmation mail again, from Gra's wallet.
    signed_in = register(live_server.url, f"again-{email}", "a long enough passphrase")
    again = signed_in.data(AGAIN, {"currency": other.upper()})["requestEmailVerification"]
    assert again == {"ok": True, "errors": []}
    assert _mailed_link(database, f"again-{email}").endswith(f"/wallet/{other}/verify-email?token=")
    refused = signed_in.data(AGAIN, {"currency": "XYZ"})["requestEmailVerification"]
    assert refused["ok"] is False and refused["errors"][0]["code"] == "INVALID_INPUT"


REGISTER = """mutation($input: RegisterInput!) { register(input: $input) {
  user { id } errors { field code message } } }"""
AGAIN = """mutation($currency: String) { requestEmailVerification(currency: $currency) {
  ok errors { field code message } } }"""
RESET = """mutation($input: EmailInput!) { requestPasswordReset(input: $input) {
  ok errors { field code message } } }"""
