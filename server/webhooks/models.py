"""Where a business account wants its events POSTed, and with which secrets."""

from __future__ import annotations

from datetime import datetime

from beanie import Document
from pydantic import BaseModel
from pydantic import Field as PydanticField
from pymongo import ASCENDING, DESCENDING, IndexModel
from tortoise import fields
from tortoise.models import Model


class WebhookEndpoint(Model):
    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "rec.Account", related_name="webhook_endpoints", on_delete=fields.CASCADE
    )
    url = fields.CharField(max_length=2000)
    events: fields.Field[list[str]] = fields.JSONField(default=list)
    # The signing secret, sealed; during a rotation the previous one signs too, until then.
    secret_sealed = fields.TextField()
    previous_secret_sealed = fields.TextField(default="")
    previous_secret_until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    disabled_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook_endpoints"


class Attempt(BaseModel):
    at: datetime
    status_code: int | None = None
    error: str = ""
    duration_ms: int = 0


class WebhookDelivery(Document):
    """One event on its way to one endpoint, with every attempt kept (the delivery log)."""

    endpoint_id: int
    account_id: int
    event_id: str
    event_type: str
    order_key: str  # deliveries for one order go out in order
    body: str
    status: str = "pending"  # then succeeded, failed (refused by the receiver) or dead
    attempts: list[Attempt] = PydanticField(default_factory=list)
    next_attempt_at: datetime
    created_at: datetime

    class Settings:
        name = "webhook_deliveries"
        indexes = [
            IndexModel([("endpoint_id", ASCENDING), ("event_id", ASCENDING)], unique=True),
            IndexModel([("status", ASCENDING), ("next_attempt_at", ASCENDING)]),
            IndexModel(
                [("endpoint_id", ASCENDING), ("order_key", ASCENDING), ("created_at", ASCENDING)]
            ),
            IndexModel([("endpoint_id", ASCENDING), ("_id", DESCENDING)]),  # the delivery log
        ]


class WebhookCursor(Document):
    """How far the dispatcher has read the events collection."""

    id: str  # type: ignore[assignment]
    read_until: datetime

    class Settings:
        name = "webhook_cursor"


class WebhookCircuit(Document):
    """The circuit breaker of one endpoint: after repeated failures it opens, the endpoint's
    deliveries wait, and one probe at a time tests whether the receiver is back."""

    id: int  # type: ignore[assignment]  # the endpoint's
    state: str = "closed"  # or "open"
    consecutive_failures: int = 0
    probes: int = 0  # failed probes since it opened
    last_error: str = ""
    last_failure_at: datetime | None = None
    last_success_at: datetime | None = None
    opened_at: datetime | None = None
    next_probe_at: datetime | None = None

    class Settings:
        name = "webhook_circuits"


DOCUMENT_MODELS: list[type[Document]] = [WebhookDelivery, WebhookCursor, WebhookCircuit]
