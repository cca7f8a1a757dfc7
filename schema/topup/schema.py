"""Buying currency with euros: startTopUp, the TopUp node, an account's top-ups."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from schema.errors import MutationError, error, from_domain
from schema.money import Money, positive_amount, to_money
from schema.permissions import THROUGH_PARENT, SignedIn, mutation, policy
from server.accounts.models import MemberRole
from server.currencies.services import get_currency
from server.ledger.errors import LedgerError
from server.topup import services as topups
from server.topup.http import redirect_url
from server.topup.models import TopUp as TopUpRow


@strawberry.enum(description="PENDING until the card payment's outcome is known.")
class TopUpStatus(Enum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"


def may_see(principal: Any, row: TopUpRow) -> bool:
    """The person who started it, the account's holder and owners, administrators."""
    if principal.admin_roles:
        return True
    if principal.user is not None and principal.user.id == row.user_id:
        return True
    return principal.role_in(row.account_id) in (MemberRole.HOLDER, MemberRole.OWNER)


@policy(THROUGH_PARENT)
@strawberry.type(description="Currency bought with euros by card.")
class TopUp(relay.Node):
    row: strawberry.Private[TopUpRow]
    decimals: strawberry.Private[int]

    @classmethod
    def resolve_id(cls, root: Any, *, info: Any) -> str:
        return str(root.row.id)

    @strawberry.field
    def status(self) -> TopUpStatus:
        return TopUpStatus(self.row.status.value)

    @strawberry.field(description="The currency bought.")
    def amount(self) -> Money:
        return to_money(self.row.amount_cents, self.row.currency, self.decimals)

    @strawberry.field(description="What the card is charged.")
    def charged(self) -> Money:
        return to_money(self.row.euro_cents, "EUR", 2)

    @strawberry.field(description="Where to send the browser to pay, while PENDING.")
    def redirect_url(self, info: Info) -> str | None:
        if self.row.status.value != "PENDING":
            return None
        settings = info.context.runtime.settings
        return redirect_url(settings.public_url, settings.secret_key, str(self.row.id))

    @strawberry.field(description="Why it FAILED or EXPIRED.")
    def failure_reason(self) -> str:
        return self.row.failure_reason

    @strawberry.field(description="The provider's order number, as on the card statement.")
    def reference(self) -> str:
        return self.row.reference

    @strawberry.field(description="The ledger transaction that minted it, once SUCCEEDED.")
    def transaction_id(self) -> strawberry.ID | None:
        entry = self.row.entry_id
        return strawberry.ID(relay.to_base64("Transaction", entry)) if entry else None

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    def decided_at(self) -> datetime | None:
        return self.row.decided_at

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[TopUp | None]:
        principal = info.context.principal
        found: list[TopUp | None] = []
        for node_id in node_ids:
            row = await topups.get_top_up(node_id)
            visible = row is not None and may_see(principal, row)
            found.append(await of_row(row) if visible and row is not None else None)
        return found


async def of_row(row: TopUpRow) -> TopUp:
    currency = await get_currency(row.currency)
    return TopUp(row=row, decimals=currency.decimals if currency else 2)


@strawberry.input
class StartTopUpInput:
    amount: str = strawberry.field(description='In the currency, e.g. "20.00".')
    currency: str
    idempotency_key: str


@policy(THROUGH_PARENT)
@strawberry.type
class StartTopUpPayload:
    top_up: TopUp | None
    errors: list[MutationError]


@strawberry.type
class TopUpMutations:
    @mutation(
        rule=SignedIn(),
        description="Buys currency for the active account with euros by card: answers a "
        "PENDING top-up whose redirectUrl leads to the card payment. The currency is minted "
        "when the payment provider confirms the charge, never on the browser's return.",
    )
    async def start_top_up(self, info: Info, input: StartTopUpInput) -> StartTopUpPayload:
        principal = info.context.principal
        account = principal.account
        if principal.user is None or account is None:
            refusal = error("FORBIDDEN", "people buy currency, for their own account")
            return StartTopUpPayload(top_up=None, errors=[refusal])
        currency = await get_currency(input.currency)
        cents, problems = positive_amount(input.amount, currency)
        if currency is None or cents is None:
            return StartTopUpPayload(top_up=None, errors=problems)
        runtime = info.context.runtime
        branding = runtime.brandings.get(currency.code)
        minimum = (branding.theme.topup_minimum if branding else 1) * 10**currency.decimals
        try:
            row = await topups.start_top_up(
                principal.user,
                account,
                principal.role_in(account.id),
                currency,
                cents,
                input.idempotency_key,
                provider=runtime.payments,
                minimum_cents=minimum,
            )
        except LedgerError as problem:
            return StartTopUpPayload(top_up=None, errors=from_domain(problem))
        return StartTopUpPayload(top_up=await of_row(row), errors=[])
