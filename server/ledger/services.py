"""The ledger's operations as the rest of the platform calls them: who may move what is
decided before (relational reads: tiers, limits, PIN); the move itself is one document
transaction (server/ledger/operations.py)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from pymongo.errors import DuplicateKeyError

from server.accounts import audit
from server.accounts.models import Account, AccountKind, User
from server.accounts.services import check_payment_pin
from server.currencies.models import Currency
from server.kyc.services import effective_level, tiers_of
from server.ledger.errors import LedgerError
from server.ledger.models import EntryKind, JournalEntry, Wallet
from server.ledger.operations import AlsoWrite, Limits, Transfer, replay, transfer_money

PAGE_SIZE_MAX = 100


async def open_wallet(account_id: int, currency: str, *, is_issuer: bool = False) -> Wallet:
    """The account's wallet in that currency, created empty if it has none. Idempotent."""
    existing = await Wallet.find_one(Wallet.account_id == account_id, Wallet.currency == currency)
    if existing:
        return existing
    try:
        return await Wallet(account_id=account_id, currency=currency, is_issuer=is_issuer).insert()
    except DuplicateKeyError:  # a concurrent call opened it first
        wallet = await Wallet.find_one(Wallet.account_id == account_id, Wallet.currency == currency)
        assert wallet is not None
        return wallet


async def count_wallets(currency: str) -> int:
    return await Wallet.find(Wallet.currency == currency).count()


async def balance_cents(account_id: int, currency: str) -> int:
    """The account's balance in that currency; an account without a wallet holds nothing."""
    return (await balances_cents([(account_id, currency)]))[(account_id, currency)]


async def balances_cents(keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """The balance of each (account id, currency) pair, in one query; 0 without a wallet."""
    wanted = set(keys)
    if not wanted:
        return {}
    found = await Wallet.find(
        {
            "account_id": {"$in": sorted({account_id for account_id, _ in wanted})},
            "currency": {"$in": sorted({currency for _, currency in wanted})},
        }
    ).to_list()
    held = {(wallet.account_id, wallet.currency): wallet.balance_cents for wallet in found}
    return {key: held.get(key, 0) for key in wanted}


async def _tier(account_id: int, currency: Currency) -> Any:
    level = await effective_level(account_id, currency.id)
    return next((t for t in await tiers_of(currency.id) if t.level == level), None)


async def tier_of(account: Account, currency: Currency) -> Any:
    """The KYC tier the account is at in that currency now (None: no tier applies)."""
    return await _tier(account.id, currency)


async def _limits(account: Account, currency: Currency) -> tuple[Limits, int | None]:
    """What the payer's tier allows, read before the transaction starts."""
    tier = await _tier(account.id, currency)
    if tier is None:
        return Limits(can_send=False), None
    return Limits(tier.can_send, tier.per_payment_cents, tier.monthly_cents), None


async def _max_balance(account: Account, currency: Currency) -> int | None:
    if account.kind == AccountKind.ISSUER:
        return None
    tier = await _tier(account.id, currency)
    return tier.max_balance_cents if tier else None


async def pay(
    user: User,
    payer: Account,
    payee: Account,
    currency: Currency,
    amount_cents: int,
    memo: str,
    pin: str,
    idempotency_key: str,
    also: AlsoWrite | None = None,
    pin_checked: bool = False,
) -> dict[str, Any]:
    """A payment from the payer's wallet, after the PIN and within the payer's tier.
    `also` writes another domain's change in the same transaction (a payment order)."""
    if payee.kind == AccountKind.ISSUER or payer.kind == AccountKind.ISSUER:
        raise LedgerError("RECIPIENT_NOT_FOUND", "to", "no account to pay with that address")
    if not pin_checked:
        await check_payment_pin(user, pin)
    limits, _ = await _limits(payer, currency)
    return await transfer_money(
        Transfer(
            kind=EntryKind.PAYMENT,
            currency=currency.code,
            from_account_id=payer.id,
            to_account_id=payee.id,
            amount_cents=amount_cents,
            memo=memo.strip(),
            created_by_user_id=user.id,
            payer_limits=limits,
            payee_max_balance_cents=await _max_balance(payee, currency),
        ),
        idempotency_key,
        also=also,
    )


async def _audited_move(
    transfer: Transfer,
    idempotency_key: str,
    actor: User,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any],
) -> dict[str, Any]:
    """An administrator's movement, audited once: a retry gets the first answer and no
    second audit line."""
    earlier = await replay(transfer, idempotency_key)
    if earlier is not None:
        return earlier
    result = await transfer_money(transfer, idempotency_key)
    await audit.record(
        actor,
        action,
        "journal_entry",
        result["entry_id"],
        before=before,
        after=after,
        reason=transfer.reason,
    )
    return result


