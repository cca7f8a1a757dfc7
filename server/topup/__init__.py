"""Buying currency with euros (top-ups) and shops turning it back into euros (redemptions)."""

from __future__ import annotations

from server.settings import Settings
from server.topup.providers import PaymentProvider
from server.topup.sandbox import SandboxProvider, sandbox_key


def provider_for(settings: Settings) -> PaymentProvider:
    """The card gateway the settings name: Redsys, or the sandbox processor."""
    if settings.payment_provider == "redsys":
        from server.topup.redsys import RedsysProvider

        return RedsysProvider(
            merchant_code=settings.redsys_merchant_code,
            terminal=settings.redsys_terminal,
            secret_key=settings.redsys_secret_key,
            environment=settings.redsys_environment,
        )
    return SandboxProvider(sandbox_key(settings.secret_key), settings.public_url)
