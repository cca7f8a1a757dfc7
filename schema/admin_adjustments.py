"""Balance adjustments by administrators: requestAdjustment (superadmins and treasurers),
applied at once up to the currency's approval threshold and otherwise waiting for
approveAdjustment or rejectAdjustment by ANOTHER superadmin or treasurer; the list
`adjustments` (every administrator); setAdjustmentApprovalThreshold (superadmins).

An administrator limited to some currencies decides only on their currencies' adjustments
(the rule checks the fields naming a currency; approve and reject read it on the row) and
reads only those: in the list without a currency, and by `node`."""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from schema.connections import Connection, invalid_input, page, page_size
from schema.currencies.types import Currency
from schema.errors import MutationError, error, from_domain
from schema.ledger.types import Transaction
from schema.money import Money, parse_amount, positive_amount, to_money
from schema.permissions import (
    READ_ONLY_ADMIN_ROLES,
    THROUGH_PARENT,
    Admin,
    currency_refusal,
    decode_account_id,
    field,
    mutation,
    policy,
)
from server.accounts.models import Account as AccountRow
from server.accounts.models import AdminRole
from server.accounts.principal import Principal
from server.accounts.services import find_account
from server.currencies.services import currencies_by_codes, get_currency
from server.ledger import adjustments as domain
from server.ledger.adjustments import AdjustmentRequest
from server.ledger.errors import LedgerError

if TYPE_CHECKING:
    from schema.accounts.types import Account

ADJUSTERS = Admin([AdminRole.SUPERADMIN, AdminRole.TREASURER])
ALL_ADMINS = Admin(READ_ONLY_ADMIN_ROLES)  # support reads too
SUPERADMINS = Admin([AdminRole.SUPERADMIN])
REFERENCE_MAX = 200


@strawberry.enum(description="CREDIT: from the issuer to the account. DEBIT: the other way.")
class AdjustmentDirection(Enum):
    CREDIT = "CREDIT"
    DEBIT = "DEBIT"


@strawberry.enum(
    description="PENDING: above the threshold, waiting for a second administrator. "
    "APPLIED: the journal entry is written. REJECTED: refused, nothing moved."
)
class AdjustmentStatus(Enum):
    PENDING = "PENDING"
    APPLIED = "APPLIED"
    REJECTED = "REJECTED"


@policy(THROUGH_PARENT)
@strawberry.type(description="An administrator who asked for or decided on an adjustment.")
class AdjustmentAdministrator:
    email: str
    name: str


@policy(THROUGH_PARENT)
@strawberry.type(description="An administrator's correction of an account's balance.")
class Adjustment(relay.Node):
    row: strawberry.Private[AdjustmentRequest]
    decimals: strawberry.Private[int]

    @classmethod
    def resolve_id(cls, root: Any, *, info: Any) -> str:
        return str(root.row.id)

    @strawberry.field
    def status(self) -> AdjustmentStatus:
        return AdjustmentStatus(str(self.row.status))

    @strawberry.field
    def amount(self) -> Money:
        return to_money(self.row.amount_cents, self.row.currency, self.decimals)

    @strawberry.field
    def direction(self) -> AdjustmentDirection:
        return AdjustmentDirection(str(self.row.direction))

    @strawberry.field
    async def account(
        self, info: Info
    ) -> Annotated[Account, strawberry.lazy("schema.accounts.types")] | None:
        from schema.accounts.types import Account

        row = await info.context.loaders.accounts.load(self.row.account_id)
        return Account(row=row) if row else None

    @strawberry.field(description="Why, as the journal entry says it.")
    def reason(self) -> str:
        return self.row.reason

    @strawberry.field(description="The ID of the transaction this one corrects, if any.")
    def corrects(self) -> strawberry.ID | None:
        if not self.row.corrects:
            return None
        return strawberry.ID(relay.to_base64("Transaction", self.row.corrects))

    @strawberry.field
    async def requested_by(self, info: Info) -> AdjustmentAdministrator | None:
        return await _administrator(info, self.row.requested_by_user_id)

    @strawberry.field(description="Who approved or rejected it; null when applied at once.")
    async def decided_by(self, info: Info) -> AdjustmentAdministrator | None:
        return await _administrator(info, self.row.decided_by_user_id)

    @strawberry.field(description="Why it was rejected.")
    def decision_reason(self) -> str:
        return self.row.decision_reason

    @strawberry.field(description="The ADJUSTMENT journal entry, once APPLIED.")
    async def transaction(self, info: Info) -> Transaction | None:
        if not self.row.transaction_id:
            return None
        entry = await info.context.loaders.journal_entries.load(self.row.transaction_id)
        return Transaction(row=entry, decimals=self.decimals) if entry else None

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    def decided_at(self) -> datetime | None:
        return self.row.decided_at

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[Adjustment | None]:
        node_ids = list(node_ids)
        principal = info.context.principal
        if not principal.admin_roles:  # administrators only
            return [None for _ in node_ids]
        rows = {  # of their currencies
            key: row
            for key, row in (await domain.adjustments_by_ids(node_ids)).items()
            if principal.manages_currency(row.currency)
        }
        made = {str(node.row.id): node for node in await _of_rows(list(rows.values()))}
        return [made.get(str(rows[key].id)) if key in rows else None for key in node_ids]


