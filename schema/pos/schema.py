"""Payment orders for shops (the TPV): create, look up, pay, cancel, refund, follow."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterable
from datetime import datetime

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.types import Info

from schema.connections import Connection, invalid_input, page, page_size
from schema.errors import MutationError, error, from_domain
from schema.events import AFTER, follow, recheck
from schema.money import Money, format_minor_units, parse_amount, to_money
from schema.permissions import (
    THROUGH_PARENT,
    ActingMerchant,
    Admin,
    AnyOf,
    Anyone,
    MerchantAccess,
    SignedIn,
    decode_key,
    field,
    mutation,
    policy,
    subscription,
)
from server.accounts.errors import AccountsError
from server.accounts.models import Account as AccountRow
from server.accounts.models import AdminRole, MemberRole
from server.accounts.principal import Principal, PrincipalKind
from server.currencies.services import get_currency
from server.ledger.errors import LedgerError
from server.pos import services as pos
from server.pos.models import OrderStatus
from server.pos.models import PaymentOrder as OrderRow

ChargeStatus = strawberry.enum(OrderStatus, name="PaymentOrderStatus")
CHARGERS = [MemberRole.OWNER, MemberRole.MANAGER, MemberRole.CASHIER]
REFUNDERS = [MemberRole.OWNER, MemberRole.MANAGER]  # cashiers charge but never refund
CHARGE = ActingMerchant(CHARGERS, "payment_orders:write")
READ = ActingMerchant(CHARGERS, "payment_orders:read")
# Account.paymentOrders: the account's members, its API keys that read orders, and (as for
# the account's other lists) administrators; anyone else is refused with FORBIDDEN.
ORDER_LIST_READERS = AnyOf(
    MerchantAccess(list(MemberRole), "payment_orders:read", account_argument=None),
    Admin(AdminRole),
)


def _belongs(principal: Principal, account_id: int) -> bool:
    """The order is the caller's shop's: its staff, or any of its API keys."""
    if principal.kind == PrincipalKind.API_KEY:
        return principal.account is not None and principal.account.id == account_id
    return principal.role_in(account_id) in CHARGERS


def _is_merchant(
    principal: Principal, account_id: int, roles: list[MemberRole], scope: str
) -> bool:
    if principal.kind == PrincipalKind.API_KEY:
        own = principal.account is not None and principal.account.id == account_id
        return own and principal.has_scope(scope)
    return principal.role_in(account_id) in roles


@policy(THROUGH_PARENT)
@strawberry.type
class PaymentOrderRefund:
    id: strawberry.ID
    amount: Money
    reason: str
    status: str
    created_at: datetime


@policy(THROUGH_PARENT)
@strawberry.type(
    description="What a shop asks to be paid. Anyone with the link sees what "
    "paying needs; the shop sees everything."
)
class PaymentOrder(relay.Node):
    row: strawberry.Private[OrderRow]
    decimals: strawberry.Private[int]
    merchant: strawberry.Private[AccountRow]
    full: strawberry.Private[bool]
    base_url: strawberry.Private[str]

    @classmethod
    def resolve_id(cls, root: PaymentOrder, *, info: object) -> str:
        return str(root.row.id)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[PaymentOrder | None]:
        """Anyone holding an order's ID may see what paying it needs, as with paymentOrder."""
        rows = await info.context.loaders.payment_orders.load_many(node_ids)
        views = iter(await asyncio.gather(*(_view(info, row) for row in rows if row)))
        return [next(views) if row else None for row in rows]

    @strawberry.field
    def status(self) -> ChargeStatus:  # type: ignore[valid-type]
        return OrderStatus(self.row.status)

    @strawberry.field
    def amount(self) -> Money:
        return to_money(self.row.amount_cents, self.row.currency, self.decimals)

    @strawberry.field
    def merchant_name(self) -> str:
        return self.merchant.name

    @strawberry.field
    def description(self) -> str:
        return self.row.description

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    def expires_at(self) -> datetime:
        return self.row.expires_at

    @strawberry.field(description="When it was paid; the shop only.")
    def paid_at(self) -> datetime | None:
        return self.row.paid_at if self.full else None

    @strawberry.field(description="The link that opens the wallet's pay screen.")
    def payment_url(self) -> str:
        return pos.payment_url(self.base_url, self.row)

    @strawberry.field(description="A QR code of paymentUrl, as SVG (PNG at paymentUrl/qr.png).")
    def qr_svg(self) -> str:
        return pos.qr_svg(pos.payment_url(self.base_url, self.row))

    @strawberry.field(description="The shop's own reference; the shop only.")
    def reference(self) -> str | None:
        return self.row.reference if self.full else None

    @strawberry.field(description="The shop only.")
    def refunded_amount(self) -> Money | None:
        if not self.full:
            return None
        return to_money(self.row.refunded_cents, self.row.currency, self.decimals)

    @strawberry.field(description="The shop only.")
    def refunds(self) -> list[PaymentOrderRefund] | None:
        if not self.full:
            return None
        return [
            PaymentOrderRefund(
                id=strawberry.ID(r.id),
                amount=to_money(r.amount_cents, self.row.currency, self.decimals),
                reason=r.reason,
                status=r.status,
                created_at=r.created_at,
            )
            for r in self.row.refunds
        ]

    @strawberry.field(description="Where the buyer goes once paid.")
    def success_url(self) -> str:
        return self.row.success_url

    @strawberry.field
    def cancel_url(self) -> str:
        return self.row.cancel_url


