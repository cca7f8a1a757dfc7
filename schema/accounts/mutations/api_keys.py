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
    mutation,
    policy,
)
from server.accounts import api_keys
from server.accounts.errors import AccountsError
from server.accounts.models import Account as AccountRow
from server.accounts.models import ApiKey as ApiKeyRow
from server.accounts.models import MemberRole


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

    @mutation(rule=SignedIn(), description="Revokes a key at once; owners of its account only.")
    async def revoke_api_key(self, info: Info, input: RevokeApiKeyInput) -> RevokeApiKeyPayload:
        principal = info.context.principal
        key_id = decode_id(input.id, "ApiKey")
        row = await ApiKeyRow.get_or_none(id=key_id) if key_id is not None else None
        # Someone else's key is answered like a missing one: nothing to learn by guessing.
        if row is None or principal.role_in(row.account_id) != MemberRole.OWNER:  # type: ignore[attr-defined]
            return RevokeApiKeyPayload(
                api_key=None, errors=[error("NOT_FOUND", "no such key", "id")]
            )
        return RevokeApiKeyPayload(
            api_key=ApiKey(row=await api_keys.revoke_api_key(row)), errors=[]
        )
