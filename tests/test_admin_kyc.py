"""The admin panel's KYC review, audit log and currency settings in real Chromium.

People send documents over the API (multipart, as the wallet does); a KYC officer signs in
to the panel, sees them oldest first with the file itself, approves one (the person's tier
changes) and declines another (a reason is required; the person sees DECLINED). A
superadmin edits a tier's limit in the settings (kycTiers shows it); a support
administrator reads the queue and the tiers without any button and without the files, and
finds the officer's approval in the audit log, narrowed by action. Screenshots under
tests/artifacts/ (ignored by git)."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from server.accounts import totp
from tests.conftest import LiveServer
from tests.helpers.browser import PageWatch
from tests.helpers.graphql import GraphQLClient, demo_admin, new_admin, register
from tests.test_kyc_api import upload

ARTIFACTS = Path(__file__).parent / "artifacts"
WAIT_MS = 15000
PASSWORD = "a long enough passphrase"
# A real PNG (the currency's icon), so the preview has pixels to draw.
IMAGE = (Path(__file__).parent.parent / "branding" / "rec" / "icon-192.png").read_bytes()
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
ACCOUNT = """{ viewer { activeAccount { id handle kycTier(currency: "REC")
  kycDocuments { id status reason } } } }"""
QUEUE = """{ kycReviewQueue(first: 100) { edges { node { document { id } } } } }"""
REVIEW = """mutation($input: ReviewKycDocumentInput!) { reviewKycDocument(input: $input) {
  document { status } errors { field code message } } }"""
TIERS = """{ kycTiers(currency: "REC") { level perPaymentLimit { amount } } }"""
UPDATE_TIER = """mutation($input: UpdateKycTierInput!) { updateKycTier(input: $input) {
  tier { level } errors { field code message } } }"""
AUDIT = """query($action: String) { auditLog(first: 100, action: $action) {
  edges { node { actor action targetId } } } }"""


@pytest.fixture(scope="module")
def superadmin(live_server: LiveServer) -> GraphQLClient:
    return demo_admin(live_server.url, live_server.data_dir, "superadmin")


@pytest.fixture(scope="module")
def officer(live_server: LiveServer, superadmin: GraphQLClient) -> dict[str, Any]:
    return new_admin(live_server.url, superadmin, "KYC_OFFICER")


@pytest.fixture(scope="module")
def support(live_server: LiveServer, superadmin: GraphQLClient) -> dict[str, Any]:
    return new_admin(live_server.url, superadmin, "SUPPORT")


@pytest.fixture
async def wide(browser: Browser) -> AsyncIterator[PageWatch]:
    """A desktop-sized page: the panel is used at a desk."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    yield PageWatch(await context.new_page())
    await context.close()


def _person(url: str) -> tuple[GraphQLClient, dict[str, Any], str]:
    """A new person who sends an ID document: (client, their account, the document's ID)."""
    person = register(url, f"k{uuid.uuid4().hex[:10]}@example.org", PASSWORD, "Person")
    document = upload(person, "ID_DOCUMENT", IMAGE)
    assert document["errors"] == [], document["errors"]
    account = person.data(ACCOUNT)["viewer"]["activeAccount"]
    return person, account, document["document"]["id"]


async def _as(page: Page, url: str, client: GraphQLClient, path: str) -> None:
    """Opens `path` in a browser that carries the API client's session (signed in with
    two-factor over the API)."""
    cookie = client.http.cookies["rec_session"]
    await page.context.add_cookies([{"name": "rec_session", "value": cookie, "url": url}])
    await page.goto(url + path)


def _number(global_id: str) -> str:
    """The row number inside a global ID, as the file's address uses it."""
    return base64.b64decode(global_id).decode().split(":")[1]


async def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"admin-{name}.png"), full_page=True)