async def _view(info: Info, row: OrderRow) -> PaymentOrder:
    """The order as this viewer may see it; the orders of one request load their
    currencies and merchants in one batch each."""
    loaders = info.context.loaders
    currency = await loaders.currencies.load(row.currency)
    merchant = await loaders.accounts.load(row.account_id)
    if merchant is None:  # an order's account is never deleted: reaching here is a bug
        raise RuntimeError(f"payment order {row.id} has no account {row.account_id}")
    principal = info.context.principal
    full = _is_merchant(principal, row.account_id, CHARGERS, "payment_orders:read") or bool(
        principal.admin_roles
    )
    return PaymentOrder(
        row=row,
        decimals=currency.decimals if currency else 2,
        merchant=merchant,
        full=full,
        base_url=info.context.base_url,
    )


async def account_payment_orders(
    info: Info, account_id: int, first: int, after: str | None, status: OrderStatus | None
) -> Connection[PaymentOrder]:
    """One page of the account's orders, newest first: Account.paymentOrders."""
    try:
        rows, more = await pos.orders_of(account_id, page_size(first), after, status)
    except LedgerError:
        raise invalid_input("after is not a cursor of this list") from None
    views = await asyncio.gather(*(_view(info, row) for row in rows))
    return page(views, more, lambda view: view, lambda view: str(view.row.id))


async def _order(global_id: str) -> OrderRow | None:
    raw = decode_key(global_id, "PaymentOrder")
    return await pos.get_order(raw) if raw else None


@strawberry.input
class CreatePaymentOrderInput:
    amount: str
    currency: str
    reference: str = ""
    description: str = ""
    success_url: str = ""
    cancel_url: str = ""
    expires_in_seconds: int | None = strawberry.field(
        default=None, description="Default 600 (10 minutes); 60 to 86400."
    )
    idempotency_key: str


@strawberry.input
class PayPaymentOrderInput:
    id: strawberry.ID
    pin: str
    idempotency_key: str


@strawberry.input
class CancelPaymentOrderInput:
    id: strawberry.ID


@strawberry.input
class RefundPaymentOrderInput:
    id: strawberry.ID
    amount: str | None = strawberry.field(default=None, description="Omitted: all that remains.")
    reason: str = ""
    idempotency_key: str


@policy(THROUGH_PARENT)
@strawberry.type
class PaymentOrderPayload:
    payment_order: PaymentOrder | None
    errors: list[MutationError]


