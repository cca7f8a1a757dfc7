"""Redemptions (cash-outs) of business accounts, at the service level: the hold, the burn,
the release, the payout record; what is refused; two treasurers at once; the audit, the
events and the ledger's invariants after all of it."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from stdnum import iban as stdnum_iban

from server.accounts import services as accounts
from server.accounts.models import Account, AccountKind, AdminRole, AuditEntry, MemberRole, User
from server.events.models import Event
from server.ledger import services as ledger
from server.ledger.errors import LedgerError
from server.ledger.models import EntryKind, JournalEntry
from server.ledger.verify import verify_ledger
from server.settings import Settings
from server.topup import redemption as service
from server.topup.redemption_models import Redemption, RedemptionStatus
from tests.test_ledger import PASSWORD, PIN, _fund, _invariants, _person, _rec, key

IBAN = "ES91 2100 0418 4502 0005 1332"
IBAN_COMPACT = "ES9121000418450200051332"
HOLDER = "Forn de la Plaça SL"


def _with_check_digits(country: str, bban: str) -> str:
    """An IBAN whose check digits are right, whatever else is wrong with it."""
    return country + stdnum_iban.calc_check_digits(country + "00" + bban) + bban


async def _shop(name: str = "Forn", cents: int = 100_00) -> tuple[User, Account]:
    owner, _ = await _person(f"{name} owner")
    shop = await accounts.create_business_account(owner, name)
    if cents:
        await _fund(shop, cents)
    return owner, shop


async def _treasurer(role: AdminRole = AdminRole.TREASURER) -> User:
    user = await accounts.create_user(f"t{uuid.uuid4().hex[:8]}@example.org", PASSWORD, "T")
    await accounts.grant_admin_role(user, role, reason="test fixture")
    return user


async def _request(owner: User, shop: Account, cents: int = 40_00, **changes: str) -> Redemption:
    fields = {"iban": IBAN, "holder_name": HOLDER, "idempotency_key": key(), **changes}
    return await service.request_redemption(owner, shop, await _rec(), cents, **fields)


async def _balance(account_id: int) -> int:
    return await ledger.balance_cents(account_id, "REC")


async def _issuer_id() -> int:
    return int((await _rec()).issuer_account_id)  # type: ignore[attr-defined]


async def _holding_id() -> int:
    return (await service.holding_account(await _rec())).id


async def _actions(redemption: Redemption) -> list[str]:
    rows = await AuditEntry.filter(target_type="redemption", target_id=str(redemption.id))
    return [row.action for row in sorted(rows, key=lambda row: row.id)]


async def _events(account_id: int) -> list[Event]:
    rows = await Event.find(Event.account_ids == account_id).sort("+_id").to_list()
    return [row for row in rows if row.type.startswith("redemption.")]


async def _all_checks_hold() -> None:
    """The test helper's invariants, and `rec ledger verify`'s own checks."""
    await _invariants()
    report = await verify_ledger("REC")
    assert report.ok, report.problems


async def _unchanged(shop: Account, cents: int) -> None:
    """Nothing of a refused request was kept."""
    assert await _balance(shop.id) == cents
    assert await Redemption.find(Redemption.account_id == shop.id).count() == 0
    assert await JournalEntry.find(JournalEntry.kind == EntryKind.REDEMPTION).count() == 0
    assert await AuditEntry.filter(target_type="redemption").count() == 0


async def test_a_request_holds_the_funds_out_of_the_shops_wallet(stores: Settings) -> None:
    owner, shop = await _shop()
    supply_before = -await _balance(await _issuer_id())
    asked = await _request(owner, shop, 40_00)
    assert asked.status == RedemptionStatus.REQUESTED and asked.amount_cents == 40_00
    assert asked.iban == IBAN_COMPACT and asked.holder_name == HOLDER
    assert asked.requested_by_user_id == owner.id and asked.currency == "REC"
    holding = await service.holding_account(await _rec())
    assert holding.kind == AccountKind.ISSUER and holding.handle == "redemptions_held_rec"
    assert await _balance(shop.id) == 60_00
    assert await _balance(holding.id) == 40_00
    assert -await _balance(await _issuer_id()) == supply_before  # held, not yet burned
    hold = await JournalEntry.get(asked.hold_entry_id)
    assert hold is not None and hold.kind == EntryKind.REDEMPTION
    assert (hold.from_account_id, hold.to_account_id, hold.amount_cents) == (
        shop.id,
        holding.id,
        40_00,
    )
    assert hold.created_by_user_id == owner.id
    [event] = await _events(shop.id)
    assert event.type == "redemption.requested"
    assert event.data == {
        "redemptionId": str(asked.id),
        "status": "REQUESTED",
        "amount_cents": 40_00,
        "currency": "REC",
    }
    [entry] = await AuditEntry.filter(target_type="redemption", target_id=str(asked.id))
    assert entry.action == "redemption.request" and entry.actor_id == owner.id  # type: ignore[attr-defined]
    assert entry.after["iban"] == IBAN_COMPACT and entry.after["amount_cents"] == 40_00
    assert await service.get_redemption(str(asked.id)) == asked
    await _all_checks_hold()


async def test_approval_burns_into_the_issuer_and_the_payout_records_the_bank_transfer(
    stores: Settings,
) -> None:
    owner, shop = await _shop()
    treasurer = await _treasurer()
    asked = await _request(owner, shop, 40_00)
    supply_before = -await _balance(await _issuer_id())
    approved = await service.approve_redemption(treasurer, str(asked.id))
    assert approved.status == RedemptionStatus.APPROVED
    assert approved.decided_by_user_id == treasurer.id and approved.decided_at is not None
    assert -await _balance(await _issuer_id()) == supply_before - 40_00  # supply down
    assert await _balance(await _holding_id()) == 0
    assert await _balance(shop.id) == 60_00
    burn = await JournalEntry.get(approved.burn_entry_id)
    assert burn is not None and burn.kind == EntryKind.REDEMPTION
    assert (burn.from_account_id, burn.to_account_id, burn.amount_cents) == (
        await _holding_id(),
        await _issuer_id(),
        40_00,
    )
    paid = await service.record_payout(treasurer, str(asked.id), "  SEPA  2026-0001 ")
    assert paid.status == RedemptionStatus.PAID and paid.bank_reference == "SEPA 2026-0001"
    assert paid.paid_by_user_id == treasurer.id and paid.paid_at is not None
    assert paid.burn_entry_id == approved.burn_entry_id
    assert -await _balance(await _issuer_id()) == supply_before - 40_00  # paying moves none
    assert await _actions(asked) == ["redemption.request", "redemption.approve", "redemption.pay"]
    pay_line = await AuditEntry.get(target_type="redemption", action="redemption.pay")
    assert pay_line.before == {"status": "APPROVED"}
    assert pay_line.after == {"status": "PAID", "bank_reference": "SEPA 2026-0001"}
    assert [(e.type, e.data["status"]) for e in await _events(shop.id)] == [
        ("redemption.requested", "REQUESTED"),
        ("redemption.approved", "APPROVED"),
        ("redemption.paid", "PAID"),
    ]
    await _all_checks_hold()


async def test_a_superadmin_may_decide_too(stores: Settings) -> None:
    owner, shop = await _shop()
    superadmin = await _treasurer(AdminRole.SUPERADMIN)
    asked = await _request(owner, shop, 10_00)
    approved = await service.approve_redemption(superadmin, str(asked.id))
    assert approved.status == RedemptionStatus.APPROVED


async def test_rejection_releases_exactly_what_was_held(stores: Settings) -> None:
    owner, shop = await _shop()
    treasurer = await _treasurer()
    supply_before = -await _balance(await _issuer_id())
    asked = await _request(owner, shop, 33_33)
    with pytest.raises(LedgerError) as no_reason:
        await service.reject_redemption(treasurer, str(asked.id), "   ")
    assert (no_reason.value.code, no_reason.value.field) == ("INVALID_INPUT", "reason")
    rejected = await service.reject_redemption(treasurer, str(asked.id), "IBAN not the shop's")
    assert rejected.status == RedemptionStatus.REJECTED
    assert rejected.reason == "IBAN not the shop's" and rejected.decided_by_user_id == treasurer.id
    assert await _balance(shop.id) == 100_00
    assert await _balance(await _holding_id()) == 0
    assert -await _balance(await _issuer_id()) == supply_before  # nothing burned
    release = await JournalEntry.get(rejected.release_entry_id)
    assert release is not None and release.kind == EntryKind.REDEMPTION
    assert (release.from_account_id, release.to_account_id, release.amount_cents) == (
        await _holding_id(),
        shop.id,
        33_33,
    )
    assert release.reason == "IBAN not the shop's"
    assert rejected.burn_entry_id is None
    line = await AuditEntry.get(target_type="redemption", action="redemption.reject")
    assert line.reason == "IBAN not the shop's" and line.after["status"] == "REJECTED"
    assert (await _events(shop.id))[-1].type == "redemption.rejected"
    await _all_checks_hold()


@pytest.mark.parametrize(
    ("iban", "says"),
    [
        ("ES92 2100 0418 4502 0005 1332", "check digits"),  # one digit off
        ("ES91 2100 0418 4502 0005 1333", "check digits"),
        (_with_check_digits("ES", "2100041845020005133"), "length"),  # 23, Spain has 24
        (_with_check_digits("DE", "3704004405320130001"), "length"),  # 23, Germany has 22
        (_with_check_digits("ES", "210004184502AB051332"), "letters"),  # digits only in ES
        (_with_check_digits("XX", "2100041845020005133"), "country"),
        ("", "length"),
        ("ES91" + "1" * 70, "too long"),
    ],
)
async def test_invalid_ibans_are_refused_and_change_nothing(
    stores: Settings, iban: str, says: str
) -> None:
    owner, shop = await _shop()
    with pytest.raises(LedgerError) as refused:
        await _request(owner, shop, 10_00, iban=iban)
    assert (refused.value.code, refused.value.field) == ("INVALID_INPUT", "iban")
    assert says in refused.value.message
    await _unchanged(shop, 100_00)


async def test_ibans_are_kept_compact_whatever_their_spacing(stores: Settings) -> None:
    owner, shop = await _shop()
    asked = await _request(owner, shop, 1_00, iban=" de89-3704 0044 0532 0130 00 ")
    assert asked.iban == "DE89370400440532013000"


@pytest.mark.parametrize(
    ("changes", "cents", "code", "field"),
    [
        ({"holder_name": "  "}, 10_00, "INVALID_INPUT", "holderName"),
        ({"holder_name": "x" * 141}, 10_00, "INVALID_INPUT", "holderName"),
        ({"idempotency_key": ""}, 10_00, "INVALID_INPUT", "idempotencyKey"),
        ({}, 0, "INVALID_AMOUNT", "amount"),
        ({}, -5_00, "INVALID_AMOUNT", "amount"),
        ({}, 100_01, "INSUFFICIENT_FUNDS", "amount"),
        ({}, 10.5, "INVALID_AMOUNT", "amount"),  # never a float
    ],
)
async def test_bad_requests_are_refused_and_change_nothing(
    stores: Settings, changes: dict[str, str], cents: int, code: str, field: str
) -> None:
    owner, shop = await _shop()
    with pytest.raises(LedgerError) as refused:
        await _request(owner, shop, cents, **changes)
    assert (refused.value.code, refused.value.field) == (code, field)
    await _unchanged(shop, 100_00)
    assert not await Account.exists(handle=service.holding_handle("REC"))


async def test_a_holder_name_of_140_characters_is_enough(stores: Settings) -> None:
    owner, shop = await _shop()
    asked = await _request(owner, shop, 1_00, holder_name="x" * 140)
    assert len(asked.holder_name) == 140


async def test_more_than_the_balance_is_refused_even_when_racing(stores: Settings) -> None:
    owner, shop = await _shop(cents=50_00)
    results = await asyncio.gather(
        *[_request(owner, shop, 20_00) for _ in range(5)], return_exceptions=True
    )
    held = [r for r in results if isinstance(r, Redemption)]
    refused = [r for r in results if isinstance(r, LedgerError)]
    assert len(held) == 2 and len(refused) == 3
    assert {r.code for r in refused} == {"INSUFFICIENT_FUNDS"}
    assert await _balance(shop.id) == 10_00
    assert await _balance(await _holding_id()) == 40_00
    assert await Redemption.find(Redemption.account_id == shop.id).count() == 2
    await _all_checks_hold()


async def test_personal_accounts_do_not_cash_out(stores: Settings) -> None:
    anna, anna_account = await _person("Anna")
    await _fund(anna_account, 10_00)
    with pytest.raises(LedgerError) as refused:
        await _request(anna, anna_account, 5_00)
    assert (refused.value.code, refused.value.field) == ("INVALID_INPUT", "accountId")
    await _unchanged(anna_account, 10_00)


@pytest.mark.parametrize("role", [MemberRole.MANAGER, MemberRole.CASHIER, None])
async def test_only_the_shops_owners_cash_out(stores: Settings, role: MemberRole | None) -> None:
    _, shop = await _shop()
    other, _ = await _person("Other")
    if role is not None:
        await accounts.add_member(other, shop, role)
    with pytest.raises(LedgerError) as refused:
        await _request(other, shop, 5_00)
    assert (refused.value.code, refused.value.field) == ("FORBIDDEN", "accountId")
    await _unchanged(shop, 100_00)
    second_owner, _ = await _person("Second owner")
    await accounts.add_member(second_owner, shop, MemberRole.OWNER)
    assert (await _request(second_owner, shop, 5_00)).requested_by_user_id == second_owner.id


async def test_a_request_is_made_once_per_idempotency_key(stores: Settings) -> None:
    owner, shop = await _shop()
    same_key = key()
    first = await _request(owner, shop, 30_00, idempotency_key=same_key)
    again = await _request(owner, shop, 30_00, idempotency_key=same_key)
    assert again.id == first.id and again.hold_entry_id == first.hold_entry_id
    assert await _balance(shop.id) == 70_00
    assert await JournalEntry.find(JournalEntry.kind == EntryKind.REDEMPTION).count() == 1
    assert await _actions(first) == ["redemption.request"]
    for changes, cents in (({}, 31_00), ({"iban": "DE89370400440532013000"}, 30_00)):
        with pytest.raises(LedgerError) as reused:
            await _request(owner, shop, cents, idempotency_key=same_key, **changes)
        assert (reused.value.code, reused.value.field) == (
            "IDEMPOTENCY_KEY_REUSED",
            "idempotencyKey",
        )
    # Spacing is not a different request: the IBAN and the name are compared normalised.
    spaced = await _request(owner, shop, 30_00, idempotency_key=same_key, iban=IBAN_COMPACT.lower())
    assert spaced.id == first.id
    # The same key of another shop is another request.
    other_owner, other_shop = await _shop("Ferreteria")
    other = await _request(other_owner, other_shop, 30_00, idempotency_key=same_key)
    assert other.id != first.id
    await _all_checks_hold()


async def test_one_key_sent_ten_times_at_once_holds_once(stores: Settings) -> None:
    owner, shop = await _shop()
    same_key = key()
    results = await asyncio.gather(
        *[_request(owner, shop, 25_00, idempotency_key=same_key) for _ in range(10)],
        return_exceptions=True,
    )
    answers = {str(r.id) for r in results if isinstance(r, Redemption)}
    assert len(answers) == 1
    others = [r for r in results if not isinstance(r, Redemption)]
    assert all(isinstance(r, LedgerError) and r.code == "IDEMPOTENCY_IN_PROGRESS" for r in others)
    assert await _balance(shop.id) == 75_00
    assert await Redemption.find(Redemption.account_id == shop.id).count() == 1
    assert await AuditEntry.filter(action="redemption.request").count() == 1
    await _all_checks_hold()


@pytest.mark.parametrize("others_held", [0, 50_00])
async def test_two_treasurers_approving_at_once_burn_once(
    stores: Settings, others_held: int
) -> None:
    """Alone in the holding account, the second burn finds it empty; beside another
    shop's held funds, it is the status condition that refuses it: either way one burn
    and a clear answer."""
    if others_held:
        other_owner, other_shop = await _shop("Ferreteria")
        await _request(other_owner, other_shop, others_held)
    owner, shop = await _shop()
    first, second = await _treasurer(), await _treasurer()
    asked = await _request(owner, shop, 40_00)
    supply_before = -await _balance(await _issuer_id())
    results = await asyncio.gather(
        service.approve_redemption(first, str(asked.id)),
        service.approve_redemption(second, str(asked.id)),
        return_exceptions=True,
    )
    approved = [r for r in results if isinstance(r, Redemption)]
    refused = [r for r in results if isinstance(r, LedgerError)]
    assert len(approved) == 1 and len(refused) == 1, results
    assert refused[0].code == "INVALID_INPUT" and "APPROVED" in refused[0].message
    burns = await JournalEntry.find(
        JournalEntry.kind == EntryKind.REDEMPTION, JournalEntry.to_account_id == await _issuer_id()
    ).to_list()
    assert [str(b.id) for b in burns] == [approved[0].burn_entry_id]
    assert -await _balance(await _issuer_id()) == supply_before - 40_00
    assert await _balance(await _holding_id()) == others_held
    assert await _actions(asked) == ["redemption.request", "redemption.approve"]
    assert [e.type for e in await _events(shop.id)].count("redemption.approved") == 1
    await _all_checks_hold()


async def test_an_approval_and_a_rejection_at_once_move_the_money_once(stores: Settings) -> None:
    owner, shop = await _shop()
    first, second = await _treasurer(), await _treasurer()
    asked = await _request(owner, shop, 40_00)
    supply_before = -await _balance(await _issuer_id())
    results = await asyncio.gather(
        service.approve_redemption(first, str(asked.id)),
        service.reject_redemption(second, str(asked.id), "not ours"),
        return_exceptions=True,
    )
    decided = [r for r in results if isinstance(r, Redemption)]
    refused = [r for r in results if isinstance(r, LedgerError)]
    assert len(decided) == 1 and len(refused) == 1, results
    assert decided[0].status.value in refused[0].message
    moves = await JournalEntry.find(JournalEntry.from_account_id == await _holding_id()).count()
    assert moves == 1
    if decided[0].status == RedemptionStatus.APPROVED:
        assert (await _balance(shop.id), -await _balance(await _issuer_id())) == (
            60_00,
            supply_before - 40_00,
        )
    else:
        assert (await _balance(shop.id), -await _balance(await _issuer_id())) == (
            100_00,
            supply_before,
        )
    await _all_checks_hold()


async def test_each_decision_only_from_its_status(stores: Settings) -> None:
    owner, shop = await _shop()
    treasurer = await _treasurer()
    rejected = await _request(owner, shop, 10_00)
    await service.reject_redemption(treasurer, str(rejected.id), "wrong holder")
    for decide in (
        service.approve_redemption(treasurer, str(rejected.id)),
        service.reject_redemption(treasurer, str(rejected.id), "again"),
        service.record_payout(treasurer, str(rejected.id), "REF-1"),
    ):
        with pytest.raises(LedgerError) as refused:
            await decide
        assert refused.value.code == "INVALID_INPUT" and refused.value.field == "id"
        assert "REJECTED" in refused.value.message
    waiting = await _request(owner, shop, 10_00)
    with pytest.raises(LedgerError) as too_soon:
        await service.record_payout(treasurer, str(waiting.id), "REF-2")
    assert too_soon.value.code == "INVALID_INPUT" and "REQUESTED" in too_soon.value.message
    await service.approve_redemption(treasurer, str(waiting.id))
    with pytest.raises(LedgerError) as late:
        await service.reject_redemption(treasurer, str(waiting.id), "changed my mind")
    assert "APPROVED" in late.value.message
    with pytest.raises(LedgerError) as no_reference:
        await service.record_payout(treasurer, str(waiting.id), " ")
    assert no_reference.value.field == "bankReference"
    with pytest.raises(LedgerError) as long_reference:
        await service.record_payout(treasurer, str(waiting.id), "R" * 101)
    assert long_reference.value.field == "bankReference"
    await service.record_payout(treasurer, str(waiting.id), "R" * 100)
    with pytest.raises(LedgerError) as twice:
        await service.record_payout(treasurer, str(waiting.id), "REF-3")
    assert "PAID" in twice.value.message
    assert (await service.get_redemption(str(waiting.id))).bank_reference == "R" * 100  # type: ignore[union-attr]
    assert await _actions(rejected) == ["redemption.request", "redemption.reject"]
    assert await _actions(waiting) == [
        "redemption.request",
        "redemption.approve",
        "redemption.pay",
    ]
    assert await _balance(shop.id) == 90_00  # the rejected one came back
    await _all_checks_hold()


async def test_only_treasurers_decide_and_never_on_their_own_shop(stores: Settings) -> None:
    owner, shop = await _shop()
    asked = await _request(owner, shop, 10_00)
    support = await _treasurer(AdminRole.SUPPORT)
    for nobody in (owner, support):
        for decide in (
            service.approve_redemption(nobody, str(asked.id)),
            service.reject_redemption(nobody, str(asked.id), "no"),
            service.record_payout(nobody, str(asked.id), "REF"),
        ):
            with pytest.raises(LedgerError) as refused:
                await decide
            assert refused.value.code == "FORBIDDEN"
    treasurer = await _treasurer()
    await accounts.add_member(treasurer, shop, MemberRole.MANAGER)
    with pytest.raises(LedgerError) as own:
        await service.approve_redemption(treasurer, str(asked.id))
    assert own.value.code == "FORBIDDEN" and "own" in own.value.message
    for missing in ("not-an-id", "0" * 24):
        with pytest.raises(LedgerError) as unknown:
            await service.approve_redemption(await _treasurer(), missing)
        assert (unknown.value.code, unknown.value.field) == ("NOT_FOUND", "id")
    assert (await service.get_redemption(str(asked.id))).status == RedemptionStatus.REQUESTED  # type: ignore[union-attr]
    assert await _balance(await _holding_id()) == 10_00


async def test_the_holding_account_is_made_once_and_nobody_can_pay_with_it(
    stores: Settings,
) -> None:
    rec = await _rec()
    made = await asyncio.gather(*[service.holding_account(rec) for _ in range(5)])
    assert len({account.id for account in made}) == 1
    assert await Account.filter(handle=service.holding_handle("REC")).count() == 1
    holding = made[0]
    found = await accounts.find_account("@redemptions_held_rec")
    assert found is not None and found.id == holding.id
    anna, anna_account = await _person("Anna")
    await _fund(anna_account, 10_00)
    with pytest.raises(LedgerError) as into:
        await ledger.pay(anna, anna_account, holding, rec, 1_00, "", PIN, key())
    assert into.value.code == "RECIPIENT_NOT_FOUND"
    with pytest.raises(LedgerError) as out_of:
        await ledger.pay(anna, holding, anna_account, rec, 1_00, "", PIN, key())
    assert out_of.value.code == "RECIPIENT_NOT_FOUND"
    with pytest.raises(LedgerError):
        await ledger.issue(await _treasurer(), holding, rec, 1_00, "mint into it", key())
    assert await _balance(holding.id) == 0


async def test_lists_of_redemptions_page_by_id(stores: Settings) -> None:
    owner, shop = await _shop()
    other_owner, other_shop = await _shop("Ferreteria")
    treasurer = await _treasurer()
    made = [await _request(owner, shop, 1_00) for _ in range(3)]
    made.append(await _request(other_owner, other_shop, 1_00))
    await service.approve_redemption(treasurer, str(made[1].id))
    page, more = await service.redemptions(RedemptionStatus.REQUESTED, 2)
    assert [r.id for r in page] == [made[0].id, made[2].id] and more
    page, more = await service.redemptions(RedemptionStatus.REQUESTED, 2, str(page[-1].id))
    assert [r.id for r in page] == [made[3].id] and not more
    every, more = await service.redemptions(None, 10)
    assert [r.id for r in every] == [r.id for r in made] and not more
    approved, _ = await service.redemptions(RedemptionStatus.APPROVED, 10)
    assert [r.id for r in approved] == [made[1].id]
    mine, more = await service.redemptions_of(shop.id, 2)
    assert [r.id for r in mine] == [made[2].id, made[1].id] and more
    mine, more = await service.redemptions_of(shop.id, 2, str(mine[-1].id))
    assert [r.id for r in mine] == [made[0].id] and not more
    with pytest.raises(LedgerError) as bad:
        await service.redemptions(None, 10, "not a cursor")
    assert (bad.value.code, bad.value.field) == ("INVALID_INPUT", "after")
    assert await service.get_redemption("nope") is None
    assert await service.get_redemption("0" * 24) is None
    found = await service.redemptions_by_ids([str(made[0].id), "nope"])
    assert list(found) == [str(made[0].id)]
