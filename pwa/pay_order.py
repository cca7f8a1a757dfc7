"""What a shop's payment link or QR opens: the order, and paying it with the PIN.

A person who is not signed in signs in first (a form post that sets the session cookie and
comes back here). A failed payment keeps the screen as it was, and a retry uses the same
idempotency key, so a payment that went through and whose answer got lost is never made
twice. Once paid, the wallet shows the receipt and returns to the shop's success URL.
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
from pwa.paths import SIGN_IN
from pwa.texts import problem_text, speak, text
from schema.operations import OperationError, execute, load_operations

OPERATIONS = load_operations(Path(__file__).parent / "operations")
RETURN_DELAY_MS = 1500
PIN_LENGTH_MAX = 12


def _money(money: dict[str, str]) -> str:
    return f"{money['amount']} {money['currency']}"


def _sign_in_form(order_key: str, language: str, error_code: str) -> Any:
    return html.form(
        {
            "method": "post",
            "action": SIGN_IN,
            "className": "card stack",
            "data-testid": "pay-sign-in",
        },
        html.p(text(language, "sign_in_to_pay")),
        html.input({"type": "hidden", "name": "next", "value": f"/pay/{order_key}"}),
        *sign_in_fields(language, lambda name: {"data-testid": f"sign-in-{name}"}),
        html.p(
            {"className": "error", "role": "alert", "data-testid": "sign-in-error"},
            problem_text(language, error_code, ""),
        )
        if error_code
        else "",
        html.button({"type": "submit"}, text(language, "sign_in")),
    )


def _return_to(url: str, label: str, test_id: str) -> Any:
    return html.a({"href": url, "className": "button secondary", "data-testid": test_id}, label)


@component
def PayOrder(scope: dict[str, Any], order_key: str, language: str, query_string: str):  # type: ignore[no-untyped-def]
    order, set_order = use_state(cast(Any, None))
    payer, set_payer = use_state(cast(Any, None))
    loaded, set_loaded = use_state(False)
    pin, set_pin = use_state("")
    problem, set_problem = use_state(cast(Any, None))
    busy, set_busy = use_state(False)
    paid_now, set_paid_now = use_state(False)
    idempotency_key, _ = use_state(lambda: uuid.uuid4().hex)
    global_id = base64.b64encode(f"PaymentOrder:{order_key[:64]}".encode()).decode()

    @use_async_effect(dependencies=[])
    async def load() -> None:
        try:
            found = (await execute(scope, OPERATIONS["WalletPaymentOrder"], {"id": global_id}))[
                "paymentOrder"
            ]
            if found is not None:
                currency = found["amount"]["currency"]
                viewer = (await execute(scope, OPERATIONS["WalletPayer"], {"currency": currency}))[
                    "viewer"
                ]
                set_payer(viewer if viewer and viewer["user"] else None)
            set_order(found)
        except OperationError:
            set_order(None)
        set_loaded(True)

    async def pay(_: Any) -> None:
        if busy:
            return
        set_busy(True)
        set_problem(None)
        variables = {"input": {"id": global_id, "pin": pin, "idempotencyKey": idempotency_key}}
        try:
            result = (await execute(scope, OPERATIONS["WalletPayOrder"], variables))[
                "payPaymentOrder"
            ]
        except OperationError:
            set_problem({"code": "UNAVAILABLE", "message": "", "field": None})
            set_busy(False)
            return
        set_busy(False)
        if result["errors"]:
            set_problem(result["errors"][0])
            set_pin("")
            if result["errors"][0]["code"] == "ORDER_NOT_PAYABLE":
                refreshed = await execute(
                    scope, OPERATIONS["WalletPaymentOrder"], {"id": global_id}
                )
                set_order(refreshed["paymentOrder"])
            return
        set_order(order | {"status": result["paymentOrder"]["status"]})
        set_paid_now(True)

    if not loaded:
        return html.p({"aria-busy": "true"}, "…")
    if order is None:
        return html.p(
            {"role": "alert", "data-testid": "order-missing"}, text(language, "order_missing")
        )
    language = speak((payer or {}).get("user", {}).get("language"), language)
    summary = html.section(
        {"className": "card", "data-testid": "payment-order"},
        html.p({"className": "muted", "data-testid": "order-merchant"}, order["merchantName"]),
        html.p({"className": "amount", "data-testid": "order-amount"}, _money(order["amount"])),
        html.p(order["description"]) if order["description"] else "",
        html.p({"data-testid": "order-status"}, text(language, f"order_{order['status']}")),
        html.img(
            {
                "src": f"/pay/{order_key}/qr.svg",
                "alt": text(language, "order_qr"),
                "width": 160,
                "height": 160,
            }
        ),
    )
    if order["status"] == "SUCCEEDED":
        success_url = order["successUrl"]
        return html.div(
            summary,
            html.section(
                {"className": "card", "role": "status", "data-testid": "order-paid"},
                html.p(text(language, "order_paid_receipt") if paid_now else ""),
                _return_to(success_url, text(language, "return_to_shop"), "return-to-shop")
                if success_url
                else "",
            ),
            html.script(
                f"setTimeout(function () {{ window.location.assign({json.dumps(success_url)}); }},"
                f" {RETURN_DELAY_MS});"
            )
            if paid_now and success_url
            else "",
        )
    cancel = (
        _return_to(order["cancelUrl"], text(language, "cancel_and_return"), "cancel-and-return")
        if order["cancelUrl"]
        else ""
    )
    if order["status"] != "REQUIRES_PAYMENT":
        return html.div(summary, cancel)
    if payer is None:
        error_code = parse_qs(query_string.lstrip("?")).get("error", [""])[0][:40]
        return html.div(summary, _sign_in_form(order_key, language, error_code), cancel)
    account = payer["activeAccount"]
    wallet = account["wallet"] if account else None
    return html.div(
        summary,
        html.form(
            {
                "onSubmit": event(pay, prevent_default=True),
                "className": "card stack",
                "data-testid": "pay-form",
            },
            html.p(
                {"data-testid": "pay-from"},
                text(language, "pay_from").format(account=account["name"] if account else ""),
            ),
            html.p(
                {"className": "muted", "data-testid": "pay-balance"},
                text(language, "balance") + ": " + _money(wallet["balance"]),
            )
            if wallet
            else "",
            html.label(
                text(language, "pin"),
                html.input(
                    {
                        "type": "password",
                        "name": "pin",
                        "inputMode": "numeric",
                        "autoComplete": "off",
                        "maxLength": PIN_LENGTH_MAX,
                        "required": True,
                        "value": pin,
                        "aria-invalid": "true"
                        if problem and problem["field"] == "pin"
                        else "false",
                        "aria-describedby": "pay-problem" if problem else "",
                        "data-testid": "pay-pin",
                        "onChange": lambda e: set_pin(e["target"]["value"][:PIN_LENGTH_MAX]),
                    }
                ),
            ),
            html.p(
                {
                    "id": "pay-problem",
                    "className": "error",
                    "role": "alert",
                    "data-testid": "pay-problem",
                },
                problem_text(language, problem["code"], problem["message"]),
            )
            if problem
            else "",
            html.button(
                {"type": "submit", "disabled": busy, "data-testid": "pay-submit"},
                text(language, "paying")
                if busy
                else text(language, "pay_amount").format(amount=_money(order["amount"])),
            ),
        ),
        cancel,
    )
