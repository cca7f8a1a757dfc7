"""Money, numbers and dates in the person's language, with Babel (CLDR's rules).

Amounts come from the API as decimal strings ("12.50"); they are shown with the locale's
separators and the currency's code after them, so that REC reads "12,50 REC" in Catalan
and "12.50 REC" in English. Never through a float.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.numbers import format_decimal

LOCALES = {"ca": "ca_ES", "es": "es_ES", "en": "en_GB"}


def locale_of(language: str) -> str:
    return LOCALES.get(language, "en_GB")


def money(amount: str, currency: str, language: str, decimals: int | None = None) -> str:
    """ "12.50", "REC", "ca" -> "12,50 REC"; the decimals are the amount's own."""
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError):
        return f"{amount} {currency}"
    places = decimals if decimals is not None else max(0, -value.as_tuple().exponent)  # type: ignore[operator]
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return f"{format_decimal(value, format=pattern, locale=locale_of(language))} {currency}"


def signed_money(amount: str, currency: str, language: str, incoming: bool) -> str:
    """An amount in a history: "+12,50 REC" in, "−12,50 REC" out (a true minus sign)."""
    return ("+" if incoming else "\u2212") + money(amount, currency, language)


def when(moment: str | datetime, language: str, timezone: str = "Europe/Madrid") -> str:
    """A date and time in the person's language and the currency's time zone, short."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return format_datetime(
        moment, format="short", tzinfo=ZoneInfo(timezone), locale=locale_of(language)
    )
