"""Buying REC by card, end to end over HTTP, with the sandbox processor standing in for the
bank: the browser's path (our redirect page, the processor's card page, back to the
wallet), the processor's own signed notification to our server, and everything that can
go wrong with notifications: declined, replayed, forged, late, never sent."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest
from pymongo import MongoClient
from strawberry import relay

from server.accounts import totp
from server.demo import saved_sign_ins
from server.settings import Settings
from server.topup.sandbox import OUTCOME_FIELDS, sandbox_key, sign
from tests.conftest import LiveServer, rec_env, run_rec, served, server_settings
from tests.helpers.browser import PageWatch
from tests.helpers.graphql import (
    GraphQLClient,
    business_account,
    demo_admin,
    make_admin,
    register,
)
from tests.helpers.live import next_message, subscription
from tests.helpers.waiting import until
from tests.test_ledger_api import ME, PASSWORD, _person

START = """mutation($input: StartTopUpInput!) { startTopUp(input: $input) {
  topUp { id status redirectUrl amount { amount currency } charged { amount currency }
  reference } errors { field code message } } }"""
TOP_UP = """query($id: ID!) { node(id: $id) { ... on TopUp { status failureReason
  amount { amount } transactionId decidedAt } } }"""
NOTIFY_DELAY_S = 2


@pytest.fixture(scope="module")
def platform(document_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The platform with demo data; late notifications are asked about after 1 s, and the
    sandbox's "delayed" card notifies after 2 s."""
    folder = tmp_path_factory.mktemp("topup")
    settings = server_settings(folder, f"sqlite://{folder / 'rec.sqlite3'}", document_server.url)
    extra = {
        "REC_TOPUP_CHECK_AFTER_S": "1",
        "REC_SANDBOX_NOTIFY_DELAY_S": str(NOTIFY_DELAY_S),
    }
    with served(settings, "demo", **extra) as server:
        yield server, settings
    client: MongoClient = MongoClient(document_server.url)
    client.drop_database(settings.mongodb_database)
    client.close()


@pytest.fixture(scope="module")
def live(platform: Any) -> LiveServer:
    return platform[0]


@pytest.fixture(scope="module")
def settings(platform: Any) -> Settings:
    return platform[1]


@pytest.fixture(scope="module")
def officer(live: LiveServer) -> GraphQLClient:
    superadmin = demo_admin(live.url, live.data_dir, "superadmin")
    return make_admin(live.url, superadmin, "KYC_OFFICER")


class _Form(HTMLParser):
    """The first form of a page: its action, method and fields."""

    def __init__(self) -> None:
        super().__init__()
        self.action = self.method = ""
        self.fields: dict[str, str] = {}
        self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form" and not self.action and not self._done:
            self.action, self.method = values["action"], values.get("method", "get")
        elif tag == "input" and not self._done and values.get("type") == "hidden":
            self.fields[values["name"]] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._done = True


def _form(page: str) -> _Form:
    parsed = _Form()
    parsed.feed(page)
    return parsed


def _balance(person: GraphQLClient) -> Decimal:
    wallet = person.data(ME)["viewer"]["activeAccount"]["wallet"]
    return Decimal(wallet["balance"]["amount"] if wallet else "0")


def _start(person: GraphQLClient, amount: str, key: str | None = None) -> dict[str, Any]:
    payload = person.data(
        START,
        {
            "input": {
                "amount": amount,
                "currency": "REC",
                "idempotencyKey": key or uuid.uuid4().hex,
            }
        },
    )["startTopUp"]
    return payload


def _pay_by_card(live: LiveServer, top_up: dict[str, Any], card: str) -> httpx.Response:
    """What the browser does: our redirect page, the processor's card page, the card."""
    browser = httpx.Client(base_url=live.url, timeout=20)
    going = browser.get(top_up["redirectUrl"].removeprefix(live.url))
    assert going.status_code == 200
    form = _form(going.text)
    assert form.action == live.url + "/sandbox/card" and form.method == "post"
    card_page = browser.post("/sandbox/card", data=form.fields)
    assert card_page.status_code == 200
    assert "SANDBOX" in card_page.text and "No card is charged" in card_page.text
    reference = top_up["reference"]
    return browser.post(f"/sandbox/card/{reference}/pay", data={"card": card})


