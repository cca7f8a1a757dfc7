"""API keys of business accounts: scoped, shown once, stored hashed, revocable."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from server import clock
from server.accounts.errors import AccountsError
from server.accounts.models import Account, AccountKind, ApiKey, User
from server.accounts.tokens import token_hash

SCOPES = ("payment_orders:read", "payment_orders:write", "refunds:write", "webhooks:write")
KEYS_PER_ACCOUNT_MAX = 50


@dataclass(frozen=True)
class NewApiKey:
    key: ApiKey
    secret: str  # `reck_<lookup>_<secret>`: shown once, never stored


async def create_api_key(account: Account, name: str, scopes: list[str], by: User) -> NewApiKey:
    name = name.strip()
    if not 1 <= len(name) <= 80:
        raise AccountsError("INVALID_INPUT", "name", "give the key a name of 1 to 80 characters")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise AccountsError(
            "INVALID_INPUT", "scopes", f"choose scopes among {', '.join(SCOPES)}; got {unknown}"
        )
    if account.kind != AccountKind.BUSINESS:
        raise AccountsError("INVALID_INPUT", "accountId", "API keys belong to business accounts")
    if await ApiKey.filter(account=account, revoked_at=None).count() >= KEYS_PER_ACCOUNT_MAX:
        raise AccountsError("LIMIT_EXCEEDED", "accountId", "too many active keys; revoke some")
    lookup, secret = secrets.token_hex(6), secrets.token_urlsafe(32).replace("_", "-")
    key = await ApiKey.create(
        account=account,
        name=name,
        lookup=lookup,
        secret_hash=token_hash(secret),
        scopes=sorted(set(scopes)),
        created_by=by,
    )
    return NewApiKey(key=key, secret=f"reck_{lookup}_{secret}")


async def revoke_api_key(key: ApiKey) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = clock.now()
        await key.save(update_fields=["revoked_at"])
    return key


async def keys_of(account_id: int) -> list[ApiKey]:
    return await ApiKey.filter(account_id=account_id).order_by("-id")
