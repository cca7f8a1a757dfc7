from __future__ import annotations

from datetime import datetime
from typing import Any

from beanie import Document
from pydantic import Field
from pymongo import ASCENDING, IndexModel

from server import clock


class Event(Document):
    """Something someone may want to hear about, addressed to the accounts concerned."""

    type: str
    account_ids: list[int]
    data: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime = Field(default_factory=clock.now)

    class Settings:
        name = "events"
        indexes = [
            IndexModel([("account_ids", ASCENDING), ("_id", ASCENDING)]),
            IndexModel([("created_at", ASCENDING)]),
        ]


DOCUMENT_MODELS: list[type[Document]] = [Event]