def _key(top_up: dict[str, Any]) -> str:
    """The top-up's own key, as in the wallet's return address, from its global ID."""
    kind, key = relay.from_base64(top_up["id"])
    assert kind == "TopUp"
    return key


def _status(person: GraphQLClient, top_up_id: str) -> dict[str, Any]:
    return person.data(TOP_UP, {"id": top_up_id})["node"]


def _notification(settings: Settings, **fields: str) -> dict[str, str]:
    """A notification as the sandbox processor signs it (the test plays the processor)."""
    signed = dict(fields)
    signed["signature"] = sign(sandbox_key(settings.secret_key), signed, OUTCOME_FIELDS)
    return signed


def test_a_card_top_up_arrives_live_and_only_the_notification_mints(
    live: LiveServer, officer: GraphQLClient
) -> None:
    person = _person(live.url, officer, tier=1)
    started = _start(person, "20.00")
    assert started["errors"] == []
    top_up = started["topUp"]
    assert top_up["status"] == "PENDING"
    assert top_up["amount"] == {"amount": "20.00", "currency": "REC"}
    assert top_up["charged"] == {"amount": "20.00", "currency": "EUR"}
    assert re.fullmatch(r"\d{4}[A-Z0-9]{8}", top_up["reference"])
    cookie = person.http.cookies["rec_session"]
    with subscription(live.url, "subscription { viewerEvents { type data } }", cookie=cookie) as ws:
        back = _pay_by_card(live, top_up, "4242 4242 4242 4242")
        assert back.status_code == 303
        assert back.headers["location"] == f"{live.url}/wallet/rec/top-up/{_key(top_up)}"
        heard = [next_message(ws)["payload"]["data"]["viewerEvents"] for _ in range(2)]
    # The money in the wallet, and the top-up's new status, both live.
    assert sorted(event["type"] for event in heard) == ["topup.succeeded", "wallet.topup"]
    event = next(event for event in heard if event["type"] == "topup.succeeded")
    assert event["data"]["status"] == "SUCCEEDED"
    done = _status(person, top_up["id"])
    assert done["status"] == "SUCCEEDED" and done["transactionId"] and done["decidedAt"]
    assert _balance(person) == Decimal("20.00")
    history = person.data(
        """{ viewer { activeAccount { wallet(currency: "REC") { transactions(first: 1) {
        edges { node { id kind amount { amount } } } } } } } }"""
    )["viewer"]["activeAccount"]["wallet"]["transactions"]["edges"]
    assert history[0]["node"] == {
        "id": done["transactionId"],
        "kind": "TOPUP",
        "amount": {"amount": "20.00"},
    }
    listed = person.data(
        """{ viewer { activeAccount { topUps(first: 5) { edges { node { id status } } } } } }"""
    )["viewer"]["activeAccount"]["topUps"]["edges"]
    assert listed[0]["node"] == {"id": top_up["id"], "status": "SUCCEEDED"}
    # The redirect page of a decided top-up only leads back to the wallet.
    again = httpx.get(top_up["redirectUrl"] or live.url + "/", timeout=10)
    assert "checkout" not in again.text
    stranger = _person(live.url)
    assert stranger.data(TOP_UP, {"id": top_up["id"]}) == {"node": None}


def test_a_declined_card_mints_nothing(live: LiveServer, officer: GraphQLClient) -> None:
    person = _person(live.url, officer, tier=1)
    top_up = _start(person, "15.00")["topUp"]
    back = _pay_by_card(live, top_up, "4000000000000002")
    assert back.headers["location"].endswith(f"/wallet/rec/top-up/{_key(top_up)}")
    failed = until(
        lambda: (s := _status(person, top_up["id"]))["status"] == "FAILED" and s,
        "the declined top-up to fail",
    )
    assert "declined" in failed["failureReason"] and failed["transactionId"] is None
    assert _balance(person) == Decimal("0")


