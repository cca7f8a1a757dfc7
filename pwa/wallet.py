"""The wallet's root component."""

from __future__ import annotations

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
from pwa.pay import Pay
from pwa.pay_order import PayOrder
from pwa.profile import Profile
from pwa.shop import ShopEditor
from pwa.till import Till
from pwa.top_up import BuyCurrency, TopUpOutcome
from schema.context import runtime_from_scope
from schema.operations import OperationError, execute, load_operations

OPERATIONS = load_operations(Path(__file__).parent / "operations")


LINK_PAGES = (
    "verify-email",
    "reset-password",
    "forgot-password",
    "invitation",
    "top-up",
    "pay",
    "charge",
    "map",
    "history",
    "profile",
    "accounts",
    "till",
    "shop",
)
# The signed-in screens that take no more than the currency, the language and the query.
SCREENS = {"history": History, "profile": Profile, "accounts": Accounts, "shop": ShopEditor}


def _currency_code(scope: dict[str, Any], path: str) -> str:
    # /wallet/ is the deployment's default currency; /wallet/<code>/ comes with issue 10.
    parts = [part for part in path.split("/") if part]
    if len(parts) >= 2 and parts[0] == "wallet" and parts[1] not in LINK_PAGES:
        return parts[1].upper()
    return runtime_from_scope(scope).settings.default_currency


def _link_page(scope: dict[str, Any], path: str, query: str, language: str) -> Any:
    """The page a link in our mail (or a shop's payment link) opened, if it is one."""
    parts = [part for part in path.split("/") if part]
    if len(parts) == 2 and parts[0] == "pay":
        return PayOrder(scope, parts[1], language, query)
    if len(parts) >= 2 and parts[:2] == ["wallet", "top-up"]:
        code = runtime_from_scope(scope).settings.default_currency
        if len(parts) == 3:  # back from the card payment
            return TopUpOutcome(scope, parts[2], code, language)
        return BuyCurrency(scope, code, language, query)
    if parts == ["wallet", "pay"]:
        return Pay(scope, runtime_from_scope(scope).settings.default_currency, language, query)
    if parts == ["wallet", "charge"]:
        return Charge(scope, runtime_from_scope(scope).settings.default_currency, language)
    if parts == ["wallet", "map"]:
        return Directory(scope, runtime_from_scope(scope).settings.default_currency, language)
    if len(parts) == 2 and parts[0] == "wallet" and parts[1] in SCREENS:
        code = runtime_from_scope(scope).settings.default_currency
        return SCREENS[parts[1]](scope, code, language, query)
    if len(parts) in (2, 3) and parts[:2] == ["wallet", "till"]:
        code = runtime_from_scope(scope).settings.default_currency
        return Till(scope, code, language, parts[2] if len(parts) == 3 else "", query)
    page = path.rstrip("/").rsplit("/", 1)[-1]
    if page == "forgot-password":
        return ForgotPassword(scope, language)
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
        try:
            data = await execute(
                scope, OPERATIONS["WalletCurrency"], {"code": _currency_code(scope, location.path)}
            )
        except OperationError as error:
            set_problem(str(error))
            return
        set_currency(data["currency"])

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
        _link_page(scope, location.path, location.query_string, currency["defaultLanguage"])
        or Home(scope, currency, location.query_string),
    )
