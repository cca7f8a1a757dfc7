"""`rec ledger verify`: recompute everything the journal promises, and say exactly where
anything differs.

Checked per currency: the sealed entries form a gap-free sequence whose hashes recompute;
every checkpoint's signature holds and its hash is the chain's at that sequence; every
entry's legs sum to zero; each wallet's balance equals the sum of its legs; the balances
sum to zero; no user wallet is below zero; each payment's refunded amount equals its
refunds and stays within it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from server.currencies.models import Currency
from server.ledger.chain import GENESIS_HASH, chain_hash
from server.ledger.models import Checkpoint, EntryKind, JournalEntry, Wallet
from server.ledger.signing import checkpoint_message, verify


@dataclass
class Report:
    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


async def verify_currency(currency: Currency, report: Report) -> None:
    code = currency.code
    journal = JournalEntry.get_pymongo_collection()
    sums: dict[int, int] = {}
    refunds: dict[object, int] = {}
    payments: dict[object, tuple[int, int]] = {}
    sealed = unsealed = 0
    previous, expected_sequence = GENESIS_HASH, 1
    hashes: dict[int, str] = {}
    chain_broken = False
    async for entry in journal.find({"currency": code}).sort([("sequence", 1), ("_id", 1)]):
        legs = entry.get("legs", [])
        if sum(leg["amount_cents"] for leg in legs) != 0:
            report.problems.append(f"{code}: entry {entry['_id']}: legs do not sum to zero")
        for leg in legs:
            sums[leg["account_id"]] = sums.get(leg["account_id"], 0) + leg["amount_cents"]
        if entry["kind"] == EntryKind.REFUND.value and entry.get("refund_of") is not None:
            refunds[entry["refund_of"]] = refunds.get(entry["refund_of"], 0) + entry["amount_cents"]
        if entry["kind"] == EntryKind.PAYMENT.value:
            payments[entry["_id"]] = (entry["amount_cents"], entry.get("refunded_cents", 0))
        if entry.get("sequence") is None:
            unsealed += 1
            continue
        sealed += 1
        if chain_broken:
            continue
        if entry["sequence"] != expected_sequence:
            report.problems.append(
                f"{code}: entry {entry['_id']}: sequence {entry['sequence']}, expected "
                f"{expected_sequence} (a gap or a duplicate)"
            )
            chain_broken = True
            continue
        recomputed = chain_hash(previous, entry)
        if recomputed != entry.get("hash"):
            report.problems.append(
                f"{code}: entry {entry['_id']} (sequence {entry['sequence']}): its content or "
                "hash was changed: the stored hash differs from the one recomputed"
            )
            chain_broken = True
            continue
        hashes[entry["sequence"]] = recomputed
        previous, expected_sequence = recomputed, expected_sequence + 1
    report.checked.append(
        f"{code}: {sealed} sealed entries in the chain, {unsealed} not yet sealed"
    )

    checkpoints = await Checkpoint.find(Checkpoint.currency == code).to_list()
    for point in checkpoints:
        message = checkpoint_message(code, point.sequence, point.hash, point.signed_at)
        if point.public_key != currency.checkpoint_public_key or not verify(
            point.public_key, message, point.signature
        ):
            report.problems.append(
                f"{code}: checkpoint at sequence {point.sequence}: the "
                "signature does not verify with the currency's key"
            )
        elif not chain_broken and hashes.get(point.sequence) != point.hash:
            report.problems.append(
                f"{code}: checkpoint at sequence {point.sequence}: the "
                "chain no longer has the hash it signed"
            )
    report.checked.append(f"{code}: {len(checkpoints)} checkpoint signatures")

    wallets = await Wallet.find(Wallet.currency == code).to_list()
    total = 0
    for wallet in wallets:
        total += wallet.balance_cents
        expected = sums.get(wallet.account_id, 0)
        if wallet.balance_cents != expected:
            report.problems.append(
                f"{code}: wallet of account {wallet.account_id}: balance "
                f"{wallet.balance_cents}, but its entries sum to {expected}"
            )
        if wallet.balance_cents < 0 and not wallet.is_issuer:
            report.problems.append(f"{code}: wallet of account {wallet.account_id} is below zero")
    if total != 0:
        report.problems.append(f"{code}: the balances sum to {total}, not zero")
    report.checked.append(f"{code}: {len(wallets)} wallet balances against their entries")

    for payment_id, (amount, refunded) in payments.items():
        actual = refunds.get(payment_id, 0)
        if refunded != actual or actual > amount:
            report.problems.append(
                f"{code}: payment {payment_id}: refunded {refunded} "
                f"recorded, {actual} in refunds, of {amount}"
            )
    report.checked.append(f"{code}: refunds of {len(payments)} payments")


async def verify_ledger(currency_code: str | None = None) -> Report:
    report = Report()
    currencies = await Currency.all().order_by("code")
    if currency_code:
        currencies = [c for c in currencies if c.code == currency_code.upper()]
        if not currencies:
            report.problems.append(f"no currency {currency_code.upper()}")
    for currency in currencies:
        await verify_currency(currency, report)
    return report
