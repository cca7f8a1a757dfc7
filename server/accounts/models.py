"""People, the accounts they act as, and who may do what."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class AccountKind(StrEnum):
    PERSONAL = "personal"
    BUSINESS = "business"
    ISSUER = "issuer"  # one per currency; its balance is minus the supply in circulation


class MemberRole(StrEnum):
    HOLDER = "holder"  # the person of a personal account
    OWNER = "owner"
    MANAGER = "manager"
    CASHIER = "cashier"


class AdminRole(StrEnum):
    SUPERADMIN = "superadmin"
    KYC_OFFICER = "kyc_officer"
    TREASURER = "treasurer"
    SUPPORT = "support"


class User(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    password_hash = fields.CharField(max_length=255)
    name = fields.CharField(max_length=120)
    language = fields.CharField(max_length=5, default="ca")
    is_active = fields.BooleanField(default=True)
    email_verified_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    memberships: fields.ReverseRelation[Membership]

    class Meta:
        table = "users"


class Account(Model):
    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(AccountKind, max_length=16)
    name = fields.CharField(max_length=120)
    handle = fields.CharField(max_length=32, unique=True)
    kyc_tier = fields.SmallIntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "accounts"


class Membership(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "rec.User", related_name="memberships", on_delete=fields.CASCADE
    )
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "rec.Account", related_name="memberships", on_delete=fields.CASCADE
    )
    role = fields.CharEnumField(MemberRole, max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "memberships"
        unique_together = (("user", "account"),)


class AdminGrant(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "rec.User", related_name="admin_grants", on_delete=fields.CASCADE
    )
    role = fields.CharEnumField(AdminRole, max_length=16)
    granted_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "rec.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "admin_grants"
        unique_together = (("user", "role"),)
