"""A wallet's history and statements: `Wallet.transactions` filtered by kind, direction,
period and words, paged by cursor; the statement CSV from /wallet/statement.csv over real
HTTP with the session cookie; and the history screen in Chromium, whose link downloads it."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.conftest import LiveServer
from tests.helpers.browser import PageWatch
from tests.helpers.graphql import GraphQLClient, demo_admin, make_admin, register
from tests.helpers.waiting import until
from tests.test_ledger_api import ME, PASSWORD, PIN, _balance, _handle, _issue, _pay

ARTIFACTS = Path(__file__).parent / "artifacts"
ZONE = ZoneInfo("Europe/Madrid")  # the demo currency's time zone
SET_PIN = """mutation($input: SetPaymentPinInput!) { setPaymentPin(input: $input) {
  ok errors { code } } }"""
SET_TIER = """mutation($input: SetAccountKycTierInput!) {
  setAccountKycTier(input: $input) { tier errors { code } } }"""
HISTORY = """query($first: Int!, $after: String, $kind: [TransactionKind!],
  $direction: TransactionDirection, $since: DateTime, $until: DateTime, $search: String) {
  viewer { activeAccount { wallet(currency: "REC") {
    transactions(first: $first, after: $after, kind: $kind, direction: $direction,
      since: $since, until: $until, search: $search) {
      edges { cursor node { id kind memo createdAt amount { amount }
        from { handle } to { handle } } }
      pageInfo { hasNextPage endCursor } } } } } }"""
PATH = "viewer.activeAccount.wallet.transactions"


@pytest.fixture(scope="module")
def treasurer(live_server: LiveServer) -> GraphQLClient:
    return demo_admin(live_server.url, live_server.data_dir, "treasurer")


@pytest.fixture(scope="module")
def officer(live_server: LiveServer) -> GraphQLClient:
    superadmin = demo_admin(live_server.url, live_server.data_dir, "superadmin")
    return make_admin(live_server.url, superadmin, "KYC_OFFICER")


def _resident(url: str, officer: GraphQLClient, name: str) -> tuple[str, GraphQLClient]:
    """A person of that name with a payment PIN, verified to pay (tier 2)."""
    email = f"h{uuid.uuid4().hex[:10]}@example.org"
    person = register(url, email, PASSWORD, name)
    person.mutate("setPaymentPin", SET_PIN, {"pin": PIN, "currentPassword": PASSWORD})
    account_id = person.data(ME)["viewer"]["activeAccount"]["id"]
    officer.mutate(
        "setAccountKycTier", SET_TIER, {"accountId": account_id, "tier": 2, "reason": "in person"}
    )
    return email, person


def _all(client: GraphQLClient, **filters: Any) -> list[dict[str, Any]]:
    """Every transaction the filters let through, following the cursor 2 at a time."""
    pages = client.pages(HISTORY, PATH, {"first": 2, **filters})
    return [node for page in pages for node in page]


def _memos(nodes: list[dict[str, Any]]) -> list[str]:
    return [node["memo"] for node in nodes]


@pytest.fixture(scope="module")
def story(live_server: LiveServer, treasurer: GraphQLClient, officer: GraphQLClient) -> dict:
    """Anna gets 100.00 issued, pays Bernat's bakery twice and Carme once; Bernat pays her
    back once. Newest first, Anna's history is: back, coffee, bread 2, bread 1, issue."""
    tag = uuid.uuid4().hex[:6]
    email, anna = _resident(live_server.url, officer, f"Anna Roca {tag}")
    _, bernat = _resident(live_server.url, officer, f"Forn Bernat {tag}")
    _, carme = _resident(live_server.url, officer, f"Carme Vidal {tag}")
    _issue(treasurer, anna, "100.00", reason="cash at the office")
    for amount, to, memo in (
        ("12.50", bernat, "Pa i COCA"),
        ("3.20", bernat, "pa de pagès"),
        ("1.75", carme, "cafè amb llet"),
    ):
        assert _pay(anna, _handle(to), amount, memo=memo)["errors"] == []
    assert _pay(bernat, _handle(anna), "2.00", memo="tornada")["errors"] == []
    return {"email": email, "anna": anna, "bernat": bernat, "carme": carme, "tag": tag}