async def issue(
    treasurer: User,
    to: Account,
    currency: Currency,
    amount_cents: int,
    reason: str,
    idempotency_key: str,
    kind: EntryKind = EntryKind.TOPUP,
) -> dict[str, Any]:
    """Mints from the currency's issuer into an account (cash at an exchange office, a
    confirmed card top-up); audited."""
    if not reason.strip():
        raise LedgerError("INVALID_INPUT", "reason", "say why, for the audit log")
    if to.kind == AccountKind.ISSUER:
        raise LedgerError("RECIPIENT_NOT_FOUND", "to", "the issuer cannot be paid")
    transfer = Transfer(
        kind=kind,
        currency=currency.code,
        from_account_id=currency.issuer_account_id,  # type: ignore[attr-defined]
        to_account_id=to.id,
        amount_cents=amount_cents,
        reason=reason.strip(),
        created_by_user_id=treasurer.id,
        payee_max_balance_cents=await _max_balance(to, currency),
    )
    return await _audited_move(
        transfer,
        idempotency_key,
        treasurer,
        "ledger.issue",
        None,
        {"to": to.id, "amount_cents": amount_cents, "currency": currency.code},
    )


async def mint(
    to: Account,
    currency: Currency,
    amount_cents: int,
    reason: str,
    idempotency_key: str,
    also: AlsoWrite | None = None,
) -> dict[str, Any]:
    """Mints from the issuer for money already received outside (a confirmed card top-up):
    no tier check here, the limits were checked when the payment started and the money is
    taken. Once per idempotency key; `also` writes in the same transaction."""
    if to.kind == AccountKind.ISSUER:
        raise LedgerError("RECIPIENT_NOT_FOUND", "to", "the issuer cannot be paid")
    transfer = Transfer(
        kind=EntryKind.TOPUP,
        currency=currency.code,
        from_account_id=currency.issuer_account_id,  # type: ignore[attr-defined]
        to_account_id=to.id,
        amount_cents=amount_cents,
        reason=reason,
    )
    return await transfer_money(transfer, idempotency_key, also=also)


async def redeem(
    by: User | None,
    account: Account,
    currency: Currency,
    amount_cents: int,
    reason: str,
    idempotency_key: str,
) -> dict[str, Any]:
    """Burns from an account into the issuer (a cash-out)."""
    return await transfer_money(
        Transfer(
            kind=EntryKind.REDEMPTION,
            currency=currency.code,
            from_account_id=account.id,
            to_account_id=currency.issuer_account_id,  # type: ignore[attr-defined]
            amount_cents=amount_cents,
            reason=reason,
            created_by_user_id=by.id if by else None,
        ),
        idempotency_key,
    )


def _object_id(entry_id: str) -> ObjectId:
    try:
        return ObjectId(entry_id)
    except (InvalidId, TypeError):
        raise LedgerError("NOT_FOUND", "id", "no such payment") from None


async def refund(
    by: User | None,
    payment_id: str,
    amount_cents: int | None,
    reason: str,
    idempotency_key: str,
    also: AlsoWrite | None = None,
) -> dict[str, Any]:
    """Returns all or part of a payment to its payer; refunds add up to the payment at most.
    `amount_cents` None means all that remains."""
    original = await JournalEntry.get(_object_id(payment_id))
    if original is None or original.kind != EntryKind.PAYMENT:
        raise LedgerError("NOT_FOUND", "id", "only a payment can be refunded")
    remaining = original.amount_cents - original.refunded_cents
    transfer = Transfer(
        kind=EntryKind.REFUND,
        currency=original.currency,
        from_account_id=original.to_account_id,
        to_account_id=original.from_account_id,
        amount_cents=remaining if amount_cents is None else amount_cents,
        reason=reason.strip(),
        refund_of=original.id,
        created_by_user_id=by.id if by else None,
        requested_amount="all that remains" if amount_cents is None else None,
    )
    earlier = await replay(transfer, idempotency_key)  # "all" meant what remained then
    if earlier is not None:
        return earlier
    if amount_cents is None and remaining == 0:
        raise LedgerError("REFUND_EXCEEDS_REMAINING", "amount", "nothing remains to refund")
    return await transfer_money(transfer, idempotency_key, also=also)


