"""Payment orders: what a shop asks to be paid, at the counter (a QR) or online (a link)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from beanie import Document
from pydantic import BaseModel, Field
from pymongo import ASCENDING, DESCENDING, IndexModel

from server import clock


class OrderStatus(StrEnum):
    REQUIRES_PAYMENT = "REQUIRES_PAYMENT"
    SUCCEEDED = "SUCCEEDED"
    CANCELED = "CANCELED"
    EXPIRED = "EXPIRED"


class OrderRefund(BaseModel):
    id: str
    amount_cents: int
    reason: str
    status: str = "SUCCEEDED"
    entry_id: str
    created_at: datetime = Field(default_factory=clock.now)


class PaymentOrder(Document):
    account_id: int  # the merchant's business account, paid by this order
    currency: str
    amount_cents: int
    reference: str = ""
    description: str = ""
    success_url: str = ""
    cancel_url: str = ""
    status: OrderStatus = OrderStatus.REQUIRES_PAYMENT
    cancel_reason: str = ""
    expires_at: datetime
    created_at: datetime = Field(default_factory=clock.now)
    created_by: str  # "user:<id>" or "api_key:<id>"
    idempotency_key: str
    request_hash: str
    paid_entry_id: str | None = None
    payer_account_id: int | None = None
    paid_idempotency_key: str | None = None  # the payer's: a retry of it gets "paid" again
    paid_at: datetime | None = None
    wrong_pins: int = 0
    refunds: list[OrderRefund] = Field(default_factory=list)
    refunded_cents: int = 0

    class Settings:
        name = "payment_orders"
        indexes = [
            IndexModel([("account_id", ASCENDING), ("idempotency_key", ASCENDING)], unique=True),
            IndexModel([("status", ASCENDING), ("expires_at", ASCENDING)]),
            IndexModel([("account_id", ASCENDING), ("_id", DESCENDING)]),
            # An account's orders of one status, newest first (Account.paymentOrders).
            IndexModel([("account_id", ASCENDING), ("status", ASCENDING), ("_id", DESCENDING)]),
            # The shops with an order in a currency (the administrators' points of sale).
            IndexModel([("currency", ASCENDING), ("account_id", ASCENDING)]),
        ]


DOCUMENT_MODELS: list[type[Document]] = [PaymentOrder]
