"""The profile and a forgotten password, in real Chromium: a person asks for a reset link,
reads it from the mail sandbox and chooses a new password; another changes the language,
the password and the payment PIN, turns on two-factor with a code made from the key the
screen shows, sends an identity document (uploaded by the page's own script as a GraphQL
multipart request) and sees an officer's decision arrive, then signs in again with it all."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest
import segno
from playwright.async_api import Browser, Page, expect

from server.accounts import totp
from tests.conftest import LiveServer
from tests.helpers.browser import DECODE_QR, PageWatch
from tests.helpers.graphql import (
    GraphQLClient,
    demo_admin,
    make_admin,
    register,
    token_from_outbox,
)
from tests.helpers.waiting import until

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).parent / "artifacts"
PHONE = {"width": 390, "height": 844}
PASSWORD = "a long enough passphrase"
NEW_PASSWORD = "una frase ben llarga i nova"
PIN = "4071"
WAIT_MS = 15000
SET_LANGUAGE = """mutation($input: SetLanguageInput!) { setLanguage(input: $input) {
  ok errors { code } } }"""
DOCUMENTS = """{ kycReviewQueue(first: 50) { edges { node { document { id kind status }
  account { id } } } } }"""
REVIEW = """mutation($input: ReviewKycDocumentInput!) { reviewKycDocument(input: $input) {
  document { status } errors { code } } }"""
ME = "{ viewer { activeAccount { id } } }"


@pytest.fixture(scope="module")
def superadmin(live_server: LiveServer) -> GraphQLClient:
    return demo_admin(live_server.url, live_server.data_dir, "superadmin")


async def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"wallet-{name}.png"), full_page=True)


async def _text(page: Page, test_id: str) -> str:
    element = page.get_by_test_id(test_id)
    await element.wait_for(timeout=WAIT_MS)
    return (await element.inner_text()).strip()


async def _sign_in(page: Page, form: str, email: str, password: str, code: str = "") -> None:
    await page.get_by_test_id(form).wait_for(timeout=WAIT_MS)
    await page.fill(f"[data-testid={form}] input[name=email]", email)
    await page.fill(f"[data-testid={form}] input[name=password]", password)
    if code:
        await page.fill(f"[data-testid={form}] input[name=totp]", code)
    await page.click(f"[data-testid={form}] button[type=submit]")


async def _problem(page: Page, test_id: str, field_test_id: str, expected: str) -> None:
    """The error shows beside its field, which says it is wrong and points at it."""
    problem = page.get_by_test_id(test_id)
    await expect(problem).to_have_text(expected, timeout=WAIT_MS)
    field = page.get_by_test_id(field_test_id)
    assert await field.get_attribute("aria-invalid") == "true"
    assert await field.get_attribute("aria-describedby") == test_id


async def test_a_forgotten_password_is_reset_by_mail(
    live_server: LiveServer, page: PageWatch, superadmin: GraphQLClient
) -> None:
    email = f"f{uuid.uuid4().hex[:10]}@example.org"
    register(live_server.url, email, PASSWORD, "Marta Puig")
    screen = page.page
    await screen.set_viewport_size(PHONE)
    await screen.goto(live_server.url + "/wallet/")
    await screen.click("[data-testid=forgot-password-link]")
    await screen.get_by_test_id("forgot-password").wait_for(timeout=WAIT_MS)
    assert screen.url == live_server.url + "/wallet/rec/forgot-password"

    # Nobody has this address: the very same answer, so the page tells nothing.
    await screen.fill("[data-testid=forgot-email]", "ningu@example.org")
    await screen.click("[data-testid=forgot-submit]")
    unknown = await _text(screen, "forgot-sent")
    assert unknown.startswith("Si hi ha un compte amb l'adreça ningu@example.org")

    await screen.goto(live_server.url + "/wallet/rec/forgot-password")
    await screen.fill("[data-testid=forgot-email]", email)
    await screen.click("[data-testid=forgot-submit]")
    assert await _text(screen, "forgot-sent") == unknown.replace("ningu@example.org", email)
    await _shot(screen, "forgot-password")

    token = until(
        lambda: _reset_token(superadmin, email), "the reset mail in the sandbox", timeout_s=15
    )
    await screen.goto(f"{live_server.url}/wallet/reset-password?token={token}")
    await screen.fill("input[name=new-password]", NEW_PASSWORD)
    await screen.click("button[type=submit]")
    assert await _text(screen, "link-outcome") == (
        "Contrasenya canviada. Ja pots entrar amb la nova."
    )

    await screen.goto(live_server.url + "/wallet/")
    await _sign_in(screen, "home-sign-in", email, NEW_PASSWORD)
    await screen.get_by_test_id("home").wait_for(timeout=WAIT_MS)
    assert page.errors == [] and page.remote_requests == []


def _reset_token(superadmin: GraphQLClient, email: str) -> str | None:
    try:
        return token_from_outbox(superadmin, email, "reset-password")
    except AssertionError:
        return None


def _png() -> bytes:
    out = io.BytesIO()
    segno.make("REC").save(out, kind="png", scale=2)
    return out.getvalue()


async def test_a_person_manages_their_profile(
    live_server: LiveServer, browser: Browser, page: PageWatch, superadmin: GraphQLClient
) -> None:
    email = f"p{uuid.uuid4().hex[:10]}@example.org"
    person = register(live_server.url, email, PASSWORD, "Pau Ferrer")
    person.mutate("setLanguage", SET_LANGUAGE, {"language": "en"})
    account_id = person.data(ME)["viewer"]["activeAccount"]["id"]
    screen = page.page
    await screen.set_viewport_size(PHONE)
    await screen.goto(live_server.url + "/wallet/rec/profile")
    await _sign_in(screen, "profile-sign-in", email, PASSWORD)
    await screen.get_by_test_id("profile").wait_for(timeout=WAIT_MS)
    assert screen.url == live_server.url + "/wallet/rec/profile"
    assert await _text(screen, "profile") != ""
    await expect(screen.locator("[data-testid=profile] h2")).to_have_text("Your profile")

    # The language: the whole screen turns Catalan at once.
    await screen.select_option("[data-testid=profile-language]", "ca")
    await expect(screen.locator("[data-testid=profile] h2")).to_have_text(
        "El teu perfil", timeout=WAIT_MS
    )
    assert await _text(screen, "language-notice") == "Idioma desat."
    assert await _text(screen, "pin-state") == (
        "Encara no tens PIN de pagament: el necessites per pagar."
    )

    # The password: a wrong current one, then a weak new one, each said beside its field.
    await screen.fill("[data-testid=password-current]", "not my password")
    await screen.fill("[data-testid=password-new]", NEW_PASSWORD)
    await screen.click("[data-testid=password-submit]")
    await _problem(
        screen,
        "password-currentPassword-problem",
        "password-current",
        "La contrasenya no és correcta.",
    )
    await expect(screen.get_by_test_id("password-new")).to_have_value(NEW_PASSWORD)
    await screen.fill("[data-testid=password-current]", PASSWORD)
    await screen.fill("[data-testid=password-new]", "aaaaaaaaaaaa")
    await screen.click("[data-testid=password-submit]")
    await _problem(
        screen,
        "password-newPassword-problem",
        "password-new",
        "Aquesta contrasenya és massa fàcil d'endevinar.",
    )
    await screen.fill("[data-testid=password-new]", NEW_PASSWORD)
    await screen.click("[data-testid=password-submit]")
    assert await _text(screen, "password-notice") == (
        "Contrasenya canviada. S'han tancat les sessions dels altres dispositius."
    )
    await expect(screen.get_by_test_id("password-current")).to_have_value("")
    # The other session (the API client's) ended; this screen's goes on.
    assert person.raw(ME)["data"]["viewer"] is None

    # The payment PIN: a PIN too easy, then the right one.
    await screen.fill("[data-testid=pin-new]", "1111")
    await screen.fill("[data-testid=pin-password]", NEW_PASSWORD)
    await screen.click("[data-testid=pin-submit]")
    await _problem(
        screen,
        "pin-pin-problem",
        "pin-new",
        "Fes servir de 4 a 6 xifres, que no siguin totes iguals ni seguides.",
    )
    await screen.fill("[data-testid=pin-new]", PIN)
    await screen.click("[data-testid=pin-submit]")
    assert await _text(screen, "pin-notice") == "PIN desat. Ja pots pagar amb aquest PIN."
    assert await screen.get_by_test_id("pin-state").get_attribute("data-has-pin") == "true"

    # Two-factor: the QR code holds the otpauth URI of the key shown beside it.
    assert await screen.get_by_test_id("twofa-state").get_attribute("data-enabled") == "false"
    await screen.click("[data-testid=twofa-start]")
    secret = await _text(screen, "twofa-secret")
    ARTIFACTS.mkdir(exist_ok=True)
    await screen.get_by_test_id("twofa-setup").screenshot(
        path=str(ARTIFACTS / "wallet-profile-two-factor.png")
    )
    uri = await screen.get_by_test_id("twofa-qr").evaluate(DECODE_QR)
    assert uri and uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    await screen.fill("[data-testid=twofa-code]", "000000")
    await screen.click("[data-testid=twofa-confirm]")
    await _problem(screen, "twofa-code-problem", "twofa-code", "Codi incorrecte o ja utilitzat.")
    await screen.fill("[data-testid=twofa-code]", totp.code_at(secret, totp.current_step()))
    await screen.click("[data-testid=twofa-confirm]")
    assert await _text(screen, "twofa-notice") == "Verificació en dos passos activada."
    assert await screen.get_by_test_id("twofa-state").get_attribute("data-enabled") == "true"
    # Turning it off asks for the password: a wrong one is said beside it.
    await screen.fill("[data-testid=twofa-password]", "not my password")
    await screen.fill("[data-testid=twofa-code]", "123456")
    await screen.click("[data-testid=twofa-disable]")
    await _problem(
        screen,
        "twofa-currentPassword-problem",
        "twofa-password",
        "La contrasenya no és correcta.",
    )

    # KYC: level 0 and its limits; a file that is not a document, then a PNG.
    tier = screen.get_by_test_id("kyc-tier")
    await tier.wait_for(timeout=WAIT_MS)
    assert await tier.get_attribute("data-level") == "0"
    assert await _text(screen, "kyc-no-documents") == "Encara no has enviat cap document."
    await screen.select_option("[data-testid=kyc-kind]", "ID_DOCUMENT")
    await screen.set_input_files(
        "[data-testid=kyc-file]",
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a document"},
    )
    await screen.click("[data-testid=kyc-submit]")
    await _problem(screen, "kyc-file-problem", "kyc-file", "Envia un fitxer PDF, JPEG o PNG.")
    await screen.set_input_files(
        "[data-testid=kyc-file]",
        {"name": "dni.png", "mimeType": "image/png", "buffer": _png()},
    )
    await screen.click("[data-testid=kyc-submit]")
    assert await _text(screen, "kyc-notice") == "Document enviat: el revisarem aviat."
    document = screen.get_by_test_id("kyc-document")
    await expect(document).to_have_attribute("data-status", "SUBMITTED", timeout=WAIT_MS)
    assert "Pendent de revisió" in await document.inner_text()
    assert "DNI, NIE o passaport" in await document.inner_text()
    await expect(screen.get_by_test_id("kyc-file-problem")).to_have_count(0)
    assert await screen.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await _shot(screen, "profile")

    # An officer declines it: the decision and its reason arrive live.
    officer = make_admin(live_server.url, superadmin, "KYC_OFFICER")
    queued = [
        edge["node"]["document"]
        for edge in officer.data(DOCUMENTS)["kycReviewQueue"]["edges"]
        if edge["node"]["account"]["id"] == account_id
    ]
    assert len(queued) == 1
    officer.mutate(
        "reviewKycDocument",
        REVIEW,
        {"id": queued[0]["id"], "decision": "DECLINE", "reason": "La foto no es llegeix"},
    )
    await expect(document).to_have_attribute("data-status", "DECLINED", timeout=WAIT_MS)
    assert await _text(screen, "kyc-reason") == "Motiu: La foto no es llegeix"

    # Elsewhere: signing in takes the new password and a code now; all of it was kept.
    context = await browser.new_context(viewport=PHONE)
    other = await context.new_page()
    await other.goto(live_server.url + "/wallet/rec/profile")
    await _sign_in(
        other,
        "profile-sign-in",
        email,
        NEW_PASSWORD,
        totp.code_at(secret, totp.current_step() + 1),
    )
    await other.get_by_test_id("profile").wait_for(timeout=WAIT_MS)
    await expect(other.locator("[data-testid=profile] h2")).to_have_text("El teu perfil")
    assert await other.get_by_test_id("pin-state").get_attribute("data-has-pin") == "true"
    assert await other.get_by_test_id("twofa-state").get_attribute("data-enabled") == "true"
    await context.close()
    assert page.errors == [] and page.remote_requests == []