@pytest.mark.browser
async def test_a_kyc_officer_approves_a_document_and_the_users_tier_changes(
    live_server: LiveServer, officer: dict[str, Any], wide: PageWatch
) -> None:
    url, page = live_server.url, wide.page
    first, first_account, first_document = _person(url)
    second, second_account, second_document = _person(url)
    assert first_account["kycTier"] == 0
    pdf_person = register(url, f"k{uuid.uuid4().hex[:10]}@example.org", PASSWORD, "Pdf")
    pdf = upload(pdf_person, "PROOF_OF_ADDRESS", PDF, "bill.pdf")
    assert pdf["errors"] == [], pdf["errors"]
    waiting = [
        e["node"]["document"]["id"]
        for e in officer["client"].data(QUEUE)["kycReviewQueue"]["edges"]
    ]
    assert waiting[:2] == [first_document, second_document]  # nothing older waits

    downloads: list[str] = []
    page.on("download", lambda d: downloads.append(d.url))
    await page.goto(url + "/admin/")
    await page.get_by_test_id("sign-in").wait_for(timeout=WAIT_MS)
    await page.fill("input[name=email]", officer["email"])
    await page.fill("input[name=password]", PASSWORD)
    next_code = totp.code_at(officer["secret"], totp.current_step() + 1)
    await page.fill("input[name=totp]", next_code)
    await page.click("button[type=submit]")
    await page.get_by_test_id("admin-home").wait_for(timeout=WAIT_MS)
    await page.click("[data-testid=menu-kyc]")
    queue = page.get_by_test_id("kyc-queue")
    await queue.wait_for(timeout=WAIT_MS)

    items = queue.locator(":scope > li")
    assert await items.first.get_attribute("data-document") == first_document
    order = [await items.nth(i).get_attribute("data-document") for i in range(await items.count())]
    assert order == waiting  # oldest first, as the API gives them
    item = page.get_by_test_id(f"kyc-item-{first_account['handle']}")
    assert "ID document" in await item.inner_text()
    assert await item.get_by_test_id("kyc-toward").inner_text() == "KYC1"
    preview = item.get_by_test_id("kyc-preview")
    await preview.wait_for(timeout=WAIT_MS)
    assert await preview.get_attribute("src") == f"/kyc/documents/{_number(first_document)}"
    drawn = "image => image.complete && image.naturalWidth > 0"
    await preview.evaluate("async image => { await image.decode(); }")
    assert await preview.evaluate(drawn)
    await page.get_by_test_id("kyc-tiers").wait_for(timeout=WAIT_MS)
    assert await page.get_by_test_id("tier-save").count() == 0  # officers do not edit limits
    await _shot(page, "kyc")
    # A PDF is a link to the file: drawing the queue downloads nothing.
    paper = page.locator(f'[data-document="{pdf["document"]["id"]}"]')
    assert await paper.get_by_test_id("kyc-preview").count() == 0
    link = await paper.get_by_test_id("kyc-open").get_attribute("href")
    assert officer["client"].http.get(link).content == PDF
    assert downloads == []

    # A decline needs a reason: without one, it says so beside the buttons and sends nothing.
    other = page.get_by_test_id(f"kyc-item-{second_account['handle']}")
    await other.get_by_test_id("kyc-decline").click()
    trouble = other.get_by_test_id("kyc-problem")
    await trouble.wait_for(timeout=WAIT_MS)
    assert "Reason" in await trouble.inner_text()
    assert second.data(ACCOUNT)["viewer"]["activeAccount"]["kycDocuments"][0]["status"] == (
        "SUBMITTED"
    )
    await other.get_by_test_id("kyc-reason").fill("The photo is blurred")
    await other.get_by_test_id("kyc-decline").click()
    declined = page.get_by_test_id(f"kyc-decided-{second_account['handle']}")
    await declined.wait_for(timeout=WAIT_MS)
    assert await declined.get_attribute("data-status") == "DECLINED"
    assert await other.count() == 0
    seen = second.data(ACCOUNT)["viewer"]["activeAccount"]["kycDocuments"][0]
    assert seen == {"id": second_document, "status": "DECLINED", "reason": "The photo is blurred"}

    await item.get_by_test_id("kyc-approve").click()
    approved = page.get_by_test_id(f"kyc-decided-{first_account['handle']}")
    await approved.wait_for(timeout=WAIT_MS)
    assert await approved.get_attribute("data-status") == "APPROVED"
    assert await approved.get_by_test_id("kyc-decided-tier").inner_text() == "KYC1"
    assert await item.count() == 0  # it left the queue
    assert first.data(ACCOUNT)["viewer"]["activeAccount"]["kycTier"] == 1
    assert wide.remote_requests == [] and wide.errors == []


