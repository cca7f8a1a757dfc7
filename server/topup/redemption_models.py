"""Redemptions (cash-outs): a business turns currency back into euros paid to its bank.

The document lives in the document store beside the wallets and the journal, so each
change of status commits in the same transaction as the ledger movement it goes with.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from beanie import Document
from pydantic import Field
from pymongo import ASCENDING, DESCENDING, IndexModel

from server import clock


class RedemptionStatus(StrEnum):
    REQUESTED = "REQUESTED"  # the funds are held, waiting for a treasurer
    APPROVED = "APPROVED"  # burned into the issuer; the bank transfer is owed
    PAID = "PAID"  # the treasurer made the bank transfer (bank_reference)
    REJECTED = "REJECTED"  # the held funds went back to the account's wallet


class Redemption(Document):
    account_id: int  # the business account cashing out
    currency: str
    amount_cents: int  # in the currency's minor units; 1 unit is 1 euro
    iban: str  # compact form: upper case, no spaces
    holder_name: str
    status: RedemptionStatus = RedemptionStatus.REQUESTED
    requested_by_user_id: int
    # Unique per account: a retry of the request answers the same redemption.
    idempotency_key: str
    request_hash: str
    hold_entry_id: str | None = None  # account → holding account, at request
    burn_entry_id: str | None = None  # holding account → issuer, at approval
    release_entry_id: str | None = None  # holding account → account, at rejection
    decided_by_user_id: int | None = None
    decided_at: datetime | None = None
    reason: str = ""  # why it was rejected
    bank_reference: str = ""  # the reference of the bank transfer that paid it
    paid_at: datetime | None = None
    paid_by_user_id: int | None = None
    created_at: datetime = Field(default_factory=clock.now)

    class Settings:
        name = "redemptions"
        indexes = [
            IndexModel([("account_id", ASCENDING), ("idempotency_key", ASCENDING)], unique=True),
            IndexModel([("status", ASCENDING), ("_id", ASCENDING)]),
            IndexModel([("account_id", ASCENDING), ("_id", DESCENDING)]),
        ]


DOCUMENT_MODELS: list[type[Document]] = [Redemption]
