"""Adjustments: applied at once up to the currency's threshold, otherwise waiting for a
second administrator; over a live server, and in the admin panel in real Chromium."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect
from pymongo import MongoClient

from server.settings import Settings
from server.stores.embedded import EmbeddedDocumentServer
from tests.conftest import (
    LiveServer,
    _copy_stores,
    rec_env,
    run_rec,
    served,
    server_settings,
)
from tests.helpers.browser import PageWatch
from tests.helpers.graphql import (
    GraphQLClient,
    business_account,
    demo_admin,
    make_admin,
    register,
)

ARTIFACTS = Path(__file__).parent / "artifacts"
PASSWORD = "a long enough passphrase"
ADJUSTMENT = """fragment A on Adjustment { id status direction amount { amount currency }
  account { handle } reason corrects requestedBy { email } decidedBy { email }
  decisionReason transaction { id kind reason amount { amount } } createdAt decidedAt }"""
REQUEST = (
    """mutation($input: RequestAdjustmentInput!) { requestAdjustment(input: $input) {
  adjustment { ...A } errors { field code message } } }"""
    + ADJUSTMENT
)
APPROVE = (
    """mutation($input: AdjustmentInput!) { approveAdjustment(input: $input) {
  adjustment { ...A } errors { field code message } } }"""
    + ADJUSTMENT
)
REJECT = (
    """mutation($input: RejectAdjustmentInput!) { rejectAdjustment(input: $input) {
  adjustment { ...A } errors { field code message } } }"""
    + ADJUSTMENT
)
LIST = (
    """query($status: AdjustmentStatus) { adjustments(currency: "REC", status: $status,
  first: 100) { edges { node { ...A } } pageInfo { hasNextPage } } }"""
    + ADJUSTMENT
)
THRESHOLD = """mutation($input: SetAdjustmentApprovalThresholdInput!) {
  setAdjustmentApprovalThreshold(input: $input) {
  currency { code adjustmentApprovalThreshold { amount currency } }
  errors { field code message } } }"""
READ_THRESHOLD = '{ currency(code: "REC") { adjustmentApprovalThreshold { amount } } }'
ME = """{ viewer { activeAccount { id handle wallet(currency: "REC") { balance { amount }
  transactions(first: 100) { edges { node { kind amount { amount } reason } } } } } } }"""
AUDIT = """query($action: String!) { auditLog(first: 100, action: $action,
  targetType: "adjustment") { edges { node { actor action targetId after reason } } } }"""


@pytest.fixture(scope="module")
def server_and_settings(
    demo_template: Settings,
    document_server: EmbeddedDocumentServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LiveServer, Settings]]:
    """The app with demo data, as `live_server`, with its settings for `rec ledger verify`."""
    folder = tmp_path_factory.mktemp("adjustments")
    settings = server_settings(folder, f"sqlite://{folder / 'rec.sqlite3'}", document_server.url)
    _copy_stores(demo_template, settings)
    with served(settings, migrate=False) as server:
        yield server, settings
    client: MongoClient = MongoClient(document_server.url)
    client.drop_database(settings.mongodb_database)
    client.close()


@pytest.fixture(scope="module")
def live_server(server_and_settings: tuple[LiveServer, Settings]) -> LiveServer:
    return server_and_settings[0]


@pytest.fixture(scope="module")
def superadmin(live_server: LiveServer) -> GraphQLClient:
    return demo_admin(live_server.url, live_server.data_dir, "superadmin")


@pytest.fixture(scope="module")
def treasurer(live_server: LiveServer) -> GraphQLClient:
    return demo_admin(live_server.url, live_server.data_dir, "treasurer")


@pytest.fixture(scope="module")
def person(live_server: LiveServer) -> GraphQLClient:
    return register(live_server.url, f"adj-{uuid.uuid4().hex[:10]}@example.org", PASSWORD)


def _me(person: GraphQLClient) -> dict[str, Any]:
    return person.data(ME)["viewer"]["activeAccount"]


def _balance(person: GraphQLClient) -> str:
    return _me(person)["wallet"]["balance"]["amount"]


def _adjustments_in_history(person: GraphQLClient) -> list[dict[str, Any]]:
    edges = _me(person)["wallet"]["transactions"]["edges"]
    return [edge["node"] for edge in edges if edge["node"]["kind"] == "ADJUSTMENT"]


def _ask(
    admin: GraphQLClient,
    person: GraphQLClient,
    amount: str,
    direction: str = "CREDIT",
    reason: str = "counter error at the exchange office",
    key: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    payload = {
        "accountId": _me(person)["id"],
        "currency": "REC",
        "direction": direction,
        "amount": amount,
        "reason": reason,
        "idempotencyKey": key or uuid.uuid4().hex,
        **extra,
    }
    return admin.data(REQUEST, {"input": payload})["requestAdjustment"]


def _codes(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["errors"]]


def _audited(admin: GraphQLClient, action: str, adjustment_id: str) -> list[dict[str, Any]]:
    raw = base64.b64decode(adjustment_id).decode().split(":", 1)[1]
    edges = admin.data(AUDIT, {"action": action})["auditLog"]["edges"]
    return [edge["node"] for edge in edges if edge["node"]["targetId"] == raw]


def test_at_or_below_the_threshold_it_is_applied_at_once(
    superadmin: GraphQLClient, treasurer: GraphQLClient, person: GraphQLClient
) -> None:
    assert superadmin.data(READ_THRESHOLD)["currency"]["adjustmentApprovalThreshold"] == {
        "amount": "100.00"
    }
    before = _balance(person)
    answer = _ask(treasurer, person, "100.00", reason="  deposit   not credited ")
    assert answer["errors"] == []
    made = answer["adjustment"]
    assert made["status"] == "APPLIED" and made["decidedBy"] is None
    assert made["requestedBy"] == {"email": "treasurer@demo.rec.example"}
    assert made["transaction"]["kind"] == "ADJUSTMENT"
    assert made["transaction"]["reason"] == "deposit not credited"
    assert Decimal(_balance(person)) == Decimal(before) + 100
    assert _adjustments_in_history(person) == [
        {"kind": "ADJUSTMENT", "amount": {"amount": "100.00"}, "reason": "deposit not credited"}
    ]
    (line,) = _audited(superadmin, "ledger.adjustment.apply", made["id"])
    assert line["actor"] == "treasurer@demo.rec.example"
    assert line["reason"] == "deposit not credited"
    assert line["after"]["amount_cents"] == 10000 and line["after"]["direction"] == "CREDIT"

    # A debit correcting that very entry: the account back to where it was, less 20.00.
    fix = _ask(
        treasurer,
        person,
        "80.00",
        direction="DEBIT",
        reason="credited twice",
        corrects=made["transaction"]["id"],
    )
    assert fix["errors"] == [] and fix["adjustment"]["status"] == "APPLIED"
    assert fix["adjustment"]["corrects"] == made["transaction"]["id"]
    assert Decimal(_balance(person)) == Decimal(before) + 20


def test_above_the_threshold_it_waits_for_another_administrator(
    superadmin: GraphQLClient, treasurer: GraphQLClient, person: GraphQLClient
) -> None:
    before = _balance(person)
    answer = _ask(treasurer, person, "250.00")
    assert answer["errors"] == []
    waiting = answer["adjustment"]
    assert waiting["status"] == "PENDING" and waiting["transaction"] is None
    assert _balance(person) == before
    pending = superadmin.data(LIST, {"status": "PENDING"})["adjustments"]["edges"]
    assert waiting["id"] in [edge["node"]["id"] for edge in pending]
    assert _audited(superadmin, "ledger.adjustment.request", waiting["id"])

    own = treasurer.data(APPROVE, {"input": {"id": waiting["id"]}})["approveAdjustment"]
    assert _codes(own) == [("id", "FORBIDDEN")] and own["adjustment"] is None
    own_reject = treasurer.data(REJECT, {"input": {"id": waiting["id"], "reason": "no"}})
    assert _codes(own_reject["rejectAdjustment"]) == [("id", "FORBIDDEN")]
    assert _balance(person) == before

    approved = superadmin.data(APPROVE, {"input": {"id": waiting["id"]}})["approveAdjustment"]
    assert approved["errors"] == []
    done = approved["adjustment"]
    assert done["status"] == "APPLIED"
    assert done["decidedBy"] == {"email": "superadmin@demo.rec.example"}
    assert done["transaction"]["kind"] == "ADJUSTMENT"
    assert Decimal(_balance(person)) == Decimal(before) + 250
    (line,) = _audited(superadmin, "ledger.adjustment.approve", waiting["id"])
    assert line["actor"] == "superadmin@demo.rec.example"

    again = superadmin.data(APPROVE, {"input": {"id": waiting["id"]}})["approveAdjustment"]
    assert again["errors"] == [] and again["adjustment"]["transaction"] == done["transaction"]
    late = superadmin.data(REJECT, {"input": {"id": waiting["id"], "reason": "too late"}})
    assert _codes(late["rejectAdjustment"]) == [("id", "INVALID_INPUT")]
    assert Decimal(_balance(person)) == Decimal(before) + 250
    assert len(_audited(superadmin, "ledger.adjustment.approve", waiting["id"])) == 1


def test_a_rejected_adjustment_moves_nothing(
    superadmin: GraphQLClient, treasurer: GraphQLClient, person: GraphQLClient
) -> None:
    before = _balance(person)
    waiting = _ask(treasurer, person, "150.00", direction="DEBIT")["adjustment"]
    assert waiting["status"] == "PENDING"
    unsaid = superadmin.data(REJECT, {"input": {"id": waiting["id"], "reason": "  "}})
    assert _codes(unsaid["rejectAdjustment"]) == [("reason", "INVALID_INPUT")]
    rejected = superadmin.data(
        REJECT, {"input": {"id": waiting["id"], "reason": "no such error in the till"}}
    )["rejectAdjustment"]
    assert rejected["errors"] == []
    assert rejected["adjustment"]["status"] == "REJECTED"
    assert rejected["adjustment"]["decisionReason"] == "no such error in the till"
    assert rejected["adjustment"]["transaction"] is None
    assert _balance(person) == before
    after = superadmin.data(APPROVE, {"input": {"id": waiting["id"]}})["approveAdjustment"]
    assert _codes(after) == [("id", "INVALID_INPUT")]
    assert _balance(person) == before
    assert _audited(superadmin, "ledger.adjustment.reject", waiting["id"])


def test_a_debit_the_account_cannot_pay_is_refused_when_applied(
    superadmin: GraphQLClient, treasurer: GraphQLClient, live_server: LiveServer
) -> None:
    poor = register(live_server.url, f"adj-{uuid.uuid4().hex[:10]}@example.org", PASSWORD)
    at_once = _ask(treasurer, poor, "5.00", direction="DEBIT")
    assert _codes(at_once) == [("amount", "INSUFFICIENT_FUNDS")]
    handle = _me(poor)["handle"]
    mine = [
        edge["node"]
        for edge in superadmin.data(LIST, {"status": None})["adjustments"]["edges"]
        if edge["node"]["account"]["handle"] == handle
    ]
    assert mine == []  # nothing kept

    waiting = _ask(treasurer, poor, "500.00", direction="DEBIT")["adjustment"]
    assert waiting["status"] == "PENDING"
    refused = superadmin.data(APPROVE, {"input": {"id": waiting["id"]}})["approveAdjustment"]
    assert _codes(refused) == [("amount", "INSUFFICIENT_FUNDS")]
    still = superadmin.data(LIST, {"status": "PENDING"})["adjustments"]["edges"]
    assert waiting["id"] in [edge["node"]["id"] for edge in still]
    assert _audited(superadmin, "ledger.adjustment.approve_refused", waiting["id"])
    assert _balance(poor) == "0.00"


def test_ten_approvals_at_once_apply_it_once(
    superadmin: GraphQLClient,
    treasurer: GraphQLClient,
    person: GraphQLClient,
    live_server: LiveServer,
) -> None:
    before = _balance(person)
    entries_before = len(_adjustments_in_history(person))
    waiting = _ask(treasurer, person, "300.00")["adjustment"]
    other = make_admin(live_server.url, superadmin, "TREASURER")
    clients = []
    for index in range(10):
        client = GraphQLClient(live_server.url)
        client.http.cookies = (superadmin if index % 2 else other).http.cookies
        clients.append(client)

    def approve(client: GraphQLClient) -> dict[str, Any]:
        return client.data(APPROVE, {"input": {"id": waiting["id"]}})["approveAdjustment"]

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(approve, clients))
    assert all(answer["errors"] == [] for answer in answers), answers
    assert {answer["adjustment"]["status"] for answer in answers} == {"APPLIED"}
    assert len({answer["adjustment"]["transaction"]["id"] for answer in answers}) == 1
    assert Decimal(_balance(person)) == Decimal(before) + 300
    assert len(_adjustments_in_history(person)) == entries_before + 1
    assert len(_audited(superadmin, "ledger.adjustment.approve", waiting["id"])) == 1


def test_nobody_adjusts_an_account_they_belong_to(
    superadmin: GraphQLClient, live_server: LiveServer
) -> None:
    owner = make_admin(live_server.url, superadmin, "TREASURER")
    shop = business_account(owner, "Forn de la Plaça")
    request = {
        "accountId": shop["handle"],
        "currency": "REC",
        "direction": "CREDIT",
        "amount": "150.00",
        "reason": "till counted short",
    }
    own = owner.data(REQUEST, {"input": {**request, "idempotencyKey": uuid.uuid4().hex}})
    assert _codes(own["requestAdjustment"]) == [("accountId", "FORBIDDEN")]
    asked = superadmin.data(REQUEST, {"input": {**request, "idempotencyKey": uuid.uuid4().hex}})
    waiting = asked["requestAdjustment"]["adjustment"]
    assert waiting["status"] == "PENDING"
    refused = owner.data(APPROVE, {"input": {"id": waiting["id"]}})["approveAdjustment"]
    assert _codes(refused) == [("id", "FORBIDDEN")]
    rejected = superadmin.data(REJECT, {"input": {"id": waiting["id"], "reason": "x"}})
    assert _codes(rejected["rejectAdjustment"]) == [("id", "FORBIDDEN")]  # asked it


def test_the_same_idempotency_key_makes_one_request(
    treasurer: GraphQLClient, person: GraphQLClient
) -> None:
    before = _balance(person)
    key = uuid.uuid4().hex
    first = _ask(treasurer, person, "12.50", key=key)
    second = _ask(treasurer, person, "12.50", key=key)
    assert first["errors"] == second["errors"] == []
    assert first["adjustment"]["id"] == second["adjustment"]["id"]
    assert first["adjustment"]["transaction"] == second["adjustment"]["transaction"]
    assert Decimal(_balance(person)) == Decimal(before) + Decimal("12.50")
    other = _ask(treasurer, person, "13.00", key=key)
    assert _codes(other) == [("idempotencyKey", "IDEMPOTENCY_KEY_REUSED")]
    pending_key = uuid.uuid4().hex
    waiting = _ask(treasurer, person, "400.00", key=pending_key)["adjustment"]
    assert _ask(treasurer, person, "400.00", key=pending_key)["adjustment"]["id"] == waiting["id"]
    assert Decimal(_balance(person)) == Decimal(before) + Decimal("12.50")


def test_support_reads_and_changes_nothing(
    superadmin: GraphQLClient,
    treasurer: GraphQLClient,
    person: GraphQLClient,
    live_server: LiveServer,
) -> None:
    support = make_admin(live_server.url, superadmin, "SUPPORT")
    waiting = _ask(treasurer, person, "101.00")["adjustment"]
    listed = support.data(LIST, {"status": "PENDING"})["adjustments"]["edges"]
    assert waiting["id"] in [edge["node"]["id"] for edge in listed]
    node = support.data(
        "query($id: ID!) { node(id: $id) { ... on Adjustment { status } } }",
        {"id": waiting["id"]},
    )
    assert node["node"] == {"status": "PENDING"}
    assert support.data(READ_THRESHOLD)["currency"]["adjustmentApprovalThreshold"]
    account_id = _me(person)["id"]
    request = {
        "accountId": account_id,
        "currency": "REC",
        "direction": "CREDIT",
        "amount": "1.00",
        "reason": "x",
        "idempotencyKey": "k",
    }
    assert support.refusal(REQUEST, {"input": request}) == "FORBIDDEN"
    assert support.refusal(APPROVE, {"input": {"id": waiting["id"]}}) == "FORBIDDEN"
    assert support.refusal(REJECT, {"input": {"id": waiting["id"], "reason": "x"}}) == "FORBIDDEN"
    assert person.refusal(LIST, {"status": None}) == "FORBIDDEN"
    assert person.refusal(READ_THRESHOLD) == "FORBIDDEN"
    assert GraphQLClient(live_server.url).refusal(READ_THRESHOLD) == "UNAUTHENTICATED"
    assert person.data("query($id: ID!) { node(id: $id) { id } }", {"id": waiting["id"]}) == {
        "node": None
    }


def test_bad_input_is_refused_and_changes_nothing(
    superadmin: GraphQLClient, treasurer: GraphQLClient, person: GraphQLClient
) -> None:
    before = _balance(person)
    count = len(superadmin.data(LIST, {"status": None})["adjustments"]["edges"])
    for amount in ("0", "-5", "abc", "1.234", ""):
        assert _codes(_ask(treasurer, person, amount)) == [("amount", "INVALID_AMOUNT")], amount
    unknown = treasurer.data(
        REQUEST,
        {
            "input": {
                "accountId": "nobody-at-all-here",
                "currency": "REC",
                "direction": "CREDIT",
                "amount": "1.00",
                "reason": "x",
                "idempotencyKey": uuid.uuid4().hex,
            }
        },
    )["requestAdjustment"]
    assert _codes(unknown) == [("accountId", "NOT_FOUND")]
    assert _codes(_ask(treasurer, person, "1.00", reason="   ")) == [("reason", "INVALID_INPUT")]
    assert _codes(_ask(treasurer, person, "1.00", corrects="VHJhbnNhY3Rpb246MTIz")) == [
        ("corrects", "NOT_FOUND")
    ]
    assert _codes(_ask(treasurer, person, "1.00", key="x" * 300)) == [
        ("idempotencyKey", "INVALID_INPUT")
    ]
    assert _codes(_ask(treasurer, person, "1.00", currency="XYZ")) == [("currency", "NOT_FOUND")]
    assert _codes(_ask(treasurer, treasurer, "1.00")) == [("accountId", "FORBIDDEN")]
    missing = treasurer.data(APPROVE, {"input": {"id": "QWRqdXN0bWVudDpub3Bl"}})
    assert _codes(missing["approveAdjustment"]) == [("id", "NOT_FOUND")]
    assert _balance(person) == before
    assert len(superadmin.data(LIST, {"status": None})["adjustments"]["edges"]) == count


def test_only_superadmins_set_the_threshold(
    superadmin: GraphQLClient, treasurer: GraphQLClient, person: GraphQLClient
) -> None:
    change = {"currency": "REC", "amount": "500.00", "reason": "busy exchange office"}
    assert treasurer.refusal(THRESHOLD, {"input": change}) == "FORBIDDEN"
    negative = superadmin.data(THRESHOLD, {"input": {**change, "amount": "-1"}})
    assert _codes(negative["setAdjustmentApprovalThreshold"]) == [("amount", "INVALID_AMOUNT")]
    unsaid = superadmin.data(THRESHOLD, {"input": {**change, "reason": ""}})
    assert _codes(unsaid["setAdjustmentApprovalThreshold"]) == [("reason", "INVALID_INPUT")]
    assert superadmin.data(READ_THRESHOLD)["currency"]["adjustmentApprovalThreshold"] == {
        "amount": "100.00"
    }
    try:
        done = superadmin.mutate("setAdjustmentApprovalThreshold", THRESHOLD, change)
        assert done["currency"]["adjustmentApprovalThreshold"] == {
            "amount": "500.00",
            "currency": "REC",
        }
        assert _ask(treasurer, person, "250.00")["adjustment"]["status"] == "APPLIED"
        edges = superadmin.data(
            """{ auditLog(first: 5, action: "currency.adjustment_threshold") {
            edges { node { actor targetId before after reason } } } }"""
        )["auditLog"]["edges"]
        assert edges[0]["node"] == {
            "actor": "superadmin@demo.rec.example",
            "targetId": "REC",
            "before": {"adjustment_approval_cents": 10000},
            "after": {"adjustment_approval_cents": 50000},
            "reason": "busy exchange office",
        }
    finally:
        superadmin.mutate(
            "setAdjustmentApprovalThreshold", THRESHOLD, {**change, "amount": "100.00"}
        )


def test_the_ledger_still_verifies_after_adjustments(
    server_and_settings: tuple[LiveServer, Settings],
) -> None:
    _, settings = server_and_settings
    done = run_rec("ledger", "verify", env=rec_env(settings))
    assert done.returncode == 0, done.stdout + done.stderr


async def _signed_in(browser: Any, live_server: LiveServer, admin: GraphQLClient) -> PageWatch:
    """A browser context of its own carrying the administrator's session cookie."""
    context = await browser.new_context(viewport={"width": 1100, "height": 900})
    await context.add_cookies(
        [
            {"name": cookie.name, "value": cookie.value or "", "url": live_server.url}
            for cookie in admin.http.cookies.jar
        ]
    )
    return PageWatch(await context.new_page())


