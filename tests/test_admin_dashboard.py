"""The admin dashboard: figures equal what known payments make, the buckets the sealer keeps
equal the journal summed afresh, who may read them, and the screen changing by itself
within two seconds of a payment someone else makes in the wallet, in another browser."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, expect

from server import clock
from server.accounts import services as accounts
from server.accounts import totp
from server.accounts.models import Account, AccountKind, User
from server.currencies.models import Currency
from server.demo import saved_sign_ins
from server.directory.services import register_business
from server.kyc.services import set_account_level
from server.ledger import services as ledger
from server.ledger.models import JournalEntry, Wallet
from server.ledger.sealer import seal_pending
from server.reports import b2b, stats
from server.settings import Settings
from tests import test_wallet_pay as wallet
from tests.conftest import LiveServer, rec_env, run_rec
from tests.helpers.browser import PageWatch
from tests.helpers.graphql import GraphQLClient, demo_admin, make_admin, register
from tests.test_ledger_api import _balance, _issue

ARTIFACTS = Path(__file__).parent / "artifacts"
PIN = "4071"
PASSWORD = "a long enough passphrase"
DASHBOARD = """query($currency: String!) { adminDashboard(currency: $currency) {
  currency perMinute { start payments volume { amount } } perDay { payments volume { amount } }
  activeWallets totalWallets supply { amount currency }
  topShops { account { id name handle } payments volume { amount } }
  neighbourhoods { name payments volume { amount } } } }"""
SUBSCRIPTION = """subscription($currency: String!) {
  adminStats(currency: $currency) { currency activeWallets } }"""
SSE = {"accept": "text/event-stream"}
FORN = "forn-de-pa-sant-antoni"  # a demo shop, in Sant Antoni


@pytest.fixture(scope="module")
def superadmin(live_server: LiveServer) -> GraphQLClient:
    """The demo superadmin over the API, signed in once for the module: each two-factor code
    signs in once, and the browser takes the next step's."""
    return demo_admin(live_server.url, live_server.data_dir, "superadmin")


def key() -> str:
    return uuid.uuid4().hex


async def _person(rec: Currency, name: str) -> tuple[User, Account]:
    user = await accounts.create_user(f"{uuid.uuid4().hex[:8]}@example.org", PASSWORD, name)
    account = (await accounts.accounts_of(user))[0][0]
    await accounts.set_payment_pin(user, PIN, PASSWORD)
    officer = await accounts.create_user(f"o{uuid.uuid4().hex[:8]}@example.org", PASSWORD, "O")
    await set_account_level(account, rec.id, 2, officer, "test fixture")
    return user, account


async def _shop(rec: Currency, owner: User, name: str, neighbourhood: str) -> Account:
    account = await register_business(
        owner,
        name=name,
        category="bakery",
        address="Carrer de Verdi, 30",
        latitude="41.4036",
        longitude="2.157",
        neighbourhood=neighbourhood,
    )
    officer = await accounts.create_user(f"o{uuid.uuid4().hex[:8]}@example.org", PASSWORD, "O")
    await set_account_level(account, rec.id, 2, officer, "test fixture")
    return account


def _hour(figures: stats.Figures) -> tuple[int, int]:
    return (
        sum(p.payments for p in figures.per_minute),
        sum(p.volume_cents for p in figures.per_minute),
    )


