"""Getting paid face to face: the person types the amount (and a note, if they like), and
the screen shows a QR code of the pay link `<public url>/wallet/<code>/pay?to=<handle>&...`
for the payer's camera, the same link as text, and the payment arriving live.

The QR code is an SVG made here with segno, shown as a data: URI: nothing to fetch.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import segno
from reactpy import component, event, html, use_async_effect, use_state

from pwa.i18n import money
from pwa.paths import wallet_path
from pwa.pay import AMOUNT_LENGTH_MAX, MEMO_LENGTH_MAX, SECONDARY, amount_value, sign_in_card
from pwa.texts import problem_text, speak, text
from schema.context import runtime_from_scope
from schema.operations import OperationError, execute, load_operations, subscribe

OPERATIONS = load_operations(Path(__file__).parent / "operations")
QR_SIZE = 240  # CSS pixels on screen; it shrinks to the card's width on narrow phones


def pay_link(public_url: str, code: str, handle: str, amount: str, memo: str) -> str:
    """This currency's pay screen, filled in: what the QR code and the shared link carry."""
    query = {"to": handle, "amount": amount} | ({"memo": memo} if memo else {})
    return public_url.rstrip("/") + wallet_path(code, "pay", query)


def qr_data_uri(link: str) -> str:
    """An SVG QR code of the link, black on white whatever the theme, as a data: URI."""
    return segno.make(link, error="m").svg_data_uri(scale=4, border=4, dark="#000", light="#fff")


@component
def ChargeStatus(scope: dict[str, Any], currency_code: str, amount: str, language: str):  # type: ignore[no-untyped-def]
    """Waits for a payment of the amount into the active account, as it happens."""
    received, set_received = use_state(cast(Any, None))

    @use_async_effect(dependencies=[])
    async def follow() -> None:
        try:
            async for data in subscribe(
                scope, OPERATIONS["WalletChargeEvents"], {"currency": currency_code}
            ):
                happened = data["walletEvents"]
                if (
                    happened["type"] == "wallet.payment"
                    and happened["direction"] == "in"
                    and Decimal(happened["amount"]["amount"]) == Decimal(amount)
                ):
                    set_received(happened["amount"])
                    return
        except OperationError:
            pass  # signed out meanwhile: the code stays on screen

    if received is None:
        return html.p(
            {
                "role": "status",
                "aria-live": "polite",
                "className": "muted",
                "data-testid": "charge-waiting",
            },
            text(language, "charge_waiting"),
        )
    return html.p(
        {"role": "status", "aria-live": "polite", "data-testid": "charge-received"},
        text(language, "charge_received").format(
            amount=money(received["amount"], received["currency"], language)
        ),
    )