@pytest.mark.browser
async def test_an_adjustment_above_the_threshold_waits_for_a_second_administrator(
    live_server: LiveServer,
    browser: Any,
    superadmin: GraphQLClient,
    treasurer: GraphQLClient,
) -> None:
    person = register(live_server.url, f"adj-{uuid.uuid4().hex[:10]}@example.org", PASSWORD)
    handle = _me(person)["handle"]
    first = await _signed_in(browser, live_server, treasurer)
    second = await _signed_in(browser, live_server, superadmin)
    try:
        page = first.page
        await page.goto(live_server.url + "/admin/adjustments?currency=REC")
        await page.get_by_test_id("adjustment-form").wait_for(timeout=15000)
        assert "100.00 REC" in await page.get_by_test_id("adjustment-threshold").inner_text()
        await page.get_by_label("Account (handle or ID)").fill(handle)
        await page.get_by_label("Direction").select_option("CREDIT")
        await page.get_by_label("Amount (REC)").fill("180.00")
        await page.get_by_label("Reason").first.fill("deposit lost at the exchange office")
        await page.get_by_test_id("adjustment-submit").click()
        result = page.get_by_test_id("adjustment-result")
        await result.wait_for(timeout=15000)
        assert "Waiting for approval" in await result.inner_text()
        row = page.get_by_test_id("pending-adjustment").filter(has_text=handle)
        await row.wait_for(timeout=15000)
        assert "another administrator decides" in await row.inner_text()
        assert await row.get_by_test_id("approve").count() == 0
        assert _balance(person) == "0.00"

        other = second.page
        await other.goto(live_server.url + "/admin/adjustments?currency=REC")
        theirs = other.get_by_test_id("pending-adjustment").filter(has_text=handle)
        await theirs.wait_for(timeout=15000)
        assert "deposit lost at the exchange office" in await theirs.inner_text()
        await other.screenshot(path=str(ARTIFACTS / "admin-adjustments.png"), full_page=True)
        await theirs.get_by_test_id("approve").click()
        decided = other.get_by_test_id("decided-adjustment").filter(has_text=handle)
        await decided.wait_for(timeout=15000)
        assert await decided.get_attribute("data-status") == "APPLIED"
        assert "superadmin@demo.rec.example" in await decided.inner_text()
        assert _balance(person) == "180.00"
        for watched in (first, second):
            assert watched.remote_requests == [] and watched.errors == []
    finally:
        await first.page.context.close()
        await second.page.context.close()


