"""Top-ups (euros in, currency minted) and what the payment providers told us."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from beanie import Document
from pydantic import Field
from pymongo import ASCENDING, IndexModel

from server import clock


class TopUpStatus(StrEnum):
    PENDING = "PENDING"  # sent to the provider, no outcome yet
    SUCCEEDED = "SUCCEEDED"  # the provider confirmed the charge: the currency was minted
    FAILED = "FAILED"  # declined, cancelled, or refused on our side: nothing minted
    EXPIRED = "EXPIRED"  # no outcome within a day, and the provider knows of no charge


class TopUp(Document):
    reference: str  # the provider's order number: 4 digits then 8 letters or digits
    provider: str
    account_id: int
    user_id: int
    currency: str
    amount_cents: int  # in the currency's minor units
    euro_cents: int  # what the card is charged
    idempotency_key: str
    request_hash: str
    status: TopUpStatus = TopUpStatus.PENDING
    failure_reason: str = ""
    authorisation: str = ""
    entry_id: str | None = None  # the journal entry that minted it
    created_at: datetime = Field(default_factory=clock.now)
    decided_at: datetime | None = None
    last_checked_at: datetime | None = None  # last status query to the provider

    class Settings:
        name = "topups"
        indexes = [
            IndexModel([("reference", ASCENDING)], unique=True),
            IndexModel([("user_id", ASCENDING), ("idempotency_key", ASCENDING)], unique=True),
            IndexModel([("status", ASCENDING), ("created_at", ASCENDING)]),
            IndexModel([("account_id", ASCENDING), ("_id", ASCENDING)]),
        ]


class ProviderNotice(Document):
    """Every notification a provider endpoint received, with what we made of it."""

    provider: str
    verdict: str  # accepted, duplicate, rejected, unknown_reference, mismatch
    reason: str = ""
    reference: str = ""
    fields: dict[str, Any] = Field(default_factory=dict)  # as received, values cut short
    remote: str = ""
    received_at: datetime = Field(default_factory=clock.now)

    class Settings:
        name = "provider_notices"
        indexes = [IndexModel([("reference", ASCENDING)]), IndexModel([("received_at", ASCENDING)])]


DOCUMENT_MODELS: list[type[Document]] = [TopUp, ProviderNotice]
