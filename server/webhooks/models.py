"""Where a business account wants its events POSTed, and with which secrets."""

from __future__ import annotations

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
