"""A business account's till: REC's merchants see every TPV operation from the wallet.

`/wallet/<code>/till` (the account active in the session must be a shop the person belongs to):

- a charge form for all of the shop's staff, cashiers included: the amount, a reference
  and a description make a payment order (`createPaymentOrder`, one idempotency key per
  charge, kept across retries, new only when what is typed changes); its QR code (of the
  order's `paymentUrl`) and its status follow live through `paymentOrderEvents(id:)`
  until it is paid, canceled or expired; an unpaid order can be canceled;
- the shop's orders (`Account.paymentOrders`, newest first, filtered by status, a page at
  a time), kept current through `paymentOrderEvents` without reloading the page;
- a link to the history screen, where every payment the account received is listed.

`/wallet/<code>/till/<order ID>`: all of an order, its refunds, and for owners and managers a
refund form (an amount, or nothing for all that remains, and a reason); cashiers do not
see it, as the API refuses them.

Live lists can miss what happens between reading them and listening: each subscription
reads again once, shortly after it starts listening (`LISTEN_SETTLE_S`).

Test IDs: `till`, `till-sign-in`, `till-not-business`, `till-charge-form` (with
`data-idempotency-key`), `till-amount`, `till-reference`, `till-description`,
`till-<field>-problem`, `till-charge`, `till-qr`, `till-link`, `till-charge-status`
(with `data-status`), `till-cancel`, `till-new-charge`, `till-orders`, `till-order` (with
`data-order-id`, `data-status`), `till-more`, `till-filter-<STATUS|all>`,
`till-received`, `till-order-page`, `order-<field>`, `till-refunds`, `till-refund-form`
(with `data-idempotency-key`), `refund-amount`, `refund-reason`, `refund-<field>-problem`,
`refund-done`, `till-refund-staff-only`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from reactpy import component, event, html, use_async_effect, use_state

from pwa.charge import QR_SIZE, qr_data_uri
from pwa.i18n import money, when
from pwa.paths import wallet_path
from pwa.pay import AMOUNT_LENGTH_MAX, SECONDARY, amount_value, sign_in_card, summary
from pwa.texts import TEXTS, problem_text, speak, text
from schema.operations import Operation, OperationError, execute, load_operations, subscribe

OPERATIONS = load_operations(Path(__file__).parent / "operations")
PAGE_SIZE = 20
LISTEN_SETTLE_S = 0.5
REFERENCE_LENGTH_MAX = 100
DESCRIPTION_LENGTH_MAX = 500
REASON_LENGTH_MAX = 200
STAFF = ("OWNER", "MANAGER", "CASHIER")
REFUNDERS = ("OWNER", "MANAGER")
STATUSES = ("REQUIRES_PAYMENT", "SUCCEEDED", "CANCELED", "EXPIRED")
UNAVAILABLE = {"code": "UNAVAILABLE", "field": None, "message": ""}
BIG = {"fontSize": "2rem", "fontWeight": "700", "color": "var(--primary)", "margin": "0"}
TIGHT = {"margin": "0"}


def _problem_text(language: str, problem: dict[str, Any], left: str = "") -> str:
    """An API error in the till's words: `left` is what remains to refund, formatted."""
    code = problem["code"]
    if code == "REFUND_EXCEEDS_REMAINING" and left:
        return text(language, "till_refund_exceeds").format(amount=left)
    if f"till_problem_{code}" in TEXTS:
        return text(language, f"till_problem_{code}")
    return problem_text(language, code, problem.get("message", ""))


def _problem_line(prefix: str, field: str, problems: dict[str, Any], message: str) -> Any:
    """The error beside its field (`field` "" is the form's own line)."""
    if field not in problems:
        return ""
    name = field or "general"
    return html.p(
        {
            "id": f"{prefix}-{name}-problem",
            "className": "error",
            "role": "alert",
            "data-testid": f"{prefix}-{name}-problem",
            "data-code": problems[field]["code"],
        },
        message,
    )