def test_a_notification_replayed_mints_once_and_a_forged_one_changes_nothing(
    live: LiveServer, settings: Settings, officer: GraphQLClient
) -> None:
    person = _person(live.url, officer, tier=1)
    top_up = _start(person, "12.50")["topUp"]
    notify = f"{live.url}/topup/notify/sandbox"
    genuine = _notification(
        settings,
        reference=top_up["reference"],
        state="succeeded",
        amount_cents="1250",
        currency="EUR",
        authorisation="123456",
        detail="approved",
    )
    first = httpx.post(notify, data=genuine, timeout=10)
    assert first.status_code == 200 and first.json() == {"verdict": "accepted"}

    async def replay_at_once(times: int) -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=20) as client:
            return await asyncio.gather(*(client.post(notify, data=genuine) for _ in range(times)))

    replays = asyncio.run(replay_at_once(10))
    assert {(r.status_code, r.json()["verdict"]) for r in replays} == {(200, "duplicate")}
    assert _balance(person) == Decimal("12.50")

    other = _person(live.url, officer, tier=1)
    victim = _start(other, "30.00")["topUp"]
    forged = dict(genuine, reference=victim["reference"], amount_cents="3000")  # old signature
    refused = httpx.post(notify, data=forged, timeout=10)
    assert refused.status_code == 400 and refused.json() == {"verdict": "rejected"}
    unsigned = {k: v for k, v in forged.items() if k != "signature"}
    assert httpx.post(notify, data=unsigned, timeout=10).status_code == 400
    assert _status(other, victim["id"])["status"] == "PENDING"
    assert _balance(other) == Decimal("0")
    # Each was logged, with its verdict, and the server said why.
    client: MongoClient = MongoClient(settings.mongodb_url)
    notices = client[settings.mongodb_database]["provider_notices"]
    assert (
        notices.count_documents({"verdict": "rejected", "fields.reference": victim["reference"]})
        == 2
    )
    assert notices.count_documents({"reference": top_up["reference"], "verdict": "duplicate"}) == 10
    client.close()
    assert "rejected a sandbox notification" in live.log()


def test_a_notification_for_another_amount_mints_nothing(
    live: LiveServer, settings: Settings, officer: GraphQLClient
) -> None:
    person = _person(live.url, officer, tier=1)
    top_up = _start(person, "10.00")["topUp"]
    wrong = _notification(
        settings,
        reference=top_up["reference"],
        state="succeeded",
        amount_cents="1",
        currency="EUR",
        authorisation="1",
        detail="approved",
    )
    answer = httpx.post(f"{live.url}/topup/notify/sandbox", data=wrong, timeout=10)
    assert answer.json() == {"verdict": "mismatch"}
    failed = _status(person, top_up["id"])
    assert failed["status"] == "FAILED" and "not 1000 EUR cents" in failed["failureReason"]
    assert _balance(person) == Decimal("0")


def test_a_late_notification_and_one_that_never_comes_are_both_settled(
    live: LiveServer, officer: GraphQLClient
) -> None:
    person = _person(live.url, officer, tier=1)
    late = _start(person, "7.00")["topUp"]
    _pay_by_card(live, late, "4000000000000077")
    assert _status(person, late["id"])["status"] == "PENDING"  # back before the notification
    until(lambda: _status(person, late["id"])["status"] == "SUCCEEDED", "the late notification")
    never = _start(person, "8.00")["topUp"]
    _pay_by_card(live, never, "4000000000000341")
    # No notification ever: the reconciliation job asks the processor and mints.
    until(
        lambda: _status(person, never["id"])["status"] == "SUCCEEDED",
        "the status query to settle the top-up",
        timeout_s=30,
    )
    assert _balance(person) == Decimal("15.00")
    assert "top-up " + never["reference"] + " reconciled: accepted" in live.log()