async def _administrator(info: Info, user_id: int | None) -> AdjustmentAdministrator | None:
    if user_id is None:
        return None
    user = await info.context.loaders.users.load(user_id)
    return AdjustmentAdministrator(email=user.email, name=user.name) if user else None


async def _of_rows(rows: list[AdjustmentRequest]) -> list[Adjustment]:
    currencies = await currencies_by_codes({row.currency for row in rows})
    return [
        Adjustment(
            row=row, decimals=currencies[row.currency].decimals if row.currency in currencies else 2
        )
        for row in rows
    ]


@strawberry.input
class RequestAdjustmentInput:
    account_id: str = strawberry.field(description="The account's handle, or its ID.")
    currency: str
    direction: AdjustmentDirection
    amount: str = strawberry.field(description='A decimal string, e.g. "12.50".')
    reason: str
    corrects: strawberry.ID | None = strawberry.field(
        default=None, description="The ID of the transaction this corrects, if any."
    )
    idempotency_key: str


@strawberry.input
class AdjustmentInput:
    id: strawberry.ID


@strawberry.input
class RejectAdjustmentInput:
    id: strawberry.ID
    reason: str


@strawberry.input
class SetAdjustmentApprovalThresholdInput:
    currency: str
    amount: str = strawberry.field(description="Zero or more, as a decimal string.")
    reason: str


@policy(THROUGH_PARENT)
@strawberry.type
class AdjustmentPayload:
    adjustment: Adjustment | None
    errors: list[MutationError]


@policy(THROUGH_PARENT)
@strawberry.type
class AdjustmentThresholdPayload:
    currency: Currency | None
    errors: list[MutationError]


async def _step(step: Awaitable[AdjustmentRequest]) -> AdjustmentPayload:
    try:
        row = await step
    except LedgerError as problem:
        return AdjustmentPayload(adjustment=None, errors=from_domain(problem))
    return AdjustmentPayload(adjustment=(await _of_rows([row]))[0], errors=[])


def _key(global_id: str) -> str:
    try:
        kind, key = relay.from_base64(global_id)
    except (ValueError, TypeError):
        return ""
    return key if kind == "Adjustment" else ""


async def _outside(principal: Principal, key: str) -> AdjustmentPayload | None:
    """The refusal when the adjustment is of a currency the administrator does not
    administer; None otherwise (a missing one is the domain's NOT_FOUND)."""
    row = (await domain.adjustments_by_ids([key])).get(key) if key else None
    refusal = currency_refusal(principal, row.currency) if row is not None else None
    if refusal is None:
        return None
    return AdjustmentPayload(adjustment=None, errors=[error("FORBIDDEN", refusal, "id")])


async def _page_of_currencies(
    codes: frozenset[str], status: domain.AdjustmentStatus | None, first: int, after: str | None
) -> tuple[list[AdjustmentRequest], bool]:
    """A page of the adjustments in any of those currencies, newest first: each currency's
    page after the cursor (ids order every currency alike), merged."""
    rows: list[AdjustmentRequest] = []
    more = False
    for code in sorted(codes):
        found, further = await domain.adjustments(code, status, first, after)
        rows += found
        more = more or further
    rows.sort(key=lambda row: str(row.id), reverse=True)
    return rows[:first], more or len(rows) > first


async def _account(reference: str) -> AccountRow | None:
    reference = reference.strip()[:REFERENCE_MAX]
    account_id = decode_account_id(reference)
    if account_id is not None:
        return await AccountRow.get_or_none(id=account_id)
    return await find_account(reference)


def _corrects(given: str | None) -> tuple[str | None, list[MutationError]]:
    """The journal entry's id inside a Transaction ID (a bare entry id is taken too)."""
    if given is None or not given.strip():
        return None, []
    try:
        kind, key = relay.from_base64(given.strip())
    except (ValueError, TypeError):
        kind, key = "Transaction", given.strip()
    if kind != "Transaction":
        return None, [error("NOT_FOUND", "not a transaction's ID", "corrects")]
    return key, []


