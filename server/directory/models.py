"""Shops on the map: where they are and what they are."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class MerchantProfile(Model):
    id = fields.IntField(primary_key=True)
    account: fields.OneToOneRelation = fields.OneToOneField(
        "rec.Account", related_name="merchant_profile", on_delete=fields.CASCADE
    )
    category = fields.CharField(max_length=40)
    address = fields.CharField(max_length=200)
    neighbourhood = fields.CharField(max_length=80, default="")
    # Coordinates in micro-degrees (integers): exact, comparable, no float rounding.
    latitude_e6 = fields.IntField()
    longitude_e6 = fields.IntField()
    description = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "merchant_profiles"
