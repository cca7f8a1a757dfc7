"""DataLoaders: what the items of a list need from a store, fetched in one batch.

A page of 100 transactions asks for its 200 parties in the same turn of the event loop;
the accounts loader sends them to the store as one query. Each loader calls one domain
service that takes many keys (`server/<domain>/services.py`), so the rules of the
domain (which codes may exist, what a missing wallet holds) stay in one place.

A request's loaders live on its Context (`info.context.loaders`), made on first use.
They batch and keep no cache: a WebSocket connection keeps one context for all of its
operations, and a cache would answer there with a balance from before the payment the
same connection has just made. Keys asked in the same turn are still fetched once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

from server.accounts import services as accounts
from server.accounts.models import Account, Membership, User
from server.currencies.models import Currency
from server.currencies.services import currencies_by_codes
from server.kyc import services as kyc
from server.kyc.models import KycDocument, KycTier
from server.ledger import services as ledger
from server.ledger.models import JournalEntry
from server.pos.models import PaymentOrder
from server.pos.services import orders_by_ids

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
BATCH_KEYS_MAX = 500  # keys in one store query; more are split into further batches


def _loader(fetch: Callable[[list[K]], Awaitable[Mapping[K, V]]], missing: V) -> DataLoader[K, V]:
    """A loader over a service that answers many keys at once; `missing` for keys it
    leaves out."""

    async def load(keys: list[K]) -> list[V]:
        found = await fetch(keys)
        return [found.get(key, missing) for key in keys]

    return DataLoader(load, max_batch_size=BATCH_KEYS_MAX, cache=False)


class Loaders:
    """One set per request (per WebSocket connection, for operations sent over one)."""

    def __init__(self) -> None:
        self.accounts: DataLoader[int, Account | None] = _loader(accounts.accounts_by_ids, None)
        self.users: DataLoader[int, User | None] = _loader(accounts.users_by_ids, None)
        self.members: DataLoader[int, Sequence[Membership]] = _loader(
            accounts.members_of_accounts, ()
        )
        # By the code as the client wrote it (any case); None for no such currency.
        self.currencies: DataLoader[str, Currency | None] = _loader(currencies_by_codes, None)
        # By (account id, currency code as stored): minor units, 0 without a wallet.
        self.balances: DataLoader[tuple[int, str], int] = _loader(ledger.balances_cents, 0)
        self.journal_entries: DataLoader[str, JournalEntry | None] = _loader(
            ledger.entries_by_ids, None
        )
        self.payment_orders: DataLoader[str, PaymentOrder | None] = _loader(orders_by_ids, None)
        # By (account id, currency id).
        self.kyc_levels: DataLoader[tuple[int, int], int] = _loader(kyc.effective_levels, 0)
        # By currency id, lowest level first.
        self.kyc_tiers: DataLoader[int, Sequence[KycTier]] = _loader(kyc.tiers_of_currencies, ())
        self.kyc_documents: DataLoader[int, Sequence[KycDocument]] = _loader(
            kyc.documents_of_accounts, ()
        )
