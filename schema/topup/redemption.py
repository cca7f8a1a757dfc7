"""Shops turning currency back into euros: requestRedemption (owners), the treasurers'
approveRedemption, rejectRedemption and recordRedemptionPayout, and the lists.

A treasurer limited to some currencies decides only on redemptions of their currencies
(read on the row: FORBIDDEN otherwise) and lists and reads only those (by `node`, unless
they are a member of the account)."""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from schema.connections import Connection, invalid_input, page, page_size
from schema.errors import MutationError, error, from_domain
from schema.money import Money, positive_amount, to_money
from schema.permissions import (
    READ_ONLY_ADMIN_ROLES,
    THROUGH_PARENT,
    Admin,
    SignedIn,
    currency_refusal,
    decode_account_id,
    field,
    member_or_admin,
    mutation,
    policy,
)
from server.accounts.models import Account as AccountRow
from server.accounts.models import AdminRole
from server.accounts.principal import Principal
from server.currencies.services import currencies_by_codes, get_currency
from server.ledger.errors import LedgerError
from server.topup import redemption as redemptions
from server.topup.redemption_models import Redemption as RedemptionRow
from server.topup.redemption_models import RedemptionStatus as StatusValue

if TYPE_CHECKING:
    from schema.accounts.types import Account

TREASURER = Admin([AdminRole.TREASURER])
ALL_ADMINS = Admin(READ_ONLY_ADMIN_ROLES)  # support reads too


@strawberry.enum(
    description="REQUESTED: the amount is held out of the wallet. APPROVED: burned, the bank "
    "transfer is owed. PAID: the transfer was made. REJECTED: the amount went back."
)
class RedemptionStatus(Enum):
    REQUESTED = "REQUESTED"
    APPROVED = "APPROVED"
    PAID = "PAID"
    REJECTED = "REJECTED"


@policy(THROUGH_PARENT)
@strawberry.type(description="A business account's currency paid back in euros to its bank.")
class Redemption(relay.Node):
    row: strawberry.Private[RedemptionRow]
    decimals: strawberry.Private[int]

    @classmethod
    def resolve_id(cls, root: Any, *, info: Any) -> str:
        return str(root.row.id)

    @strawberry.field
    def status(self) -> RedemptionStatus:
        return RedemptionStatus(str(self.row.status))

    @strawberry.field
    def amount(self) -> Money:
        return to_money(self.row.amount_cents, self.row.currency, self.decimals)

    @strawberry.field(description="What the bank transfer pays (one unit is one euro).")
    def payout(self) -> Money:
        return to_money(self.row.amount_cents * 10 ** (2 - self.decimals), "EUR", 2)

    @strawberry.field
    async def account(
        self, info: Info
    ) -> Annotated[Account, strawberry.lazy("schema.accounts.types")] | None:
        from schema.accounts.types import Account

        row = await info.context.loaders.accounts.load(self.row.account_id)
        return Account(row=row) if row else None

    @strawberry.field(description="Where the euros go, compact (no spaces).")
    def iban(self) -> str:
        return self.row.iban

    @strawberry.field
    def holder_name(self) -> str:
        return self.row.holder_name

    @strawberry.field(description="Why it was rejected.")
    def reason(self) -> str:
        return self.row.reason

    @strawberry.field(description="The bank transfer's reference, once PAID.")
    def bank_reference(self) -> str:
        return self.row.bank_reference

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    def decided_at(self) -> datetime | None:
        return self.row.decided_at

    @strawberry.field
    def paid_at(self) -> datetime | None:
        return self.row.paid_at

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[Redemption | None]:
        node_ids = list(node_ids)
        rows = await redemptions.redemptions_by_ids(node_ids)
        principal = info.context.principal
        visible = {key: row for key, row in rows.items() if _visible(principal, row)}
        made = await of_rows(list(visible.values()))
        by_id = {str(node.row.id): node for node in made}
        return [by_id.get(str(rows[key].id)) if key in visible else None for key in node_ids]


def _visible(principal: Principal, row: RedemptionRow) -> bool:
    """The account's members see its redemptions; other administrators, those of the
    currencies they administer."""
    return member_or_admin(principal, row.account_id, row.currency)


async def of_rows(rows: list[RedemptionRow]) -> list[Redemption]:
    currencies = await currencies_by_codes({row.currency for row in rows})
    return [Redemption(row=row, decimals=currencies[row.currency].decimals) for row in rows]


async def _page(rows: list[RedemptionRow], more: bool) -> Connection[Redemption]:
    made = {str(node.row.id): node for node in await of_rows(rows)}
    return page(rows, more, lambda row: made[str(row.id)])


@strawberry.input
class RequestRedemptionInput:
    account_id: strawberry.ID = strawberry.field(description="The business account cashing out.")
    amount: str
    currency: str
    iban: str
    holder_name: str
    idempotency_key: str


@strawberry.input
class RedemptionInput:
    id: strawberry.ID


@strawberry.input
class RejectRedemptionInput:
    id: strawberry.ID
    reason: str


@strawberry.input
class RecordRedemptionPayoutInput:
    id: strawberry.ID
    bank_reference: str


