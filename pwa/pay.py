"""Paying someone: their handle (typed, or read from their QR code with the camera), the
amount and a note; then a check of it all with the PIN; then the receipt, with the
payment's place in the ledger once the journal is sealed.

Whatever goes wrong, the form keeps what was typed and each error shows beside its field
in the person's language. One idempotency key stands for one payment: a retry (after a
wrong PIN, or an answer lost on the way) sends the same key, so nothing is paid twice;
only changing the recipient, the amount or the note makes a new key.

The check step names the recipient as the API's `recipient(to:)` finds them (name and
handle), so the payer sees whom they are paying before the PIN; a handle nobody has is
RECIPIENT_NOT_FOUND beside the recipient's field, before anything is sent. The receipt
names the recipient from the transaction itself.

The camera is server/static/wallet-scan.js (with the vendored jsQR): it writes what it
reads into the inputs marked `data-scan-field` and dispatches input events, so this
component sees the change as if it had been typed. Its texts come in the scan button's
`data-text-*` attributes, in the person's language.

Test IDs: `pay-form`, `pay-check` (both with `data-idempotency-key`, the key the next
`pay` sends), `pay-to`, `pay-amount`, `pay-memo`, `pay-pin`, `pay-<field>-problem`,
`pay-receipt`, `receipt-sequence`, `receipt-hash`.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs

from reactpy import component, event, html, use_async_effect, use_state

from pwa.forms import sign_in_fields
from pwa.i18n import money, when
from pwa.paths import LEGACY_PAY, SIGN_IN, wallet_path
from pwa.texts import problem_text, speak, text
from schema.context import runtime_from_scope
from schema.operations import OperationError, execute, load_operations

OPERATIONS = load_operations(Path(__file__).parent / "operations")
SCANNER = "/static/wallet-scan.js"
HANDLE_LENGTH_MAX = 33  # a handle is 32 characters at most, plus the "@" people may type
AMOUNT_LENGTH_MAX = 12
MEMO_LENGTH_MAX = 140
PIN_LENGTH_MAX = 12
SEAL_POLLS = 20  # the sealer runs every second: a receipt waits up to 20 s for its seal
SEAL_POLL_S = 1.0
DETAILS = ("to", "amount", "memo")
_AMOUNT = re.compile(r"^[0-9]{1,9}([.,][0-9]+)?$")
_SCAN_TEXTS = ("title", "video", "close", "starting", "refused", "no_camera", "not_pay", "found")


def amount_value(typed: str, decimals: int) -> str | None:
    """ "12,5" -> "12.50": the decimal string the API takes, with the currency's decimals;
    None unless it is a positive amount with at most that many decimals."""
    compact = typed.strip().replace(" ", "").replace(",", ".")
    if not _AMOUNT.match(compact) or len(compact.partition(".")[2]) > decimals:
        return None
    value = Decimal(compact)
    if value <= 0:
        return None
    return str(value.quantize(Decimal(1).scaleb(-decimals)))


def handle_of(typed: str) -> str:
    """What a person typed as a recipient, without spaces or the leading @."""
    return typed.strip().lstrip("@")


def sign_in_card(language: str, back: str, intro: str, error_code: str, test_id: str) -> Any:
    """Signing in first, coming back to `back` (a form post that sets the session)."""
    return html.form(
        {
            "method": "post",
            "action": SIGN_IN,
            "className": "card stack",
            "data-testid": test_id,
        },
        html.p(text(language, intro)),
        html.input({"type": "hidden", "name": "next", "value": back}),
        *sign_in_fields(language, lambda name: {"data-testid": f"sign-in-{name}"}),
        html.p(
            {"className": "error", "role": "alert", "data-testid": "sign-in-error"},
            problem_text(language, error_code, ""),
        )
        if error_code
        else "",
        html.button({"type": "submit"}, text(language, "sign_in")),
    )


def _error_code(query_string: str) -> str:
    return parse_qs(query_string.lstrip("?")).get("error", [""])[0][:40]


def _prefill(query_string: str) -> dict[str, str]:
    """?to=<handle>&amount=12.50&memo=... of a pay link (a charge screen's QR code)."""
    given = parse_qs(query_string.lstrip("?"))
    limits = {"to": HANDLE_LENGTH_MAX, "amount": AMOUNT_LENGTH_MAX, "memo": MEMO_LENGTH_MAX}
    return {name: given.get(name, [""])[0].strip()[:limit] for name, limit in limits.items()}


def _problem_text(language: str, problem: dict[str, Any]) -> str:
    code, field = problem["code"], problem.get("field")
    if code == "EMPTY":
        return text(language, "pay_problem_to_empty")
    if field == "to" and code == "LIMIT_EXCEEDED":  # the recipient's wallet, not the payer's
        return text(language, "pay_problem_to_limit")
    if field == "to" and code == "INVALID_INPUT":
        return text(language, "pay_problem_to_self")
    if field == "memo" and code == "INVALID_INPUT":
        return text(language, "pay_problem_memo")
    return problem_text(language, code, problem.get("message", ""))


def _problem_line(language: str, problems: dict[str, Any], field: str) -> Any:
    problem = problems.get(field)
    if problem is None:
        return ""
    name = field or "general"
    return html.p(
        {
            "id": f"pay-{name}-problem",
            "className": "error",
            "role": "alert",
            "data-testid": f"pay-{name}-problem",
            "data-code": problem["code"],
        },
        _problem_text(language, problem),
    )


def _described_by(problems: dict[str, Any], field: str, *others: str) -> str:
    ids = [*others, f"pay-{field}-problem"] if field in problems else list(others)
    return " ".join(ids)


# The shared stylesheet has no secondary buttons nor term lists yet: their looks, here.
SECONDARY = {
    "background": "transparent",
    "color": "var(--primary)",
    "border": "1px solid var(--primary)",
}
_ROWS = {"display": "grid", "gridTemplateColumns": "auto 1fr", "gap": ".35rem 1rem", "margin": "0"}
_VALUE = {"margin": "0", "fontWeight": "600", "minWidth": "0", "overflowWrap": "anywhere"}
BIG = {"fontSize": "1.5rem", "color": "var(--primary)"}
HASH = {"fontFamily": "monospace", "fontWeight": "400", "wordBreak": "break-all"}


def _whom(payee: dict[str, Any] | None, typed: str) -> str:
    """The recipient as the check step names them: "Forn Puig (@fornpuig)"."""
    handle = "@" + ((payee or {}).get("handle") or handle_of(typed))
    name = (payee or {}).get("name") or ""
    return f"{name} ({handle})" if name else handle


def summary(*rows: tuple[str, str, str, dict[str, Any]] | None) -> Any:
    """A term list of (label, value, test ID, extra style) rows; None rows are left out."""
    shown = [row for row in rows if row is not None]
    return html.dl(
        {"className": "summary", "style": _ROWS},
        *[
            part
            for label, value, test_id, style in shown
            for part in (
                html.dt({"key": f"{test_id}-label", "className": "muted"}, label),
                html.dd({"key": test_id, "data-testid": test_id, "style": _VALUE | style}, value),
            )
        ],
    )


@component
def Pay(scope: dict[str, Any], currency_code: str, language: str, query_string: str):  # type: ignore[no-untyped-def]
    initial, _ = use_state(lambda: _prefill(query_string))
    sender, set_sender = use_state(cast(Any, None))
    loaded, set_loaded = use_state(False)
    to, set_to = use_state(initial["to"])
    amount, set_amount = use_state(initial["amount"])
    memo, set_memo = use_state(initial["memo"])
    pin, set_pin = use_state("")
    step, set_step = use_state("form")  # form, check, then done
    problems, set_problems = use_state(cast(dict[str, Any], {}))
    busy, set_busy = use_state(False)
    paid, set_paid = use_state(cast(Any, None))
    idempotency_key, set_key = use_state(lambda: uuid.uuid4().hex)
    payee, set_payee = use_state(cast(Any, None))  # {name handle} of the check step

    @use_async_effect(dependencies=[])
    async def load() -> None:
        try:
            found = await execute(scope, OPERATIONS["WalletPaySender"], {"currency": currency_code})
        except OperationError:
            found = None
        set_sender(found)
        set_loaded(True)

    if not loaded:
        return html.p({"aria-busy": "true"}, "…")
    viewer = (sender or {}).get("viewer")
    if not viewer or not viewer["user"] or not sender or not sender["currency"]:
        # Back to this screen after signing in, with what a scanned link prefilled.
        asked = parse_qs(query_string.lstrip("?"))
        kept = {k: asked[k][0][:100] for k in ("to", "amount", "memo") if asked.get(k)}
        return_to = wallet_path(currency_code, "pay", kept)
        return sign_in_card(
            language, return_to, "sign_in_to_pay", _error_code(query_string), "pay-sign-in"
        )
    language = speak(viewer["user"]["language"], language)
    account = viewer["activeAccount"]
    if account is None:
        return html.p({"role": "alert"}, problem_text(language, "FORBIDDEN", ""))
    currency = sender["currency"]
    code, decimals = currency["code"], currency["decimals"]
    wallet = account["wallet"]
    value = amount_value(amount, decimals)

    def edit(name: str, current: str, setter: Any, limit: int) -> Any:
        def change(e: Any) -> None:
            typed = e["target"]["value"][:limit]
            setter(typed)
            if typed != current:  # other details: another payment, another key
                set_key(uuid.uuid4().hex)
            set_problems(lambda old: {k: v for k, v in old.items() if k != name})

        return change

    async def check(_: Any) -> None:
        found: dict[str, Any] = {}
        if not handle_of(to):
            found["to"] = {"code": "EMPTY", "field": "to"}
        if value is None:
            found["amount"] = {"code": "INVALID_AMOUNT", "field": "amount"}
        whom = None
        if "to" not in found:
            try:
                asked = await execute(scope, OPERATIONS["WalletPayRecipient"], {"to": to.strip()})
                whom = asked["recipient"]
            except OperationError:
                whom = {"name": "", "handle": handle_of(to)}  # unknown yet: pay will tell
            if whom is None:
                found["to"] = {"code": "RECIPIENT_NOT_FOUND", "field": "to"}
        set_problems(found)
        if not found:
            set_payee(whom)
            set_pin("")
            set_step("check")

    def back(_: Any) -> None:
        set_problems({})
        set_step("form")

    async def pay(_: Any) -> None:
        if busy:
            return
        set_busy(True)
        set_problems({})
        variables = {
            "input": {
                "to": to.strip(),
                "amount": value or amount.strip(),
                "currency": code,
                "memo": memo.strip(),
                "pin": pin,
                "idempotencyKey": idempotency_key,
            }
        }
        try:
            result = (await execute(scope, OPERATIONS["WalletPay"], variables))["pay"]
        except OperationError:  # the answer got lost: the same key again is safe
            set_problems({"": {"code": "UNAVAILABLE", "field": None, "message": ""}})
            set_busy(False)
            return
        set_busy(False)
        set_pin("")
        if result["errors"]:
            found: dict[str, Any] = {}
            for error in result["errors"]:
                field = error["field"] if error["field"] in (*DETAILS, "pin") else ""
                found.setdefault(field, error)
            set_problems(found)
            if any(field in DETAILS for field in found):
                set_step("form")  # to the field concerned, with what was typed
            if "IDEMPOTENCY_KEY_REUSED" in {error["code"] for error in result["errors"]}:
                set_key(uuid.uuid4().hex)
            return
        set_paid(result["transaction"])
        set_step("done")

    paying_from = html.p(
        {"className": "muted", "data-testid": "pay-from"},
        text(language, "pay_from").format(account=account["name"]),
        " · ",
        text(language, "balance"),
        ": ",
        html.span(
            {"data-testid": "pay-balance"},
            money(wallet["balance"]["amount"], wallet["balance"]["currency"], language),
        )
        if wallet
        else money("0", code, language, decimals),
    )
    scanner = html.script({"src": SCANNER})
    if step == "done" and paid is not None:
        return html.div(
            {"className": "stack", "lang": language},
            Receipt(scope, paid, code, language, currency["timezone"] or "Europe/Madrid"),
        )
    if step == "check":
        shown_amount = money(value or amount, code, language, decimals)
        return html.div(
            {"className": "stack", "lang": language},
            html.form(
                {
                    "key": "pay-check",
                    "onSubmit": event(pay, prevent_default=True),
                    "className": "card stack",
                    "data-testid": "pay-check",
                    "data-idempotency-key": idempotency_key,
                },
                html.h2(text(language, "pay_check")),
                summary(
                    (text(language, "pay_recipient"), _whom(payee, to), "check-to", {}),
                    (text(language, "amount"), shown_amount, "check-amount", BIG),
                    (text(language, "pay_memo_short"), memo.strip(), "check-memo", {})
                    if memo.strip()
                    else None,
                ),
                html.p({"className": "muted"}, text(language, "pay_recipient_check")),
                paying_from,
                html.p({"role": "alert", "data-testid": "pay-no-pin"}, text(language, "pay_no_pin"))
                if not viewer["user"]["hasPaymentPin"]
                else "",
                html.label(
                    text(language, "pin"),
                    html.input(
                        {
                            "id": "pay-pin",
                            "type": "password",
                            "name": "pin",
                            "inputMode": "numeric",
                            "autoComplete": "off",
                            "maxLength": PIN_LENGTH_MAX,
                            "required": True,
                            "value": pin,
                            "aria-invalid": "true" if "pin" in problems else "false",
                            "aria-describedby": _described_by(problems, "pin"),
                            "data-testid": "pay-pin",
                            "onChange": lambda e: set_pin(e["target"]["value"][:PIN_LENGTH_MAX]),
                        }
                    ),
                ),
                _problem_line(language, problems, "pin"),
                _problem_line(language, problems, ""),
                html.button(
                    {"type": "submit", "disabled": busy, "data-testid": "pay-submit"},
                    text(language, "paying")
                    if busy
                    else text(language, "pay_amount").format(amount=shown_amount),
                ),
                html.button(
                    {
                        "type": "button",
                        "className": "secondary",
                        "style": SECONDARY,
                        "disabled": busy,
                        "data-testid": "pay-change",
                        "onClick": back,
                    },
                    text(language, "pay_change"),
                ),
            ),
            scanner,
        )
    runtime = runtime_from_scope(scope)
    public_url = runtime.settings.public_url
    # The pay links the camera may fill this form from: this currency's, and the old
    # address without a currency when this is the deployment's default currency.
    pay_paths = [wallet_path(code, "pay")]
    if code == runtime.default_branding.code:
        pay_paths.append(LEGACY_PAY)
    scan_texts = {
        f"data-text-{name.replace('_', '-')}": text(language, f"scan_{name}")
        for name in _SCAN_TEXTS
    }
    return html.div(
        {"className": "stack", "lang": language},
        html.form(
            {
                "key": "pay-form",
                "onSubmit": event(check, prevent_default=True),
                "noValidate": True,
                "className": "card stack",
                "data-testid": "pay-form",
                "data-idempotency-key": idempotency_key,
            },
            html.h2(text(language, "pay_title")),
            paying_from,
            html.label(
                text(language, "pay_to"),
                html.input(
                    {
                        "id": "pay-to",
                        "name": "to",
                        "type": "text",
                        "autoComplete": "off",
                        "autoCapitalize": "none",
                        "spellCheck": "false",
                        "maxLength": HANDLE_LENGTH_MAX,
                        "aria-required": "true",
                        "value": to,
                        "aria-invalid": "true" if "to" in problems else "false",
                        "aria-describedby": _described_by(problems, "to", "pay-to-hint"),
                        "data-scan-field": "to",
                        "data-testid": "pay-to",
                        "onChange": edit("to", to, set_to, HANDLE_LENGTH_MAX),
                    }
                ),
            ),
            html.p({"id": "pay-to-hint", "className": "muted"}, text(language, "pay_to_hint")),
            _problem_line(language, problems, "to"),
            html.button(
                {
                    "type": "button",
                    "className": "secondary",
                    "style": SECONDARY,
                    "data-scan-button": "pay",
                    "data-scan-message": "pay-scan-message",
                    "data-origin": public_url,
                    "data-pay-paths": " ".join(pay_paths),
                    "data-testid": "pay-scan",
                    **scan_texts,
                },
                text(language, "scan_qr"),
            ),
            html.p(
                {
                    "id": "pay-scan-message",
                    "role": "status",
                    "aria-live": "polite",
                    "className": "muted",
                    "data-testid": "pay-scan-message",
                }
            ),
            html.label(
                text(language, "amount") + f" ({code})",
                html.input(
                    {
                        "id": "pay-amount",
                        "name": "amount",
                        "type": "text",
                        "inputMode": "decimal",
                        "autoComplete": "off",
                        "maxLength": AMOUNT_LENGTH_MAX,
                        "aria-required": "true",
                        "value": amount,
                        "aria-invalid": "true" if "amount" in problems else "false",
                        "aria-describedby": _described_by(problems, "amount"),
                        "data-scan-field": "amount",
                        "data-testid": "pay-amount",
                        "onChange": edit("amount", amount, set_amount, AMOUNT_LENGTH_MAX),
                    }
                ),
            ),
            _problem_line(language, problems, "amount"),
            html.label(
                text(language, "pay_memo"),
                html.input(
                    {
                        "id": "pay-memo",
                        "name": "memo",
                        "type": "text",
                        "autoComplete": "off",
                        "maxLength": MEMO_LENGTH_MAX,
                        "value": memo,
                        "aria-invalid": "true" if "memo" in problems else "false",
                        "aria-describedby": _described_by(problems, "memo"),
                        "data-scan-field": "memo",
                        "data-testid": "pay-memo",
                        "onChange": edit("memo", memo, set_memo, MEMO_LENGTH_MAX),
                    }
                ),
            ),
            _problem_line(language, problems, "memo"),
            _problem_line(language, problems, ""),
            html.button(
                {"type": "submit", "data-testid": "pay-continue"}, text(language, "pay_continue")
            ),
        ),
        scanner,
    )


@component
def Receipt(
    scope: dict[str, Any], transaction: dict[str, Any], code: str, language: str, timezone: str
):  # type: ignore[no-untyped-def]
    """What was paid, to whom and when; then, once sealed, its place in the ledger."""
    sealed, set_sealed = use_state(
        cast(Any, transaction if transaction["sequence"] is not None else None)
    )
    late, set_late = use_state(False)

    @use_async_effect(dependencies=[])
    async def follow() -> None:
        if transaction["sequence"] is not None:
            return
        for _ in range(SEAL_POLLS):
            await asyncio.sleep(SEAL_POLL_S)
            try:
                found = (
                    await execute(
                        scope, OPERATIONS["WalletPaidTransaction"], {"id": transaction["id"]}
                    )
                )["node"]
            except OperationError:
                continue  # a moment without the server: the next poll tries again
            if found and found.get("sequence") is not None:
                set_sealed(found)
                return
        set_late(True)

    paid = transaction["amount"]
    recipient = transaction["to"]
    if sealed is not None:
        seal: Any = summary(
            (text(language, "pay_sequence"), str(sealed["sequence"]), "receipt-sequence", {}),
            (text(language, "pay_hash"), sealed["hash"], "receipt-hash", HASH),
        )
    else:
        seal = html.p(
            {"className": "muted", "data-testid": "receipt-sealing"},
            text(language, "pay_seal_late" if late else "pay_sealing"),
        )
    memo = transaction["memo"]
    return html.section(
        {
            "className": "card stack",
            "aria-labelledby": "receipt-title",
            "data-testid": "pay-receipt",
        },
        html.h2({"id": "receipt-title"}, text(language, "pay_done")),
        summary(
            (
                text(language, "amount"),
                money(paid["amount"], paid["currency"], language),
                "receipt-amount",
                BIG,
            ),
            (
                text(language, "pay_recipient"),
                f"{recipient['name']} (@{recipient['handle']})",
                "receipt-to",
                {},
            ),
            (text(language, "pay_memo_short"), memo, "receipt-memo", {}) if memo else None,
            (
                text(language, "pay_when"),
                when(transaction["createdAt"], language, timezone),
                "receipt-when",
                {},
            ),
        ),
        html.div({"aria-live": "polite", "data-testid": "receipt-seal"}, seal),
        html.nav(
            {
                "className": "actions",
                "style": {"display": "flex", "flexWrap": "wrap", "gap": ".75rem"},
            },
            html.a(
                {
                    "href": wallet_path(code, "pay"),
                    "className": "button",
                    "data-testid": "pay-again",
                },
                text(language, "pay_again"),
            ),
            html.a(
                {
                    "href": wallet_path(code),
                    "className": "button secondary",
                    "data-testid": "to-wallet",
                },
                text(language, "back_to_wallet"),
            ),
        ),
    )