@pytest.mark.browser
async def test_a_superadmin_edits_a_tier_limit_in_the_currency_settings(
    live_server: LiveServer, superadmin: GraphQLClient, wide: PageWatch
) -> None:
    url, page = live_server.url, wide.page
    await _as(page, url, superadmin, "/admin/settings?currency=REC")
    details = page.get_by_test_id("currency-details-REC")
    await details.wait_for(timeout=WAIT_MS)
    text = await details.inner_text()
    for shown in ("REC, moneda ciutadana de Barcelona", "Europe/Madrid", "ca (default)", "es"):
        assert shown in text
    assert "branding/rec/theme.toml" in await page.get_by_test_id("branding-note").inner_text()
    sample = page.locator(".admin-wallet-sample")
    primary = await sample.evaluate("e => getComputedStyle(e).getPropertyValue('--primary')")
    assert primary.strip().lower() == "#0e7c66"
    button = await page.locator(".admin-wallet-button").first.evaluate(
        "e => getComputedStyle(e).backgroundColor"
    )
    assert button == "rgb(14, 124, 102)"  # drawn with the currency's colour
    await page.wait_for_function(  # the logo loads (from /branding/), not only its tag
        """() => { const logo = document.querySelector(".admin-wallet-brand img");
        return logo !== null && logo.complete && logo.naturalWidth > 0; }""",
        timeout=WAIT_MS,
    )

    row = page.get_by_test_id("tier-1")
    await row.wait_for(timeout=WAIT_MS)
    limit = row.get_by_test_id("tier-perPaymentLimit")
    await expect(limit).to_have_value("2500.00")
    await limit.fill("twenty")
    await row.get_by_test_id("tier-reason").fill("Council decision 12/2026")
    await row.get_by_test_id("tier-save").click()
    trouble = row.get_by_test_id("tier-problem")
    await trouble.wait_for(timeout=WAIT_MS)
    assert await trouble.inner_text() == "Per payment: not an amount in REC"
    await limit.fill("2000")
    await row.get_by_test_id("tier-reason").fill("")
    await row.get_by_test_id("tier-save").click()
    await page.get_by_text("Reason: say why, for the audit log").wait_for(timeout=WAIT_MS)
    await row.get_by_test_id("tier-reason").fill("Council decision 12/2026")
    await row.get_by_test_id("tier-save").click()
    await row.get_by_text("Saved.").wait_for(timeout=WAIT_MS)
    await expect(limit).to_have_value("2000.00")  # set after the render that says Saved.
    await _shot(page, "settings")
    tiers = GraphQLClient(url).data(TIERS)["kycTiers"]
    assert tiers[1]["perPaymentLimit"] == {"amount": "2000.00"}
    assert wide.remote_requests == [] and wide.errors == []