@policy(THROUGH_PARENT)
@strawberry.type
class RedemptionPayload:
    redemption: Redemption | None
    errors: list[MutationError]


async def _step(step: Awaitable[RedemptionRow]) -> RedemptionPayload:
    """One step of a redemption, answered as its payload: the redemption, or why not."""
    try:
        row = await step
    except LedgerError as problem:
        return RedemptionPayload(redemption=None, errors=from_domain(problem))
    return RedemptionPayload(redemption=(await of_rows([row]))[0], errors=[])


def _key(global_id: str) -> str:
    try:
        kind, key = relay.from_base64(global_id)
    except (ValueError, TypeError):
        return ""
    return key if kind == "Redemption" else ""


async def _outside(principal: Principal, key: str) -> RedemptionPayload | None:
    """The refusal when the redemption is of a currency the treasurer does not administer;
    None otherwise (a missing one is the domain's NOT_FOUND)."""
    row = await redemptions.get_redemption(key) if key else None
    refusal = currency_refusal(principal, row.currency) if row is not None else None
    if refusal is None:
        return None
    return RedemptionPayload(redemption=None, errors=[error("FORBIDDEN", refusal, "id")])


@strawberry.type
class RedemptionQueries:
    @field(
        rule=ALL_ADMINS,
        description="Redemptions, oldest first (all, or in one status: REQUESTED is the "
        "treasurers' queue), of every currency or of `currency` alone; `first` 1 to 100. An "
        "administrator limited to some currencies gets theirs only.",
    )
    async def redemptions(
        self,
        info: Info,
        first: int,
        after: str | None = None,
        status: RedemptionStatus | None = None,
        currency: str | None = None,
    ) -> Connection[Redemption]:
        wanted = StatusValue(status.value) if status is not None else None
        # A `currency` the administrator does not manage was refused by the field's rule.
        codes = info.context.principal.admin_currencies
        if currency is not None:
            codes = frozenset({currency.strip().upper()})
        try:
            rows, more = await redemptions.redemptions(wanted, page_size(first), after, codes)
        except LedgerError as problem:
            raise invalid_input(problem.message) from None
        return await _page(rows, more)


async def account_redemptions(
    principal: Principal, account_id: int, first: int, after: str | None
) -> Connection[Redemption]:
    """An account's redemptions, newest first (Account.redemptions); for an administrator
    of some currencies who is no member, those of their currencies only (a page may then
    hold fewer than `first`; `hasNextPage` still says whether more follow)."""
    try:
        rows, more = await redemptions.redemptions_of(account_id, page_size(first), after)
    except LedgerError as problem:
        raise invalid_input(problem.message) from None
    return await _page([row for row in rows if _visible(principal, row)], more)


@strawberry.type
class RedemptionMutations:
    @mutation(
        rule=SignedIn(),
        description="Asks for a business account's currency to be paid to its bank account "
        "in euros; the amount is held out of the wallet until a treasurer decides. Owners.",
    )
    async def request_redemption(
        self, info: Info, input: RequestRedemptionInput
    ) -> RedemptionPayload:
        account_id = decode_account_id(input.account_id)
        account = await AccountRow.get_or_none(id=account_id) if account_id else None
        principal = info.context.principal
        if account is None or principal.role_in(account.id) is None:
            missing = error("NOT_FOUND", "no such account of yours", "accountId")
            return RedemptionPayload(redemption=None, errors=[missing])
        currency = await get_currency(input.currency)
        cents, problems = positive_amount(input.amount, currency)
        if currency is None or cents is None:
            return RedemptionPayload(redemption=None, errors=problems)
        return await _step(
            redemptions.request_redemption(
                principal.user,
                account,
                currency,
                cents,
                input.iban,
                input.holder_name,
                input.idempotency_key,
            )
        )

    @mutation(rule=TREASURER, description="Approves a REQUESTED redemption: burns the amount.")
    async def approve_redemption(self, info: Info, input: RedemptionInput) -> RedemptionPayload:
        principal, key = info.context.principal, _key(input.id)
        refused = await _outside(principal, key)
        if refused is not None:
            return refused
        return await _step(redemptions.approve_redemption(principal.user, key))

    @mutation(
        rule=TREASURER,
        description="Rejects a REQUESTED redemption, saying why: the amount goes back.",
    )
    async def reject_redemption(
        self, info: Info, input: RejectRedemptionInput
    ) -> RedemptionPayload:
        principal, key = info.context.principal, _key(input.id)
        refused = await _outside(principal, key)
        if refused is not None:
            return refused
        return await _step(redemptions.reject_redemption(principal.user, key, input.reason))

    @mutation(
        rule=TREASURER,
        description="Records the bank transfer that paid an APPROVED redemption.",
    )
    async def record_redemption_payout(
        self, info: Info, input: RecordRedemptionPayoutInput
    ) -> RedemptionPayload:
        principal, key = info.context.principal, _key(input.id)
        refused = await _outside(principal, key)
        if refused is not None:
            return refused
        return await _step(redemptions.record_payout(principal.user, key, input.bank_reference))