def test_bad_requests_say_why_and_change_nothing(live: LiveServer, officer: GraphQLClient) -> None:
    unverified = _person(live.url)  # KYC0
    assert _start(unverified, "20.00")["errors"][0]["code"] == "KYC_REQUIRED"
    person = _person(live.url, officer, tier=1)
    cases = {
        "4.99": ("INVALID_AMOUNT", "the smallest top-up is 5.00"),
        "2500.01": ("LIMIT_EXCEEDED", "more than your tier allows at once"),
        "20.001": ("INVALID_AMOUNT", "a positive amount with at most 2 decimals"),
        "-5": ("INVALID_AMOUNT", "a positive amount with at most 2 decimals"),
    }
    for amount, (code, message) in cases.items():
        refused = _start(person, amount)
        assert refused["topUp"] is None
        assert refused["errors"] == [{"field": "amount", "code": code, "message": message}]
    nowhere = person.data(
        START, {"input": {"amount": "10.00", "currency": "XXX", "idempotencyKey": "k1"}}
    )["startTopUp"]
    assert nowhere["errors"][0]["code"] == "NOT_FOUND"
    # One key, one top-up; the same key for another amount is refused.
    key = uuid.uuid4().hex
    first, again = _start(person, "10.00", key), _start(person, "10.00", key)
    assert first["topUp"]["id"] == again["topUp"]["id"]
    reused = _start(person, "11.00", key)
    assert reused["errors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    listed = person.data(
        """{ viewer { activeAccount { topUps(first: 10) { edges { node { id } } } } } }"""
    )["viewer"]["activeAccount"]["topUps"]["edges"]
    assert [edge["node"]["id"] for edge in listed] == [first["topUp"]["id"]]
    # Our redirect page needs its signature: nobody guesses a top-up's form.
    bad_link = first["topUp"]["redirectUrl"].rsplit("=", 1)[0] + "=0"
    assert httpx.get(bad_link, timeout=10).status_code == 404
    anonymous = GraphQLClient(live.url).raw(
        START, {"input": {"amount": "10.00", "currency": "REC", "idempotencyKey": "k"}}
    )
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


REQUEST_REDEMPTION = """mutation($input: RequestRedemptionInput!) { requestRedemption(
  input: $input) { redemption { id status amount { amount } payout { amount currency } iban }
  errors { field code message } } }"""
DECIDE = """mutation($input: %sInput!) { %s(input: $input) {
  redemption { id status bankReference reason } errors { field code message } } }"""
SHOP_BALANCE = """query($id: ID!) { node(id: $id) { ... on Account {
  wallet(currency: "REC") { balance { amount } }
  redemptions(first: 10) { edges { node { id status } } } } } }"""
SHOP_HANDLE = """query($id: ID!) { node(id: $id) { ... on Account { handle } } }"""
IBAN = "ES91 2100 0418 4502 0005 1332"  # the Spanish IBAN example of the ECBS standard


@pytest.fixture(scope="module")
def treasurer(live: LiveServer) -> GraphQLClient:
    return demo_admin(live.url, live.data_dir, "treasurer")


def _shop_with(live: LiveServer, treasurer: GraphQLClient, amount: str) -> tuple[Any, str]:
    owner = register(live.url, f"s{uuid.uuid4().hex[:10]}@example.org", PASSWORD, "Pau Ferrer")
    shop = business_account(owner, f"Ferreteria {uuid.uuid4().hex[:4]}", "shop")
    _issue_to(treasurer, shop["id"], amount)
    return owner, shop["id"]


def _issue_to(treasurer: GraphQLClient, to: str, amount: str, currency: str = "REC") -> None:
    treasurer.mutate(
        "issueFunds",
        """mutation($input: IssueFundsInput!) { issueFunds(input: $input) {
        transaction { id } errors { field code message } } }""",
        {
            "to": to,
            "amount": amount,
            "currency": currency,
            "reason": "takings",
            "idempotencyKey": uuid.uuid4().hex,
        },
    )


def _request(
    owner: GraphQLClient, shop_id: str, amount: str, iban: str = IBAN, currency: str = "REC"
) -> dict[str, Any]:
    return owner.data(
        REQUEST_REDEMPTION,
        {
            "input": {
                "accountId": shop_id,
                "amount": amount,
                "currency": currency,
                "iban": iban,
                "holderName": "Pau Ferrer i Fills SL",
                "idempotencyKey": uuid.uuid4().hex,
            }
        },
    )["requestRedemption"]


def _shop_balance(owner: GraphQLClient, shop_id: str) -> str:
    node = owner.data(SHOP_BALANCE, {"id": shop_id})["node"]
    return node["wallet"]["balance"]["amount"]


