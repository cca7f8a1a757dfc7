from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from beanie import Document
from pydantic import Field
from pymongo import ASCENDING, IndexModel

from server import clock

# Nothing reads an event older than 30 days (a subscriber's replay, the API's event log;
# webhooks are made from events within seconds): a day more, and the store removes them.
EVENTS_KEPT = timedelta(days=31)


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
            IndexModel(
                [("created_at", ASCENDING)], expireAfterSeconds=int(EVENTS_KEPT.total_seconds())
            ),
        ]


DOCUMENT_MODELS: list[type[Document]] = [Event]