def _input(
    prefix: str,
    field: str,
    label: str,
    value: str,
    on_change: Callable[[Any], None],
    problems: dict[str, Any],
    limit: int,
    decimal: bool = False,
) -> Any:
    wrong = field in problems
    return html.label(
        label,
        html.input(
            {
                "id": f"{prefix}-{field}",
                "name": field,
                "type": "text",
                "inputMode": "decimal" if decimal else "text",
                "autoComplete": "off",
                "maxLength": limit,
                "value": value,
                "aria-invalid": "true" if wrong else "false",
                "aria-describedby": f"{prefix}-{field}-problem" if wrong else "",
                "data-testid": f"{prefix}-{field}",
                "onChange": on_change,
            }
        ),
    )


def _by_field(errors: list[dict[str, Any]], fields: tuple[str, ...]) -> dict[str, Any]:
    """API errors keyed by the form's field they concern ("" for the others), first only."""
    found: dict[str, Any] = {}
    for error in errors:
        found.setdefault(error["field"] if error["field"] in fields else "", error)
    return found


async def _listen(
    scope: dict[str, Any],
    operation: Operation,
    variables: dict[str, Any],
    on_event: Callable[[dict[str, Any] | None], Awaitable[bool]],
) -> None:
    """Calls `on_event` with each event of the subscription until it answers True, and
    once with None shortly after listening starts, for what happened just before."""

    async def catch_up() -> None:
        await asyncio.sleep(LISTEN_SETTLE_S)
        await on_event(None)

    catching_up = asyncio.create_task(catch_up())
    try:
        async for data in subscribe(scope, operation, variables):
            if await on_event(data["paymentOrderEvents"]):
                return
    except OperationError:
        pass  # signed out or no longer allowed: the screen stays as it is
    finally:
        catching_up.cancel()


async def _order(scope: dict[str, Any], order_id: str) -> dict[str, Any] | None:
    try:
        found = await execute(scope, OPERATIONS["WalletTillOrder"], {"id": order_id})
    except OperationError:
        return None
    order = found["paymentOrder"]
    # Only the shop's members see refundedAmount: for anyone else it is not a till's order.
    return order if order and order["refundedAmount"] is not None else None


def _left(order: dict[str, Any]) -> Decimal:
    return Decimal(order["amount"]["amount"]) - Decimal(order["refundedAmount"]["amount"])


def _newest_first(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda row: (datetime.fromisoformat(row["createdAt"]), row["id"]))[::-1]


