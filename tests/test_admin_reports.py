"""Reports: the B2B report, the transactions export and the issuance report, through the API
and as CSV and PDF files, and the reports screen with its downloads (the B2B CSV and PDF
downloaded there in Chromium, and read back: the PDF with pypdf).

Two businesses pay each other through the API (direct payments, a payment order and a
partial refund), one of them pays a person, and a treasurer issues cash to both. The API
dates every entry now; to know exactly what a period holds, the test then moves those
entries into January 2025 in the document store, as if they had been made then (nothing
else in the demo data is that old), some of them just inside and just outside the month in
the currency's time zone (Europe/Madrid: UTC+1 in winter).
"""

from __future__ import annotations

import base64
import csv
import io
import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect
from pymongo import MongoClient
from pypdf import PdfReader

from server.accounts import totp
from server.demo import saved_sign_ins
from tests.conftest import LiveServer, rec_env, run_rec
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
PIN = "4071"
PERIOD = {"currency": "REC", "from": "2025-01-01", "to": "2025-01-31"}
A_NAME, B_NAME = "Forn Cal Pep", "Llibreria Cel·la d'Àngel"
B2B = """query($currency: String!, $from: Date!, $to: Date!) {
  b2bReport(currency: $currency, from: $from, to: $to) {
    currency from to payments refunds
    total { amount currency } refunded { amount } net { amount }
    pairs { payer { name handle } payee { name handle } payments amount { amount }
      refunds refunded { amount } net { amount } }
    shops { account { name handle } category paymentsMade paid { amount } paymentsReceived
      received { amount } refundsGiven { amount } refundsReceived { amount } }
    categories { category payments amount { amount } refunded { amount } net { amount } }
  } }"""
ISSUANCE = """query($currency: String!, $from: Date!, $to: Date!) {
  issuanceReport(currency: $currency, from: $from, to: $to) {
    days { day cashIssues cashIssueAmount { amount } cardTopUps redemptions net { amount } }
    total { day cashIssues cashIssueAmount { amount } cardTopUpAmount { amount }
      redeemedAmount { amount } minted { amount } burned { amount } net { amount } }
  } }"""
TRANSACTIONS = """query($currency: String!, $from: Date!, $to: Date!, $first: Int!,
  $after: String) {
  adminTransactions(currency: $currency, from: $from, to: $to, first: $first, after: $after) {
    edges { cursor node { kind amount { amount } from { handle } to { handle } createdAt } }
    pageInfo { hasNextPage endCursor } } }"""
SWITCH = """mutation($input: SwitchAccountInput!) { switchAccount(input: $input) {
  account { id } errors { code } } }"""
PAY = """mutation($input: PayInput!) { pay(input: $input) {
  transaction { id } errors { field code message } } }"""
ISSUE = """mutation($input: IssueFundsInput!) { issueFunds(input: $input) {
  transaction { id } errors { field code message } } }"""
TIER = """mutation($input: SetAccountKycTierInput!) {
  setAccountKycTier(input: $input) { tier errors { code } } }"""
CREATE_ORDER = """mutation($input: CreatePaymentOrderInput!) { createPaymentOrder(input: $input) {
  paymentOrder { id } errors { field code message } } }"""
PAY_ORDER = """mutation($input: PayPaymentOrderInput!) { payPaymentOrder(input: $input) {
  paymentOrder { status } errors { field code message } } }"""
REFUND = """mutation($input: RefundPaymentOrderInput!) { refundPaymentOrder(input: $input) {
  refund { status } errors { field code message } } }"""
ME = "{ viewer { activeAccount { id handle } } }"


def _key() -> str:
    return uuid.uuid4().hex


def _number(global_id: str) -> int:
    return int(base64.b64decode(global_id).decode().partition(":")[2])


