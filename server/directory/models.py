"""Shops on the map: where they are, what they are, when they open, what they offer."""

from __future__ import annotations

from enum import StrEnum

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
    # The photo's file under the data folder's photos/: its SHA-256 and extension
    # ("<64 hex>.png"), so its address changes with its content. Null: no photo.
    photo = fields.CharField(max_length=80, null=True)
    # Written by the directory's services from the account's name and the fields above:
    # folded (lower case, no accents) in Python, so that ordering by name and searching
    # behave alike on SQLite and PostgreSQL, whatever their collations do with accents.
    # (A database default too: existing rows get one when the columns are added.)
    sort_name = fields.CharField(max_length=255, default="", db_default="", db_index=True)
    search_text = fields.TextField(default="", db_default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True, null=True)

    class Meta:
        table = "merchant_profiles"


class OpeningRange(Model):
    """One opening of a week day, in minutes after local midnight.

    `day` is 0 (Monday) to 6 (Sunday). A close before the open runs past midnight into the
    next day, and a close of 1440 is the midnight at the day's end.
    """

    id = fields.IntField(primary_key=True)
    profile: fields.ForeignKeyRelation[MerchantProfile] = fields.ForeignKeyField(
        "rec.MerchantProfile", related_name="opening_ranges", on_delete=fields.CASCADE
    )
    day = fields.SmallIntField()
    opens_minute = fields.SmallIntField()
    closes_minute = fields.SmallIntField()

    class Meta:
        table = "merchant_opening_ranges"


class HoursException(Model):
    """A date whose openings replace the weekly ones.

    `ranges` holds [opens, closes] minute pairs read as in OpeningRange, and an empty list
    means closed all day.
    """

    id = fields.IntField(primary_key=True)
    profile: fields.ForeignKeyRelation[MerchantProfile] = fields.ForeignKeyField(
        "rec.MerchantProfile", related_name="hours_exceptions", on_delete=fields.CASCADE
    )
    on_date = fields.DateField()
    ranges: fields.Field[list[list[int]]] = fields.JSONField(default=list)

    class Meta:
        table = "merchant_hours_exceptions"
        unique_together = (("profile", "on_date"),)


class OfferKind(StrEnum):
    CLASSIC = "classic"  # a text: "a coffee and a croissant for 2 REC"
    PERCENTAGE = "percentage"  # percent_off off the price
    FREE = "free"  # an item given free, named by the title


class Offer(Model):
    """A shop's offer, live from its first to its last day.

    Both dates are inclusive and local to the currency's time zone, and a null `ends_on`
    means no end. Offers end by themselves: nothing needs to update them.
    """

    id = fields.IntField(primary_key=True)
    profile: fields.ForeignKeyRelation[MerchantProfile] = fields.ForeignKeyField(
        "rec.MerchantProfile", related_name="offers", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(OfferKind, max_length=16)
    title = fields.CharField(max_length=80)
    description = fields.TextField(default="")
    percent_off = fields.SmallIntField(null=True)
    starts_on = fields.DateField()
    ends_on = fields.DateField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "merchant_offers"