def test_filters_narrow_the_history_and_page_by_cursor(story: dict) -> None:
    anna, tag = story["anna"], story["tag"]
    everything = _all(anna)
    assert _memos(everything) == ["tornada", "cafè amb llet", "pa de pagès", "Pa i COCA", ""]
    assert [node["kind"] for node in everything] == ["PAYMENT"] * 4 + ["TOPUP"]

    assert _memos(_all(anna, kind=["TOPUP"])) == [""]
    assert len(_all(anna, kind=["TOPUP", "PAYMENT"])) == 5
    assert _all(anna, kind=["REFUND"]) == []
    assert _memos(_all(anna, direction="OUT")) == ["cafè amb llet", "pa de pagès", "Pa i COCA"]
    assert _memos(_all(anna, direction="IN")) == ["tornada", ""]
    assert _memos(_all(anna, direction="IN", kind=["PAYMENT"])) == ["tornada"]

    # Words in the memo, ignoring case; or in the other party's name or handle.
    assert _memos(_all(anna, search="coca")) == ["Pa i COCA"]
    assert _memos(_all(anna, search="  PA ")) == ["pa de pagès", "Pa i COCA"]
    assert _memos(_all(anna, search=f"forn bernat {tag}")) == [
        "tornada",
        "pa de pagès",
        "Pa i COCA",
    ]
    carme_handle = _handle(story["carme"])
    assert _memos(_all(anna, search="@" + carme_handle)) == ["cafè amb llet"]
    assert _memos(_all(anna, search=f"forn bernat {tag}", direction="IN")) == ["tornada"]
    # Her own name matches nothing: the other party is searched, never herself.
    assert _all(anna, search=f"Anna Roca {tag}") == []
    assert _all(anna, search="no such words .*") == []  # taken literally, not as a pattern

    # The period: `since` inclusive, `until` exclusive, to the millisecond stored.
    moments = [node["createdAt"] for node in everything]
    assert _memos(_all(anna, since=moments[3], until=moments[1])) == ["pa de pagès", "Pa i COCA"]
    assert _memos(_all(anna, since=moments[1])) == ["tornada", "cafè amb llet"]
    assert _memos(_all(anna, until=moments[3])) == [""]
    local = datetime.fromisoformat(moments[0]).astimezone(ZONE).isoformat()
    assert _memos(_all(anna, since=local, direction="IN")) == ["tornada"]

    # Pages of one follow the cursor with the filters on, and say when the list ends.
    first = anna.data(HISTORY, {"first": 1, "direction": "OUT"})
    page = first["viewer"]["activeAccount"]["wallet"]["transactions"]
    assert _memos([e["node"] for e in page["edges"]]) == ["cafè amb llet"]
    assert page["pageInfo"]["hasNextPage"] is True
    after = page["pageInfo"]["endCursor"]
    story["bernat"].data(ME)  # nothing anyone does meanwhile moves the cursor
    assert _pay(anna, _handle(story["carme"]), "0.10", memo="new, above the cursor")["errors"] == []
    rest = anna.data(HISTORY, {"first": 100, "after": after, "direction": "OUT"})
    edges = rest["viewer"]["activeAccount"]["wallet"]["transactions"]["edges"]
    assert _memos([e["node"] for e in edges]) == ["pa de pagès", "Pa i COCA"]


def test_impossible_filters_are_refused_as_invalid_input(story: dict) -> None:
    anna = story["anna"]
    now = datetime.now(ZONE)
    for variables in (
        {"since": now.replace(tzinfo=None).isoformat()},  # no time zone: which day?
        {"until": "2026-03-01T00:00:00"},
        {"since": now.isoformat(), "until": now.isoformat()},  # an empty period
        {"since": now.isoformat(), "until": (now - timedelta(days=1)).isoformat()},
        {"search": "x" * 101},
        {"after": "not-a-cursor"},
        {"since": "0001-01-01T00:00:00+14:00"},  # before the first UTC instant
    ):
        assert anna.refusal(HISTORY, {"first": 10, **variables}) == "INVALID_INPUT", variables
    # Values that are not of the type at all fail validation, as in any GraphQL API.
    for variables in ({"kind": ["GIFT"]}, {"direction": "SIDEWAYS"}, {"since": "yesterday"}):
        body = anna.raw(HISTORY, {"first": 10, **variables})
        assert body.get("errors") and not body.get("data"), variables


def _statement(client: httpx.Client, **params: str) -> httpx.Response:
    return client.get("/wallet/statement.csv", params={"currency": "REC", **params})


