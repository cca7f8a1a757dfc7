"""Buying currency by card: the amount, then the payment provider's page, then back here
to see the outcome arrive live.

Coming back from the provider proves nothing: the screen shows what the platform knows
(PENDING until the provider's signed notification) and changes by itself when the
top-up's event arrives. A failed start keeps the amount typed, and a retry uses the same
idempotency key, so a double click never starts two payments.
"""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs

from reactpy import component, event, html, use_async_effect, use_state

from pwa.forms import sign_in_fields
from pwa.paths import SIGN_IN, wallet_path
from pwa.texts import TOP_UP_PROBLEMS, problem_text, speak, text
from schema.operations import OperationError, execute, load_operations, subscribe

OPERATIONS = load_operations(Path(__file__).parent / "operations")
AMOUNT_LENGTH_MAX = 12


def _money(money: dict[str, str]) -> str:
    return f"{money['amount']} {money['currency']}"


def _problem(language: str, problem: dict[str, Any], minimum: str) -> str:
    options = TOP_UP_PROBLEMS.get(problem["code"])
    if options is not None:
        return (options.get(language) or options["en"]).format(minimum=minimum)
    return problem_text(language, problem["code"], problem["message"])


def _sign_in(language: str, back: str, error_code: str) -> Any:
    return html.form(
        {"method": "post", "action": SIGN_IN, "className": "card stack"},
        html.p(text(language, "sign_in_to_buy")),
        html.input({"type": "hidden", "name": "next", "value": back}),
        *sign_in_fields(language, lambda name: {"data-testid": f"sign-in-{name}"}),
        html.p({"className": "error", "role": "alert"}, problem_text(language, error_code, ""))
        if error_code
        else "",
        html.button({"type": "submit"}, text(language, "sign_in")),
    )


@component
def BuyCurrency(scope: dict[str, Any], currency_code: str, language: str, query_string: str):  # type: ignore[no-untyped-def]
    buyer, set_buyer = use_state(cast(Any, None))
    loaded, set_loaded = use_state(False)
    amount, set_amount = use_state("")
    problem, set_problem = use_state(cast(Any, None))
    busy, set_busy = use_state(False)
    going_to, set_going_to = use_state("")
    idempotency_key, set_key = use_state(lambda: uuid.uuid4().hex)

    @use_async_effect(dependencies=[])
    async def load() -> None:
        try:
            set_buyer(await execute(scope, OPERATIONS["WalletBuyer"], {"currency": currency_code}))
        except OperationError:
            set_buyer(None)
        set_loaded(True)

    async def start(_: Any) -> None:
        if busy:
            return
        set_busy(True)
        set_problem(None)
        variables = {
            "input": {
                "amount": amount.strip().replace(",", "."),
                "currency": currency_code,
                "idempotencyKey": idempotency_key,
            }
        }
        try:
            result = (await execute(scope, OPERATIONS["WalletStartTopUp"], variables))["startTopUp"]
        except OperationError:
            set_problem({"code": "UNAVAILABLE", "message": "", "field": None})
            set_busy(False)
            return
        if result["errors"]:
            set_problem(result["errors"][0])
            set_key(uuid.uuid4().hex)  # nothing was started: a new amount is a new request
            set_busy(False)
            return
        set_going_to(result["topUp"]["redirectUrl"])

    if not loaded:
        return html.p({"aria-busy": "true"}, "…")
    if buyer is None or buyer["viewer"] is None or buyer["currency"] is None:
        error_code = parse_qs(query_string.lstrip("?")).get("error", [""])[0][:40]
        return _sign_in(language, wallet_path(currency_code, "top-up"), error_code)
    language = speak(buyer["viewer"]["user"]["language"], language)
    currency = buyer["currency"]
    minimum = _money(currency["topUpMinimum"])
    wallet = (buyer["viewer"]["activeAccount"] or {}).get("wallet")
    if going_to:  # on to the provider's page
        return html.div(
            html.p({"role": "status", "data-testid": "buy-going"}, text(language, "buy_going")),
            html.script(f"window.location.assign({json.dumps(going_to)});"),
        )
    return html.form(
        {"onSubmit": event(start, prevent_default=True), "className": "card stack"},
        html.h2(text(language, "buy_title").format(currency=currency["code"])),
        html.p(
            {"className": "muted", "data-testid": "buy-balance"},
            text(language, "balance") + ": " + _money(wallet["balance"]),
        )
        if wallet
        else "",
        html.p(text(language, "buy_intro").format(currency=currency["code"], minimum=minimum)),
        html.label(
            text(language, "buy_amount") + f" ({currency['code']})",
            html.input(
                {
                    "name": "amount",
                    "inputMode": "decimal",
                    "autoComplete": "off",
                    "required": True,
                    "maxLength": AMOUNT_LENGTH_MAX,
                    "value": amount,
                    "aria-invalid": "true" if problem else "false",
                    "aria-describedby": "buy-problem" if problem else "",
                    "data-testid": "buy-amount",
                    "onChange": lambda e: set_amount(e["target"]["value"][:AMOUNT_LENGTH_MAX]),
                }
            ),
        ),
        html.p(
            {
                "id": "buy-problem",
                "className": "error",
                "role": "alert",
                "data-testid": "buy-problem",
            },
            _problem(language, problem, minimum),
        )
        if problem
        else "",
        html.button(
            {"type": "submit", "disabled": busy, "data-testid": "buy-submit"},
            text(language, "buy_going") if busy else text(language, "buy_submit"),
        ),
    )