def test_a_shop_redeems_and_a_treasurer_approves_pays_or_rejects(
    live: LiveServer, treasurer: GraphQLClient
) -> None:
    owner, shop_id = _shop_with(live, treasurer, "100.00")
    bad = _request(owner, shop_id, "10.00", iban="ES91 2100 0418 4502 0005 1333")
    assert bad["redemption"] is None and bad["errors"][0]["field"] == "iban"
    too_much = _request(owner, shop_id, "100.01")
    assert too_much["errors"][0]["code"] == "INSUFFICIENT_FUNDS"
    assert _shop_balance(owner, shop_id) == "100.00"

    asked = _request(owner, shop_id, "60.00")
    assert asked["errors"] == []
    redemption = asked["redemption"]
    assert redemption["status"] == "REQUESTED"
    assert redemption["iban"] == "ES9121000418450200051332"
    assert redemption["payout"] == {"amount": "60.00", "currency": "EUR"}
    assert _shop_balance(owner, shop_id) == "40.00"  # held until a treasurer decides

    queue = treasurer.data(
        """{ redemptions(status: REQUESTED, first: 100) { edges { node { id } } } }"""
    )["redemptions"]["edges"]
    assert redemption["id"] in [edge["node"]["id"] for edge in queue]
    # Only treasurers decide; the owner cannot approve their own cash-out.
    assert (
        owner.refusal(
            DECIDE % ("Redemption", "approveRedemption"), {"input": {"id": redemption["id"]}}
        )
        == "FORBIDDEN"
    )
    approve = DECIDE % ("Redemption", "approveRedemption")
    approved = treasurer.mutate("approveRedemption", approve, {"id": redemption["id"]})
    assert approved["redemption"]["status"] == "APPROVED"
    twice = treasurer.data(approve, {"input": {"id": redemption["id"]}})["approveRedemption"]
    assert twice["errors"][0]["code"] == "INVALID_INPUT"
    pay = DECIDE % ("RecordRedemptionPayout", "recordRedemptionPayout")
    paid = treasurer.mutate(
        "recordRedemptionPayout", pay, {"id": redemption["id"], "bankReference": "TRF-2026-0042"}
    )["redemption"]
    assert paid["status"] == "PAID" and paid["bankReference"] == "TRF-2026-0042"
    assert _shop_balance(owner, shop_id) == "40.00"

    second = _request(owner, shop_id, "25.00")["redemption"]
    reject = DECIDE % ("RejectRedemption", "rejectRedemption")
    no_reason = treasurer.data(reject, {"input": {"id": second["id"], "reason": " "}})
    assert no_reason["rejectRedemption"]["errors"][0]["field"] == "reason"
    rejected = treasurer.mutate(
        "rejectRedemption", reject, {"id": second["id"], "reason": "the IBAN holder differs"}
    )["redemption"]
    assert rejected["status"] == "REJECTED"
    assert _shop_balance(owner, shop_id) == "40.00"  # the 25.00 came back
    mine = owner.data(SHOP_BALANCE, {"id": shop_id})["node"]["redemptions"]["edges"]
    assert [edge["node"]["status"] for edge in mine] == ["REJECTED", "PAID"]
    audit = demo_admin(live.url, live.data_dir, "superadmin").data(
        """{ auditLog(first: 20, targetType: "redemption") { edges { node { action } } } }"""
    )["auditLog"]["edges"]
    actions = [edge["node"]["action"] for edge in audit]
    for action in (
        "redemption.request",
        "redemption.approve",
        "redemption.pay",
        "redemption.reject",
    ):
        assert action in actions


def test_the_ledger_verifies_after_all_of_it(live: LiveServer, settings: Settings) -> None:
    done = run_rec("ledger", "verify", env=rec_env(settings))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ledger verified" in done.stdout


