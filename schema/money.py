"""Money in the API: a decimal string beside a currency code, never a float."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import strawberry

from schema.permissions import PUBLIC, policy


@policy(PUBLIC)
@strawberry.type(description='An amount, e.g. { amount: "12.50", currency: "REC" }.')
class Money:
    amount: str = strawberry.field(description="A decimal string with the currency's decimals.")
    currency: str


def to_money(cents: int, currency: str, decimals: int) -> Money:
    return Money(amount=format_minor_units(cents, decimals), currency=currency)


def format_minor_units(cents: int, decimals: int) -> str:
    return f"{Decimal(cents).scaleb(-decimals):.{decimals}f}"


def parse_amount(text: str, decimals: int) -> int | None:
    """Minor units of a decimal string ("12.50" -> 1250), or None when it is not one."""
    text = text.strip()
    if not text or len(text) > 30 or any(c not in "0123456789.-" for c in text):
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    minor = value.scaleb(decimals)
    if minor != minor.to_integral_value():
        return None  # more decimals than the currency has
    return int(minor)