@pytest.fixture(scope="module")
def world(live_server: LiveServer) -> dict[str, Any]:
    server, settings = live_server, live_server.settings
    url = server.url
    superadmin = demo_admin(url, server.data_dir, "superadmin")
    treasurer = demo_admin(url, server.data_dir, "treasurer")
    officer = make_admin(url, superadmin, "KYC_OFFICER")
    owner = register(url, f"owner-{_key()[:8]}@example.org", PASSWORD, "Pep Puig")
    owner.mutate(
        "setPaymentPin",
        """mutation($input: SetPaymentPinInput!) {
        setPaymentPin(input: $input) { ok errors { code } } }""",
        {"pin": PIN, "currentPassword": PASSWORD},
    )
    personal = owner.data(ME)["viewer"]["activeAccount"]
    a = business_account(owner, A_NAME, "bakery")
    b = business_account(owner, B_NAME, "bookshop")
    for account in (a, b):
        officer.mutate(
            "setAccountKycTier", TIER, {"accountId": account["id"], "tier": 2, "reason": "test"}
        )
    for account, amount in ((a, "200.00"), (b, "50.00")):
        treasurer.mutate(
            "issueFunds",
            ISSUE,
            {
                "to": account["handle"],
                "amount": amount,
                "currency": "REC",
                "reason": "cash at the exchange office",
                "idempotencyKey": _key(),
            },
        )

    def act_as(account: dict[str, Any]) -> None:
        owner.mutate("switchAccount", SWITCH, {"accountId": account["id"]})

    def pay(to: dict[str, Any], amount: str, memo: str = "") -> None:
        owner.mutate(
            "pay",
            PAY,
            {
                "to": to["handle"],
                "amount": amount,
                "currency": "REC",
                "pin": PIN,
                "memo": memo,
                "idempotencyKey": _key(),
            },
        )

    act_as(a)
    for amount in ("1.00", "12.50", "7.25", "30.00", "40.00"):
        pay(b, amount)
    pay(personal, "2.00", "=HYPERLINK(1)")  # to a person: not B2B
    act_as(b)
    pay(a, "5.00")
    order = owner.mutate(
        "createPaymentOrder",
        CREATE_ORDER,
        {"amount": "20.00", "currency": "REC", "idempotencyKey": _key()},
    )["paymentOrder"]
    act_as(a)
    owner.mutate(
        "payPaymentOrder", PAY_ORDER, {"id": order["id"], "pin": PIN, "idempotencyKey": _key()}
    )
    act_as(b)
    owner.mutate(
        "refundPaymentOrder",
        REFUND,
        {"id": order["id"], "amount": "8.00", "reason": "a book back", "idempotencyKey": _key()},
    )

    # Into January 2025 (Madrid is UTC+1): (kind, from, to, cents) -> when.
    ids = {"a": _number(a["id"]), "b": _number(b["id"]), "me": _number(personal["id"])}
    moments = {
        ("TOPUP", None, "a", 20000): datetime(2025, 1, 5, 10, 0, tzinfo=UTC),
        ("TOPUP", None, "b", 5000): datetime(2025, 1, 5, 11, 0, tzinfo=UTC),
        ("PAYMENT", "a", "b", 100): datetime(2024, 12, 31, 22, 30, tzinfo=UTC),  # Dec 31: out
        ("PAYMENT", "a", "b", 725): datetime(2024, 12, 31, 23, 30, tzinfo=UTC),  # Jan 1: in
        ("PAYMENT", "a", "b", 1250): datetime(2025, 1, 10, 9, 0, tzinfo=UTC),
        ("PAYMENT", "a", "me", 200): datetime(2025, 1, 12, 12, 0, tzinfo=UTC),
        ("PAYMENT", "b", "a", 500): datetime(2025, 1, 15, 12, 0, tzinfo=UTC),
        ("PAYMENT", "a", "b", 2000): datetime(2025, 1, 20, 12, 0, tzinfo=UTC),
        ("REFUND", "b", "a", 800): datetime(2025, 1, 22, 12, 0, tzinfo=UTC),
        ("PAYMENT", "a", "b", 3000): datetime(2025, 1, 31, 22, 30, tzinfo=UTC),  # Jan 31: in
        ("PAYMENT", "a", "b", 4000): datetime(2025, 1, 31, 23, 30, tzinfo=UTC),  # Feb 1: out
    }
    names = {number: name for name, number in ids.items()}
    client: MongoClient = MongoClient(settings.mongodb_url)
    journal = client[settings.mongodb_database]["journal"]
    moved = 0
    for entry in journal.find({"legs.account_id": {"$in": [ids["a"], ids["b"]]}}):
        sender = names.get(entry["from_account_id"])
        key = (entry["kind"], sender, names.get(entry["to_account_id"]), entry["amount_cents"])
        journal.update_one({"_id": entry["_id"]}, {"$set": {"created_at": moments[key]}})
        moved += 1
    client.close()
    assert moved == len(moments)
    # The sealer may have counted them on today's date already: the buckets the reports
    # read are summed afresh from the journal as it now stands.
    rebuilt = run_rec("stats", "rebuild", "--currency", "rec", env=rec_env(settings))
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert rebuilt.stdout.startswith("REC: buckets rebuilt from the journal up to entry ")
    support = make_admin(url, superadmin, "SUPPORT")
    return {
        "server": server,
        "superadmin": superadmin,
        "support": support,
        "owner": owner,
        "a": a,
        "b": b,
    }


