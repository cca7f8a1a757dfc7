"""Money in the API: a decimal string beside a currency code, never a float."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import strawberry

from schema.errors import MutationError, error
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


def positive_amount(text: str, currency: Any) -> tuple[int | None, list[MutationError]]:
    """The minor units of an input amount in that currency (a Currency row, or None when
    the code named none), or the errors that say why not: NOT_FOUND on `currency`,
    INVALID_AMOUNT on `amount`."""
    if currency is None:
        return None, [error("NOT_FOUND", "no such currency", "currency")]
    cents = parse_amount(text, currency.decimals)
    if cents is None or cents <= 0:
        message = f"a positive amount with at most {currency.decimals} decimals"
        return None, [error("INVALID_AMOUNT", message, "amount")]
    return cents, []