def _merged(current: list[dict[str, Any]], found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_id = {row["id"]: row for row in current} | {row["id"]: row for row in found}
    return _newest_first(list(by_id.values()))


@component
def Till(scope: dict[str, Any], currency_code: str, language: str, page: str, query: str):  # type: ignore[no-untyped-def]
    found, set_found = use_state(cast(Any, None))
    loaded, set_loaded = use_state(False)

    @use_async_effect(dependencies=[])
    async def load() -> None:
        try:
            answer = await execute(
                scope, OPERATIONS["WalletTillViewer"], {"currency": currency_code}
            )
        except OperationError:
            answer = None
        set_found(answer)
        set_loaded(True)

    if not loaded:
        return html.p({"aria-busy": "true"}, "…")
    viewer = (found or {}).get("viewer")
    back = wallet_path(currency_code, f"till/{page}" if page else "till")
    if not viewer or not viewer["user"] or not found or not found["currency"]:
        return sign_in_card(language, back, "till_sign_in", "", "till-sign-in")
    language = speak(viewer["user"]["language"], language)
    account = viewer["activeAccount"] or {}
    role = next(
        (m["role"] for m in viewer["accounts"] if m["account"]["id"] == account.get("id")), None
    )
    if account.get("kind") != "BUSINESS" or role not in STAFF:
        return html.div(
            {"className": "card stack", "lang": language},
            html.p(
                {"role": "alert", "data-testid": "till-not-business"},
                text(language, "till_not_business"),
            ),
            html.a(
                {"href": wallet_path(currency_code, "accounts"), "data-testid": "till-to-accounts"},
                text(language, "nav_accounts"),
            ),
        )
    currency = found["currency"]
    shop = {
        "id": account["id"],
        "name": account["name"],
        "role": role,
        "code": currency["code"],
        "decimals": currency["decimals"],
        "timezone": currency["timezone"] or "Europe/Madrid",
        "language": language,
    }
    heading = html.header(
        html.h2({"style": {"margin": "0 0 .25rem"}}, text(language, "nav_till")),
        html.p(
            {"className": "muted", "data-testid": "till-shop"},
            text(language, "till_of").format(
                account=account["name"], role=text(language, f"till_role_{role}")
            ),
        ),
    )
    if page:
        return html.div(
            {"className": "stack", "data-testid": "till", "lang": language},
            heading,
            OrderPage(scope, shop, page[:200], key=page[:200]),
            html.p(
                html.a(
                    {"href": wallet_path(currency_code, "till"), "data-testid": "till-back"},
                    "← " + text(language, "till_back"),
                )
            ),
        )
    return html.div(
        {"className": "stack", "data-testid": "till", "lang": language},
        heading,
        ChargePanel(scope, shop),
        html.p(
            {"className": "muted", "data-testid": "till-received"},
            text(language, "till_received"),
            " ",
            html.a(
                {"href": wallet_path(currency_code, "history"), "data-testid": "till-history"},
                text(language, "till_received_link"),
            ),
        ),
        OrderList(scope, shop),
        html.p(
            html.a(
                {"href": wallet_path(currency_code), "data-testid": "till-home"},
                text(language, "nav_home"),
            )
        ),
    )


@component
def ChargePanel(scope: dict[str, Any], shop: dict[str, Any]):  # type: ignore[no-untyped-def]
    language, code, decimals = shop["language"], shop["code"], shop["decimals"]
    amount, set_amount = use_state("")
    reference, set_reference = use_state("")
    description, set_description = use_state("")
    problems, set_problems = use_state(cast(dict[str, Any], {}))
    busy, set_busy = use_state(False)
    idempotency_key, set_key = use_state(lambda: uuid.uuid4().hex)
    order, set_order = use_state(cast(Any, None))
    order_id = order["id"] if order else ""

    @use_async_effect(dependencies=[order_id])
    async def follow() -> None:
        if not order_id:
            return

        async def refresh(_: dict[str, Any] | None) -> bool:
            found = await _order(scope, order_id)
            if found is None:
                return False
            set_order(lambda shown: shown | found if shown and shown["id"] == order_id else shown)
            return found["status"] != "REQUIRES_PAYMENT"

        await _listen(scope, OPERATIONS["WalletTillOrderEvents"], {"id": order_id}, refresh)

    def edit(name: str, current: str, setter: Callable[[str], None], limit: int) -> Any:
        def change(e: Any) -> None:
            typed = e["target"]["value"][:limit]
            setter(typed)
            if typed != current:  # another charge: another key
                set_key(uuid.uuid4().hex)
            set_problems(lambda old: {k: v for k, v in old.items() if k != name})

        return change

    async def create(_: Any) -> None:
        if busy:
            return
        value = amount_value(amount, decimals)
        if value is None:
            set_problems({"amount": {"code": "INVALID_AMOUNT", "field": "amount"}})
            return
        set_busy(True)
        set_problems({})
        variables = {
            "input": {
                "amount": value,
                "currency": code,
                "reference": reference.strip(),
                "description": description.strip(),
                "idempotencyKey": idempotency_key,
            }
        }
        try:
            result = (await execute(scope, OPERATIONS["WalletTillCreateOrder"], variables))[
                "createPaymentOrder"
            ]
        except OperationError:  # the same key again is safe: one order at most
            set_problems({"": UNAVAILABLE})
            set_busy(False)
            return
        set_busy(False)
        if result["errors"]:
            set_problems(_by_field(result["errors"], ("amount", "reference", "description")))
            if any(e["code"] == "IDEMPOTENCY_KEY_REUSED" for e in result["errors"]):
                set_key(uuid.uuid4().hex)
            return
        set_order(result["paymentOrder"])

    async def cancel(_: Any) -> None:
        if busy or not order:
            return
        set_busy(True)
        set_problems({})
        variables = {"input": {"id": order["id"]}}
        try:
            result = (await execute(scope, OPERATIONS["WalletTillCancelOrder"], variables))[
                "cancelPaymentOrder"
            ]
        except OperationError:
            result = {"errors": [UNAVAILABLE], "paymentOrder": None}
        set_busy(False)
        if result["errors"]:
            set_problems({"cancel": result["errors"][0]})
            found = await _order(scope, order["id"])  # paid meanwhile, most likely
            if found:
                set_order(lambda shown: shown | found if shown else shown)
            return
        status = result["paymentOrder"]["status"]
        set_order(lambda shown: shown | {"status": status} if shown else shown)

    def new_charge(_: Any) -> None:
        set_amount("")
        set_reference("")
        set_description("")
        set_problems({})
        set_key(uuid.uuid4().hex)
        set_order(None)

    if order is not None:
        return _charge_shown(shop, order, problems, busy, cancel, new_charge)
    amount_problem = _problem_text(language, problems["amount"]) if "amount" in problems else ""
    return html.form(
        {
            "onSubmit": event(create, prevent_default=True),
            "noValidate": True,
            "className": "card stack",
            "data-testid": "till-charge-form",
            "data-idempotency-key": idempotency_key,
        },
        html.h3(text(language, "till_charge_title")),
        html.p({"className": "muted"}, text(language, "till_charge_intro")),
        _input(
            "till",
            "amount",
            text(language, "amount") + f" ({code})",
            amount,
            edit("amount", amount, set_amount, AMOUNT_LENGTH_MAX),
            problems,
            AMOUNT_LENGTH_MAX,
            decimal=True,
        ),
        _problem_line("till", "amount", problems, amount_problem),
        _input(
            "till",
            "reference",
            text(language, "till_reference"),
            reference,
            edit("reference", reference, set_reference, REFERENCE_LENGTH_MAX),
            problems,
            REFERENCE_LENGTH_MAX,
        ),
        _problem_line(
            "till",
            "reference",
            problems,
            _problem_text(language, problems["reference"]) if "reference" in problems else "",
        ),
        _input(
            "till",
            "description",
            text(language, "till_description"),
            description,
            edit("description", description, set_description, DESCRIPTION_LENGTH_MAX),
            problems,
            DESCRIPTION_LENGTH_MAX,
        ),
        _problem_line(
            "till",
            "description",
            problems,
            _problem_text(language, problems["description"]) if "description" in problems else "",
        ),
        _problem_line(
            "till", "", problems, _problem_text(language, problems[""]) if "" in problems else ""
        ),
        html.button(
            {"type": "submit", "disabled": busy, "data-testid": "till-charge-submit"},
            text(language, "till_charging" if busy else "till_charge_submit"),
        ),
    )


def _charge_shown(
    shop: dict[str, Any],
    order: dict[str, Any],
    problems: dict[str, Any],
    busy: bool,
    cancel: Callable[[Any], Awaitable[None]],
    new_charge: Callable[[Any], None],
) -> Any:
    """The order being charged: its QR code and link while unpaid, its status live."""
    language = shop["language"]
    status = order["status"]
    formatted = money(order["amount"]["amount"], order["amount"]["currency"], language)
    unpaid = status == "REQUIRES_PAYMENT"
    if unpaid:
        said = text(language, "till_waiting")
    elif status == "SUCCEEDED":
        said = text(language, "till_paid").format(amount=formatted)
    else:
        said = text(language, f"till_ended_{status}")
    return html.section(
        {"className": "card stack", "data-testid": "till-charge", "data-order-id": order["id"]},
        html.h3(text(language, "till_charge_title")),
        html.p({"data-testid": "till-charge-amount", "style": BIG}, formatted),
        html.p({"data-testid": "till-charge-reference", "style": TIGHT}, order["reference"])
        if order.get("reference")
        else "",
        html.p({"className": "muted", "style": TIGHT}, order["description"])
        if order.get("description")
        else "",
        html.img(
            {
                "src": qr_data_uri(order["paymentUrl"]),
                "alt": text(language, "till_qr").format(amount=formatted, account=shop["name"]),
                "width": QR_SIZE,
                "height": QR_SIZE,
                "style": {
                    "maxWidth": "100%",
                    "height": "auto",
                    "justifySelf": "center",
                    "imageRendering": "pixelated",
                },
                "data-testid": "till-qr",
            }
        )
        if unpaid
        else "",
        html.p({"className": "muted"}, text(language, "till_link")) if unpaid else "",
        html.p(
            {
                "data-testid": "till-link",
                "style": {"wordBreak": "break-all", "userSelect": "all", "margin": "0"},
            },
            order["paymentUrl"],
        )
        if unpaid
        else "",
        html.p(
            {"className": "muted", "data-testid": "till-charge-expires"},
            text(language, "till_expires").format(
                when=when(order["expiresAt"], language, shop["timezone"])
            ),
        )
        if unpaid
        else "",
        html.p(
            {
                "role": "status",
                "aria-live": "polite",
                "className": "muted" if unpaid else "",
                "style": {} if unpaid else {"fontWeight": "700", "fontSize": "1.2rem"},
                "data-testid": "till-charge-status",
                "data-status": status,
            },
            said,
        ),
        _problem_line(
            "till",
            "cancel",
            problems,
            _problem_text(language, problems["cancel"]) if "cancel" in problems else "",
        ),
        html.div(
            {"className": "actions"},
            html.button(
                {
                    "type": "button",
                    "className": "secondary",
                    "style": SECONDARY,
                    "disabled": busy,
                    "data-testid": "till-cancel",
                    "onClick": cancel,
                },
                text(language, "till_cancel"),
            )
            if unpaid
            else "",
            html.button(
                {"type": "button", "data-testid": "till-new-charge", "onClick": new_charge},
                text(language, "till_new_charge"),
            )
            if not unpaid
            else "",
            html.a(
                {
                    "href": wallet_path(shop["code"], f"till/{order['id']}"),
                    "className": "button secondary",
                    "data-testid": "till-charge-details",
                },
                text(language, "till_see_order"),
            ),
        ),
    )


def _order_row(order: dict[str, Any], shop: dict[str, Any]) -> Any:
    language, timezone = shop["language"], shop["timezone"]
    amount = order["amount"]
    refunded = order["refundedAmount"]
    shown_refund = refunded is not None and Decimal(refunded["amount"]) > 0
    return html.li(
        {
            "key": order["id"],
            "className": "activity",
            "data-testid": "till-order",
            "data-order-id": order["id"],
            "data-status": order["status"],
        },
        html.a(
            {"href": wallet_path(shop["code"], f"till/{order['id']}"), "className": "what"},
            order["reference"] or text(language, "till_no_reference"),
        ),
        html.span({"className": "amount"}, money(amount["amount"], amount["currency"], language)),
        html.span(
            {"className": "muted when", "data-testid": "till-order-status"},
            text(language, f"order_{order['status']}"),
            " · ",
            when(order["createdAt"], language, timezone),
        ),
        html.span(
            {"className": "muted memo", "data-testid": "till-order-refunded"},
            text(language, "till_refunded").format(
                amount=money(refunded["amount"], refunded["currency"], language)
            ),
        )
        if shown_refund
        else "",
    )


@component
def OrderList(scope: dict[str, Any], shop: dict[str, Any]):  # type: ignore[no-untyped-def]
    language = shop["language"]
    status, set_status = use_state("")
    rows, set_rows = use_state(cast(list[dict[str, Any]], []))
    cursor, set_cursor = use_state(cast(str | None, None))
    more, set_more = use_state(False)
    loaded, set_loaded = use_state(False)
    busy, set_busy = use_state(False)

    async def page_after(after: str | None, wanted: str) -> dict[str, Any] | None:
        variables = {"first": PAGE_SIZE, "after": after, "status": wanted or None}
        try:
            found = await execute(scope, OPERATIONS["WalletTillOrders"], variables)
        except OperationError:
            return None
        account = found["viewer"]["activeAccount"]
        return account["paymentOrders"] if account else None

    @use_async_effect(dependencies=[status])
    async def follow() -> None:
        wanted = status
        first = await page_after(None, wanted)
        if first is not None:
            set_rows(lambda shown: _merged(shown, [edge["node"] for edge in first["edges"]]))
            set_cursor(first["pageInfo"]["endCursor"])
            set_more(first["pageInfo"]["hasNextPage"])
        set_loaded(True)

        async def changed(happened: dict[str, Any] | None) -> bool:
            if happened is None:  # what changed just before listening began
                again = await page_after(None, wanted)
                if again is not None:
                    set_rows(lambda shown: _merged(shown, [e["node"] for e in again["edges"]]))
                return False
            found = await _order(scope, happened["paymentOrderId"])
            if found is None:
                return False

            def apply(shown: list[dict[str, Any]]) -> list[dict[str, Any]]:
                others = [row for row in shown if row["id"] != found["id"]]
                if wanted and found["status"] != wanted:
                    return others  # no longer in the status shown
                return _merged(others, [found])

            set_rows(apply)
            return False

        await _listen(scope, OPERATIONS["WalletTillEvents"], {}, changed)

    def choose(wanted: str) -> Callable[[Any], None]:
        def pick(_: Any) -> None:
            if wanted == status:
                return
            set_rows([])
            set_cursor(None)
            set_more(False)
            set_loaded(False)
            set_status(wanted)

        return pick

    async def show_more(_: Any) -> None:
        if busy or not more:
            return
        set_busy(True)
        found = await page_after(cursor, status)
        set_busy(False)
        if found is None:
            return
        set_rows(lambda shown: _merged(shown, [edge["node"] for edge in found["edges"]]))
        set_cursor(found["pageInfo"]["endCursor"])
        set_more(found["pageInfo"]["hasNextPage"])

    filters = html.div(
        {"className": "more", "role": "group", "aria-label": text(language, "till_filter")},
        *[
            html.button(
                {
                    "key": value or "all",
                    "type": "button",
                    "className": "link",
                    "aria-pressed": "true" if value == status else "false",
                    "style": {"fontWeight": "700" if value == status else "400"},
                    "data-testid": f"till-filter-{value or 'all'}",
                    "onClick": choose(value),
                },
                text(language, f"order_{value}" if value else "till_filter_all"),
            )
            for value in ("", *STATUSES)
        ],
    )
    if not loaded:
        listing: Any = html.p({"aria-busy": "true"}, "…")
    elif not rows:
        listing = html.p(
            {"className": "muted", "data-testid": "till-no-orders"},
            text(language, "till_no_orders"),
        )
    else:
        listing = html.ul(
            {"className": "activity-list", "data-testid": "till-orders", "aria-live": "polite"},
            *[_order_row(row, shop) for row in rows],
        )
    return html.section(
        {"className": "card stack", "data-testid": "till-order-list"},
        html.h3(text(language, "till_orders")),
        filters,
        listing,
        html.button(
            {
                "type": "button",
                "className": "secondary",
                "style": SECONDARY,
                "disabled": busy,
                "data-testid": "till-more",
                "onClick": show_more,
            },
            text(language, "till_more"),
        )
        if loaded and more
        else "",
    )


@component
def OrderPage(scope: dict[str, Any], shop: dict[str, Any], order_id: str):  # type: ignore[no-untyped-def]
    language, timezone = shop["language"], shop["timezone"]
    order, set_order = use_state(cast(Any, None))
    loaded, set_loaded = use_state(False)
    problems, set_problems = use_state(cast(dict[str, Any], {}))
    busy, set_busy = use_state(False)

    @use_async_effect(dependencies=[])
    async def follow() -> None:
        found = await _order(scope, order_id)
        set_order(found)
        set_loaded(True)
        if found is None:
            return

        async def refresh(_: dict[str, Any] | None) -> bool:
            again = await _order(scope, order_id)
            if again is not None:
                set_order(again)
            return False

        await _listen(scope, OPERATIONS["WalletTillOrderEvents"], {"id": order_id}, refresh)

    async def cancel(_: Any) -> None:
        if busy:
            return
        set_busy(True)
        set_problems({})
        try:
            result = (
                await execute(
                    scope, OPERATIONS["WalletTillCancelOrder"], {"input": {"id": order_id}}
                )
            )["cancelPaymentOrder"]
        except OperationError:
            result = {"errors": [UNAVAILABLE]}
        set_busy(False)
        if result["errors"]:
            set_problems({"cancel": result["errors"][0]})
        found = await _order(scope, order_id)
        if found is not None:
            set_order(found)

    if not loaded:
        return html.p({"aria-busy": "true"}, "…")
    if order is None:
        return html.p(
            {"role": "alert", "className": "card", "data-testid": "till-order-missing"},
            text(language, "till_order_missing"),
        )
    status = order["status"]
    amount, refunded = order["amount"], order["refundedAmount"]
    currency = amount["currency"]
    left = _left(order)
    refunds = order["refunds"] or []
    details = html.section(
        {
            "className": "card stack",
            "data-testid": "till-order-page",
            "data-status": status,
            "data-order-id": order["id"],
        },
        html.h3(text(language, "till_order_title")),
        html.p(
            {"data-testid": "order-amount", "style": BIG},
            money(amount["amount"], currency, language),
        ),
        summary(
            (
                text(language, "till_status"),
                text(language, f"order_{status}"),
                "order-status",
                {},
            ),
            (text(language, "till_reference_short"), order["reference"], "order-reference", {})
            if order["reference"]
            else None,
            (
                text(language, "till_description_short"),
                order["description"],
                "order-description",
                {},
            )
            if order["description"]
            else None,
            (
                text(language, "till_created"),
                when(order["createdAt"], language, timezone),
                "order-created",
                {},
            ),
            (
                text(language, "till_expires_short"),
                when(order["expiresAt"], language, timezone),
                "order-expires",
                {},
            )
            if status == "REQUIRES_PAYMENT"
            else None,
            (
                text(language, "till_paid_at"),
                when(order["paidAt"], language, timezone),
                "order-paid-at",
                {},
            )
            if order["paidAt"]
            else None,
            (
                text(language, "till_refunded_short"),
                money(refunded["amount"], currency, language),
                "order-refunded",
                {},
            )
            if status == "SUCCEEDED"
            else None,
            (
                text(language, "till_remaining"),
                money(str(left), currency, language, shop["decimals"]),
                "order-remaining",
                {},
            )
            if status == "SUCCEEDED"
            else None,
        ),
        _problem_line(
            "till",
            "cancel",
            problems,
            _problem_text(language, problems["cancel"]) if "cancel" in problems else "",
        ),
        html.button(
            {
                "type": "button",
                "className": "secondary",
                "style": SECONDARY,
                "disabled": busy,
                "data-testid": "till-cancel",
                "onClick": cancel,
            },
            text(language, "till_cancel"),
        )
        if status == "REQUIRES_PAYMENT"
        else "",
    )
    refund_list = html.section(
        {"className": "card stack", "data-testid": "till-refunds"},
        html.h3(text(language, "till_refunds")),
        html.ul(
            {"className": "activity-list"},
            *[
                html.li(
                    {"key": refund["id"], "className": "activity", "data-testid": "till-refund"},
                    html.span({"className": "what"}, refund["reason"] or "—"),
                    html.span(
                        {"className": "amount"},
                        money(refund["amount"]["amount"], currency, language),
                    ),
                    html.span(
                        {"className": "muted when"}, when(refund["createdAt"], language, timezone)
                    ),
                )
                for refund in refunds
            ],
        )
        if refunds
        else html.p({"className": "muted"}, text(language, "till_no_refunds")),
    )
    if status != "SUCCEEDED":
        return html.div({"className": "stack"}, details)
    if shop["role"] not in REFUNDERS:
        action: Any = html.p(
            {"className": "muted", "data-testid": "till-refund-staff-only"},
            text(language, "till_refund_staff_only"),
        )
    elif left > 0:
        action = RefundForm(scope, shop, order_id, str(left))
    else:
        action = ""
    return html.div({"className": "stack"}, details, refund_list, action)


@component
def RefundForm(scope: dict[str, Any], shop: dict[str, Any], order_id: str, left: str):  # type: ignore[no-untyped-def]
    """All or part of what remains of a paid order back to its payer; owners and managers."""
    language, code, decimals = shop["language"], shop["code"], shop["decimals"]
    amount, set_amount = use_state("")
    reason, set_reason = use_state("")
    problems, set_problems = use_state(cast(dict[str, Any], {}))
    busy, set_busy = use_state(False)
    done, set_done = use_state("")
    idempotency_key, set_key = use_state(lambda: uuid.uuid4().hex)
    left_shown = money(left, code, language, decimals)

    def edit(name: str, current: str, setter: Callable[[str], None], limit: int) -> Any:
        def change(e: Any) -> None:
            typed = e["target"]["value"][:limit]
            setter(typed)
            if typed != current:  # another refund: another key
                set_key(uuid.uuid4().hex)
            set_problems(lambda old: {k: v for k, v in old.items() if k != name})
            set_done("")

        return change

    async def refund(_: Any) -> None:
        if busy:
            return
        value = amount_value(amount, decimals) if amount.strip() else None
        if amount.strip() and value is None:
            set_problems({"amount": {"code": "INVALID_AMOUNT", "field": "amount"}})
            return
        set_busy(True)
        set_problems({})
        set_done("")
        variables = {
            "input": {
                "id": order_id,
                "amount": value,
                "reason": reason.strip(),
                "idempotencyKey": idempotency_key,
            }
        }
        try:
            result = (await execute(scope, OPERATIONS["WalletTillRefund"], variables))[
                "refundPaymentOrder"
            ]
        except OperationError:  # the same key again is safe: one refund at most
            set_problems({"": UNAVAILABLE})
            set_busy(False)
            return
        set_busy(False)
        if result["errors"]:
            set_problems(_by_field(result["errors"], ("amount", "reason")))
            if any(e["code"] == "IDEMPOTENCY_KEY_REUSED" for e in result["errors"]):
                set_key(uuid.uuid4().hex)
            return
        set_done(money(value or left, code, language, decimals))
        set_amount("")
        set_reason("")
        set_key(uuid.uuid4().hex)

    def said(field: str) -> str:
        if field not in problems:
            return ""
        problem = problems[field]
        if field == "" and problem["code"] == "ORDER_NOT_PAYABLE":
            return text(language, "till_problem_refund_not_paid")
        return _problem_text(language, problem, left_shown)

    return html.form(
        {
            "onSubmit": event(refund, prevent_default=True),
            "noValidate": True,
            "className": "card stack",
            "data-testid": "till-refund-form",
            "data-idempotency-key": idempotency_key,
        },
        html.h3(text(language, "till_refund_title")),
        _input(
            "refund",
            "amount",
            text(language, "till_refund_amount").format(currency=code),
            amount,
            edit("amount", amount, set_amount, AMOUNT_LENGTH_MAX),
            problems,
            AMOUNT_LENGTH_MAX,
            decimal=True,
        ),
        html.p(
            {"className": "muted", "data-testid": "refund-hint"},
            text(language, "till_refund_amount_hint").format(amount=left_shown),
        ),
        _problem_line("refund", "amount", problems, said("amount")),
        _input(
            "refund",
            "reason",
            text(language, "till_refund_reason"),
            reason,
            edit("reason", reason, set_reason, REASON_LENGTH_MAX),
            problems,
            REASON_LENGTH_MAX,
        ),
        _problem_line("refund", "reason", problems, said("reason")),
        _problem_line("refund", "", problems, said("")),
        html.p(
            {"role": "status", "data-testid": "refund-done"},
            text(language, "till_refund_done").format(amount=done),
        )
        if done
        else "",
        html.button(
            {"type": "submit", "disabled": busy, "data-testid": "refund-submit"},
            text(language, "till_refunding" if busy else "till_refund_submit"),
        ),
    )
