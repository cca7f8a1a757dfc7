"""The treasury for administrators: the supply against the euro reserve, the reserve's
history, the latest signed checkpoint and the last verification of the ledger.

Every administrator reads `treasury`; treasurers record the reserve; treasurers and
superadmins run a verification. Both mutations are audited.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry.types import Info

from schema.errors import MutationError, error
from schema.ledger.schema import LedgerCheckpoint
from schema.money import Money, parse_amount, to_money
from schema.permissions import THROUGH_PARENT, Admin, field, mutation, policy
from server.accounts.models import AdminRole
from server.currencies.models import Currency
from server.currencies.services import get_currency
from server.ledger import treasury
from server.ledger.models import Checkpoint
from server.ledger.sealer import latest_checkpoint
from server.ledger.signing import checkpoint_message

RESERVE_CURRENCY = "EUR"  # the reserve is euros in the bank, in cents
RESERVE_DECIMALS = 2
REFERENCE_MAX = 100
REASON_MAX = 500
HISTORY_SHOWN = 20
RESERVE_MAX_CENTS = 10**15  # ten trillion euros: anything above is a typing error


@policy(THROUGH_PARENT)
@strawberry.type(description="The euros a treasurer recorded as held in the bank.")
class ReserveRecord:
    row: strawberry.Private[treasury.ReserveRecord]

    @strawberry.field(description="In euros.")
    def amount(self) -> Money:
        return to_money(self.row.amount_cents, RESERVE_CURRENCY, RESERVE_DECIMALS)

    @strawberry.field(description="The bank statement or certificate it was read from.")
    def reference(self) -> str:
        return self.row.reference

    @strawberry.field
    def reason(self) -> str:
        return self.row.reason

    @strawberry.field(description="The treasurer's email.")
    def recorded_by(self) -> str:
        return self.row.recorded_by

    @strawberry.field
    def recorded_at(self) -> datetime:
        return self.row.recorded_at


@policy(THROUGH_PARENT)
@strawberry.type(description="One run of the checks of `rec ledger verify` on a currency.")
class LedgerVerification:
    row: strawberry.Private[treasury.LedgerVerification]

    @strawberry.field
    def checked_at(self) -> datetime:
        return self.row.checked_at

    @strawberry.field(
        description="True when the chain, the signatures and the balance invariants all hold."
    )
    def ok(self) -> bool:
        return self.row.ok

    @strawberry.field(description="One line: what held, or the first thing that did not.")
    def message(self) -> str:
        if self.row.ok:
            return "All checks hold: " + "; ".join(
                line.split(": ", 1)[-1] for line in self.row.checked
            )
        more = len(self.row.problems) - 1
        return self.row.problems[0] + (f" (and {more} more)" if more > 0 else "")

    @strawberry.field(description="Everything that differs (the first 50).")
    def problems(self) -> list[str]:
        return list(self.row.problems)

    @strawberry.field(description="What was checked.")
    def checked(self) -> list[str]:
        return list(self.row.checked)

    @strawberry.field(description="Who asked for it (email).")
    def checked_by(self) -> str:
        return self.row.checked_by


def _checkpoint(point: Checkpoint | None) -> LedgerCheckpoint | None:
    if point is None:
        return None
    message = checkpoint_message(point.currency, point.sequence, point.hash, point.signed_at)
    return LedgerCheckpoint(
        currency=point.currency,
        sequence=point.sequence,
        hash=point.hash,
        signed_at=point.signed_at,
        signature=point.signature,
        public_key=point.public_key,
        signed_message=message.decode(),
    )


@policy(THROUGH_PARENT)
@strawberry.type(
    description="A currency's supply against its euro reserve, and the ledger's seal. "
    "1 unit of the currency is backed by 1 euro: coverage is the reserve minus the supply."
)
class Treasury:
    currency_row: strawberry.Private[Currency]
    supply_cents: strawberry.Private[int]
    latest: strawberry.Private[treasury.ReserveRecord | None]

    @strawberry.field
    def currency(self) -> str:
        return self.currency_row.code

    @strawberry.field(description="Minted minus burned: the money in circulation.")
    def supply(self) -> Money:
        row = self.currency_row
        return to_money(self.supply_cents, row.code, row.decimals)

    @strawberry.field(description="The euros in the bank, as last recorded; null before any.")
    def reserve(self) -> Money | None:
        if self.latest is None:
            return None
        return to_money(self.latest.amount_cents, RESERVE_CURRENCY, RESERVE_DECIMALS)

    @strawberry.field
    def reserve_recorded_at(self) -> datetime | None:
        return self.latest.recorded_at if self.latest else None

    @strawberry.field(description="The treasurer who recorded it (email).")
    def reserve_recorded_by(self) -> str | None:
        return self.latest.recorded_by if self.latest else None

    @strawberry.field(
        description="Reserve minus supply, in euros: below zero, the supply is not fully "
        "backed. Null before a reserve was recorded."
    )
    def coverage(self) -> Money | None:
        if self.latest is None:
            return None
        decimals = self.currency_row.decimals
        places = max(decimals, RESERVE_DECIMALS)
        value = Decimal(self.latest.amount_cents).scaleb(-RESERVE_DECIMALS) - Decimal(
            self.supply_cents
        ).scaleb(-decimals)
        return Money(amount=f"{value:.{places}f}", currency=RESERVE_CURRENCY)

    @strawberry.field(description="The reserve records, newest first (the last 20).")
    async def history(self) -> list[ReserveRecord]:
        rows = await treasury.reserve_history(self.currency_row.code, HISTORY_SHOWN)
        return [ReserveRecord(row=row) for row in rows]

    @strawberry.field(description="The latest signed checkpoint of the journal.")
    async def checkpoint(self) -> LedgerCheckpoint | None:
        return _checkpoint(await latest_checkpoint(self.currency_row.code))

    @strawberry.field(description="The last verification run from the panel; null before.")
    async def last_verification(self) -> LedgerVerification | None:
        row = await treasury.last_verification(self.currency_row.code)
        return LedgerVerification(row=row) if row else None


async def _treasury(currency: Currency) -> Treasury:
    return Treasury(
        currency_row=currency,
        supply_cents=await treasury.supply_cents(currency),
        latest=await treasury.latest_reserve(currency.code),
    )


@strawberry.input
class RecordReserveInput:
    currency: str = strawberry.field(description="The currency the reserve backs.")
    amount: str = strawberry.field(description='Euros held in the bank, e.g. "125000.00".')
    reference: str = strawberry.field(description="The bank statement or certificate.")
    reason: str


@policy(THROUGH_PARENT)
@strawberry.type
class RecordReservePayload:
    record: ReserveRecord | None
    treasury: Treasury | None
    errors: list[MutationError]


@strawberry.input
class VerifyLedgerInput:
    currency: str


@policy(THROUGH_PARENT)
@strawberry.type
class VerifyLedgerPayload:
    verification: LedgerVerification | None
    errors: list[MutationError]


def _reserve_problems(input: RecordReserveInput) -> tuple[int | None, list[MutationError]]:
    problems: list[MutationError] = []
    cents = parse_amount(input.amount, RESERVE_DECIMALS)
    if cents is None or not 0 <= cents <= RESERVE_MAX_CENTS:
        problems.append(
            error("INVALID_AMOUNT", "euros, zero or more, at most 2 decimals", "amount")
        )
    if not input.reference.strip() or len(input.reference) > REFERENCE_MAX:
        message = f"the bank statement's reference, 1 to {REFERENCE_MAX} characters"
        problems.append(error("INVALID_INPUT", message, "reference"))
    if not input.reason.strip() or len(input.reason) > REASON_MAX:
        message = f"say why, for the audit log (at most {REASON_MAX} characters)"
        problems.append(error("INVALID_INPUT", message, "reason"))
    return cents, problems


@strawberry.type
class AdminTreasuryQueries:
    @field(
        rule=Admin(AdminRole),
        description="A currency's supply against its euro reserve, the reserve's history, "
        "the latest checkpoint and the last verification; null for no such currency. "
        "Administrators.",
    )
    async def treasury(self, currency: str) -> Treasury | None:
        row = await get_currency(currency)
        return await _treasury(row) if row else None


@strawberry.type
class AdminTreasuryMutations:
    @mutation(
        rule=Admin([AdminRole.TREASURER]),
        description="Records the euros held in the bank behind a currency; audited.",
    )
    async def record_reserve(self, info: Info, input: RecordReserveInput) -> RecordReservePayload:
        currency = await get_currency(input.currency)
        cents, problems = _reserve_problems(input)
        if currency is None:
            problems.insert(0, error("NOT_FOUND", "no such currency", "currency"))
        if problems or currency is None or cents is None:
            return RecordReservePayload(record=None, treasury=None, errors=problems)
        row = await treasury.record_reserve(
            info.context.principal.user,
            currency,
            cents,
            input.reference.strip(),
            input.reason.strip(),
        )
        return RecordReservePayload(
            record=ReserveRecord(row=row), treasury=await _treasury(currency), errors=[]
        )

    @mutation(
        rule=Admin([AdminRole.SUPERADMIN, AdminRole.TREASURER]),
        description="Runs the checks of `rec ledger verify` on a currency now and keeps the "
        "result (Treasury.lastVerification); audited.",
    )
    async def verify_ledger(self, info: Info, input: VerifyLedgerInput) -> VerifyLedgerPayload:
        currency = await get_currency(input.currency)
        if currency is None:
            missing = [error("NOT_FOUND", "no such currency", "currency")]
            return VerifyLedgerPayload(verification=None, errors=missing)
        row = await treasury.verify_now(info.context.principal.user, currency)
        return VerifyLedgerPayload(verification=LedgerVerification(row=row), errors=[])