@component
def TopUpOutcome(scope: dict[str, Any], top_up_key: str, currency_code: str, language: str):  # type: ignore[no-untyped-def]
    top_up, set_top_up = use_state(cast(Any, None))
    balance, set_balance = use_state(cast(Any, None))
    loaded, set_loaded = use_state(False)
    global_id = base64.b64encode(f"TopUp:{top_up_key[:64]}".encode()).decode()

    async def refresh() -> None:
        found = (await execute(scope, OPERATIONS["WalletTopUp"], {"id": global_id}))["node"]
        set_top_up(found)
        if found is not None:
            buyer = await execute(scope, OPERATIONS["WalletBuyer"], {"currency": currency_code})
            wallet = ((buyer["viewer"] or {}).get("activeAccount") or {}).get("wallet")
            set_balance(wallet["balance"] if wallet else None)

    @use_async_effect(dependencies=[])
    async def follow() -> None:
        try:
            await refresh()
        except OperationError:
            set_top_up(None)
        set_loaded(True)
        try:  # then live: the top-up's own events
            async for data in subscribe(scope, OPERATIONS["WalletTopUpEvents"]):
                happened = data["viewerEvents"]
                if (happened["data"] or {}).get("topUpId") == top_up_key:
                    await refresh()
        except OperationError:
            pass  # signed out meanwhile: what is shown stays

    if not loaded:
        return html.p({"aria-busy": "true"}, "…")
    if top_up is None:
        return html.p(
            {"role": "alert", "data-testid": "topup-missing"}, text(language, "topup_missing")
        )
    bought = top_up["amount"]["currency"]
    if bought != currency_code:  # an old return address: on to the top-up's own wallet
        own = wallet_path(bought, f"top-up/{top_up_key[:64]}")
        return html.p(
            {"role": "status", "data-testid": "topup-elsewhere"},
            html.a({"href": own}, _money(top_up["amount"])),
            html.script(f"window.location.replace({json.dumps(own)});"),
        )
    status = top_up["status"]
    return html.section(
        {"className": "card stack", "data-testid": "topup-outcome"},
        html.p(
            {
                "role": "status",
                "aria-live": "polite",
                "data-testid": "topup-status",
                "data-status": status,
            },
            text(language, f"topup_{status}").format(amount=_money(top_up["amount"])),
        ),
        html.p({"className": "muted"}, top_up["failureReason"]) if top_up["failureReason"] else "",
        html.p(
            {"className": "muted", "data-testid": "topup-balance"},
            text(language, "balance") + ": " + _money(balance),
        )
        if balance
        else "",
        html.a(
            {
                "href": wallet_path(currency_code, "top-up"),
                "className": "button secondary",
                "data-testid": "buy-again",
            },
            text(language, "buy_again"),
        )
        if status != "PENDING"
        else "",
    )