@component
def Charge(scope: dict[str, Any], currency_code: str, language: str):  # type: ignore[no-untyped-def]
    found, set_found = use_state(cast(Any, None))
    loaded, set_loaded = use_state(False)
    amount, set_amount = use_state("")
    memo, set_memo = use_state("")
    problem, set_problem = use_state("")
    shown, set_shown = use_state(cast(Any, None))

    @use_async_effect(dependencies=[])
    async def load() -> None:
        try:
            answer = await execute(
                scope, OPERATIONS["WalletChargeAccount"], {"currency": currency_code}
            )
        except OperationError:
            answer = None
        set_found(answer)
        set_loaded(True)

    if not loaded:
        return html.p({"aria-busy": "true"}, "…")
    viewer = (found or {}).get("viewer")
    if not viewer or not viewer["user"] or not found or not found["currency"]:
        return sign_in_card(
            language,
            wallet_path(currency_code, "charge"),
            "sign_in_to_charge",
            "",
            "charge-sign-in",
        )
    language = speak(viewer["user"]["language"], language)
    account = viewer["activeAccount"]
    if account is None:
        return html.p({"role": "alert"}, problem_text(language, "FORBIDDEN", ""))
    code, decimals = found["currency"]["code"], found["currency"]["decimals"]

    def show(_: Any) -> None:
        value = amount_value(amount, decimals)
        if value is None:
            set_problem("INVALID_AMOUNT")
            return
        set_problem("")
        public_url = runtime_from_scope(scope).settings.public_url
        link = pay_link(public_url, code, account["handle"], value, memo.strip())
        set_shown({"amount": value, "memo": memo.strip(), "link": link})

    into = html.p(
        {"className": "muted", "data-testid": "charge-into"},
        text(language, "charge_into").format(account=account["name"], handle=account["handle"]),
    )
    if shown is not None:
        formatted = money(shown["amount"], code, language, decimals)
        return html.section(
            {"className": "card stack", "data-testid": "charge-code", "lang": language},
            html.h2(text(language, "charge_title")),
            into,
            html.p(
                {
                    "className": "amount big",
                    "data-testid": "charge-amount",
                    "style": {"fontSize": "2rem", "fontWeight": "700", "color": "var(--primary)"},
                },
                formatted,
            ),
            html.p({"data-testid": "charge-memo"}, shown["memo"]) if shown["memo"] else "",
            html.img(
                {
                    "src": qr_data_uri(shown["link"]),
                    "alt": text(language, "charge_qr").format(
                        amount=formatted, account=account["name"]
                    ),
                    "width": QR_SIZE,
                    "height": QR_SIZE,
                    "style": {
                        "maxWidth": "100%",
                        "height": "auto",
                        "justifySelf": "center",
                        "imageRendering": "pixelated",
                    },
                    "data-testid": "charge-qr",
                }
            ),
            html.p({"className": "muted"}, text(language, "charge_link")),
            html.p(
                {
                    "data-testid": "charge-link",
                    "style": {"wordBreak": "break-all", "userSelect": "all", "margin": "0"},
                },
                shown["link"],
            ),
            ChargeStatus(scope, code, shown["amount"], language, key=shown["link"]),
            html.button(
                {
                    "type": "button",
                    "className": "secondary",
                    "style": SECONDARY,
                    "data-testid": "charge-new",
                    "onClick": lambda _: set_shown(None),
                },
                text(language, "charge_new"),
            ),
        )
    return html.form(
        {
            "onSubmit": event(show, prevent_default=True),
            "noValidate": True,
            "className": "card stack",
            "data-testid": "charge-form",
            "lang": language,
        },
        html.h2(text(language, "charge_title")),
        into,
        html.p(text(language, "charge_intro")),
        html.label(
            text(language, "amount") + f" ({code})",
            html.input(
                {
                    "id": "charge-amount-input",
                    "name": "amount",
                    "type": "text",
                    "inputMode": "decimal",
                    "autoComplete": "off",
                    "maxLength": AMOUNT_LENGTH_MAX,
                    "aria-required": "true",
                    "value": amount,
                    "aria-invalid": "true" if problem else "false",
                    "aria-describedby": "charge-problem" if problem else "",
                    "data-testid": "charge-amount-input",
                    "onChange": lambda e: set_amount(e["target"]["value"][:AMOUNT_LENGTH_MAX]),
                }
            ),
        ),
        html.p(
            {
                "id": "charge-problem",
                "className": "error",
                "role": "alert",
                "data-testid": "charge-problem",
            },
            problem_text(language, problem, ""),
        )
        if problem
        else "",
        html.label(
            text(language, "pay_memo"),
            html.input(
                {
                    "id": "charge-memo-input",
                    "name": "memo",
                    "type": "text",
                    "autoComplete": "off",
                    "maxLength": MEMO_LENGTH_MAX,
                    "value": memo,
                    "data-testid": "charge-memo-input",
                    "onChange": lambda e: set_memo(e["target"]["value"][:MEMO_LENGTH_MAX]),
                }
            ),
        ),
        html.button(
            {"type": "submit", "data-testid": "charge-show"}, text(language, "charge_show")
        ),
    )