@policy(THROUGH_PARENT)
@strawberry.type
class RefundPaymentOrderPayload:
    payment_order: PaymentOrder | None
    refund: PaymentOrderRefund | None
    errors: list[MutationError]


@policy(THROUGH_PARENT)
@strawberry.type(description="A status change of one of the account's payment orders.")
class PaymentOrderEvent:
    cursor: str = strawberry.field(description="Its position: give it as `after` to resume.")
    type: str = strawberry.field(
        description="payment_order.created/succeeded/canceled/expired, refund.succeeded"
    )
    payment_order_id: strawberry.ID
    status: ChargeStatus  # type: ignore[valid-type]
    created_at: datetime


def _failed(problems: list[MutationError]) -> PaymentOrderPayload:
    return PaymentOrderPayload(payment_order=None, errors=problems)


@strawberry.type
class PosQueries:
    @field(
        rule=Anyone(),
        description="An order by its ID: anyone with the link sees what "
        "paying needs; the shop sees everything.",
    )
    async def payment_order(self, info: Info, id: strawberry.ID) -> PaymentOrder | None:
        raw = decode_key(id, "PaymentOrder")
        row = await info.context.loaders.payment_orders.load(raw) if raw else None
        return await _view(info, row) if row else None


@strawberry.type
class PosMutations:
    @mutation(rule=CHARGE, description="Creates an order for the acting business account.")
    async def create_payment_order(
        self, info: Info, input: CreatePaymentOrderInput
    ) -> PaymentOrderPayload:
        principal = info.context.principal
        merchant = principal.account
        currency = await get_currency(input.currency)
        if currency is None or merchant is None:
            return _failed([error("NOT_FOUND", "no such currency", "currency")])
        cents = parse_amount(input.amount, currency.decimals)
        if cents is None:
            return _failed([error("INVALID_AMOUNT", "not an amount in this currency", "amount")])
        creator = (
            f"api_key:{principal.api_key.id}"
            if principal.api_key
            else f"user:{principal.user.id if principal.user else 0}"
        )
        try:
            row = await pos.create_order(
                merchant,
                currency,
                cents,
                reference=input.reference,
                description=input.description,
                success_url=input.success_url,
                cancel_url=input.cancel_url,
                expires_in_s=input.expires_in_seconds,
                created_by=creator,
                idempotency_key=input.idempotency_key,
            )
        except LedgerError as problem:
            return _failed(from_domain(problem))
        return PaymentOrderPayload(payment_order=await _view(info, row), errors=[])

    @mutation(rule=SignedIn(), description="Pays an order from the active account.")
    async def pay_payment_order(
        self, info: Info, input: PayPaymentOrderInput
    ) -> PaymentOrderPayload:
        principal = info.context.principal
        row = await _order(input.id)
        if row is None:
            return _failed([error("NOT_FOUND", "no such order", "id")])
        payer = principal.account
        if payer is None or principal.role_in(payer.id) not in (
            MemberRole.HOLDER,
            MemberRole.OWNER,
            MemberRole.MANAGER,
        ):
            return _failed([error("FORBIDDEN", "cashiers charge but do not pay")])
        try:
            await pos.pay_order(row, principal.user, payer, input.pin, input.idempotency_key)
        except (LedgerError, AccountsError) as problem:
            return _failed(from_domain(problem))
        paid = await pos.get_order(str(row.id))
        assert paid is not None
        return PaymentOrderPayload(payment_order=await _view(info, paid), errors=[])

    @mutation(rule=AnyOf(SignedIn(), CHARGE), description="Cancels an unpaid order; the shop.")
    async def cancel_payment_order(
        self, info: Info, input: CancelPaymentOrderInput
    ) -> PaymentOrderPayload:
        row = await _order(input.id)
        principal = info.context.principal
        if row is None or not _is_merchant(
            principal, row.account_id, CHARGERS, "payment_orders:write"
        ):
            return _failed([error("NOT_FOUND", "no such order of yours", "id")])
        try:
            row = await pos.cancel_order(row)
        except LedgerError as problem:
            return _failed(from_domain(problem))
        return PaymentOrderPayload(payment_order=await _view(info, row), errors=[])

    @mutation(
        rule=AnyOf(SignedIn(), ActingMerchant(REFUNDERS, "refunds:write")),
        description="Refunds all or part of a paid order: owners, managers, or an API "
        "key with refunds:write.",
    )
    async def refund_payment_order(
        self, info: Info, input: RefundPaymentOrderInput
    ) -> RefundPaymentOrderPayload:
        row = await _order(input.id)
        principal = info.context.principal
        if row is None or not _belongs(principal, row.account_id):
            missing = [error("NOT_FOUND", "no such order of yours", "id")]
            return RefundPaymentOrderPayload(payment_order=None, refund=None, errors=missing)
        if not _is_merchant(principal, row.account_id, REFUNDERS, "refunds:write"):
            refused = [error("FORBIDDEN", "refunds need an owner, a manager or refunds:write")]
            return RefundPaymentOrderPayload(payment_order=None, refund=None, errors=refused)
        currency = await get_currency(row.currency)
        assert currency is not None
        cents = None
        if input.amount is not None:
            cents = parse_amount(input.amount, currency.decimals)
            if cents is None or cents <= 0:
                bad = [error("INVALID_AMOUNT", "a positive amount", "amount")]
                return RefundPaymentOrderPayload(payment_order=None, refund=None, errors=bad)
        try:
            refund = await pos.refund_order(
                row, cents, input.reason, input.idempotency_key, principal.user
            )
        except LedgerError as problem:
            problems = from_domain(problem)
            if problem.code == "REFUND_EXCEEDS_REMAINING":
                latest = await pos.get_order(str(row.id)) or row
                left = latest.amount_cents - latest.refunded_cents
                message = f"only {format_minor_units(left, currency.decimals)} {row.currency} "
                problems = [error(problem.code, message + "remain to refund", "amount")]
            return RefundPaymentOrderPayload(payment_order=None, refund=None, errors=problems)
        refreshed = await pos.get_order(str(row.id))
        assert refreshed is not None
        view = await _view(info, refreshed)
        return RefundPaymentOrderPayload(
            payment_order=view,
            refund=PaymentOrderRefund(
                id=strawberry.ID(refund.id),
                amount=to_money(refund.amount_cents, row.currency, currency.decimals),
                reason=refund.reason,
                status=refund.status,
                created_at=refund.created_at,
            ),
            errors=[],
        )