def test_the_b2b_report_adds_up_payments_between_businesses(world: dict[str, Any]) -> None:
    a, b = world["a"]["handle"], world["b"]["handle"]
    report = world["support"].data(B2B, PERIOD)["b2bReport"]  # support may read
    assert (report["currency"], report["from"], report["to"]) == ("REC", "2025-01-01", "2025-01-31")
    assert report["payments"] == 5 and report["refunds"] == 1
    assert report["total"] == {"amount": "74.75", "currency": "REC"}
    assert report["refunded"] == {"amount": "8.00"} and report["net"] == {"amount": "66.75"}
    pairs = {(p["payer"]["handle"], p["payee"]["handle"]): p for p in report["pairs"]}
    assert set(pairs) == {(a, b), (b, a)}
    assert pairs[(a, b)]["payer"]["name"] == A_NAME and pairs[(a, b)]["payee"]["name"] == B_NAME
    assert (pairs[(a, b)]["payments"], pairs[(a, b)]["amount"]) == (4, {"amount": "69.75"})
    assert (pairs[(a, b)]["refunds"], pairs[(a, b)]["refunded"]) == (1, {"amount": "8.00"})
    assert pairs[(a, b)]["net"] == {"amount": "61.75"}
    assert (pairs[(b, a)]["payments"], pairs[(b, a)]["net"]) == (1, {"amount": "5.00"})
    shops = {s["account"]["handle"]: s for s in report["shops"]}
    assert shops[a] == {
        "account": {"name": A_NAME, "handle": a},
        "category": "bakery",
        "paymentsMade": 4,
        "paid": {"amount": "69.75"},
        "paymentsReceived": 1,
        "received": {"amount": "5.00"},
        "refundsGiven": {"amount": "0.00"},
        "refundsReceived": {"amount": "8.00"},
    }
    assert (shops[b]["category"], shops[b]["received"], shops[b]["refundsGiven"]) == (
        "bookshop",
        {"amount": "69.75"},
        {"amount": "8.00"},
    )
    assert report["categories"] == [
        {
            "category": "bookshop",
            "payments": 4,
            "amount": {"amount": "69.75"},
            "refunded": {"amount": "8.00"},
            "net": {"amount": "61.75"},
        },
        {
            "category": "bakery",
            "payments": 1,
            "amount": {"amount": "5.00"},
            "refunded": {"amount": "0.00"},
            "net": {"amount": "5.00"},
        },
    ]
    # February 1 in Madrid holds the 40.00 paid at 23:30 UTC on January 31.
    february = world["superadmin"].data(B2B, PERIOD | {"from": "2025-02-01", "to": "2025-02-01"})
    assert february["b2bReport"]["total"]["amount"] == "40.00"


def test_the_issuance_report_and_the_transactions_of_the_period(world: dict[str, Any]) -> None:
    issued = world["support"].data(ISSUANCE, PERIOD)["issuanceReport"]
    assert issued["days"] == [
        {
            "day": "2025-01-05",
            "cashIssues": 2,
            "cashIssueAmount": {"amount": "250.00"},
            "cardTopUps": 0,
            "redemptions": 0,
            "net": {"amount": "250.00"},
        }
    ]
    assert issued["total"] == {
        "day": None,
        "cashIssues": 2,
        "cashIssueAmount": {"amount": "250.00"},
        "cardTopUpAmount": {"amount": "0.00"},
        "redeemedAmount": {"amount": "0.00"},
        "minted": {"amount": "250.00"},
        "burned": {"amount": "0.00"},
        "net": {"amount": "250.00"},
    }
    pages = world["support"].pages(TRANSACTIONS, "adminTransactions", PERIOD | {"first": 2})
    nodes = [node for page in pages for node in page]
    assert len(pages) == 5
    assert [(n["kind"], n["amount"]["amount"]) for n in nodes] == [
        ("PAYMENT", "7.25"),
        ("TOPUP", "200.00"),
        ("TOPUP", "50.00"),
        ("PAYMENT", "12.50"),
        ("PAYMENT", "2.00"),
        ("PAYMENT", "5.00"),
        ("PAYMENT", "20.00"),
        ("REFUND", "8.00"),
        ("PAYMENT", "30.00"),
    ]


