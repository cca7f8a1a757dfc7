"""The wallet's root component."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from reactpy import component, html, use_async_effect, use_location, use_scope, use_state

from pwa.account_links import (
    AcceptInvitation,
    ForgotPassword,
    ResetPassword,
    VerifyEmail,
    token_from,
)
from pwa.accounts import Accounts
from pwa.charge import Charge
from pwa.directory import Directory
from pwa.history import History
from pwa.home import Home
from pwa.paths import split_wallet_path
from pwa.pay import Pay
from pwa.pay_order import PayOrder
from pwa.profile import Profile
from pwa.shop import ShopEditor
from pwa.texts import branded, problem_text
from pwa.till import Till
from pwa.top_up import BuyCurrency, TopUpOutcome
from schema.context import runtime_from_scope
from schema.operations import OperationError, execute, load_operations

OPERATIONS = load_operations(Path(__file__).parent / "operations")

# The signed-in screens that take no more than the currency, the language and the query.
SCREENS = {"history": History, "profile": Profile, "accounts": Accounts, "shop": ShopEditor}


def _default_code(scope: dict[str, Any]) -> str:
    return str(runtime_from_scope(scope).default_branding.code)


def _currency_code(scope: dict[str, Any], path: str) -> str:
    """The currency of the address: /wallet/<code>/...; the deployment's default otherwise
    (a payment link's currency is its order's: see `Wallet`)."""
    found = split_wallet_path(path)
    return found[0] if found else _default_code(scope)


async def _order_currency(scope: dict[str, Any], order_key: str) -> str | None:
    """The currency a shop's payment link (/pay/<order>) asks to be paid in."""
    global_id = base64.b64encode(f"PaymentOrder:{order_key[:64]}".encode()).decode()
    try:
        data = await execute(scope, OPERATIONS["WalletPaymentOrder"], {"id": global_id})
    except OperationError:
        return None
    order = data["paymentOrder"]
    return order["amount"]["currency"] if order else None


def _link_page(scope: dict[str, Any], code: str, path: str, query: str, language: str) -> Any:
    """The page of this currency's wallet the address names, or a shop's payment link;
    None for the wallet's home."""
    parts = [part for part in path.split("/") if part]
    if len(parts) == 2 and parts[0] == "pay":
        return PayOrder(scope, parts[1], language, query)
    found = split_wallet_path(path)
    if found is None or not found[1]:
        return None
    page, key = (found[1] + [""])[:2]
    if page == "top-up":
        if key:  # back from the card payment
            return TopUpOutcome(scope, key, code, language)
        return BuyCurrency(scope, code, language, query)
    if page == "pay":
        return Pay(scope, code, language, query)
    if page == "charge":
        return Charge(scope, code, language)
    if page == "map":
        return Directory(scope, code, language)
    if page in SCREENS:
        return SCREENS[page](scope, code, language, query)
    if page == "till":
        return Till(scope, code, language, key, query)
    if page == "forgot-password":
        return ForgotPassword(scope, code, language)
    if page == "verify-email":
        return VerifyEmail(scope, token_from(query), language)
    if page == "reset-password":
        return ResetPassword(scope, token_from(query), language)
    if page == "invitation":
        return AcceptInvitation(scope, token_from(query), language)
    return None


@component
def Wallet():  # type: ignore[no-untyped-def]
    scope = use_scope()
    location = use_location()
    currency, set_currency = use_state(None)
    problem, set_problem = use_state("")

    @use_async_effect(dependencies=[])
    async def load() -> None:
        parts = [part for part in location.path.split("/") if part]
        code = _currency_code(scope, location.path)
        if len(parts) == 2 and parts[0] == "pay":  # a payment link: in its order's currency
            code = await _order_currency(scope, parts[1]) or code
        try:
            data = await execute(scope, OPERATIONS["WalletCurrency"], {"code": code})
        except OperationError as error:
            set_problem(str(error))
            return
        if data["currency"] is None:  # a branding folder whose currency is not installed
            set_problem(problem_text("en", "UNAVAILABLE", ""))
            return
        found = data["currency"]
        # The currency's own words (branding/<code>/texts/<language>.toml) travel with
        # the language every screen is given: pwa.texts.text prefers them.
        branding = runtime_from_scope(scope).brandings.get(found["code"])
        if branding is not None:
            language = branded(found["defaultLanguage"], branding.texts, branding.theme.languages)
            found = {**found, "defaultLanguage": language}
        set_currency(found)

    if problem:
        return html.main({"className": "shell error", "role": "alert"}, problem)
    if currency is None:
        return html.main({"className": "shell loading", "aria-busy": "true"}, "…")
    return html.main(
        {"className": "shell", "data-testid": "wallet-home"},
        html.header(
            {"className": "brand"},
            html.img({"src": currency["theme"]["logoUrl"], "alt": "", "className": "logo"}),
            html.h1({"data-testid": "currency-name"}, currency["name"]),
        ),
        html.p({"className": "tagline"}, currency["tagline"]),
        _link_page(
            scope,
            currency["code"],
            location.path,
            location.query_string,
            currency["defaultLanguage"],
        )
        or Home(scope, currency, location.query_string),
    )
