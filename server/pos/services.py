"""Payment orders: created by a shop, paid once by a wallet, canceled, expired, refunded.

Paying an order is one ledger transaction that also moves the order to SUCCEEDED, so an
order is never paid twice; each change writes its event in the same transaction.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import segno
from bson import ObjectId
from bson.errors import InvalidId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from server import clock
from server.accounts.errors import AccountsError
from server.accounts.models import Account, AccountKind, User
from server.accounts.services import check_payment_pin
from server.currencies.models import Currency
from server.events.models import Event
from server.ledger import services as ledger
from server.ledger.errors import LedgerError
from server.ledger.operations import check_amount, in_transaction
from server.pos.models import OrderRefund, OrderStatus, PaymentOrder

EXPIRY_S_DEFAULT = 10 * 60
EXPIRY_S_MIN = 60
EXPIRY_S_MAX = 24 * 3600
WRONG_PINS_PER_ORDER_MAX = 3  # REC's rule: the order fails after three wrong PINs
_URL = re.compile(r"^https?://[^\s]{1,2000}$")


NOT_PAYABLE_BECAUSE = {
    OrderStatus.SUCCEEDED: "this order is already paid",
    OrderStatus.CANCELED: "this order was canceled",
    OrderStatus.EXPIRED: "this order has expired",
}


def _not_payable(message: str = "this order can no longer be paid") -> LedgerError:
    return LedgerError("ORDER_NOT_PAYABLE", "id", message)


async def _event(
    session: AsyncClientSession | None,
    order: dict[str, Any],
    kind: str,
    extra: dict[str, Any] | None = None,
) -> None:
    await Event.get_pymongo_collection().insert_one(
        {
            "type": kind,
            "account_ids": [order["account_id"]],
            "data": {
                "orderId": str(order["_id"]),
                "status": order["status"],
                "amount_cents": order["amount_cents"],
                "currency": order["currency"],
                "reference": order.get("reference", ""),
                **(extra or {}),
            },
            "created_at": clock.now(),
        },
        session=session,
    )


def _check(
    currency: Currency,
    amount_cents: int,
    reference: str,
    description: str,
    success_url: str,
    cancel_url: str,
    expires_in_s: int | None,
) -> int:
    check_amount(amount_cents)
    if len(reference) > 100:
        raise LedgerError("INVALID_INPUT", "reference", "100 characters at most")
    if len(description) > 500:
        raise LedgerError("INVALID_INPUT", "description", "500 characters at most")
    for name, url in (("successUrl", success_url), ("cancelUrl", cancel_url)):
        if url and not _URL.match(url):
            raise LedgerError("INVALID_INPUT", name, "an http(s) address")
    expiry = EXPIRY_S_DEFAULT if expires_in_s is None else expires_in_s
    if not EXPIRY_S_MIN <= expiry <= EXPIRY_S_MAX:
        raise LedgerError(
            "INVALID_INPUT",
            "expiresInSeconds",
            f"between {EXPIRY_S_MIN} and {EXPIRY_S_MAX} seconds",
        )
    return expiry


async def create_order(
    merchant: Account,
    currency: Currency,
    amount_cents: int,
    *,
    reference: str = "",
    description: str = "",
    success_url: str = "",
    cancel_url: str = "",
    expires_in_s: int | None = None,
    created_by: str,
    idempotency_key: str,
) -> PaymentOrder:
    """A new order, or the one this idempotency key already created."""
    if merchant.kind != AccountKind.BUSINESS:
        raise LedgerError("INVALID_INPUT", "accountId", "only business accounts take orders")
    if not 1 <= len(idempotency_key) <= 255:
        raise LedgerError("INVALID_INPUT", "idempotencyKey", "1 to 255 characters")
    expiry = _check(
        currency, amount_cents, reference, description, success_url, cancel_url, expires_in_s
    )
    request = {
        "currency": currency.code,
        "amount": amount_cents,
        "reference": reference,
        "description": description,
        "success": success_url,
        "cancel": cancel_url,
        "expires": expires_in_s,
    }
    request_hash = hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()
    order = PaymentOrder(
        account_id=merchant.id,
        currency=currency.code,
        amount_cents=amount_cents,
        reference=reference,
        description=description,
        success_url=success_url,
        cancel_url=cancel_url,
        expires_at=clock.now() + timedelta(seconds=expiry),
        created_by=created_by,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
    )
    document = order.model_dump(by_alias=True, exclude={"id", "revision_id"})
    document["_id"] = ObjectId()
    orders = PaymentOrder.get_pymongo_collection()

    async def body(session: AsyncClientSession) -> None:
        await orders.insert_one(document, session=session)
        await _event(session, document, "payment_order.created")

    try:
        await in_transaction(body)
    except DuplicateKeyError:
        existing = await PaymentOrder.find_one(
            PaymentOrder.account_id == merchant.id, PaymentOrder.idempotency_key == idempotency_key
        )
        if existing is None or existing.request_hash != request_hash:
            raise LedgerError(
                "IDEMPOTENCY_KEY_REUSED",
                "idempotencyKey",
                "this key was used for a different order",
            ) from None
        return existing
    created = await PaymentOrder.get(document["_id"])
    assert created is not None
    return created


async def get_order(order_id: str) -> PaymentOrder | None:
    return (await orders_by_ids([order_id])).get(order_id)


async def orders_by_ids(order_ids: Iterable[str]) -> dict[str, PaymentOrder]:
    """The orders with these ids, by the id as given, in one query; ids that are not an
    order's are left out."""
    wanted: dict[str, ObjectId] = {}
    for order_id in order_ids:
        try:
            wanted[order_id] = ObjectId(order_id)
        except (InvalidId, TypeError):
            continue
    if not wanted:
        return {}
    rows = await PaymentOrder.find({"_id": {"$in": list(set(wanted.values()))}}).to_list()
    by_id = {str(row.id): row for row in rows}
    return {given: by_id[str(oid)] for given, oid in wanted.items() if str(oid) in by_id}