async def test_figures_equal_known_payments_and_buckets_equal_the_journal(
    stores: Settings,
) -> None:
    rec = await Currency.get(code="REC")
    before = await stats.figures(rec)
    treasurer = await accounts.create_user(f"t{uuid.uuid4().hex[:8]}@example.org", PASSWORD, "T")
    anna, anna_account = await _person(rec, "Anna")
    bernat, bernat_account = await _person(rec, "Bernat")
    forn = await _shop(rec, bernat, "Forn Vell", "Gràcia")
    cafe = await _shop(rec, bernat, "Cafè Nou", "Sants")
    await ledger.issue(treasurer, anna_account, rec, 100_00, "cash at the office", key())
    await ledger.issue(treasurer, bernat_account, rec, 50_00, "cash at the office", key())
    await seal_pending("REC")  # the top-ups in the buckets; what follows is not, yet
    assert await stats.advance(rec) >= 2
    await ledger.pay(anna, anna_account, forn, rec, 12_50, "pa", PIN, key())
    await ledger.pay(anna, anna_account, forn, rec, 3_00, "coca", PIN, key())
    await ledger.pay(bernat, bernat_account, cafe, rec, 20_00, "cafès", PIN, key())
    await ledger.pay(anna, anna_account, bernat_account, rec, 5_00, "sopar", PIN, key())
    await ledger.redeem(None, forn, rec, 10_00, "cash-out", key())

    # Nothing sealed yet: the figures read the new entries straight from the journal.
    unsealed = await stats.figures(rec, fresh=True)
    assert _hour(unsealed) == (_hour(before)[0] + 4, _hour(before)[1] + 40_50)
    assert unsealed.per_day[-1].payments == before.per_day[-1].payments + 4
    assert unsealed.per_day[-1].volume_cents == before.per_day[-1].volume_cents + 40_50
    assert [(s.name, s.payments, s.volume_cents) for s in unsealed.top_shops] == [
        ("Cafè Nou", 1, 20_00),
        ("Forn Vell", 2, 15_50),
    ]
    assert [(a.name, a.payments, a.volume_cents) for a in unsealed.neighbourhoods] == [
        ("Sants", 1, 20_00),
        ("Gràcia", 2, 15_50),
    ]
    assert unsealed.supply_cents == before.supply_cents + 150_00 - 10_00  # minted - burned
    wallets = await Wallet.find(Wallet.currency == "REC", Wallet.is_issuer == False).to_list()  # noqa: E712
    assert unsealed.supply_cents == sum(w.balance_cents for w in wallets)
    assert unsealed.active_wallets == before.active_wallets + 4
    assert unsealed.total_wallets == len(wallets)

    # Sealed and counted into the buckets: the same figures, and the buckets equal the
    # journal summed afresh, before and after a rebuild.
    await seal_pending("REC")
    assert await stats.advance(rec) == 5
    sealed = await stats.figures(rec)
    assert sealed.same_as(await stats.figures(rec)) and _hour(sealed) == _hour(unsealed)
    assert sealed.top_shops == unsealed.top_shops
    assert sealed.neighbourhoods == unsealed.neighbourhoods
    assert sealed.active_wallets == unsealed.active_wallets
    kept = await stats.stored(rec)
    fresh = await stats.recompute(rec)
    assert (kept.minutes, kept.days, kept.wallets, kept.wallet_days, kept.pairs) == (
        fresh.minutes,
        fresh.days,
        fresh.wallets,
        fresh.wallet_days,
        fresh.pairs,
    )
    assert fresh.days and sum(fresh.wallet_days.values()) >= 4  # it counted something
    await stats.rebuild(rec)
    rebuilt = await stats.stored(rec)
    assert (rebuilt.minutes, rebuilt.days, rebuilt.wallets, rebuilt.wallet_days) == (
        kept.minutes,
        kept.days,
        kept.wallets,
        kept.wallet_days,
    )
    assert rebuilt.pairs == kept.pairs

    # Read in chunks smaller than the journal, the same sums (the chunks' seams count once).
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(stats, "READ_BATCH", 3)
        chunked = await stats.recompute(rec)
    assert (chunked.minutes, chunked.days, chunked.wallets, chunked.pairs) == (
        fresh.minutes,
        fresh.days,
        fresh.wallets,
        fresh.pairs,
    )
    assert (await stats.figures(rec)).same_as(sealed)