@strawberry.type
class PosSubscriptions:
    @subscription(
        rule=READ,
        description="Status changes of one order, or of all the acting "
        "account's orders when id is omitted. " + AFTER,
    )
    async def payment_order_events(
        self, info: Info, id: strawberry.ID | None = None, after: str | None = None
    ) -> AsyncGenerator[PaymentOrderEvent, None]:
        context = info.context
        account = context.principal.account
        if account is None:
            return
        wanted = None
        if id is not None:  # one order: it must be one of the account's
            order = await _order(id)
            if order is None or order.account_id != account.id:
                raise GraphQLError(
                    "no such payment order of this account", extensions={"code": "NOT_FOUND"}
                )
            wanted = decode_key(id, "PaymentOrder")
        async with follow(context, {account.id}, after) as events:
            async for event in events:
                kind = event.type
                if not (kind.startswith("payment_order.") or kind == "refund.succeeded"):
                    continue
                if wanted and event.data.get("orderId") != wanted:
                    continue
                principal = await recheck(context)
                if principal.is_anonymous:
                    return
                if not _is_merchant(principal, account.id, CHARGERS, "payment_orders:read"):
                    continue
                yield PaymentOrderEvent(
                    cursor=str(event.id),
                    type=event.type,
                    payment_order_id=strawberry.ID(
                        relay.to_base64("PaymentOrder", event.data["orderId"])
                    ),
                    status=OrderStatus(event.data["status"]),
                    created_at=event.created_at,
                )