@pytest.mark.browser
async def test_a_superadmin_changes_the_threshold_in_the_panel(
    live_server: LiveServer, browser: Any, superadmin: GraphQLClient, treasurer: GraphQLClient
) -> None:
    watch = await _signed_in(browser, live_server, superadmin)
    page = watch.page
    try:
        await page.goto(live_server.url + "/admin/adjustments?currency=REC")
        amount = page.get_by_test_id("threshold-amount")
        await expect(amount).to_have_value("100.00", timeout=15000)
        # A negative amount is refused, says why, and changes nothing.
        await amount.fill("-5")
        await page.get_by_label("Why the change").fill("testing the panel")
        await page.get_by_test_id("threshold-save").click()
        await expect(page.get_by_test_id("threshold-problem")).to_be_visible(timeout=15000)
        assert _threshold(superadmin) == "100.00"
        await expect(amount).to_have_value("-5")  # what was typed stays, to be corrected
        await amount.fill("150.00")
        await page.get_by_test_id("threshold-save").click()
        await expect(page.get_by_test_id("threshold-done")).to_contain_text("150.00 REC")
        await expect(page.get_by_test_id("adjustment-threshold")).to_contain_text("150.00 REC")
        assert _threshold(superadmin) == "150.00"
        assert watch.remote_requests == [] and watch.errors == []
    finally:
        await page.context.close()
        superadmin.mutate(
            "setAdjustmentApprovalThreshold",
            THRESHOLD,
            {"currency": "REC", "amount": "100.00", "reason": "back to the default"},
        )
    # A treasurer sees the threshold and no form to change it.
    theirs = await _signed_in(browser, live_server, treasurer)
    try:
        await theirs.page.goto(live_server.url + "/admin/adjustments?currency=REC")
        await theirs.page.get_by_test_id("adjustment-form").wait_for(timeout=15000)
        assert await theirs.page.get_by_test_id("threshold-form").count() == 0
    finally:
        await theirs.page.context.close()


def _threshold(admin: GraphQLClient) -> str:
    found = admin.data(READ_THRESHOLD)["currency"]["adjustmentApprovalThreshold"]
    return str(found["amount"])