async def _b2b_from_journal(rec: Currency, day: date) -> dict[tuple[int, int], list[int]]:
    """What the pairs' buckets stand for, summed straight from the journal: payments and
    refunds between business accounts on the day."""
    tz = ZoneInfo(rec.timezone)
    since = datetime.combine(day, time(), tzinfo=tz)
    until = since + timedelta(days=1)
    businesses = set(await Account.filter(kind=AccountKind.BUSINESS).values_list("id", flat=True))
    sums: dict[tuple[int, int], list[int]] = {}
    async for entry in JournalEntry.get_pymongo_collection().find(
        {"currency": rec.code, "created_at": {"$gte": since, "$lt": until}}
    ):
        payer, payee = entry["from_account_id"], entry["to_account_id"]
        if payer not in businesses or payee not in businesses:
            continue
        if entry["kind"] == "PAYMENT":
            figures = sums.setdefault((payer, payee), [0, 0, 0, 0])
            figures[0] += 1
            figures[1] += entry["amount_cents"]
        elif entry["kind"] == "REFUND":
            figures = sums.setdefault((payee, payer), [0, 0, 0, 0])
            figures[2] += 1
            figures[3] += entry["amount_cents"]
    return sums


async def test_b2b_pairs_counted_by_the_sealer_equal_the_journal(stores: Settings) -> None:
    """The B2B report's pairs: from the journal while not counted, from the buckets once
    counted, the same figures either way; refunds land on the pair they return."""
    rec = await Currency.get(code="REC")
    today = clock.now().astimezone(ZoneInfo(rec.timezone)).date()
    treasurer = await accounts.create_user(f"t{uuid.uuid4().hex[:8]}@example.org", PASSWORD, "T")
    owner, owner_account = await _person(rec, "Carme")
    forn = await _shop(rec, owner, "Forn de Baix", "Gràcia")
    llibreria = await _shop(rec, owner, "Llibreria de Dalt", "Sants")
    await ledger.issue(treasurer, forn, rec, 80_00, "cash at the office", key())
    await ledger.issue(treasurer, llibreria, rec, 30_00, "cash at the office", key())
    paid = await ledger.pay(owner, forn, llibreria, rec, 12_00, "llibres", PIN, key())
    await ledger.pay(owner, forn, llibreria, rec, 3_50, "postals", PIN, key())
    await ledger.pay(owner, llibreria, forn, rec, 7_25, "pa", PIN, key())
    await ledger.pay(owner, forn, owner_account, rec, 1_00, "not B2B", PIN, key())
    await ledger.refund(owner, paid["entry_id"], 2_00, "one book back", key())

    expected = await _b2b_from_journal(rec, today)
    assert expected[(forn.id, llibreria.id)] == [2, 15_50, 1, 2_00]
    assert expected[(llibreria.id, forn.id)] == [1, 7_25, 0, 0]
    not_counted = await stats.b2b_pairs(rec, today, today)
    assert not_counted == expected
    await seal_pending("REC")
    await stats.advance(rec)
    assert await stats.b2b_pairs(rec, today, today) == expected
    yesterday = today - timedelta(days=1)
    assert (forn.id, llibreria.id) not in await stats.b2b_pairs(rec, yesterday, yesterday)
    report = await b2b.b2b_report(rec, today, today)
    pair = next(p for p in report.pairs if (p.payer_id, p.payee_id) == (forn.id, llibreria.id))
    assert (pair.payments, pair.amount_cents, pair.refunds, pair.net_cents) == (2, 15_50, 1, 13_50)