async def adjust(
    admin: User,
    corrects_id: str,
    from_account: Account,
    to_account: Account,
    currency: Currency,
    amount_cents: int,
    reason: str,
    idempotency_key: str,
) -> dict[str, Any]:
    """A correction: a new entry referencing the one it corrects, with a reason; audited."""
    if not reason.strip():
        raise LedgerError("INVALID_INPUT", "reason", "say why, for the audit log")
    corrected = await JournalEntry.get(_object_id(corrects_id))
    if corrected is None or corrected.currency != currency.code:
        raise LedgerError("NOT_FOUND", "corrects", "no such entry in this currency")
    transfer = Transfer(
        kind=EntryKind.ADJUSTMENT,
        currency=currency.code,
        from_account_id=from_account.id,
        to_account_id=to_account.id,
        amount_cents=amount_cents,
        reason=reason.strip(),
        corrects=corrected.id,
        created_by_user_id=admin.id,
    )
    return await _audited_move(
        transfer,
        idempotency_key,
        admin,
        "ledger.adjust",
        {"corrects": corrects_id},
        {"from": from_account.id, "to": to_account.id, "amount_cents": amount_cents},
    )


async def entries_by_ids(entry_ids: Iterable[str]) -> dict[str, JournalEntry]:
    """The journal entries with these ids, by the id as given, in one query; ids that are
    not an entry's are left out."""
    wanted: dict[str, ObjectId] = {}
    for entry_id in entry_ids:
        try:
            wanted[entry_id] = ObjectId(entry_id)
        except (InvalidId, TypeError):
            continue
    if not wanted:
        return {}
    rows = await JournalEntry.find({"_id": {"$in": list(set(wanted.values()))}}).to_list()
    by_id = {str(row.id): row for row in rows}
    return {given: by_id[str(oid)] for given, oid in wanted.items() if str(oid) in by_id}


@dataclass(frozen=True)
class EntryFilter:
    """Which of an account's entries a history shows; every part left empty lets all pass.

    `since` is inclusive and `until` exclusive (timezone-aware instants). `search` matches
    the memo, ignoring case, or any entry whose other party is one of `party_account_ids`
    (the accounts whose name or handle matched, found by the caller in the relational store).
    """

    kinds: frozenset[EntryKind] = frozenset()
    direction: str | None = None  # "in": the account received; "out": it sent
    since: datetime | None = None
    until: datetime | None = None
    search: str = ""
    party_account_ids: tuple[int, ...] = ()

    def query(self, account_id: int) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if self.kinds:
            found["kind"] = {"$in": sorted(kind.value for kind in self.kinds)}
        if self.direction == "in":
            found["to_account_id"] = account_id
        elif self.direction == "out":
            found["from_account_id"] = account_id
        period = {
            name: moment
            for name, moment in (("$gte", self.since), ("$lt", self.until))
            if moment is not None
        }
        if period:
            found["created_at"] = period
        if self.search:
            either: list[dict[str, Any]] = [
                {"memo": {"$regex": re.escape(self.search), "$options": "i"}}
            ]
            parties = sorted(set(self.party_account_ids) - {account_id})
            if parties:
                either.append({"from_account_id": {"$in": parties}})
                either.append({"to_account_id": {"$in": parties}})
            found["$or"] = either
        return found


async def entries_of(
    account_id: int,
    currency: str,
    first: int,
    after: str | None = None,
    only: EntryFilter | None = None,
) -> tuple[list[JournalEntry], bool]:
    """The account's entries in that currency that pass `only`, newest first, and whether
    more follow. A cursor stays valid whatever arrives meanwhile: pages go by `_id`."""
    query: dict[str, Any] = {"legs.account_id": account_id, "currency": currency}
    if only is not None:
        query |= only.query(account_id)
    if after:
        try:
            query["_id"] = {"$lt": ObjectId(after)}
        except (InvalidId, TypeError):
            raise LedgerError("INVALID_INPUT", "after", "not a cursor of this list") from None
    limit = max(1, min(first, PAGE_SIZE_MAX))
    rows = await JournalEntry.find(query).sort("-_id").limit(limit + 1).to_list()
    return rows[:limit], len(rows) > limit
