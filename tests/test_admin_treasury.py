"""The treasury in the admin panel: the supply against the euro reserve, issuing funds,
the ledger's seal and its verification; and a support administrator who reads the
treasury, the points of sale and the people and can change none of it. API and real
Chromium. Screenshot: tests/artifacts/admin-treasury.png."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page

from tests.conftest import LiveServer
from tests.helpers.browser import PageWatch
from tests.helpers.graphql import (
    GraphQLClient,
    api_key,
    business_account,
    demo_admin,
    make_admin,
    register,
)
from tests.helpers.waiting import until

ARTIFACTS = Path(__file__).parent / "artifacts"
WAIT_MS = 15000
PASSWORD = "a long enough passphrase"
TREASURY = """{ treasury(currency: "REC") { supply { amount currency }
  reserve { amount currency } reserveRecordedBy coverage { amount currency }
  history { amount { amount } reference reason recordedBy }
  checkpoint { sequence hash signedAt } lastVerification { ok message checkedBy } } }"""
RECORD = """mutation($input: RecordReserveInput!) { recordReserve(input: $input) {
  record { amount { amount currency } reference } treasury { reserve { amount } }
  errors { field code message } } }"""
VERIFY = """mutation($input: VerifyLedgerInput!) { verifyLedger(input: $input) {
  verification { ok message problems checkedBy } errors { field code message } } }"""
ISSUE = """mutation($input: IssueFundsInput!) { issueFunds(input: $input) {
  transaction { id } errors { field code message } } }"""
BALANCE = (
    """{ viewer { activeAccount { handle wallet(currency: "REC") { balance { amount } } } } }"""
)
AUDIT = """query($action: String) { auditLog(first: 5, action: $action) {
  edges { node { actor action targetId reason } } } }"""
# Every administrative mutation of the panel's treasury and points of sale, as support
# would send it: each is refused before it runs.
SUPPORT_REFUSED = {
    "recordReserve": (
        RECORD,
        {"currency": "REC", "amount": "1.00", "reference": "R", "reason": "no"},
    ),
    "verifyLedger": (VERIFY, {"currency": "REC"}),
    "issueFunds": (
        ISSUE,
        {
            "to": "nobody",
            "amount": "1.00",
            "currency": "REC",
            "reason": "no",
            "idempotencyKey": "support-tries",
        },
    ),
    "revokeApiKey": (
        """mutation($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) {
        errors { code } } }""",
        {"id": base64.b64encode(b"ApiKey:1").decode(), "reason": "no"},
    ),
    "redeliverWebhook": (
        """mutation($input: RedeliverWebhookInput!) { redeliverWebhook(input: $input) {
        errors { code } } }""",
        {"id": base64.b64encode(b"WebhookDelivery:65a000000000000000000000").decode()},
    ),
}


@pytest.fixture(scope="module")
def superadmin(live_server: LiveServer) -> GraphQLClient:
    return demo_admin(live_server.url, live_server.data_dir, "superadmin")


@pytest.fixture(scope="module")
def treasurer(live_server: LiveServer) -> GraphQLClient:
    return demo_admin(live_server.url, live_server.data_dir, "treasurer")


@pytest.fixture(scope="module")
def support(live_server: LiveServer, superadmin: GraphQLClient) -> GraphQLClient:
    return make_admin(live_server.url, superadmin, "SUPPORT")


@pytest.fixture
async def wide(browser: Browser) -> AsyncIterator[PageWatch]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    yield PageWatch(await context.new_page())
    await context.close()


async def _as(page: Page, url: str, client: GraphQLClient, path: str) -> None:
    """Opens `path` in a browser carrying the API client's session (two-factor passed)."""
    cookie = client.http.cookies["rec_session"]
    await page.context.add_cookies([{"name": "rec_session", "value": cookie, "url": url}])
    await page.goto(url + path)


def _treasury(admin: GraphQLClient) -> dict[str, Any]:
    return admin.data(TREASURY)["treasury"]


