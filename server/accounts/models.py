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
    # TOTP two-factor: the secret (base32) once set up; enabled once a code confirmed it.
    totp_secret = fields.CharField(max_length=64, null=True)
    totp_enabled_at = fields.DatetimeField(null=True)
    totp_last_step = fields.BigIntField(default=0)  # a code is accepted once
    pin_hash = fields.CharField(max_length=255, null=True)
    pin_failures = fields.SmallIntField(default=0)
    # While one app process checks this person's PIN, until when it holds the turn.
    pin_check_until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    memberships: fields.ReverseRelation[Membership]

    class Meta:
        table = "users"


class Account(Model):
    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(AccountKind, max_length=16)
    name = fields.CharField(max_length=120)
    handle = fields.CharField(max_length=32, unique=True)
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
    # The currencies the role applies to, as comma-separated codes ("GRA,REC"); empty: all.
    currencies = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "admin_grants"
        unique_together = (("user", "role"),)

    @property
    def currency_codes(self) -> frozenset[str] | None:
        """The currencies the role applies to; None for every currency."""
        return parse_currency_codes(self.currencies)


def parse_currency_codes(stored: str) -> frozenset[str] | None:
    """AdminGrant.currencies read: "GRA,REC" -> {"GRA", "REC"}; "" -> None (all)."""
    codes = frozenset(code.strip().upper() for code in stored.split(",") if code.strip())
    return codes or None


def format_currency_codes(codes: frozenset[str] | None) -> str:
    """AdminGrant.currencies written: sorted codes, comma-separated; "" for all."""
    return ",".join(sorted(codes)) if codes else ""


class Session(Model):
    """A signed-in browser or program. Only the token's SHA-256 is stored."""

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "rec.User", related_name="sessions", on_delete=fields.CASCADE
    )
    active_account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "rec.Account", related_name=False, on_delete=fields.CASCADE
    )
    two_factor_passed = fields.BooleanField(default=False)
    ip = fields.CharField(max_length=64, default="")
    user_agent = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True)

    class Meta:
        table = "sessions"


class SignInThrottle(Model):
    """Failed sign-ins per IP address or per email, for growing delays."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=300, unique=True)
    failures = fields.IntField(default=0)
    last_failure_at = fields.DatetimeField()
    blocked_until = fields.DatetimeField(null=True)

    class Meta:
        table = "sign_in_throttles"


class TokenPurpose(StrEnum):
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"
    INVITATION = "invitation"


class OneTimeToken(Model):
    """A single-use, expiring token sent by email. Only its SHA-256 is stored."""

    id = fields.IntField(primary_key=True)
    purpose = fields.CharEnumField(TokenPurpose, max_length=20)
    token_hash = fields.CharField(max_length=64, unique=True)
    email = fields.CharField(max_length=254)
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "rec.User", related_name=False, null=True, on_delete=fields.CASCADE
    )
    # For invitations: the account and the role offered.
    account: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "rec.Account", related_name=False, null=True, on_delete=fields.CASCADE
    )
    role = fields.CharField(max_length=16, null=True)
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "rec.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "one_time_tokens"


class ApiKey(Model):
    """A business account's key for programs: `reck_<lookup>_<secret>`, shown once."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "rec.Account", related_name="api_keys", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=80)
    lookup = fields.CharField(max_length=16, unique=True)
    secret_hash = fields.CharField(max_length=64)
    scopes: fields.Field[list[str]] = fields.JSONField(default=list)
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "rec.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_keys"


class AuditEntry(Model):
    """One administrative action. Append-only: rows are never updated or deleted."""

    id = fields.IntField(primary_key=True)
    actor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "rec.User", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    actor_label = fields.CharField(max_length=254)  # kept even if the user goes
    action = fields.CharField(max_length=80)
    target_type = fields.CharField(max_length=40)
    target_id = fields.CharField(max_length=64)
    before: fields.Field[dict] = fields.JSONField(null=True)
    after: fields.Field[dict] = fields.JSONField(null=True)
    reason = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "audit_log"

    async def save(self, *args, **kwargs):  # type: ignore[no-untyped-def,override]
        if self._saved_in_db:
            raise PermissionError("the audit log is append-only")
        await super().save(*args, **kwargs)

    async def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def,override]
        raise PermissionError("the audit log is append-only")