def _rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_statement_lists_the_period_with_signed_amounts(story: dict) -> None:
    anna, bernat = story["anna"], story["bernat"]
    today = datetime.now(ZONE).date()
    day = today.isoformat()
    response = _statement(anna.http, **{"from": day, "to": day})
    handle = _handle(anna)
    assert response.headers["content-disposition"] == (
        f'attachment; filename="statement-{handle}-REC-{day}-{day}.csv"'
    )
    rows = _rows(response)
    nodes = _all(anna)
    assert [row["transaction_id"] for row in rows] == [node["id"] for node in nodes]
    assert list(rows[0]) == [
        "date",
        "kind",
        "direction",
        "counterparty_name",
        "counterparty_handle",
        "memo",
        "amount",
        "currency",
        "sequence",
        "hash",
        "transaction_id",
    ]
    tag = story["tag"]
    shown = [
        (r["kind"], r["direction"], r["counterparty_name"], r["memo"], r["amount"]) for r in rows
    ]
    assert shown == [
        ("PAYMENT", "OUT", f"Carme Vidal {tag}", "new, above the cursor", "-0.10"),
        ("PAYMENT", "IN", f"Forn Bernat {tag}", "tornada", "2.00"),
        ("PAYMENT", "OUT", f"Carme Vidal {tag}", "cafè amb llet", "-1.75"),
        ("PAYMENT", "OUT", f"Forn Bernat {tag}", "pa de pagès", "-3.20"),
        ("PAYMENT", "OUT", f"Forn Bernat {tag}", "Pa i COCA", "-12.50"),
        ("TOPUP", "IN", rows[-1]["counterparty_name"], "", "100.00"),
    ]
    assert rows[1]["counterparty_handle"] == _handle(bernat)
    assert {row["currency"] for row in rows} == {"REC"}
    assert sum(Decimal(row["amount"]) for row in rows) == Decimal("84.45")  # her balance
    for row, node in zip(rows, nodes, strict=True):
        moment = datetime.fromisoformat(row["date"])
        assert moment.utcoffset() == datetime.now(ZONE).utcoffset()  # the currency's clock
        stored = datetime.fromisoformat(node["createdAt"])
        assert abs(moment - stored) < timedelta(seconds=1)
        assert moment.date() == today
    sealed = until(
        lambda: (
            (r := _rows(_statement(anna.http, **{"from": day, "to": day})))[-1]["sequence"] and r
        ),
        "the journal to seal the issue",
    )
    assert int(sealed[-1]["sequence"]) > 0 and len(sealed[-1]["hash"]) == 64

    # The days around: the last day is included, the one after and the one before are not.
    before, after = (today - timedelta(days=1)).isoformat(), (today + timedelta(days=1)).isoformat()
    assert len(_rows(_statement(anna.http, **{"from": before, "to": day}))) == 6
    assert _rows(_statement(anna.http, **{"from": before, "to": before})) == []
    assert _rows(_statement(anna.http, **{"from": after, "to": after})) == []


def test_a_statement_needs_a_session_and_a_real_period(
    live_server: LiveServer, story: dict
) -> None:
    anna = story["anna"].http
    day = date.today().isoformat()
    with httpx.Client(base_url=live_server.url) as nobody:
        refused = _statement(nobody, **{"from": day, "to": day})
    assert refused.status_code == 401
    for params, message in (
        ({"to": day}, "from: give a date like 2026-03-31"),
        ({"from": "2026-02-30", "to": day}, "from: '2026-02-30' is not a date like 2026-03-31"),
        ({"from": day, "to": "31/03/2026"}, "to: '31/03/2026' is not a date like 2026-03-31"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "from must not be after to"),
        ({"from": "0001-01-01", "to": day}, "from: a date from 1970 to 9998"),
    ):
        response = _statement(anna, **params)
        assert (response.status_code, response.text) == (400, message), params
    unknown = anna.get("/wallet/statement.csv", params={"currency": "XYZ", "from": day, "to": day})
    assert (unknown.status_code, unknown.text) == (400, "currency: no currency 'XYZ'")


def test_a_long_statement_streams_every_page(
    live_server: LiveServer, treasurer: GraphQLClient, officer: GraphQLClient
) -> None:
    _, person = _resident(live_server.url, officer, "Llarga Història")
    issued = [f"{cents // 100}.{cents % 100:02d}" for cents in range(101, 101 + 102)]
    for amount in issued:
        _issue(treasurer, person, amount)
    day = datetime.now(ZONE).date().isoformat()
    rows = _rows(_statement(person.http, **{"from": day, "to": day}))
    assert [row["amount"] for row in rows] == issued[::-1]
    assert len({row["transaction_id"] for row in rows}) == 102


