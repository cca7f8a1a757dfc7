"""Moving money: pay (people), issueFunds (treasurers); walletEvents, live."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.types import Info

from schema.errors import MutationError, error, from_domain
from schema.events import AFTER, follow, recheck
from schema.ledger.types import Party, Transaction
from schema.money import Money, positive_amount, to_money
from schema.permissions import (
    PUBLIC,
    THROUGH_PARENT,
    Admin,
    Anyone,
    SignedIn,
    decode_account_id,
    field,
    mutation,
    policy,
    subscription,
)
from server.accounts.errors import AccountsError
from server.accounts.models import Account as AccountRow
from server.accounts.models import AccountKind, AdminRole, MemberRole
from server.accounts.services import find_account
from server.currencies.models import Currency
from server.currencies.services import get_currency
from server.ledger import services as ledger
from server.ledger.errors import LedgerError
from server.ledger.models import JournalEntry
from server.ledger.sealer import latest_checkpoint
from server.ledger.signing import checkpoint_message

HANDLE_REFERENCE_MAX = 100  # a handle, "@handle" or an account's global ID
PAYERS = (MemberRole.HOLDER, MemberRole.OWNER, MemberRole.MANAGER)  # cashiers charge only


@strawberry.input
class PayInput:
    to: str = strawberry.field(description="The recipient's handle, or an account ID.")
    amount: str = strawberry.field(description='A decimal string, e.g. "12.50".')
    currency: str
    memo: str = ""
    pin: str
    idempotency_key: str


@strawberry.input
class IssueFundsInput:
    to: str = strawberry.field(description="The recipient's handle, or an account ID.")
    amount: str
    currency: str
    reason: str
    idempotency_key: str


@policy(THROUGH_PARENT)
@strawberry.type
class PayPayload:
    transaction: Transaction | None
    errors: list[MutationError]


@policy(THROUGH_PARENT)
@strawberry.type(description="A change of the viewer's wallet, as it happens.")
class WalletEvent:
    cursor: str = strawberry.field(description="Its position: give it as `after` to resume.")
    type: str = strawberry.field(description="wallet.payment, wallet.refund, wallet.topup, ...")
    direction: str = strawberry.field(description="in or out")
    amount: Money
    balance: Money
    transaction_id: strawberry.ID
    created_at: datetime


async def _recipient(reference: str) -> AccountRow | None:
    account_id = decode_account_id(reference)
    if account_id is not None:
        return await AccountRow.get_or_none(id=account_id)
    return await find_account(reference)


async def _movement(
    code: str, amount: str, to: str
) -> tuple[Currency | None, int | None, AccountRow | None, list[MutationError]]:
    """The currency, amount and recipient a request names, or why they are not valid."""
    currency = await get_currency(code)
    cents, problems = positive_amount(amount, currency)
    payee = await _recipient(to)
    if payee is None:
        problems.append(error("RECIPIENT_NOT_FOUND", "no account with that address", "to"))
    return currency, cents, payee, problems


async def _done(summary: dict, currency: Currency) -> PayPayload:
    row = await JournalEntry.get(summary["entry_id"])
    assert row is not None
    return PayPayload(transaction=Transaction(row=row, decimals=currency.decimals), errors=[])


@strawberry.type
class LedgerMutations:
    @mutation(rule=SignedIn(), description="Pays from the active account's wallet.")
    async def pay(self, info: Info, input: PayInput) -> PayPayload:
        principal = info.context.principal
        payer = principal.account
        if payer is None or principal.role_in(payer.id) not in PAYERS:
            refusal = error("FORBIDDEN", "cashiers charge but do not pay from the account")
            return PayPayload(transaction=None, errors=[refusal])
        currency, cents, payee, problems = await _movement(input.currency, input.amount, input.to)
        if problems or cents is None or currency is None or payee is None:
            return PayPayload(transaction=None, errors=problems)
        try:
            summary = await ledger.pay(
                principal.user,
                payer,
                payee,
                currency,
                cents,
                input.memo,
                input.pin,
                input.idempotency_key,
            )
        except (LedgerError, AccountsError) as problem:
            return PayPayload(transaction=None, errors=from_domain(problem))
        return await _done(summary, currency)

    @mutation(
        rule=Admin([AdminRole.TREASURER]),
        description="Mints into an account (cash at an exchange office); audited.",
    )
    async def issue_funds(self, info: Info, input: IssueFundsInput) -> PayPayload:
        currency, cents, payee, problems = await _movement(input.currency, input.amount, input.to)
        if problems or cents is None or currency is None or payee is None:
            return PayPayload(transaction=None, errors=problems)
        try:
            summary = await ledger.issue(
                info.context.principal.user,
                payee,
                currency,
                cents,
                input.reason,
                input.idempotency_key,
            )
        except LedgerError as problem:
            return PayPayload(transaction=None, errors=from_domain(problem))
        return await _done(summary, currency)


@strawberry.type
class LedgerSubscriptions:
    @subscription(
        rule=SignedIn(), description="Every change of the active account's wallet. " + AFTER
    )
    async def wallet_events(
        self, info: Info, currency: str, after: str | None = None
    ) -> AsyncGenerator[WalletEvent, None]:
        context = info.context
        row = await get_currency(currency)
        if row is None:
            raise GraphQLError("no such currency", extensions={"code": "INVALID_INPUT"})
        account = context.principal.account
        if account is None:
            return
        async with follow(context, {account.id}, after) as events:
            async for event in events:
                data = event.data
                if not event.type.startswith("wallet.") or data.get("currency") != row.code:
                    continue
                # The session may have ended, or the person left the account, since then.
                principal = await recheck(context)
                if principal.is_anonymous:
                    return
                if principal.role_in(account.id) is None:
                    continue
                yield WalletEvent(
                    cursor=str(event.id),
                    type=event.type,
                    direction=data["direction"],
                    amount=to_money(data["amount_cents"], row.code, row.decimals),
                    balance=to_money(data["balance_cents"], row.code, row.decimals),
                    transaction_id=strawberry.ID(relay.to_base64("Transaction", data["entry_id"])),
                    created_at=event.created_at,
                )


@policy(PUBLIC)
@strawberry.type(description="A signed statement of a currency's journal chain.")
class LedgerCheckpoint:
    currency: str
    sequence: int
    hash: str
    signed_at: str = strawberry.field(description="ISO 8601, exactly as signed.")
    signature: str = strawberry.field(description="Ed25519, base64.")
    public_key: str = strawberry.field(description="Ed25519, base64.")
    signed_message: str = strawberry.field(
        description="What the signature covers, to verify it without our code."
    )


@strawberry.type
class LedgerQueries:
    @field(
        rule=SignedIn(),
        description="Whom `pay(to:)` would reach: the name and handle of the account with "
        "this handle (or account ID), for the payer to check before paying; null when no "
        "account can be paid there.",
    )
    async def recipient(self, to: str) -> Party | None:
        payee = await _recipient(to[:HANDLE_REFERENCE_MAX])
        if payee is None or payee.kind == AccountKind.ISSUER:
            return None
        return Party(name=payee.name, handle=payee.handle)

    @field(rule=Anyone(), description="The latest signed checkpoint of a currency's journal.")
    async def ledger_checkpoint(self, currency: str) -> LedgerCheckpoint | None:
        point = await latest_checkpoint(currency.upper()[:10])
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