def test_bad_periods_and_strangers_are_refused(world: dict[str, Any]) -> None:
    admin = world["superadmin"]
    for wrong in (
        {"from": "2025-02-01", "to": "2025-01-31"},
        {"from": "2024-01-01", "to": "2025-01-01"},  # 367 days
        {"currency": "NOPE"},
    ):
        body = admin.raw(B2B, PERIOD | wrong)
        assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT", body
    assert admin.raw(B2B, PERIOD | {"from": "2025-02-30"})["errors"]  # not a date at all
    leap_year = admin.data(B2B, PERIOD | {"from": "2024-01-01", "to": "2024-12-31"})
    # 366 days: allowed. 2024 ends with the 1.00 paid at 23:30 on December 31 in Madrid.
    assert leap_year["b2bReport"]["total"] == {"amount": "1.00", "currency": "REC"}
    assert world["owner"].refusal(B2B, PERIOD) == "FORBIDDEN"
    assert GraphQLClient(world["server"].url).refusal(ISSUANCE, PERIOD) == "UNAUTHENTICATED"
    query = {"currency": "REC", "from": "2025-01-01", "to": "2025-01-31"}
    for report in ("b2b.csv", "transactions.pdf", "issuance.csv"):
        assert (
            httpx.get(world["server"].url + "/admin/reports/" + report, params=query).status_code
            == 401
        )
        assert world["owner"].http.get("/admin/reports/" + report, params=query).status_code == 403
    late = admin.http.get("/admin/reports/b2b.pdf", params=query | {"to": "2024-12-01"})
    assert late.status_code == 400 and "to must not be before from" in late.text
    unreadable = admin.http.get("/admin/reports/b2b.csv", params=query | {"from": "1 Jan"})
    assert unreadable.status_code == 400 and "from" in unreadable.text


def _blocks(text: str) -> list[list[list[str]]]:
    assert text.startswith("\ufeff")
    return [list(csv.reader(io.StringIO(block))) for block in text[1:].split("\r\n\r\n")]


def _pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_issuance_and_transactions_files_hold_the_same_totals(
    world: dict[str, Any],
) -> None:
    """Over HTTP; the B2B files are downloaded through the panel in Chromium, below."""
    http = world["support"].http
    issuance = http.get("/admin/reports/issuance.csv", params=PERIOD).content.decode("utf-8")
    _, days = _blocks(issuance)
    assert [row[:5] for row in days[1:]] == [
        ["2025-01-05", "0", "0.00", "2", "250.00"],
        ["total", "0", "0.00", "2", "250.00"],
    ]
    assert "250.00" in _pdf_text(http.get("/admin/reports/issuance.pdf", params=PERIOD).content)

    transactions = http.get("/admin/reports/transactions.csv", params=PERIOD)
    rows = list(csv.reader(io.StringIO(transactions.content.decode("utf-8-sig"))))
    assert rows[0][:7] == [
        "date",
        "kind",
        "from_name",
        "from_handle",
        "to_name",
        "to_handle",
        "amount",
    ]
    assert [(r[1], r[6]) for r in rows[1:]][:2] == [("PAYMENT", "7.25"), ("TOPUP", "200.00")]
    assert len(rows) == 10 and rows[1][0] == "2025-01-01T00:30:00+01:00"
    assert rows[5][1:9:7] == ["PAYMENT", "'=HYPERLINK(1)"]  # no spreadsheet runs it
    text = _pdf_text(http.get("/admin/reports/transactions.pdf", params=PERIOD).content)
    assert "9 transactions" in text and "a book back" in text and "30.00" in text


@pytest.fixture(scope="module")
async def panel(world: dict[str, Any], browser: Browser) -> AsyncIterator[PageWatch]:
    """The panel in Chromium, the demo superadmin signed in once for the module (each
    two-factor code signs in once)."""
    server = world["server"]
    context = await browser.new_context(viewport={"width": 1200, "height": 900})
    page = PageWatch(await context.new_page())
    try:
        await page.page.goto(server.url + "/admin/")
        entry = next(e for e in saved_sign_ins(server.data_dir) if e["role"] == "superadmin")
        await page.page.fill("input[name=email]", entry["email"])
        await page.page.fill("input[name=password]", entry["password"])
        code = totp.code_at(entry["totp_secret"], totp.current_step() + 1)
        await page.page.fill("input[name=totp]", code)
        await page.page.click("button[type=submit]")
        await page.page.get_by_test_id("admin-home").wait_for(timeout=30000)
        yield page
    finally:
        await context.close()


async def _january(panel: PageWatch, url: str) -> Page:
    """The reports screen showing January 2025, whose B2B total is known."""
    screen = panel.page
    await screen.goto(url + "/admin/reports/?currency=REC")
    await screen.get_by_test_id("section-reports").wait_for(timeout=30000)
    await screen.get_by_test_id("report-from").fill("2025-01-01")
    await screen.get_by_test_id("report-to").fill("2025-01-31")
    await screen.get_by_test_id("report-show").click()
    await expect(screen.get_by_test_id("b2b-total")).to_have_text("74.75 REC", timeout=30000)
    return screen