@pytest.mark.browser
async def test_the_history_screen_filters_opens_pages_and_downloads(
    live_server: LiveServer, browser: Browser, story: dict, treasurer: GraphQLClient
) -> None:
    anna = story["anna"]
    for number in range(20):  # more than a page of 20
        _issue(treasurer, anna, f"0.{number + 1:02d}", reason=f"round {number}")
    total = len(_all(anna))  # 25, or 26 after the other tests' payment
    context = await browser.new_context(
        viewport={"width": 390, "height": 844}, accept_downloads=True
    )
    watch = PageWatch(await context.new_page())
    screen = watch.page
    try:
        await screen.goto(f"{live_server.url}/wallet/rec/history")
        form = "[data-testid=history-sign-in]"
        await screen.locator(form).wait_for(timeout=15000)
        await screen.fill(f"{form} input[name=email]", story["email"])
        await screen.fill(f"{form} input[name=password]", PASSWORD)
        await screen.click(f"{form} button[type=submit]")
        items = screen.get_by_test_id("history-item")
        await items.first.wait_for(timeout=15000)
        assert screen.url == f"{live_server.url}/wallet/rec/history"
        assert await items.count() == 20
        assert await items.first.get_attribute("data-amount") == "0.20"
        assert await screen.get_by_test_id("history-amount").first.inner_text() == "+0,20 REC"

        # Load more: the rest, after the last one shown.
        await screen.click("[data-testid=history-more]")
        await screen.wait_for_function(
            f"document.querySelectorAll('[data-testid=history-item]').length === {total}",
            timeout=15000,
        )
        assert await screen.get_by_test_id("history-more").count() == 0
        assert await items.last.get_attribute("data-kind") == "TOPUP"
        assert await screen.evaluate("document.documentElement.scrollWidth") <= 390
        ARTIFACTS.mkdir(exist_ok=True)
        await screen.evaluate("window.scrollTo(0, 0)")
        await screen.screenshot(path=str(ARTIFACTS / "wallet-history.png"))

        # Filters: out only, by words; they go in the address and come back with it.
        await screen.focus("[data-testid=history-filters-toggle]")  # by keyboard
        await screen.keyboard.press("Enter")
        await screen.locator("[data-testid=history-direction]").wait_for(timeout=15000)
        await screen.keyboard.press("Tab")
        focused = "document.activeElement.dataset.testid"
        assert await screen.evaluate(focused) == "history-kind"
        await screen.select_option("[data-testid=history-direction]", "OUT")
        await screen.fill("[data-testid=history-search]", "pa")
        await screen.click("[data-testid=history-apply]")
        await screen.wait_for_url("**/wallet/rec/history?*direction=OUT*", timeout=15000)
        await screen.wait_for_function(
            "document.querySelectorAll('[data-testid=history-item]').length === 2",
            timeout=15000,
        )
        assert await items.evaluate_all("(all) => all.map((i) => i.dataset.direction)") == [
            "OUT",
            "OUT",
        ]
        await expect(screen.locator("[data-testid=history-direction]")).to_have_value("OUT")
        await expect(screen.locator("[data-testid=history-search]")).to_have_value("pa")

        # A transaction opens to its details and, sealed by now, its place in the ledger.
        first = items.first
        await first.get_by_test_id("history-item-toggle").click()
        await first.get_by_test_id("history-item-details").wait_for(timeout=15000)
        assert await first.get_by_test_id("history-memo").inner_text() == "pa de pagès"
        sequence = first.get_by_test_id("history-sequence")
        if not await sequence.count():  # the sealer runs every second: open it again
            await first.get_by_test_id("history-item-toggle").click()
            await first.get_by_test_id("history-item-toggle").click()
        await sequence.wait_for(timeout=15000)
        assert int(await sequence.inner_text()) > 0
        assert len(await first.get_by_test_id("history-hash").inner_text()) == 64
        await screen.screenshot(path=str(ARTIFACTS / "wallet-history-filtered.png"), full_page=True)

        # Nothing matches: said so; a period after the last day is refused beside it.
        await screen.goto(f"{live_server.url}/wallet/rec/history?search=zzzz-{uuid.uuid4().hex}")
        empty = screen.get_by_test_id("history-empty")
        await empty.wait_for(timeout=15000)
        assert await empty.inner_text() == "Cap moviment no coincideix amb aquests filtres."
        await screen.goto(f"{live_server.url}/wallet/rec/history?from=2026-03-02&to=2026-03-01")
        problem = screen.get_by_test_id("history-to-problem")
        await problem.wait_for(timeout=15000)
        assert await screen.get_by_test_id("history-to").get_attribute("aria-invalid") == "true"

        # The statement of the chosen days downloads as a file the csv module reads.
        day = datetime.now(ZONE).date().isoformat()
        await screen.goto(f"{live_server.url}/wallet/rec/history?from={day}&to={day}")
        link = screen.get_by_test_id("history-statement")
        await link.wait_for(timeout=15000)
        async with screen.expect_download() as waiting:
            await link.click()
        download = await waiting.value
        handle = _handle(anna)
        assert download.suggested_filename == f"statement-{handle}-REC-{day}-{day}.csv"
        saved = Path(await download.path())
        rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
        assert len(rows) == total
        assert sum(Decimal(row["amount"]) for row in rows) == Decimal(_balance(anna))
        assert watch.errors == [] and watch.remote_requests == []
    finally:
        await context.close()
