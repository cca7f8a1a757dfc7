"""API keys of business accounts."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from schema.accounts.types import ApiKey
from schema.errors import MutationError, error, from_domain
from schema.permissions import (
    THROUGH_PARENT,
    AccountRole,
    SignedIn,
    decode_account_id,
    decode_id,
    forbidden,
    mutation,
    policy,
)
from server.accounts import api_keys, audit
from server.accounts.errors import AccountsError
from server.accounts.models import Account as AccountRow
from server.accounts.models import AdminRole, MemberRole
from server.accounts.models import ApiKey as ApiKeyRow


@strawberry.input
class CreateApiKeyInput:
    account_id: strawberry.ID
    name: str
    scopes: list[str] = strawberry.field(
        description="Any of payment_orders:read, payment_orders:write, refunds:write, "
        "webhooks:write."
    )


@policy(THROUGH_PARENT)
@strawberry.type
class CreateApiKeyPayload:
    api_key: ApiKey | None
    secret: str | None = strawberry.field(description="The key itself: shown this once only.")
    errors: list[MutationError]


@strawberry.input
class RevokeApiKeyInput:
    id: strawberry.ID
    reason: str = strawberry.field(
        default="", description="Why: required of a superadmin revoking another's key."
    )


@policy(THROUGH_PARENT)
@strawberry.type
class RevokeApiKeyPayload:
    api_key: ApiKey | None
    errors: list[MutationError]


@strawberry.type
class ApiKeyMutations:
    @mutation(rule=AccountRole([MemberRole.OWNER]), description="Returns the secret once.")
    async def create_api_key(self, info: Info, input: CreateApiKeyInput) -> CreateApiKeyPayload:
        account_id = decode_account_id(input.account_id)
        account = await AccountRow.get_or_none(id=account_id) if account_id else None
        if account is None:
            missing = [error("NOT_FOUND", "no such account", "accountId")]
            return CreateApiKeyPayload(api_key=None, secret=None, errors=missing)
        if len(input.scopes) > 20:
            too_many = [error("INVALID_INPUT", "at most 20 scopes", "scopes")]
            return CreateApiKeyPayload(api_key=None, secret=None, errors=too_many)
        try:
            created = await api_keys.create_api_key(
                account, input.name, input.scopes, info.context.principal.user
            )
        except AccountsError as problem:
            return CreateApiKeyPayload(api_key=None, secret=None, errors=from_domain(problem))
        return CreateApiKeyPayload(
            api_key=ApiKey(row=created.key), secret=created.secret, errors=[]
        )

    @mutation(
        rule=SignedIn(),
        description="Revokes a key at once: owners of its account; or a superadmin, with a "
        "reason, audited. Other administrators are refused (FORBIDDEN).",
    )
    async def revoke_api_key(self, info: Info, input: RevokeApiKeyInput) -> RevokeApiKeyPayload:
        principal = info.context.principal
        key_id = decode_id(input.id, "ApiKey")
        row = await ApiKeyRow.get_or_none(id=key_id) if key_id is not None else None
        owner = row is not None and principal.role_in(row.account_id) == MemberRole.OWNER  # type: ignore[attr-defined]
        if not owner and principal.admin_roles:
            if AdminRole.SUPERADMIN not in principal.admin_roles:
                raise forbidden("only superadmins revoke other accounts' keys")
            if row is not None:
                return await _revoke_as_superadmin(info, row, input.reason)
        # Someone else's key is answered like a missing one: nothing to learn by guessing.
        if row is None or not owner:
            return RevokeApiKeyPayload(
                api_key=None, errors=[error("NOT_FOUND", "no such key", "id")]
            )
        return RevokeApiKeyPayload(
            api_key=ApiKey(row=await api_keys.revoke_api_key(row)), errors=[]
        )


async def _revoke_as_superadmin(info: Info, row: ApiKeyRow, reason: str) -> RevokeApiKeyPayload:
    if not reason.strip() or len(reason) > 500:
        problem = error("INVALID_INPUT", "say why, for the audit log (at most 500)", "reason")
        return RevokeApiKeyPayload(api_key=None, errors=[problem])
    was = row.revoked_at
    revoked = await api_keys.revoke_api_key(row)
    if was is None:
        await audit.record(
            info.context.principal.user,
            "api_key.revoke",
            "api_key",
            row.id,
            before={"account_id": row.account_id, "name": row.name, "revoked_at": None},  # type: ignore[attr-defined]
            after={"revoked_at": revoked.revoked_at.isoformat() if revoked.revoked_at else None},
            reason=reason.strip(),
        )
    return RevokeApiKeyPayload(api_key=ApiKey(row=revoked), errors=[])