@strawberry.type
class AdjustmentQueries:
    @field(
        rule=ALL_ADMINS,
        description="Adjustments, newest first, in a currency and a status if given; "
        "`first` 1 to 100. Without a currency, an administrator limited to some currencies "
        "gets theirs only.",
    )
    async def adjustments(
        self,
        info: Info,
        first: int,
        after: str | None = None,
        currency: str | None = None,
        status: AdjustmentStatus | None = None,
    ) -> Connection[Adjustment]:
        wanted = domain.AdjustmentStatus(status.value) if status is not None else None
        code = currency.upper()[:10] if currency else None
        limited = info.context.principal.admin_currencies
        try:
            if code is None and limited is not None:
                rows, more = await _page_of_currencies(limited, wanted, page_size(first), after)
            else:
                rows, more = await domain.adjustments(code, wanted, page_size(first), after)
        except LedgerError as problem:
            raise invalid_input(problem.message) from None
        made = {str(node.row.id): node for node in await _of_rows(rows)}
        return page(rows, more, lambda row: made[str(row.id)])


@strawberry.type
class AdjustmentMutations:
    @mutation(
        rule=ADJUSTERS,
        description="Adjusts an account's balance with an ADJUSTMENT entry to or from the "
        "issuer: applied at once up to the currency's approval threshold, otherwise PENDING "
        "until another administrator approves it. Audited; idempotent by key.",
    )
    async def request_adjustment(
        self, info: Info, input: RequestAdjustmentInput
    ) -> AdjustmentPayload:
        currency = await get_currency(input.currency)
        cents, problems = positive_amount(input.amount, currency)
        account = await _account(input.account_id)
        if account is None:
            problems.append(error("NOT_FOUND", "no account with that handle or ID", "accountId"))
        corrects, wrong = _corrects(input.corrects)
        problems += wrong
        if problems or currency is None or cents is None or account is None:
            return AdjustmentPayload(adjustment=None, errors=problems)
        return await _step(
            domain.request_adjustment(
                info.context.principal.user,
                account,
                currency,
                domain.Direction(input.direction.value),
                cents,
                input.reason,
                corrects,
                input.idempotency_key,
            )
        )

    @mutation(
        rule=ADJUSTERS,
        description="Applies a PENDING adjustment; never the one who asked for it. "
        "Applies once, however many approve it. Only in a currency the administrator "
        "administers.",
    )
    async def approve_adjustment(self, info: Info, input: AdjustmentInput) -> AdjustmentPayload:
        principal = info.context.principal
        key = _key(input.id)
        refused = await _outside(principal, key)
        if refused is not None:
            return refused
        return await _step(domain.approve_adjustment(principal.user, key))

    @mutation(
        rule=ADJUSTERS,
        description="Rejects a PENDING adjustment, saying why; never the one who asked for it. "
        "Only in a currency the administrator administers.",
    )
    async def reject_adjustment(
        self, info: Info, input: RejectAdjustmentInput
    ) -> AdjustmentPayload:
        principal = info.context.principal
        key = _key(input.id)
        refused = await _outside(principal, key)
        if refused is not None:
            return refused
        return await _step(domain.reject_adjustment(principal.user, key, input.reason))

    @mutation(
        rule=SUPERADMINS,
        description="Sets the amount above which adjustments in a currency wait for a second "
        "administrator. Audited.",
    )
    async def set_adjustment_approval_threshold(
        self, info: Info, input: SetAdjustmentApprovalThresholdInput
    ) -> AdjustmentThresholdPayload:
        row = await get_currency(input.currency)
        if row is None:
            missing = error("NOT_FOUND", "no such currency", "currency")
            return AdjustmentThresholdPayload(currency=None, errors=[missing])
        cents = parse_amount(input.amount, row.decimals)
        if cents is None or cents < 0:
            message = f"zero or a positive amount with at most {row.decimals} decimals"
            wrong = error("INVALID_AMOUNT", message, "amount")
            return AdjustmentThresholdPayload(currency=None, errors=[wrong])
        try:
            await domain.set_threshold(info.context.principal.user, row, cents, input.reason)
        except LedgerError as problem:
            return AdjustmentThresholdPayload(currency=None, errors=from_domain(problem))
        return AdjustmentThresholdPayload(currency=Currency.from_row(row), errors=[])
