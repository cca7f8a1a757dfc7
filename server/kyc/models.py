"""KYC: each currency's tiers and their limits, accounts' documents, officers' decisions."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class DocumentKind(StrEnum):
    ID_DOCUMENT = "id_document"  # DNI, NIE or passport
    PROOF_OF_ADDRESS = "proof_of_address"
    COMPANY_REGISTRATION = "company_registration"


class DocumentStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    DECLINED = "declined"
    EXPIRED = "expired"


class KycTier(Model):
    """A level of a currency: what an account at it may do.

    Limits are in minor units, and null means no limit. (No semicolons in model docstrings:
    Tortoise turns them into SQL comments and splits statements on them.)
    """

    id = fields.IntField(primary_key=True)
    currency: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "rec.Currency", related_name="kyc_tiers", on_delete=fields.CASCADE
    )
    level = fields.SmallIntField()
    name = fields.CharField(max_length=40)
    can_send = fields.BooleanField(default=False)
    per_payment_cents = fields.BigIntField(null=True)
    monthly_cents = fields.BigIntField(null=True)
    max_balance_cents = fields.BigIntField(null=True)
    on_map = fields.BooleanField(default=False)
    required_documents: fields.Field[list[str]] = fields.JSONField(default=list)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "kyc_tiers"
        unique_together = (("currency", "level"),)
        ordering = ["level"]


class KycOverride(Model):
    """A tier set by an officer by hand for one account in one currency (audited)."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "rec.Account", related_name=False, on_delete=fields.CASCADE
    )
    currency: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "rec.Currency", related_name=False, on_delete=fields.CASCADE
    )
    level = fields.SmallIntField()
    set_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "rec.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "kyc_overrides"
        unique_together = (("account", "currency"),)


class KycDocument(Model):
    """An uploaded document. The file lives outside the database, under a random name."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "rec.Account", related_name=False, on_delete=fields.CASCADE
    )
    uploaded_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "rec.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    kind = fields.CharEnumField(DocumentKind, max_length=32)
    status = fields.CharEnumField(DocumentStatus, max_length=16, default=DocumentStatus.SUBMITTED)
    stored_name = fields.CharField(max_length=64, unique=True)
    content_type = fields.CharField(max_length=40)
    size_bytes = fields.IntField()
    sha256 = fields.CharField(max_length=64)
    reason = fields.TextField(default="")
    reviewed_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "rec.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    reviewed_at = fields.DatetimeField(null=True)
    expires_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "kyc_documents"
