"""Which wallet an emailed link opens: the currency's the person was in when they asked."""

from __future__ import annotations

from typing import Any

from schema.errors import MutationError, error


def wallet_url(context: Any, currency: str | None) -> tuple[str, list[MutationError]]:
    """`<base>/wallet/<code>` for a currency this deployment serves, so that the mail's
    link (confirm the email, reset the password, an invitation) opens that currency's
    wallet; `<base>/wallet` when none is named, which redirects to the host's or the
    default currency's. An unknown code is refused (INVALID_INPUT, field `currency`)."""
    if currency is None:
        return f"{context.base_url}/wallet", []
    code = currency.strip().upper()
    if code not in context.runtime.brandings:
        known = ", ".join(sorted(context.runtime.brandings))
        return "", [error("INVALID_INPUT", f"no currency {code} (served: {known})", "currency")]
    return f"{context.base_url}/wallet/{code.lower()}", []