@pytest.mark.browser
async def test_support_reads_the_queue_without_buttons_and_finds_approvals_in_the_audit_log(
    live_server: LiveServer,
    superadmin: GraphQLClient,
    officer: dict[str, Any],
    support: dict[str, Any],
    wide: PageWatch,
) -> None:
    url, page = live_server.url, wide.page
    _, _, approved = _person(url)
    officer["client"].mutate(
        "reviewKycDocument", REVIEW, {"id": approved, "decision": "APPROVE", "reason": "seen"}
    )
    _, waiting_account, _ = _person(url)
    # More than a page of the log (50), for its "More".
    logged = len(support["client"].data(AUDIT, {"action": None})["auditLog"]["edges"])
    for number in range(max(0, 55 - logged)):
        change = {"currency": "REC", "level": 2, "reason": f"rename {number}", "name": "KYC2"}
        superadmin.mutate("updateKycTier", UPDATE_TIER, change)

    await _as(page, url, support["client"], "/admin/kyc?currency=REC")
    item = page.get_by_test_id(f"kyc-item-{waiting_account['handle']}")
    await item.wait_for(timeout=WAIT_MS)
    assert await page.get_by_test_id("kyc-approve").count() == 0
    assert await page.get_by_test_id("kyc-decline").count() == 0
    assert await page.get_by_test_id("kyc-preview").count() == 0  # the files are officers'
    assert await item.get_by_test_id("kyc-no-preview").count() == 1
    await page.get_by_test_id("kyc-tiers").wait_for(timeout=WAIT_MS)
    assert await page.get_by_test_id("tier-save").count() == 0
    assert await page.get_by_test_id("tier-perPaymentLimit").first.inner_text() != ""

    await page.click("[data-testid=menu-audit]")
    log = page.get_by_test_id("audit-log")
    await log.wait_for(timeout=WAIT_MS)
    assert await log.get_by_test_id("audit-entry").count() == 50
    await page.get_by_test_id("audit-more").click()
    await log.get_by_test_id("audit-entry").nth(50).wait_for(timeout=WAIT_MS)
    everything = await log.get_by_test_id("audit-entry").count()
    assert everything > 50
    actions = {
        await e.get_attribute("data-action") for e in await log.get_by_test_id("audit-entry").all()
    }
    assert "kyc_document.approved" in actions and len(actions) > 1
    entry = (
        log.locator("[data-testid=audit-entry][data-action='kyc_document.approved']")
        .filter(has_text=officer["email"])
        .first
    )
    await entry.locator("summary").click()
    assert '"approved"' in await entry.get_by_test_id("audit-json").inner_text()

    await page.get_by_test_id("audit-filter-action").fill("kyc_document.approved")
    await page.get_by_test_id("audit-filter").click()
    await page.wait_for_url("**/admin/audit?*action=kyc_document.approved*", timeout=WAIT_MS)
    await log.wait_for(timeout=WAIT_MS)
    narrowed = await log.get_by_test_id("audit-entry").all()
    assert 0 < len(narrowed) < everything
    assert {await e.get_attribute("data-action") for e in narrowed} == {"kyc_document.approved"}
    await expect(page.get_by_test_id("audit-filter-action")).to_have_value("kyc_document.approved")
    await _shot(page, "audit")
    expected = support["client"].data(AUDIT, {"action": "kyc_document.approved"})["auditLog"]
    assert [e["node"]["actor"] for e in expected["edges"]][0] == officer["email"]
    assert len(expected["edges"]) == len(narrowed)
    assert wide.remote_requests == [] and wide.errors == []


def test_every_administrator_reads_the_queue_and_only_officers_decide_or_open_files(
    live_server: LiveServer, superadmin: GraphQLClient, support: dict[str, Any]
) -> None:
    person, _, document = _person(live_server.url)
    for reader in (superadmin, support["client"]):
        waiting = [
            e["node"]["document"]["id"] for e in reader.data(QUEUE)["kycReviewQueue"]["edges"]
        ]
        assert document in waiting
        assert reader.http.get(f"/kyc/documents/{_number(document)}").status_code == 404
        refused = reader.refusal(REVIEW, {"input": {"id": document, "decision": "APPROVE"}})
        assert refused == "FORBIDDEN"
    assert person.refusal(QUEUE) == "FORBIDDEN"