def _reserve(admin: GraphQLClient) -> tuple[Any, ...]:
    found = _treasury(admin)
    return found["reserve"], found["coverage"], found["history"], found["reserveRecordedBy"]


def test_a_treasurer_records_the_reserve_and_bad_input_stores_nothing(
    treasurer: GraphQLClient,
) -> None:
    before = _treasury(treasurer)
    reserve = _reserve(treasurer)
    for bad, field, code in [
        ({"amount": "-5.00"}, "amount", "INVALID_AMOUNT"),
        ({"amount": "12.345"}, "amount", "INVALID_AMOUNT"),
        ({"amount": "1e3"}, "amount", "INVALID_AMOUNT"),
        ({"amount": "9" * 25}, "amount", "INVALID_AMOUNT"),
        ({"reference": " "}, "reference", "INVALID_INPUT"),
        ({"reason": ""}, "reason", "INVALID_INPUT"),
        ({"currency": "XXX"}, "currency", "NOT_FOUND"),
    ]:
        input = {"currency": "REC", "amount": "100.00", "reference": "BS-1", "reason": "r"} | bad
        payload = treasurer.data(RECORD, {"input": input})["recordReserve"]
        assert payload["record"] is None, bad
        assert (payload["errors"][0]["field"], payload["errors"][0]["code"]) == (field, code)
    assert _reserve(treasurer) == reserve  # nothing stored

    supply = Decimal(before["supply"]["amount"])
    recorded = treasurer.mutate(
        "recordReserve",
        RECORD,
        {
            "currency": "REC",
            "amount": f"{supply + 250:.2f}",
            "reference": "Bank statement 2026-11",
            "reason": "monthly reconciliation",
        },
    )
    assert recorded["record"]["amount"] == {"amount": f"{supply + 250:.2f}", "currency": "EUR"}
    now = _treasury(treasurer)
    assert now["reserve"]["amount"] == f"{supply + 250:.2f}"
    assert now["coverage"] == {"amount": "250.00", "currency": "EUR"}
    assert now["reserveRecordedBy"] == "treasurer@demo.rec.example"
    assert now["history"][0]["reference"] == "Bank statement 2026-11"
    audited = treasurer.data(AUDIT, {"action": "treasury.reserve"})["auditLog"]["edges"]
    assert audited[0]["node"]["reason"] == "monthly reconciliation"
    assert audited[0]["node"]["targetId"] == "REC"


def test_a_verification_of_a_clean_ledger_holds_and_is_kept(
    superadmin: GraphQLClient, treasurer: GraphQLClient
) -> None:
    # The demo's issuances are sealed and signed within seconds.
    until(lambda: _treasury(superadmin)["checkpoint"], "the first signed checkpoint")
    result = superadmin.mutate("verifyLedger", VERIFY, {"currency": "REC"})["verification"]
    assert result["ok"] is True and result["problems"] == []
    assert result["message"].startswith("All checks hold")
    assert result["checkedBy"] == "superadmin@demo.rec.example"
    last = _treasury(treasurer)["lastVerification"]
    assert last == {
        "ok": True,
        "message": result["message"],
        "checkedBy": "superadmin@demo.rec.example",
    }
    missing = treasurer.data(VERIFY, {"input": {"currency": "XXX"}})["verifyLedger"]
    assert missing["errors"][0]["code"] == "NOT_FOUND"