async def test_in_the_wallet_a_resident_buys_rec_and_sees_them_arrive(
    live: LiveServer, officer: GraphQLClient, page: PageWatch
) -> None:
    """Real Chromium: sign in on the buy screen, a too-small amount refused in Catalan,
    the sandbox's card page, the success card, and back in the wallet the outcome and the
    new balance appear by themselves."""
    email = f"m{uuid.uuid4().hex[:10]}@example.org"
    person = _person(live.url, officer, tier=1, email=email)
    browser = page.page
    await browser.goto(f"{live.url}/wallet/rec/top-up")
    await browser.fill("input[name=email]", email)
    await browser.fill("input[name=password]", PASSWORD)
    await browser.click("form button[type=submit]")
    amount = browser.get_by_test_id("buy-amount")
    await amount.wait_for(timeout=30000)
    assert "0.00 REC" in await browser.get_by_test_id("buy-balance").inner_text()

    await amount.fill("2")
    await browser.click("[data-testid=buy-submit]")
    problem = browser.get_by_test_id("buy-problem")
    await problem.wait_for(timeout=30000)
    assert await problem.inner_text() == (
        "Posa un import d'almenys 5.00 REC, amb dos decimals com a màxim."
    )
    assert await amount.input_value() == "2"  # nothing typed is lost

    await amount.fill("25,50")
    await browser.click("[data-testid=buy-submit]")
    await browser.wait_for_url(f"{live.url}/sandbox/card", timeout=30000)
    assert "SANDBOX" in await browser.get_by_test_id("sandbox-banner").inner_text()
    await browser.fill("#card", "4242 4242 4242 4242")
    await browser.click("form button[type=submit]")
    await browser.wait_for_url(re.compile(r".*/wallet/rec/top-up/[0-9a-f]{24}$"), timeout=30000)
    status = browser.locator("[data-testid=topup-status][data-status=SUCCEEDED]")
    await status.wait_for(timeout=30000)
    assert await status.inner_text() == "Fet: 25.50 REC al teu moneder."
    balance = browser.get_by_test_id("topup-balance")
    await browser.wait_for_function(
        "() => document.querySelector('[data-testid=topup-balance]')?.innerText.includes('25.50')",
        timeout=30000,
    )
    assert "25.50 REC" in await balance.inner_text()
    assert _balance(person) == Decimal("25.50")
    assert page.remote_requests == [] and page.errors == []


async def test_in_the_admin_panel_a_treasurer_approves_and_records_the_payout(
    live: LiveServer, treasurer: GraphQLClient, page: PageWatch
) -> None:
    owner, shop_id = _shop_with(live, treasurer, "80.00")
    redemption = _request(owner, shop_id, "30.00")["redemption"]
    _issue_to(treasurer, shop_id, "40", "GRA")  # and one in the other currency, not shown
    assert _request(owner, shop_id, "15", currency="GRA")["errors"] == []
    handle = owner.data(SHOP_HANDLE, {"id": shop_id})["node"]["handle"]
    entry = next(e for e in saved_sign_ins(live.data_dir) if e["role"] == "treasurer")
    browser = page.page
    await browser.goto(live.url + "/admin/")
    await browser.fill("input[name=email]", entry["email"])
    await browser.fill("input[name=password]", entry["password"])
    # The next step's code: this step's may be spent by the API sign-in above.
    code = totp.code_at(entry["totp_secret"], totp.current_step() + 1)
    await browser.fill("input[name=totp]", code)
    await browser.click("button[type=submit]")
    await browser.click("[data-testid=menu-treasury]")
    row = browser.get_by_test_id(f"redemption-{handle}")
    await row.wait_for(timeout=15000)
    assert "30.00 REC" in await row.inner_text() and IBAN.replace(" ", "") in await row.inner_text()
    assert await row.count() == 1  # the panel shows REC: the shop's GRA redemption is not here
    await row.get_by_test_id("approve").click()
    approved = browser.locator(f"[data-testid=redemption-{handle}][data-status=APPROVED]")
    await approved.wait_for(timeout=15000)
    await approved.get_by_test_id("bank-reference").fill("TRF-77")
    await approved.get_by_test_id("record-payout").click()
    await approved.wait_for(state="detached", timeout=15000)  # paid: off the lists
    mine = owner.data(SHOP_BALANCE, {"id": shop_id})["node"]
    statuses = {edge["node"]["id"]: edge["node"]["status"] for edge in mine["redemptions"]["edges"]}
    assert statuses[redemption["id"]] == "PAID"
    assert sorted(statuses.values()) == ["PAID", "REQUESTED"]  # GRA's still waits
    assert mine["wallet"]["balance"]["amount"] == "50.00"
    assert page.remote_requests == [] and page.errors == []