async def _download(screen: Page, test_id: str) -> tuple[str, str, bytes]:
    """Clicks a download link of the reports screen: the server's content type, the name
    the file is saved under and its bytes, once the screen says it saved it."""
    link = screen.get_by_test_id(test_id)
    href = await link.evaluate("a => a.href")
    async with screen.expect_response(lambda r: r.url == href) as answered:
        async with screen.expect_download() as waiting:
            await link.click()
    response, download = await answered.value, await waiting.value
    assert response.status == 200
    assert download.suggested_filename in response.headers["content-disposition"]
    await expect(screen.get_by_test_id("report-status")).to_have_text(
        re.compile(rf"^Saved {re.escape(download.suggested_filename)}: "), timeout=30000
    )
    content = Path(await download.path()).read_bytes()
    return response.headers["content-type"], download.suggested_filename, content


@pytest.mark.browser
async def test_the_b2b_files_downloaded_from_the_panel_hold_the_right_totals(
    world: dict[str, Any], panel: PageWatch
) -> None:
    a, b = world["a"]["handle"], world["b"]["handle"]
    screen = await _january(panel, world["server"].url)

    kind, name, content = await _download(screen, "download-b2b-csv")
    assert kind.startswith("text/csv") and name == "b2b-REC-2025-01-01-2025-01-31.csv"
    title, pairs, shops, categories, total = _blocks(content.decode("utf-8"))
    assert title == [["B2B report", "REC", "2025-01-01", "2025-01-31"]]
    assert pairs[0][:5] == ["payer_name", "payer_handle", "payee_name", "payee_handle", "payments"]
    by_pair = {(row[1], row[3]): row for row in pairs[1:]}
    assert set(by_pair) == {(a, b), (b, a)}
    assert by_pair[(a, b)] == [A_NAME, a, B_NAME, b, "4", "69.75", "1", "8.00", "61.75", "REC"]
    assert by_pair[(b, a)][4:9] == ["1", "5.00", "0", "0.00", "5.00"]
    assert {row[1]: row[2:9] for row in shops[1:]}[a] == [
        "bakery",
        "4",
        "69.75",
        "1",
        "5.00",
        "0.00",
        "8.00",
    ]
    assert categories[1:] == [
        ["bookshop", "4", "69.75", "8.00", "61.75", "REC"],
        ["bakery", "1", "5.00", "0.00", "5.00", "REC"],
    ]
    assert total == [
        ["total", "payments", "amount", "refunds", "refunded", "net", "currency"],
        ["total", "5", "74.75", "1", "8.00", "66.75", "REC"],
    ]

    kind, name, content = await _download(screen, "download-b2b-pdf")
    assert kind == "application/pdf" and name == "b2b-REC-2025-01-01-2025-01-31.pdf"
    text = _pdf_text(content)
    lines = text.splitlines()
    assert "REC, 2025-01-01 to 2025-01-31 (Europe/Madrid)" in lines
    # The PDF's rows are the CSV's: the same totals, per category and in all.
    for row in (*categories[1:], *total):
        assert " ".join(row) in lines, row
    # Who paid whom (a handle may be cut short to fit its column): names, then figures.
    for payer, payee in ((a, b), (b, a)):
        row = by_pair[(payer, payee)]
        assert any(
            line.startswith(row[0]) and row[2] in line and line.endswith(" ".join(row[4:]))
            for line in lines
        ), row
    assert panel.remote_requests == [] and panel.errors == []


@pytest.mark.browser
async def test_the_reports_screen_shows_the_totals_and_downloads_with_progress(
    world: dict[str, Any], panel: PageWatch
) -> None:
    screen = await _january(panel, world["server"].url)
    assert await screen.get_by_test_id("b2b-net").inner_text() == "66.75 REC"
    pairs = await screen.get_by_test_id("b2b-pairs").inner_text()
    assert A_NAME in pairs and B_NAME in pairs and "69.75 REC" in pairs
    kind, name, content = await _download(screen, "download-transactions-csv")
    assert kind.startswith("text/csv")
    assert name == "transactions-REC-2025-01-01-2025-01-31.csv"
    saved = content.decode("utf-8-sig")
    assert saved.count("\r\n") == 10 and "a book back" in saved
    assert "10 lines" in await screen.get_by_test_id("report-status").inner_text()
    assert await screen.get_by_test_id("report-progress").get_attribute("value") == "1"
    ARTIFACTS.mkdir(exist_ok=True)
    await screen.screenshot(path=str(ARTIFACTS / "admin-reports.png"), full_page=True)
    assert panel.remote_requests == [] and panel.errors == []