async def test_buckets_made_before_the_b2b_pairs_are_rebuilt_once(stores: Settings) -> None:
    """A store whose buckets are of the first shape (no pairs): the report reads the
    journal meanwhile, and the sealer's next round sums everything afresh."""
    rec = await Currency.get(code="REC")
    today = clock.now().astimezone(ZoneInfo(rec.timezone)).date()
    treasurer = await accounts.create_user(f"t{uuid.uuid4().hex[:8]}@example.org", PASSWORD, "T")
    owner, _ = await _person(rec, "Dolors")
    taller = await _shop(rec, owner, "Taller Nou", "Gràcia")
    fusteria = await _shop(rec, owner, "Fusteria Vella", "Sants")
    await ledger.issue(treasurer, taller, rec, 20_00, "cash at the office", key())
    await ledger.pay(owner, taller, fusteria, rec, 9_99, "fusta", PIN, key())
    await seal_pending("REC")
    await stats.advance(rec)
    # As a store of the first shape stands: no pairs, and a head without `shape`.
    await stats.StatsB2b.get_pymongo_collection().delete_many({"currency": "REC"})
    heads = stats.StatsHead.get_pymongo_collection()
    await heads.update_one({"_id": "REC"}, {"$unset": {"shape": ""}})
    expected = await _b2b_from_journal(rec, today)
    assert expected[(taller.id, fusteria.id)] == [1, 9_99, 0, 0]
    assert await stats.b2b_pairs(rec, today, today) == expected

    counted = await stats.stats_sequence("REC")
    assert await stats.advance(rec) == 0  # nothing new: the round only rebuilt
    assert (await heads.find_one({"_id": "REC"}))["shape"] == stats.SHAPE
    assert await stats.stats_sequence("REC") == counted
    assert (await stats.stored(rec)).pairs == (await stats.recompute(rec)).pairs
    assert await stats.b2b_pairs(rec, today, today) == expected


def test_rec_stats_rebuild_names_a_currency_it_does_not_know(stores: Settings) -> None:
    refused = run_rec("stats", "rebuild", "--currency", "XYZ", env=rec_env(stores))
    assert refused.returncode == 2
    assert "no currency 'XYZ'" in refused.stderr and "REC" in refused.stderr
    rebuilt = run_rec("stats", "rebuild", env=rec_env(stores))
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "REC: buckets rebuilt from the journal up to entry " in rebuilt.stdout