@pytest.mark.browser
async def test_a_treasurer_issues_funds_and_the_supply_changes(
    live_server: LiveServer, treasurer: GraphQLClient, wide: PageWatch
) -> None:
    url, page = live_server.url, wide.page
    person = register(url, f"t{uuid.uuid4().hex[:10]}@example.org", PASSWORD, "Núria Soler")
    handle = person.data(BALANCE)["viewer"]["activeAccount"]["handle"]
    supply = Decimal(_treasury(treasurer)["supply"]["amount"])

    await _as(page, url, treasurer, "/admin/treasury?currency=REC")
    shown = page.get_by_test_id("supply")
    await shown.wait_for(timeout=WAIT_MS)
    assert await shown.inner_text() == f"{supply:.2f} REC"
    # A mistyped amount is refused with its reason; nothing is issued.
    await page.get_by_test_id("issue-to").fill(handle)
    await page.get_by_test_id("issue-amount").fill("12.345")
    await page.get_by_test_id("issue-reason").fill("cash at the civic centre office")
    await page.get_by_test_id("issue-funds").click()
    await page.get_by_test_id("issue-problem").wait_for(timeout=WAIT_MS)
    await page.get_by_test_id("issue-amount").fill("40.00")
    await page.get_by_test_id("issue-funds").click()
    await page.get_by_test_id("issue-done").wait_for(timeout=WAIT_MS)
    await page.wait_for_function(
        "expected => document.querySelector('[data-testid=supply]').innerText === expected",
        arg=f"{supply + 40:.2f} REC",
        timeout=WAIT_MS,
    )
    assert _treasury(treasurer)["supply"]["amount"] == f"{supply + 40:.2f}"
    assert person.data(BALANCE)["viewer"]["activeAccount"]["wallet"]["balance"]["amount"] == (
        "40.00"
    )

    await page.get_by_test_id("verify-now").click()
    verified = page.locator("[data-testid=verification][data-ok=true]").filter(
        has_text="by treasurer@demo.rec.example"
    )
    await verified.wait_for(timeout=WAIT_MS)
    await page.get_by_text("Verify now").wait_for(timeout=WAIT_MS)
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "admin-treasury.png"), full_page=True)
    assert wide.remote_requests == [] and wide.errors == []


# What would change something, on the pages support reads.
ACTIONS = [
    "issue-funds-form",
    "record-reserve-form",
    "verify-now",
    "approve",
    "reject",
    "record-payout",
    "revoke-key",
    "redeliver",
]


@pytest.mark.browser
async def test_a_support_user_cannot_change_anything(
    live_server: LiveServer, support: GraphQLClient, wide: PageWatch
) -> None:
    for name, (query, input) in SUPPORT_REFUSED.items():
        assert support.refusal(query, {"input": input}) == "FORBIDDEN", name

    url, page = live_server.url, wide.page
    owner = register(url, f"o{uuid.uuid4().hex[:10]}@example.org", PASSWORD, "Pere Camps")
    shop = business_account(owner, f"Forn {uuid.uuid4().hex[:6]}")
    api_key(owner, shop["id"], "payment_orders:write")  # a point of sale

    await _as(page, url, support, "/admin/treasury?currency=REC")
    await page.get_by_test_id("supply").wait_for(timeout=WAIT_MS)
    await page.get_by_test_id("ledger-seal").wait_for(timeout=WAIT_MS)
    for test_id in ACTIONS:
        assert await page.get_by_test_id(test_id).count() == 0, test_id
    await page.get_by_test_id("menu-pos").click()
    listed = page.get_by_test_id(f"pos-{shop['handle']}")
    await listed.wait_for(timeout=WAIT_MS)
    for test_id in ACTIONS:
        assert await page.get_by_test_id(test_id).count() == 0, test_id
    await listed.get_by_role("link").click()
    await page.get_by_test_id("pos-detail").wait_for(timeout=WAIT_MS)
    for test_id in ACTIONS:
        assert await page.get_by_test_id(test_id).count() == 0, test_id
    await page.get_by_test_id("menu-people").click()
    await page.wait_for_url("**/admin/people**", timeout=WAIT_MS)
    section = page.locator("[data-testid=admin-home] > section").first
    await section.wait_for(timeout=WAIT_MS)
    # Support may search and page; any other button would act.
    labels = [text.strip() for text in await section.locator("button").all_inner_texts()]
    assert all(label.lower() in ("search", "show", "next", "more", "") for label in labels), labels
    assert wide.remote_requests == [] and wide.errors == []
