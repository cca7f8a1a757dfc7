"""Wallet operations. (Payments, issuance and the journal come with the ledger issue.)"""

from __future__ import annotations

from pymongo.errors import DuplicateKeyError

from server.ledger.models import Wallet


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
    wallet = await Wallet.find_one(Wallet.account_id == account_id, Wallet.currency == currency)
    return wallet.balance_cents if wallet else 0