async def orders_of(
    account_id: int, first: int, after: str | None = None, status: OrderStatus | None = None
) -> tuple[list[PaymentOrder], bool]:
    """The account's orders, newest first (optionally of one status), and whether more
    follow; `after` is the id of the last order of the previous page."""
    query: dict[str, Any] = {"account_id": account_id}
    if status is not None:
        query["status"] = status.value
    if after is not None:
        try:
            query["_id"] = {"$lt": ObjectId(after)}
        except (InvalidId, TypeError):
            raise LedgerError("INVALID_INPUT", "after", "not a cursor of this list") from None
    rows = await PaymentOrder.find(query).sort("-_id").limit(first + 1).to_list()
    return rows[:first], len(rows) > first


def _payable(order: PaymentOrder) -> None:
    if order.status != OrderStatus.REQUIRES_PAYMENT:
        raise _not_payable(NOT_PAYABLE_BECAUSE.get(order.status, "this order cannot be paid"))
    if order.expires_at <= clock.now():
        raise _not_payable("this order has expired")


def _shard_key(order: PaymentOrder) -> dict[str, Any]:
    """The order's `_id` with the rest of the collection's recommended shard key
    (`{account_id, _id}`, docs/scaling.md), so that a write goes to one shard only."""
    return {"account_id": order.account_id, "_id": order.id}


async def _count_wrong_pin(order: PaymentOrder) -> None:
    """Three wrong PINs on one order fail it (REC's rule)."""
    orders = PaymentOrder.get_pymongo_collection()
    updated = await orders.find_one_and_update(
        {**_shard_key(order), "status": OrderStatus.REQUIRES_PAYMENT.value},
        {"$inc": {"wrong_pins": 1}},
        return_document=True,
    )
    if updated is None or updated["wrong_pins"] < WRONG_PINS_PER_ORDER_MAX:
        return
    await _cancel(order, "three wrong PINs")


async def _cancel(order: PaymentOrder, reason: str) -> bool:
    """Cancels the order while it is unpaid, with its event, in one transaction; False
    when it was no longer unpaid."""
    orders = PaymentOrder.get_pymongo_collection()

    async def body(session: AsyncClientSession) -> bool:
        canceled = await orders.find_one_and_update(
            {**_shard_key(order), "status": OrderStatus.REQUIRES_PAYMENT.value},
            {"$set": {"status": OrderStatus.CANCELED.value, "cancel_reason": reason}},
            session=session,
            return_document=True,
        )
        if canceled is not None:
            await _event(session, canceled, "payment_order.canceled", {"reason": reason})
        return canceled is not None

    return bool(await in_transaction(body))


