"""A currency and its rules, loaded from its branding folder."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Currency(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=10, unique=True)
    name = fields.CharField(max_length=60)
    full_name = fields.CharField(max_length=120)
    symbol = fields.CharField(max_length=8)
    decimals = fields.SmallIntField()
    tagline = fields.CharField(max_length=200, default="")
    default_language = fields.CharField(max_length=5)
    languages: fields.Field[list[str]] = fields.JSONField(default=list)
    timezone = fields.CharField(max_length=64)
    # Colours and asset file names, as the branding folder gives them.
    theme: fields.Field[dict[str, dict[str, str]]] = fields.JSONField(default=dict)
    issuer_account: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "rec.Account", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    # Ed25519 key signing the journal's checkpoints: public in base64, private sealed.
    checkpoint_public_key = fields.CharField(max_length=64, default="")
    checkpoint_private_key_sealed = fields.TextField(default="")
    # Adjustments above this many minor units wait for a second administrator.
    adjustment_approval_cents = fields.IntField(default=10000)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "currencies"
        ordering = ["code"]
