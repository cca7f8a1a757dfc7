"""Installing a currency from its branding folder, and reading currencies."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from server.accounts.models import AccountKind
from server.accounts.services import create_account
from server.branding import Branding
from server.currencies.models import Currency
from server.kyc.services import ensure_default_tiers
from server.ledger.services import open_wallet
from server.ledger.signing import new_keypair

_CODE = re.compile(r"[A-Za-z][A-Za-z0-9]{1,9}")
# A new currency's adjustments above this many units wait for a second administrator.
ADJUSTMENT_APPROVAL_UNITS = 100


class CurrencyError(ValueError):
    """A currency's folder asks for a change that would corrupt existing money."""


def _fields(branding: Branding) -> dict[str, Any]:
    theme = branding.theme
    return {
        "name": theme.name,
        "full_name": theme.full_name,
        "symbol": theme.symbol,
        "decimals": theme.decimals,
        "tagline": theme.tagline,
        "default_language": theme.default_language,
        "languages": list(theme.languages),
        "timezone": theme.timezone,
        "theme": {
            "colours": theme.colours.model_dump(),
            "assets": theme.assets.model_dump(),
        },
    }


async def install_currency(branding: Branding, secret_key: str) -> tuple[Currency, bool]:
    """Creates the currency and its issuer account and wallet, or refreshes its look.

    Idempotent: a second call updates names and theme and creates nothing. Returns the
    currency and whether it was created.
    """
    currency = await Currency.get_or_none(code=branding.code)
    created = currency is None
    if currency is None:
        issuer = await create_account(AccountKind.ISSUER, branding.theme.issuer_name)
        currency = await Currency.create(
            code=branding.code,
            issuer_account=issuer,
            # 100 units whatever the decimals: 100.00 REC, 100 GRA.
            adjustment_approval_cents=ADJUSTMENT_APPROVAL_UNITS * 10**branding.theme.decimals,
            **_fields(branding),
        )
    else:
        if currency.decimals != branding.theme.decimals:
            # Amounts are stored in minor units: new decimals would rescale every balance.
            raise CurrencyError(
                f"{branding.folder.name}/theme.toml: field 'decimals': {currency.code} already "
                f"uses {currency.decimals}; it cannot change to {branding.theme.decimals}"
            )
        await currency.update_from_dict(_fields(branding)).save()
    await ensure_default_tiers(currency.id, currency.decimals)
    if not currency.checkpoint_public_key:
        public, sealed = new_keypair(secret_key)
        currency.checkpoint_public_key, currency.checkpoint_private_key_sealed = public, sealed
        await currency.save(
            update_fields=["checkpoint_public_key", "checkpoint_private_key_sealed"]
        )
    assert currency.issuer_account_id is not None  # type: ignore[attr-defined]
    await open_wallet(currency.issuer_account_id, currency.code, is_issuer=True)  # type: ignore[attr-defined]
    return currency, created


async def list_currencies() -> list[Currency]:
    return await Currency.all().order_by("code")


async def currency_codes() -> dict[int, str]:
    return {row.id: row.code for row in await Currency.all()}


async def get_currency(code: str) -> Currency | None:
    """The currency with that code (any case); None for codes that cannot exist."""
    return (await currencies_by_codes([code])).get(code)


async def currencies_by_codes(codes: Iterable[str]) -> dict[str, Currency]:
    """The currencies with these codes (any case), by the code as given, in one query;
    codes of no currency are left out."""
    wanted = {code for code in codes if _CODE.fullmatch(code)}
    if not wanted:
        return {}
    rows = {row.code: row for row in await Currency.filter(code__in=[c.upper() for c in wanted])}
    return {code: rows[code.upper()] for code in wanted if code.upper() in rows}