async def pay_order(
    order: PaymentOrder, user: User, payer: Account, pin: str, idempotency_key: str
) -> dict[str, Any]:
    """Pays the order from the payer's wallet: the payment and SUCCEEDED commit together.
    A retry of the payment that went through (same payer, same key) gets its answer again."""
    if (
        order.status == OrderStatus.SUCCEEDED
        and order.payer_account_id == payer.id
        and order.paid_idempotency_key == idempotency_key
    ):
        return {"entry_id": order.paid_entry_id, "replayed": True}
    _payable(order)
    if payer.id == order.account_id:
        raise LedgerError("INVALID_INPUT", "id", "a shop does not pay its own order")
    try:
        await check_payment_pin(user, pin)
    except AccountsError as error:
        if error.code == "WRONG_PIN" or error.code == "PIN_LOCKED":
            await _count_wrong_pin(order)
        raise
    orders = PaymentOrder.get_pymongo_collection()

    async def mark_paid(session: AsyncClientSession, summary: dict[str, Any]) -> None:
        paid = await orders.find_one_and_update(
            {
                **_shard_key(order),
                "status": OrderStatus.REQUIRES_PAYMENT.value,
                "expires_at": {"$gt": clock.now()},
            },
            {
                "$set": {
                    "status": OrderStatus.SUCCEEDED.value,
                    "paid_entry_id": summary["entry_id"],
                    "payer_account_id": payer.id,
                    "paid_idempotency_key": idempotency_key,
                    "paid_at": clock.now(),
                }
            },
            session=session,
            return_document=True,
        )
        if paid is None:
            raise _not_payable()  # undoes the payment with it
        await _event(
            session, paid, "payment_order.succeeded", {"transactionId": summary["entry_id"]}
        )

    merchant = await Account.get(id=order.account_id)
    currency = await Currency.get(code=order.currency)
    return await ledger.pay(
        user,
        payer,
        merchant,
        currency,
        order.amount_cents,
        order.reference,
        pin,
        f"order:{order.id}:{idempotency_key}",
        also=mark_paid,
        pin_checked=True,
    )


async def cancel_order(order: PaymentOrder) -> PaymentOrder:
    if not await _cancel(order, "by the shop"):
        raise _not_payable("only an unpaid order can be canceled")
    refreshed = await PaymentOrder.get(order.id)
    assert refreshed is not None
    return refreshed


async def expire_due_orders() -> int:
    """Marks unpaid orders past their time as EXPIRED, each with its event."""
    orders = PaymentOrder.get_pymongo_collection()
    due = await PaymentOrder.find(
        PaymentOrder.status == OrderStatus.REQUIRES_PAYMENT, PaymentOrder.expires_at <= clock.now()
    ).to_list(500)
    expired = 0
    for order in due:

        async def body(session: AsyncClientSession, order: PaymentOrder = order) -> bool:
            done = await orders.find_one_and_update(
                {**_shard_key(order), "status": OrderStatus.REQUIRES_PAYMENT.value},
                {"$set": {"status": OrderStatus.EXPIRED.value}},
                session=session,
                return_document=True,
            )
            if done is not None:
                await _event(session, done, "payment_order.expired")
            return done is not None

        expired += int(await in_transaction(body))
    return expired


async def refund_order(
    order: PaymentOrder,
    amount_cents: int | None,
    reason: str,
    idempotency_key: str,
    by: User | None,
) -> OrderRefund:
    """A refund of all (amount None) or part of what remains of a paid order."""
    if order.status != OrderStatus.SUCCEEDED or order.paid_entry_id is None:
        raise LedgerError("ORDER_NOT_PAYABLE", "id", "only a paid order can be refunded")
    orders = PaymentOrder.get_pymongo_collection()
    refund_id = str(uuid.uuid4())

    async def record(session: AsyncClientSession, summary: dict[str, Any]) -> None:
        refund = OrderRefund(
            id=refund_id,
            amount_cents=summary["amount_cents"],
            reason=reason.strip(),
            entry_id=summary["entry_id"],
        )
        updated = await orders.find_one_and_update(
            _shard_key(order),
            {
                "$push": {"refunds": refund.model_dump()},
                "$inc": {"refunded_cents": summary["amount_cents"]},
            },
            session=session,
            return_document=True,
        )
        assert updated is not None  # the order exists: it was paid
        await _event(
            session,
            updated,
            "refund.succeeded",
            {
                "refundId": refund_id,
                "refund_amount_cents": summary["amount_cents"],
                "refund_reason": reason.strip(),
                "transactionId": summary["entry_id"],
            },
        )

    summary = await ledger.refund(
        by,
        order.paid_entry_id,
        amount_cents,
        reason,
        f"order:{order.id}:{idempotency_key}",
        also=record,
    )
    refreshed = await PaymentOrder.get(order.id)
    assert refreshed is not None
    return next(r for r in refreshed.refunds if r.entry_id == summary["entry_id"])


def payment_url(base_url: str, order: PaymentOrder) -> str:
    return f"{base_url}/pay/{order.id}"


def qr_svg(url: str) -> str:
    """A standalone SVG image of the link, for screens and paper."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=4, border=2, xmldecl=False)
    return buffer.getvalue().decode()


def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=6, border=2)
    return buffer.getvalue()
