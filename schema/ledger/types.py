from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from schema.connections import Connection, invalid_input, page, page_size
from schema.money import Money, to_money
from schema.permissions import THROUGH_PARENT, member_or_admin, policy
from server.accounts.services import account_ids_named
from server.ledger import services as ledger
from server.ledger.models import EntryKind, JournalEntry

TransactionKind = strawberry.enum(EntryKind, name="TransactionKind")


@policy(THROUGH_PARENT)
@strawberry.type(description="One side of a transaction, as the other side may see it.")
class Party:
    name: str
    handle: str


@policy(THROUGH_PARENT)
@strawberry.type(description="A movement of money, from the journal.")
class Transaction(relay.Node):
    row: strawberry.Private[JournalEntry]
    decimals: strawberry.Private[int]

    @classmethod
    def resolve_id(cls, root: Transaction, *, info: Any) -> str:
        return str(root.row.id)

    @strawberry.field
    def kind(self) -> TransactionKind:  # type: ignore[valid-type]
        return EntryKind(self.row.kind)

    @strawberry.field
    def amount(self) -> Money:
        return to_money(self.row.amount_cents, self.row.currency, self.decimals)

    @strawberry.field(name="from")
    async def from_(self, info: Info) -> Party:
        return await _party(info, self.row.from_account_id)

    @strawberry.field
    async def to(self, info: Info) -> Party:
        return await _party(info, self.row.to_account_id)

    @strawberry.field
    def memo(self) -> str:
        return self.row.memo

    @strawberry.field(description="Why, for issuance, refunds and adjustments.")
    def reason(self) -> str:
        return self.row.reason

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(description="Place in the currency's journal chain; null until sealed.")
    def sequence(self) -> int | None:
        return self.row.sequence

    @strawberry.field(description="SHA-256 chain hash; null until sealed.")
    def hash(self) -> str | None:
        return self.row.hash

    @strawberry.field(description="On a payment: how much of it has been refunded.")
    def refunded_amount(self) -> Money:
        return to_money(self.row.refunded_cents, self.row.currency, self.decimals)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[Transaction | None]:
        principal, loaders = info.context.principal, info.context.loaders
        rows = [
            row
            if row is not None
            and any(member_or_admin(principal, leg.account_id, row.currency) for leg in row.legs)
            else None
            for row in await loaders.journal_entries.load_many(node_ids)
        ]
        codes = sorted({row.currency for row in rows if row is not None})
        decimals = {
            code: currency.decimals if currency else 2
            for code, currency in zip(codes, await loaders.currencies.load_many(codes), strict=True)
        }
        return [
            Transaction(row=row, decimals=decimals[row.currency]) if row is not None else None
            for row in rows
        ]


async def _party(info: Info, account_id: int) -> Party:
    """One side of a transaction; the parties of a whole page load in one batch."""
    account = await info.context.loaders.accounts.load(account_id)
    return Party(name=account.name, handle=account.handle) if account else Party(name="", handle="")


@policy(THROUGH_PARENT)
@strawberry.type(description="An account's money in one currency.")
class Wallet:
    account_id: strawberry.Private[int]
    decimals: strawberry.Private[int]
    currency: str
    balance: Money

    @strawberry.field(
        description="Newest first; `first` is 1 to 100. Filters narrow the list and may be "
        "combined: `kind` (any of those given), `direction`, `since` (inclusive) and `until` "
        "(exclusive), both with a time zone offset, and `search`: up to 100 characters "
        "found in the memo or in the other party's name or handle, ignoring case."
    )
    async def transactions(
        self,
        first: int,
        after: str | None = None,
        kind: list[TransactionKind] | None = None,  # type: ignore[valid-type]
        direction: TransactionDirection | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        search: str | None = None,
    ) -> Connection[Transaction]:
        size = page_size(first)
        only = await _entry_filter(kind, direction, since, until, search)
        try:
            rows, more = await ledger.entries_of(self.account_id, self.currency, size, after, only)
        except ValueError:
            raise invalid_input("after is not a cursor of this list") from None
        return page(rows, more, lambda row: Transaction(row=row, decimals=self.decimals))


@strawberry.enum(description="Seen from the wallet: money that came in, or went out.")
class TransactionDirection(Enum):
    IN = "in"
    OUT = "out"


SEARCH_LENGTH_MAX = 100
# A search by party looks at most this many accounts whose name or handle matches.
SEARCH_PARTIES_MAX = 500


def _instant(name: str, moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise invalid_input(f"{name} needs a time zone offset, e.g. 2026-03-01T00:00:00+01:00")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise invalid_input(f"{name} is out of range") from None


async def _entry_filter(
    kinds: list[EntryKind] | None,
    direction: TransactionDirection | None,
    since: datetime | None,
    until: datetime | None,
    search: str | None,
) -> ledger.EntryFilter:
    """The filters of `Wallet.transactions`, checked (INVALID_INPUT when they cannot hold)."""
    start, end = _instant("since", since), _instant("until", until)
    if start is not None and end is not None and start >= end:
        raise invalid_input("since must be before until")
    words = (search or "").strip()
    if len(words) > SEARCH_LENGTH_MAX:
        raise invalid_input(f"search is at most {SEARCH_LENGTH_MAX} characters")
    parties = await account_ids_named(words, SEARCH_PARTIES_MAX) if words else []
    return ledger.EntryFilter(
        kinds=frozenset(EntryKind(kind) for kind in kinds or []),
        direction=direction.value if direction else None,
        since=start,
        until=end,
        search=words,
        party_account_ids=tuple(parties),
    )
