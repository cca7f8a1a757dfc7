"""Currency settings: each currency of the deployment as its branding folder made it, and
the chosen one in detail: its names, languages, time zone, a sample of its look, and its
tiers' limits (which superadmins edit here, as in the KYC section)."""

from __future__ import annotations

from typing import Any

from reactpy import component, html, use_async_effect, use_state

from admin_ui.kyc import TierLimits
from admin_ui.ui import OPERATIONS, table
from schema.operations import OperationError, execute

HEADINGS = [
    "",
    "Code",
    "Name",
    "Full name",
    "Symbol",
    "Decimals",
    "Languages",
    "Time zone",
    "Colours",
]


def _currency_row(currency: dict[str, Any]) -> Any:
    theme = currency["theme"]
    return html.tr(
        {"key": currency["code"], "data-testid": f"currency-{currency['code']}"},
        html.td(html.img({"src": theme["logoUrl"], "alt": "", "className": "logo-small"})),
        html.td(html.strong(currency["code"])),
        html.td(currency["name"]),
        html.td(currency["fullName"]),
        html.td(currency["symbol"]),
        html.td(str(currency["decimals"])),
        html.td(", ".join(currency["languages"])),
        html.td(currency["timezone"]),
        html.td(
            html.span({"className": "swatch", "style": {"background": theme["primaryColor"]}}),
            html.span({"className": "swatch", "style": {"background": theme["secondaryColor"]}}),
        ),
    )


@component
def CurrencySettings(scope: dict[str, Any], viewer: dict[str, Any], currency: str, rest: str):  # type: ignore[no-untyped-def]
    currencies, set_currencies = use_state(None)
    failure, set_failure = use_state("")

    @use_async_effect(dependencies=[])
    async def load() -> None:
        try:
            set_currencies((await execute(scope, OPERATIONS["AdminCurrencies"]))["currencies"])
        except OperationError as problem:
            set_failure(str(problem))

    if failure:
        return html.p({"role": "alert"}, failure)
    if currencies is None:
        return html.section({"aria-busy": "true"}, "…")
    chosen = next((c for c in currencies if c["code"] == currency), None)
    return html.section(
        {"data-testid": "section-settings"},
        html.h2("Currencies"),
        table("currencies", HEADINGS, [_currency_row(c) for c in currencies]),
        _details(chosen) if chosen else "",
        TierLimits(scope, viewer, chosen["code"]) if chosen else "",
    )


def _theme_variables(theme: dict[str, str]) -> dict[str, str]:
    """The currency's colours as the CSS variables the wallet's stylesheet draws with."""
    return {
        "--primary": theme["primaryColor"],
        "--on-primary": theme["onPrimaryColor"],
        "--secondary": theme["secondaryColor"],
        "--background": theme["backgroundColor"],
        "--surface": theme["surfaceColor"],
        "--text": theme["textColor"],
    }


def _wallet_sample(currency: dict[str, Any]) -> Any:
    """A wallet's home card drawn with the currency's own colours (and the wallet's font)."""
    theme = currency["theme"]
    unit = "0" * currency["decimals"]
    amount = f"125.{unit}" if unit else "125"
    return html.figure(
        {"className": "admin-theme-sample", "data-testid": "theme-sample"},
        html.div(
            {"className": "admin-wallet-sample", "style": _theme_variables(theme)},
            html.div(
                {"className": "admin-wallet-brand"},
                html.img({"src": theme["logoUrl"], "alt": f"{currency['name']} logo"}),
                html.strong(currency["name"]),
            ),
            html.p({"className": "admin-wallet-tagline"}, currency["tagline"]),
            html.div(
                {"className": "admin-wallet-card"},
                html.p({"className": "muted"}, "Balance"),
                html.p({"className": "admin-wallet-amount"}, f"{amount} {currency['symbol']}"),
                html.span({"className": "admin-wallet-button"}, "Pay"),
                html.span({"className": "admin-wallet-button secondary"}, "Receive"),
                html.span({"className": "admin-wallet-accent"}, "New offer"),
            ),
        ),
        html.figcaption(
            {"className": "muted"},
            "A wallet card in this currency's colours.",
        ),
    )


def _colour_list(theme: dict[str, str]) -> Any:
    names = (
        ("primaryColor", "Primary"),
        ("onPrimaryColor", "On primary"),
        ("secondaryColor", "Secondary"),
        ("backgroundColor", "Background"),
        ("surfaceColor", "Surface"),
        ("textColor", "Text"),
    )
    return html.ul(
        {"className": "admin-colours"},
        *[
            html.li(
                {"key": key},
                html.span({"className": "swatch", "style": {"background": theme[key]}}),
                f" {label} ",
                html.code(theme[key]),
            )
            for key, label in names
        ],
    )


def _details(currency: dict[str, Any]) -> Any:
    code = currency["code"]
    source = f"branding/{code.lower()}/theme.toml"
    languages = ", ".join(
        f"{lang} (default)" if lang == currency["defaultLanguage"] else lang
        for lang in currency["languages"]
    )
    facts = (
        ("Code", code),
        ("Name", currency["name"]),
        ("Full name", currency["fullName"]),
        ("Symbol", currency["symbol"]),
        ("Decimals", str(currency["decimals"])),
        ("Languages", languages),
        ("Time zone", currency["timezone"]),
    )
    return html.section(
        {
            "className": "admin-currency",
            "data-testid": f"currency-details-{code}",
            "aria-labelledby": "currency-heading",
        },
        html.h3({"id": "currency-heading"}, f"{currency['fullName']}"),
        html.p(
            {"className": "muted", "data-testid": "branding-note"},
            "Read-only here: from ",
            html.code(source),
            ", read again at each start.",
        ),
        html.div(
            {"className": "admin-currency-body"},
            html.dl(
                {"className": "admin-facts"},
                *[
                    item
                    for label, value in facts
                    for item in (
                        html.dt({"key": f"t-{label}"}, label),
                        html.dd({"key": f"d-{label}"}, value),
                    )
                ],
                html.dt("Colours"),
                html.dd(_colour_list(currency["theme"])),
            ),
            _wallet_sample(currency),
        ),
        html.p(
            html.a(
                {"href": f"/admin/kyc?currency={code}#tiers"},
                "Tier limits also show in the KYC section",
            ),
            ": superadmins edit them in either place.",
        ),
    )
