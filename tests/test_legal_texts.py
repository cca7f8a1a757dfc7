"""Each currency's terms of use and privacy notice (branding/<code>/legal/<language>/),
served at /wallet/<code>/terms and /wallet/<code>/privacy in the look of the currency, in
the languages it offers; the wallet links to them when a person registers and from the
profile. A currency offers only its own languages (theme.toml's `languages`)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from markupsafe import escape

from pwa.texts import branded, offered_languages, speak, text
from server.branding import load_all
from server.pwa_assets import legal_html
from server.settings import PROJECT_ROOT
from tests.conftest import LiveServer
from tests.helpers.browser import PageWatch
from tests.helpers.graphql import register

BRANDINGS = {branding.code: branding for branding in load_all(PROJECT_ROOT / "branding")}


@pytest.mark.parametrize("code", sorted(BRANDINGS))
@pytest.mark.parametrize("name", ["terms", "privacy"])
def test_each_currency_serves_its_legal_texts_in_each_of_its_languages(
    live_server: LiveServer, code: str, name: str
) -> None:
    branding = BRANDINGS[code]
    theme = branding.theme
    address = f"{live_server.url}/wallet/{code.lower()}/{name}"

    default = httpx.get(address)
    assert default.status_code == 200
    assert f'<html lang="{theme.default_language}">' in default.text
    assert f'data-testid="legal-{name}"' in default.text
    assert f"--primary: {theme.colours.primary};" in default.text  # the currency's look
    assert f'href="/wallet/{code.lower()}/"' in default.text  # the way back to its wallet
    for language in theme.languages:
        page = httpx.get(address, params={"lang": language})
        assert f'<html lang="{language}">' in page.text
        written = branding.legal_text(name, language)
        first_paragraph = written.split("\n\n")[1].split("**")[-1].split()[0]
        assert str(escape(first_paragraph)) in page.text
    assert "<strong>" in default.text and "**" not in default.text


def test_a_language_the_currency_does_not_offer_falls_back_to_its_default(
    live_server: LiveServer,
) -> None:
    offered = {code: set(b.theme.languages) for code, b in BRANDINGS.items()}
    for code, languages in offered.items():
        missing = sorted({"ca", "es", "en"} - languages)
        for language in missing + ["xx", ""]:
            page = httpx.get(
                f"{live_server.url}/wallet/{code.lower()}/terms", params={"lang": language}
            )
            default = BRANDINGS[code].theme.default_language
            assert page.status_code == 200 and f'<html lang="{default}">' in page.text


def test_the_operator_named_in_the_theme_is_in_the_terms(live_server: LiveServer) -> None:
    for code, branding in BRANDINGS.items():
        page = httpx.get(f"{live_server.url}/wallet/{code.lower()}/terms")
        assert branding.theme.legal.operator.split(",")[0] in page.text


def test_a_legal_text_cannot_inject_markup() -> None:
    shown = str(legal_html("# Title\n\n**Bold** <script>alert(1)</script> & more\n\nSecond"))
    assert "<h2>Title</h2>" in shown
    assert "<p><strong>Bold</strong> &lt;script&gt;alert(1)&lt;/script&gt; &amp; more</p>" in shown
    assert "<p>Second</p>" in shown and "<script>" not in shown


def test_an_unknown_legal_page_is_the_404_page(live_server: LiveServer) -> None:
    answer = httpx.get(f"{live_server.url}/wallet/rec/cookies")
    assert answer.status_code == 404 and "wallet-not-found" in answer.text


def test_a_currency_speaks_only_the_languages_it_offers() -> None:
    gra = branded("es", {"en": {"map_title": "Stalls"}}, ["es", "en"])
    assert speak("en", gra) == "en" and text(speak("en", gra), "map_title") == "Stalls"
    assert speak("ca", gra) == "es"  # a Catalan speaker sees Gra's default language
    assert speak(None, gra) == "es"
    assert list(offered_languages(gra)) == ["es", "en"]
    everything = branded("ca", {})
    assert list(offered_languages(everything)) == ["ca", "es", "en"]
    assert speak("es", everything) == "es"
    assert list(offered_languages("ca")) == ["ca", "es", "en"]  # no currency: every one
    assert list(offered_languages(branded("fr", {}, ["fr"]))) == ["ca", "es", "en"]


@pytest.mark.browser
async def test_registering_in_a_currency_offers_its_languages_and_links_its_terms(
    live_server: LiveServer, page: PageWatch
) -> None:
    gra = BRANDINGS.get("GRA")
    assert gra is not None, "branding/gra/ ships with the platform"
    screen = page.page
    await screen.goto(live_server.url + "/wallet/gra/")
    await screen.get_by_test_id("show-register").click()
    await screen.get_by_test_id("register").wait_for(timeout=15000)
    options = await screen.eval_on_selector_all(
        "[data-testid=register-language] option", "(options) => options.map((o) => o.value)"
    )
    assert options == gra.theme.languages  # es, en: no Catalan in the Gra's wallet
    terms = screen.get_by_test_id("register-legal-terms")
    assert await terms.get_attribute("href") == "/wallet/gra/terms?lang=es"
    await screen.select_option("[data-testid=register-language]", "en")
    await screen.wait_for_function(
        """() => document.querySelector("[data-testid=register-legal-terms]")
        .getAttribute("href") === "/wallet/gra/terms?lang=en" """,
        timeout=15000,
    )
    assert "terms of use" in await screen.get_by_test_id("register-legal").inner_text()
    await terms.click()
    await screen.get_by_test_id("legal-terms").wait_for(timeout=15000)
    assert gra.theme.legal.operator.split(",")[0] in await screen.content()
    assert page.remote_requests == [] and page.errors == []


@pytest.mark.browser
async def test_the_profile_links_the_currency_s_legal_texts_in_the_person_s_language(
    live_server: LiveServer, page: PageWatch
) -> None:
    email = f"legal-{uuid.uuid4().hex[:8]}@example.org"
    register(live_server.url, email, "a long enough passphrase")
    screen = page.page
    await screen.goto(live_server.url + "/wallet/rec/")
    await screen.fill("[data-testid=sign-in-email]", email)
    await screen.fill("[data-testid=sign-in-password]", "a long enough passphrase")
    await screen.click("[data-testid=home-sign-in] button[type=submit]")
    await screen.get_by_test_id("home-balance").wait_for(timeout=15000)
    await screen.goto(live_server.url + "/wallet/rec/profile")
    links = screen.get_by_test_id("profile-legal")
    await links.wait_for(timeout=15000)
    privacy = await screen.get_attribute("[data-testid=profile-legal-privacy]", "href")
    assert privacy is not None and privacy.startswith("/wallet/rec/privacy?lang=")
    await screen.click("[data-testid=profile-legal-privacy]")
    await screen.get_by_test_id("legal-privacy").wait_for(timeout=15000)
    assert page.remote_requests == [] and page.errors == []
