from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from bson import ObjectId
from bson.errors import InvalidId
from graphql import GraphQLError
from strawberry import relay

from schema.money import Money, to_money
from schema.permissions import THROUGH_PARENT, member_or_admin, policy
from server.accounts.models import Account as AccountRow
from server.currencies.services import get_currency
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
    parties: strawberry.Private[dict[int, AccountRow]]

    @classmethod
    def resolve_id(cls, root: Transaction, *, info: Any) -> str:
        return str(root.row.id)

    @strawberry.field
    def kind(self) -> TransactionKind:  # type: ignore[valid-type]
        return EntryKind(self.row.kind)

    @strawberry.field
    def amount(self) -> Money:
        return to_money(self.row.amount_cents, self.row.currency, self.decimals)

    def _party(self, account_id: int) -> Party:
        account = self.parties.get(account_id)
        return (
            Party(name=account.name, handle=account.handle)
            if account
            else Party(name="", handle="")
        )

    @strawberry.field(name="from")
    def from_(self) -> Party:
        return self._party(self.row.from_account_id)

    @strawberry.field
    def to(self) -> Party:
        return self._party(self.row.to_account_id)

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
        principal = info.context.principal
        result: list[Transaction | None] = []
        for node_id in node_ids:
            try:
                row = await JournalEntry.get(ObjectId(node_id))
            except (InvalidId, TypeError):
                row = None
            visible = row is not None and any(
                member_or_admin(principal, leg.account_id) for leg in row.legs
            )
            if row is None or not visible:
                result.append(None)
                continue
            currency = await get_currency(row.currency)
            result.append(await transaction_of(row, currency.decimals if currency else 2))
        return result


async def transaction_of(row: JournalEntry, decimals: int) -> Transaction:
    accounts = await AccountRow.filter(id__in=[row.from_account_id, row.to_account_id])
    return Transaction(row=row, decimals=decimals, parties={a.id: a for a in accounts})


@policy(THROUGH_PARENT)
@strawberry.type
class TransactionEdge:
    cursor: str
    node: Transaction


@policy(THROUGH_PARENT)
@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@policy(THROUGH_PARENT)
@strawberry.type
class TransactionConnection:
    edges: list[TransactionEdge]
    page_info: PageInfo


@policy(THROUGH_PARENT)
@strawberry.type(description="An account's money in one currency.")
class Wallet:
    account_id: strawberry.Private[int]
    decimals: strawberry.Private[int]
    currency: str
    balance: Money

    @strawberry.field(description="Newest first; `first` is 1 to 100.")
    async def transactions(self, first: int, after: str | None = None) -> TransactionConnection:
        if not 1 <= first <= 100:
            raise GraphQLError("first must be 1 to 100", extensions={"code": "INVALID_INPUT"})
        try:
            rows, more = await ledger.entries_of(self.account_id, self.currency, first, after)
        except ValueError:
            raise GraphQLError(
                "after is not a cursor of this list", extensions={"code": "INVALID_INPUT"}
            ) from None
        ids = {i for row in rows for i in (row.from_account_id, row.to_account_id)}
        parties = {a.id: a for a in await AccountRow.filter(id__in=list(ids))}
        edges = [
            TransactionEdge(
                cursor=str(row.id),
                node=Transaction(row=row, decimals=self.decimals, parties=parties),
            )
            for row in rows
        ]
        return TransactionConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=more, end_cursor=edges[-1].cursor if edges else None),
        )
