"""Wallets, the journal and idempotency records live in the document store, beside
everything else money touches, so one transaction can change all of them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from beanie import Document
from pydantic import BaseModel, Field
from pymongo import ASCENDING, DESCENDING, IndexModel

from server import clock


class Wallet(Document):
    """One per (account, currency). Only an issuer wallet may go below zero."""

    account_id: int
    currency: str
    balance_cents: int = 0
    is_issuer: bool = False
    # What the wallet sent in the calendar month `sent_month` ("2026-11"), for KYC limits.
    sent_month: str = ""
    sent_month_cents: int = 0
    created_at: datetime = Field(default_factory=clock.now)

    class Settings:
        name = "wallets"
        indexes = [
            IndexModel([("account_id", ASCENDING), ("currency", ASCENDING)], unique=True),
            IndexModel([("currency", ASCENDING), ("balance_cents", ASCENDING)]),
        ]


class EntryKind(StrEnum):
    PAYMENT = "PAYMENT"
    TOPUP = "TOPUP"  # issuance: minted from the issuer
    REDEMPTION = "REDEMPTION"  # burned into the issuer
    REFUND = "REFUND"
    BONUS = "BONUS"
    ADJUSTMENT = "ADJUSTMENT"


class Leg(BaseModel):
    account_id: int
    amount_cents: int  # positive: credited to the account; negative: debited


class JournalEntry(Document):
    """One movement of money. Append-only: corrections are new entries referencing it.

    `sequence` and `hash` are given after commit by the sealer, in one chain per currency.
    """

    currency: str
    kind: EntryKind
    legs: list[Leg]
    amount_cents: int
    from_account_id: int
    to_account_id: int
    memo: str = ""
    reason: str = ""
    refund_of: Any = None  # the entry a refund returns (its _id)
    corrects: Any = None  # the entry an adjustment corrects (its _id)
    refunded_cents: int = 0  # on a payment: how much of it has been refunded
    created_by_user_id: int | None = None
    created_at: datetime = Field(default_factory=clock.now)
    sequence: int | None = None
    hash: str | None = None

    class Settings:
        name = "journal"
        indexes = [
            IndexModel(
                [("legs.account_id", ASCENDING), ("currency", ASCENDING), ("_id", DESCENDING)]
            ),
            # A history or statement of a period (filters: services.EntryFilter).
            IndexModel(
                [
                    ("legs.account_id", ASCENDING),
                    ("currency", ASCENDING),
                    ("created_at", DESCENDING),
                ]
            ),
            IndexModel([("currency", ASCENDING), ("sequence", ASCENDING)]),
            IndexModel([("refund_of", ASCENDING)], sparse=True),
            # A currency's entries of a period, oldest first: the reports (server/reports).
            IndexModel([("currency", ASCENDING), ("created_at", ASCENDING), ("_id", ASCENDING)]),
        ]


class IdempotencyRecord(Document):
    """The first answer to a money-moving request, kept 7 days under its key."""

    id: str  # type: ignore[assignment]  # scope + operation + the client's key
    request_hash: str
    state: str = "in_progress"  # then "done"
    result: dict[str, Any] | None = None
    created_at: datetime = Field(default_factory=clock.now)

    class Settings:
        name = "idempotency"
        indexes = [IndexModel([("created_at", ASCENDING)], expireAfterSeconds=7 * 24 * 3600)]


class LedgerHead(Document):
    """The last sealed entry of a currency's chain."""

    id: str  # type: ignore[assignment]  # the currency code
    sequence: int = 0
    hash: str = "0" * 64

    class Settings:
        name = "ledger_heads"


class Checkpoint(Document):
    """A signed statement of a currency's chain: (sequence, hash) at a time."""

    currency: str
    sequence: int
    hash: str
    signed_at: str  # ISO 8601, exactly as signed
    signature: str
    public_key: str

    class Settings:
        name = "checkpoints"
        indexes = [IndexModel([("currency", ASCENDING), ("sequence", DESCENDING)])]


class Lease(Document):
    """Who runs a job that must run once, until when."""

    id: str  # type: ignore[assignment]  # the job's name
    holder: str
    expires_at: datetime

    class Settings:
        name = "leases"


DOCUMENT_MODELS: list[type[Document]] = [
    Wallet,
    JournalEntry,
    IdempotencyRecord,
    LedgerHead,
    Checkpoint,
    Lease,
]
