"""Wallets live in the document store, beside everything else money touches."""

from __future__ import annotations

from datetime import datetime

from beanie import Document
from pydantic import Field
from pymongo import ASCENDING, IndexModel

from server import clock


class Wallet(Document):
    """One per (account, currency). Only an issuer wallet may go below zero."""

    account_id: int
    currency: str
    balance_cents: int = 0
    is_issuer: bool = False
    created_at: datetime = Field(default_factory=clock.now)

    class Settings:
        name = "wallets"
        indexes = [
            IndexModel([("account_id", ASCENDING), ("currency", ASCENDING)], unique=True),
            IndexModel([("currency", ASCENDING), ("balance_cents", ASCENDING)]),
        ]


DOCUMENT_MODELS: list[type[Document]] = [Wallet]
