"""The money core on the embedded document server: payments, issuance, redemption, refunds,
adjustments; idempotency, the PIN, KYC limits, and concurrency."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from server import clock
from server.accounts import services as accounts
from server.accounts.errors import AccountsError
from server.accounts.models import Account, User
from server.currencies.models import Currency
from server.events.models import Event
from server.kyc.models import KycTier
from server.kyc.services import set_account_level
from server.ledger import services as ledger
from server.ledger.errors import LedgerError
from server.ledger.models import EntryKind, JournalEntry, Wallet
from server.settings import Settings

PIN = "4071"
PASSWORD = "a long enough passphrase"


def key() -> str:
    return uuid.uuid4().hex


async def _rec() -> Currency:
    return await Currency.get(code="REC")


async def _person(name: str, level: int = 2) -> tuple[User, Account]:
    user = await accounts.create_user(f"{uuid.uuid4().hex[:8]}@example.org", PASSWORD, name)
    account = (await accounts.accounts_of(user))[0][0]
    await accounts.set_payment_pin(user, PIN, PASSWORD)
    officer = await accounts.create_user(f"o{uuid.uuid4().hex[:8]}@example.org", PASSWORD, "O")
    await set_account_level(account, (await _rec()).id, level, officer, "test fixture")
    return user, account


async def _fund(account: Account, cents: int) -> None:
    treasurer = await accounts.create_user(f"t{uuid.uuid4().hex[:8]}@example.org", PASSWORD, "T")
    await ledger.issue(treasurer, account, await _rec(), cents, "cash at the office", key())


async def _invariants(currency: str = "REC") -> None:
    """Balances sum to zero; each wallet equals the sum of its legs; no user wallet < 0."""
    wallets = await Wallet.find(Wallet.currency == currency).to_list()
    assert sum(w.balance_cents for w in wallets) == 0
    sums: dict[int, int] = {}
    for entry in await JournalEntry.find(JournalEntry.currency == currency).to_list():
        assert sum(leg.amount_cents for leg in entry.legs) == 0
        for leg in entry.legs:
            sums[leg.account_id] = sums.get(leg.account_id, 0) + leg.amount_cents
    for wallet in wallets:
        assert wallet.balance_cents == sums.get(wallet.account_id, 0), wallet
        assert wallet.is_issuer or wallet.balance_cents >= 0


async def test_issuance_mints_from_the_issuer_and_payments_move_money(stores: Settings) -> None:
    rec = await _rec()
    anna, anna_account = await _person("Anna")
    _, shop = await _person("Forn")
    await _fund(anna_account, 50_00)
    result = await ledger.pay(anna, anna_account, shop, rec, 12_50, "pa i coca", PIN, key())
    assert result["kind"] == "PAYMENT" and result["amount_cents"] == 12_50
    assert await ledger.balance_cents(anna_account.id, "REC") == 37_50
    assert await ledger.balance_cents(shop.id, "REC") == 12_50
    assert await ledger.balance_cents(rec.issuer_account_id, "REC") == -50_00  # type: ignore[attr-defined]
    await _invariants()
    events = await Event.find(Event.account_ids == anna_account.id).to_list()
    assert [e.type for e in events if e.type.startswith("wallet.")] == [
        "wallet.topup",
        "wallet.payment",
    ]
    assert events[-1].data["balance_cents"] == 37_50 and events[-1].data["direction"] == "out"


async def test_a_wallet_never_goes_below_zero(stores: Settings) -> None:
    anna, anna_account = await _person("Anna")
    _, shop = await _person("Forn")
    await _fund(anna_account, 10_00)
    with pytest.raises(LedgerError) as refused:
        await ledger.pay(anna, anna_account, shop, await _rec(), 10_01, "", PIN, key())
    assert refused.value.code == "INSUFFICIENT_FUNDS"
    assert await ledger.balance_cents(anna_account.id, "REC") == 10_00
    assert await JournalEntry.find(JournalEntry.kind == EntryKind.PAYMENT).count() == 0
    await _invariants()


@pytest.mark.parametrize(
    ("level", "amount", "code"),
    [(0, 1_00, "KYC_REQUIRED"), (1, 2_500_01, "LIMIT_EXCEEDED")],
)
async def test_the_payers_tier_limits_what_they_send(
    stores: Settings, level: int, amount: int, code: str
) -> None:
    anna, anna_account = await _person("Anna", level=level)
    _, shop = await _person("Forn")
    await _fund(anna_account, 3_000_00 if level else 10_00)
    with pytest.raises(LedgerError) as refused:
        await ledger.pay(anna, anna_account, shop, await _rec(), amount, "", PIN, key())
    assert refused.value.code == code
    await _invariants()


async def test_the_monthly_limit_counts_what_was_sent_this_month(stores: Settings) -> None:
    anna, anna_account = await _person("Anna", level=1)
    _, shop = await _person("Forn")
    await _fund(anna_account, 5_000_00)
    await ledger.pay(anna, anna_account, shop, await _rec(), 2_000_00, "", PIN, key())
    with pytest.raises(LedgerError) as refused:
        await ledger.pay(anna, anna_account, shop, await _rec(), 500_01, "", PIN, key())
    assert refused.value.code == "LIMIT_EXCEEDED" and "month" in refused.value.message
    await ledger.pay(anna, anna_account, shop, await _rec(), 500_00, "", PIN, key())


async def test_a_wallet_cannot_hold_more_than_the_recipients_tier_allows(stores: Settings) -> None:
    anna, anna_account = await _person("Anna")
    _, small = await _person("Small", level=1)  # KYC1: 10,000 at most
    await _fund(anna_account, 20_000_00)
    with pytest.raises(LedgerError) as refused:
        await ledger.pay(anna, anna_account, small, await _rec(), 10_000_01, "", PIN, key())
    assert refused.value.code == "LIMIT_EXCEEDED" and refused.value.field == "to"


async def test_three_wrong_pins_lock_spending_until_a_new_pin(stores: Settings) -> None:
    anna, anna_account = await _person("Anna")
    _, shop = await _person("Forn")
    await _fund(anna_account, 10_00)
    codes = []
    for _ in range(4):
        with pytest.raises(AccountsError) as refused:
            await ledger.pay(anna, anna_account, shop, await _rec(), 1_00, "", "0000", key())
        codes.append(refused.value.code)
    assert codes == ["WRONG_PIN", "WRONG_PIN", "PIN_LOCKED", "PIN_LOCKED"]
    with pytest.raises(AccountsError, match="PIN"):
        await ledger.pay(anna, anna_account, shop, await _rec(), 1_00, "", PIN, key())
    await accounts.set_payment_pin(anna, "5813", PASSWORD)
    await ledger.pay(anna, anna_account, shop, await _rec(), 1_00, "", "5813", key())
    assert await ledger.balance_cents(shop.id, "REC") == 1_00


async def test_an_idempotency_key_moves_money_once_and_answers_the_same(stores: Settings) -> None:
    anna, anna_account = await _person("Anna")
    _, shop = await _person("Forn")
    await _fund(anna_account, 10_00)
    same_key = key()
    first = await ledger.pay(anna, anna_account, shop, await _rec(), 3_00, "", PIN, same_key)
    again = await ledger.pay(anna, anna_account, shop, await _rec(), 3_00, "", PIN, same_key)
    assert again == first
    assert await ledger.balance_cents(anna_account.id, "REC") == 7_00
    with pytest.raises(LedgerError) as reused:
        await ledger.pay(anna, anna_account, shop, await _rec(), 4_00, "", PIN, same_key)
    assert reused.value.code == "IDEMPOTENCY_KEY_REUSED"


async def test_a_refused_request_keeps_no_key(stores: Settings) -> None:
    anna, anna_account = await _person("Anna")
    _, shop = await _person("Forn")
    retry_key = key()
    with pytest.raises(LedgerError, match="no money"):
        await ledger.pay(anna, anna_account, shop, await _rec(), 3_00, "", PIN, retry_key)
    await _fund(anna_account, 10_00)
    await ledger.pay(anna, anna_account, shop, await _rec(), 3_00, "", PIN, retry_key)
    assert await ledger.balance_cents(shop.id, "REC") == 3_00


async def test_partial_refunds_add_up_to_the_payment_at_most(stores: Settings) -> None:
    anna, anna_account = await _person("Anna")
    _, shop = await _person("Forn")
    await _fund(anna_account, 100_00)
    payment = await ledger.pay(anna, anna_account, shop, await _rec(), 40_00, "", PIN, key())
    await ledger.refund(None, payment["entry_id"], 15_00, "one item back", key())
    await ledger.refund(None, payment["entry_id"], 20_00, "another", key())
    with pytest.raises(LedgerError) as too_much:
        await ledger.refund(None, payment["entry_id"], 5_01, "more", key())
    assert too_much.value.code == "REFUND_EXCEEDS_REMAINING"
    rest = await ledger.refund(None, payment["entry_id"], None, "the rest", key())
    assert rest["amount_cents"] == 5_00
    assert await ledger.balance_cents(anna_account.id, "REC") == 100_00
    with pytest.raises(LedgerError) as refund_of_refund:
        await ledger.refund(None, rest["entry_id"], None, "again", key())
    assert refund_of_refund.value.code == "NOT_FOUND"
    await _invariants()


async def test_redemption_burns_into_the_issuer_and_adjustments_reference_their_entry(
    stores: Settings,
) -> None:
    rec = await _rec()
    _, shop = await _person("Forn")
    await _fund(shop, 30_00)
    await ledger.redeem(None, shop, rec, 20_00, "to the bank", key())
    assert await ledger.balance_cents(rec.issuer_account_id, "REC") == -10_00  # type: ignore[attr-defined]
    _, anna_account = await _person("Anna")
    admin = await accounts.create_user("admin@example.org", PASSWORD, "Admin")
    wrong = await JournalEntry.find(JournalEntry.kind == EntryKind.REDEMPTION).first_or_none()
    assert wrong is not None
    fix = await ledger.adjust(
        admin, str(wrong.id), shop, anna_account, rec, 5_00, "misdirected", key()
    )
    entry = await JournalEntry.get(fix["entry_id"])
    assert entry is not None and entry.corrects == wrong.id and entry.reason == "misdirected"
    await _invariants()


async def test_fifty_concurrent_payments_never_overdraw_nor_lose_an_entry(
    stores: Settings,
) -> None:
    anna, anna_account = await _person("Anna")
    shops = [(await _person(f"Shop {n}"))[1] for n in range(5)]
    await _fund(anna_account, 30_00)
    results = await asyncio.gather(
        *[
            ledger.pay(anna, anna_account, shops[n % 5], await _rec(), 1_00, "", PIN, key())
            for n in range(50)
        ],
        return_exceptions=True,
    )
    paid = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, LedgerError)]
    assert len(paid) == 30 and len(refused) == 20
    assert {r.code for r in refused} == {"INSUFFICIENT_FUNDS"}
    assert await ledger.balance_cents(anna_account.id, "REC") == 0
    payments = await JournalEntry.find(JournalEntry.kind == EntryKind.PAYMENT).to_list()
    assert sorted(str(p.id) for p in payments) == sorted(r["entry_id"] for r in paid)
    await _invariants()


async def test_one_key_sent_twenty_times_at_once_moves_money_once(stores: Settings) -> None:
    anna, anna_account = await _person("Anna")
    _, shop = await _person("Forn")
    await _fund(anna_account, 10_00)
    same_key = key()
    results = await asyncio.gather(
        *[
            ledger.pay(anna, anna_account, shop, await _rec(), 2_00, "", PIN, same_key)
            for _ in range(20)
        ],
        return_exceptions=True,
    )
    answers = {r["entry_id"] for r in results if isinstance(r, dict)}
    assert len(answers) == 1
    others = [r for r in results if not isinstance(r, dict)]
    assert all(isinstance(r, LedgerError) and r.code == "IDEMPOTENCY_IN_PROGRESS" for r in others)
    assert await ledger.balance_cents(shop.id, "REC") == 2_00
    assert await JournalEntry.find(JournalEntry.kind == EntryKind.PAYMENT).count() == 1


async def test_the_issuer_is_never_a_payment_recipient(stores: Settings) -> None:
    rec = await _rec()
    anna, anna_account = await _person("Anna")
    await _fund(anna_account, 10_00)
    issuer = await Account.get(id=rec.issuer_account_id)  # type: ignore[attr-defined]
    with pytest.raises(LedgerError) as refused:
        await ledger.pay(anna, anna_account, issuer, rec, 1_00, "", PIN, key())
    assert refused.value.code == "RECIPIENT_NOT_FOUND"


async def test_tier_limits_are_read_from_the_currencys_tiers(stores: Settings) -> None:
    tier = await KycTier.get(currency=await _rec(), level=1)
    assert tier.per_payment_cents == 2_500_00


async def test_a_retry_of_a_payment_that_went_through_is_answered_even_after_limits_change(
    stores: Settings,
) -> None:
    anna, anna_account = await _person("Anna", level=1)
    _, shop = await _person("Forn")
    await _fund(anna_account, 3_000_00)
    same_key = key()
    first = await ledger.pay(anna, anna_account, shop, await _rec(), 2_000_00, "", PIN, same_key)
    tier = await KycTier.get(currency=await _rec(), level=1)
    tier.per_payment_cents = 100_00
    await tier.save()
    assert (
        await ledger.pay(anna, anna_account, shop, await _rec(), 2_000_00, "", PIN, same_key)
        == first
    )
    with pytest.raises(LedgerError, match="per-payment"):
        await ledger.pay(anna, anna_account, shop, await _rec(), 2_000_00, "", PIN, key())


async def test_parallel_pin_guesses_get_three_tries_at_most(stores: Settings) -> None:
    anna, anna_account = await _person("Anna")
    _, shop = await _person("Forn")
    await _fund(anna_account, 10_00)
    outcomes = await asyncio.gather(
        *[
            ledger.pay(anna, anna_account, shop, await _rec(), 1_00, "", f"{n:04d}", key())
            for n in range(1000, 1010)
        ],
        return_exceptions=True,
    )
    codes = [o.code for o in outcomes if isinstance(o, AccountsError)]
    assert codes == ["WRONG_PIN"] * 2 + ["PIN_LOCKED"] * 8
    with pytest.raises(AccountsError) as locked:
        await ledger.pay(anna, anna_account, shop, await _rec(), 1_00, "", PIN, key())
    assert locked.value.code == "PIN_LOCKED"


async def test_a_pin_turn_left_by_a_dead_process_holds_nobody_past_its_time(
    stores: Settings,
) -> None:
    anna, _ = await _person("Anna")
    # Another app process took the turn and died in its check: it lapses by itself.
    left_until = clock.now() + timedelta(seconds=0.4)
    await User.filter(id=anna.id).update(pin_check_until=left_until)
    started = asyncio.get_running_loop().time()
    await accounts.check_payment_pin(anna, PIN)
    assert asyncio.get_running_loop().time() - started >= 0.3  # it waited for the lapse
    assert (await User.get(id=anna.id)).pin_check_until is None  # and gave its own back


async def test_a_pin_turn_held_too_long_refuses_the_check_and_changes_nothing(
    stores: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    anna, _ = await _person("Anna")
    monkeypatch.setattr(accounts, "PIN_TURN_S", 0.2)
    held_until = clock.now() + timedelta(minutes=5)  # a clock far ahead of this one's
    await User.filter(id=anna.id).update(pin_check_until=held_until)
    with pytest.raises(AccountsError) as refused:
        await accounts.check_payment_pin(anna, "9999")
    assert refused.value.code == "TOO_MANY_ATTEMPTS"
    after = await User.get(id=anna.id)
    assert (after.pin_failures, after.pin_check_until) == (0, held_until)


async def test_only_payments_count_toward_the_monthly_limit(stores: Settings) -> None:
    anna, anna_account = await _person("Anna", level=1)  # 2,500 a month
    _, shop = await _person("Forn")
    await _fund(anna_account, 5_000_00)
    await ledger.redeem(None, anna_account, await _rec(), 2_400_00, "to the bank", key())
    await ledger.pay(anna, anna_account, shop, await _rec(), 2_400_00, "", PIN, key())
    assert await ledger.balance_cents(shop.id, "REC") == 2_400_00


async def test_retries_of_a_full_refund_and_of_an_issuance_get_their_first_answer(
    stores: Settings,
) -> None:
    from server.accounts.models import AuditEntry

    anna, anna_account = await _person("Anna")
    _, shop = await _person("Forn")
    treasurer = await accounts.create_user("treasurer@example.org", PASSWORD, "T")
    issue_key = key()
    first_issue = await ledger.issue(
        treasurer, anna_account, await _rec(), 10_00, "cash", issue_key
    )
    assert (
        await ledger.issue(treasurer, anna_account, await _rec(), 10_00, "cash", issue_key)
        == first_issue
    )
    assert await AuditEntry.filter(action="ledger.issue").count() == 1
    payment = await ledger.pay(anna, anna_account, shop, await _rec(), 4_00, "", PIN, key())
    refund_key = key()
    first = await ledger.refund(None, payment["entry_id"], None, "all back", refund_key)
    assert await ledger.refund(None, payment["entry_id"], None, "all back", refund_key) == first
    with pytest.raises(LedgerError) as nothing_left:
        await ledger.refund(None, payment["entry_id"], None, "all back", key())
    assert nothing_left.value.code == "REFUND_EXCEEDS_REMAINING"
    await _invariants()


async def test_what_another_domain_writes_with_a_payment_commits_with_it_or_undoes_it(
    stores: Settings,
) -> None:
    """The hook payment orders use: their state changes in the payment's own transaction."""
    from server.ledger.operations import Limits, Transfer, transfer_money

    _, anna_account = await _person("Anna")
    _, shop = await _person("Forn")
    await _fund(anna_account, 10_00)
    orders = Wallet.get_pymongo_collection().database["hook_test_orders"]
    await orders.insert_one({"_id": "order-1", "status": "REQUIRES_PAYMENT"})

    async def mark_paid(session, summary) -> None:  # type: ignore[no-untyped-def]
        changed = await orders.update_one(
            {"_id": "order-1", "status": "REQUIRES_PAYMENT"},
            {"$set": {"status": "SUCCEEDED", "entry_id": summary["entry_id"]}},
            session=session,
        )
        if changed.modified_count != 1:
            raise LedgerError("ORDER_NOT_PAYABLE", "id", "this order cannot be paid")

    def payment() -> Transfer:
        return Transfer(
            kind=EntryKind.PAYMENT,
            currency="REC",
            from_account_id=anna_account.id,
            to_account_id=shop.id,
            amount_cents=4_00,
            payer_limits=Limits(),
        )

    paid = await transfer_money(payment(), key(), also=mark_paid)
    assert (await orders.find_one({"_id": "order-1"}))["entry_id"] == paid["entry_id"]
    with pytest.raises(LedgerError) as twice:
        await transfer_money(payment(), key(), also=mark_paid)
    assert twice.value.code == "ORDER_NOT_PAYABLE"
    assert await ledger.balance_cents(anna_account.id, "REC") == 6_00  # paid once, not twice
    await _invariants()
