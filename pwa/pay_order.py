"""What a shop's payment link or QR opens: the order to pay. (Paying it from here needs the
wallet's sign-in, which comes with the wallet's own issue; the API pays it already.)"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from reactpy import component, html, use_async_effect, use_state

from pwa.texts import text
from schema.operations import OperationError, execute, load_operations

OPERATIONS = load_operations(Path(__file__).parent / "operations")


@component
def PaymentOrderSummary(scope: dict[str, Any], order_key: str, language: str):  # type: ignore[no-untyped-def]
    order, set_order = use_state(None)
    missing, set_missing = use_state(False)

    @use_async_effect(dependencies=[])
    async def load() -> None:
        global_id = base64.b64encode(f"PaymentOrder:{order_key[:64]}".encode()).decode()
        try:
            data = await execute(scope, OPERATIONS["WalletPaymentOrder"], {"id": global_id})
        except OperationError:
            set_missing(True)
            return
        if data["paymentOrder"] is None:
            set_missing(True)
        set_order(data["paymentOrder"])

    if missing:
        return html.p(
            {"role": "alert", "data-testid": "order-missing"}, text(language, "order_missing")
        )
    if order is None:
        return html.p({"aria-busy": "true"}, "…")
    return html.section(
        {"className": "card", "data-testid": "payment-order"},
        html.p({"className": "muted"}, order["merchantName"]),
        html.p(
            {"className": "amount", "data-testid": "order-amount"},
            f"{order['amount']['amount']} {order['amount']['currency']}",
        ),
        html.p(order["description"]),
        html.p({"data-testid": "order-status"}, text(language, f"order_{order['status']}")),
        html.img({"src": f"/pay/{order_key}/qr.svg", "alt": "QR", "width": 160, "height": 160}),
    )