def test_support_reads_the_figures_and_others_are_refused(
    live_server: LiveServer, superadmin: GraphQLClient
) -> None:
    support = make_admin(live_server.url, superadmin, "SUPPORT")
    figures = support.data(DASHBOARD, {"currency": "REC"})["adminDashboard"]
    assert figures["currency"] == "REC" and len(figures["perMinute"]) == 60
    assert len(figures["perDay"]) == 30
    assert figures["supply"]["currency"] == "REC" and Decimal(figures["supply"]["amount"]) > 0
    assert figures["totalWallets"] >= figures["activeWallets"] > 0
    person = register(live_server.url, f"p-{uuid.uuid4().hex[:8]}@example.org", PASSWORD)
    assert person.refusal(DASHBOARD, {"currency": "REC"}) == "FORBIDDEN"
    assert GraphQLClient(live_server.url).refusal(DASHBOARD, {"currency": "REC"}) == (
        "UNAUTHENTICATED"
    )
    # The subscription over server-sent events: support hears the figures at once; a
    # person is refused before the stream starts.
    stream = {"query": SUBSCRIPTION, "variables": {"currency": "REC"}}
    with support.http.stream("POST", "/graphql/stream", headers=SSE, json=stream) as response:
        assert response.status_code == 200
        first = next(line for line in response.iter_lines() if line.startswith("data:"))
    heard = json.loads(first.removeprefix("data:"))["data"]["adminStats"]
    assert heard["currency"] == "REC" and heard["activeWallets"] == figures["activeWallets"]
    with person.http.stream("POST", "/graphql/stream", headers=SSE, json=stream) as response:
        assert response.status_code == 403
        assert json.loads(response.read())["errors"][0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.browser
async def test_the_dashboard_changes_within_two_seconds_of_a_payment(
    live_server: LiveServer, page: PageWatch, browser: Browser, superadmin: GraphQLClient
) -> None:
    # A resident who may pay (KYC2, a PIN, 20.00 issued), before anything is on screen.
    officer = make_admin(live_server.url, superadmin, "KYC_OFFICER")
    email, payer = wallet._resident(live_server, officer, "Jordi Vila")
    _issue(demo_admin(live_server.url, live_server.data_dir, "treasurer"), payer, "20.00")

    entry = next(e for e in saved_sign_ins(live_server.data_dir) if e["role"] == "superadmin")
    await page.page.goto(live_server.url + "/admin/?currency=REC")
    await page.page.get_by_test_id("sign-in").wait_for(timeout=15000)
    await page.page.fill("input[name=email]", entry["email"])
    await page.page.fill("input[name=password]", entry["password"])
    await page.page.fill(
        "input[name=totp]", totp.code_at(entry["totp_secret"], totp.current_step() + 1)
    )
    await page.page.click("button[type=submit]")
    hour = page.page.get_by_test_id("stat-payments-hour")
    await hour.wait_for(timeout=15000)
    for test_id in ("stat-volume-today", "stat-active-wallets", "stat-supply"):
        assert await page.page.get_by_test_id(test_id).inner_text()
    assert await page.page.locator("[data-testid=chart-minutes] svg > title").count() == 1
    # Thirty days, each its own group of bars saying what it stands for in its <title>.
    assert await page.page.locator("[data-testid=chart-days] svg > g > title").count() == 30
    for series in ("payments", "volume"):  # both measures drawn, a bar of each per day
        bars = page.page.locator(f"[data-testid=chart-days] svg rect[data-series={series}]")
        assert await bars.count() == 30
    assert "payments" in await page.page.get_by_test_id("chart-days-summary").inner_text()

    # In another browser session, the resident signs in to the wallet and pays a demo shop
    # on its pay screen, up to the PIN; the dashboard stays open in the first one.
    context = await browser.new_context(viewport={"width": 360, "height": 780})
    try:
        phone = PageWatch(await context.new_page())
        screen = phone.page
        pay_url = f"{live_server.url}/wallet/rec/pay"
        await wallet._sign_in(screen, pay_url, email, "pay-sign-in", "pay-form")
        await expect(screen.get_by_test_id("pay-balance")).to_have_text("20,00 REC")
        await screen.fill("[data-testid=pay-to]", FORN)
        await screen.fill("[data-testid=pay-amount]", "4,20")
        await screen.click("[data-testid=pay-continue]")
        await screen.get_by_test_id("pay-check").wait_for(timeout=15000)
        await expect(screen.get_by_test_id("check-to")).to_have_text(
            f"Forn de Pa Sant Antoni (@{FORN})"
        )
        await screen.fill("[data-testid=pay-pin]", wallet.PIN)
        payments_before = int(await hour.inner_text())
        today_before = await page.page.get_by_test_id("stat-volume-today").inner_text()
        await screen.click("[data-testid=pay-submit]")
        await screen.get_by_test_id("pay-receipt").wait_for(timeout=15000)
        # A deadline, not a measurement: the figures must have changed within 2 s of the
        # wallet confirming the payment, no reload.
        await page.page.wait_for_function(
            "expected => document.querySelector('[data-testid=stat-payments-hour]')"
            ".textContent === expected",
            arg=str(payments_before + 1),
            timeout=2000,
        )
        assert await screen.get_by_test_id("receipt-amount").inner_text() == "4,20 REC"
        assert _balance(payer) == "15.80"
        assert phone.remote_requests == [] and phone.errors == []
    finally:
        await context.close()
    today = Decimal(today_before.split()[0]) + Decimal("4.20")
    assert await page.page.get_by_test_id("stat-volume-today").inner_text() == f"{today} REC"
    shop = page.page.get_by_test_id(f"top-shop-{FORN}")
    assert "Forn de Pa Sant Antoni" in await shop.inner_text()
    assert await page.page.get_by_test_id("neighbourhood-Sant Antoni").count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    await page.page.set_viewport_size({"width": 1200, "height": 900})
    await page.page.screenshot(path=str(ARTIFACTS / "admin-dashboard.png"), full_page=True)
    assert page.remote_requests == [] and page.errors == []
