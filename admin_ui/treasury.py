"""The treasury: the supply against the euro reserve (recorded by treasurers), issuing
funds (cash at an exchange office), the ledger's latest checkpoint and its verification,
and shops' cash-out requests, approved (burned), rejected (released) or recorded as paid
with the bank transfer's reference. Treasurers act (superadmins verify too); other
administrators see the same figures and lists, without the buttons."""

from __future__ import annotations

import uuid
from typing import Any, cast

from reactpy import component, event, html, use_async_effect, use_state

from admin_ui.ui import OPERATIONS, first_error, money, problem, table, when
from schema.operations import OperationError, execute

SHOWN = 100


def _money(money: dict[str, str]) -> str:
    return f"{money['amount']} {money['currency']}"


@component
def RedemptionRow(scope: dict[str, Any], item: dict[str, Any], can_decide: bool, reload: Any):  # type: ignore[no-untyped-def]
    reason, set_reason = use_state("")
    reference, set_reference = use_state("")
    problem, set_problem = use_state("")
    busy, set_busy = use_state(False)

    async def act(operation: str, name: str, extra: dict[str, str]) -> None:
        if busy:
            return
        set_busy(True)
        set_problem("")
        try:
            answer = (
                await execute(scope, OPERATIONS[operation], {"input": {"id": item["id"], **extra}})
            )[name]
        except OperationError as failure:
            set_problem(str(failure))
            set_busy(False)
            return
        set_busy(False)
        if answer["errors"]:
            set_problem(answer["errors"][0]["message"])
            return
        await reload()

    async def approve(_: Any) -> None:
        await act("AdminApproveRedemption", "approveRedemption", {})

    async def reject(_: Any) -> None:
        await act("AdminRejectRedemption", "rejectRedemption", {"reason": reason})

    async def record(_: Any) -> None:
        await act("AdminRecordPayout", "recordRedemptionPayout", {"bankReference": reference})

    test_id = f"redemption-{item['account']['handle'] if item['account'] else item['id']}"
    actions: list[Any] = []
    if can_decide and item["status"] == "REQUESTED":
        actions = [
            html.button(
                {
                    "type": "button",
                    "disabled": busy,
                    "data-testid": "approve",
                    "onClick": approve,
                },
                "Approve (burn)",
            ),
            html.form(
                {
                    "className": "inline",
                    "onSubmit": event(reject, prevent_default=True),
                },
                html.label(
                    "Reason",
                    html.input(
                        {
                            "value": reason,
                            "data-testid": "reject-reason",
                            "onChange": lambda e: set_reason(e["target"]["value"][:500]),
                        }
                    ),
                ),
                html.button(
                    {"type": "submit", "disabled": busy, "data-testid": "reject"}, "Reject"
                ),
            ),
        ]
    elif can_decide and item["status"] == "APPROVED":
        actions = [
            html.form(
                {
                    "className": "inline",
                    "onSubmit": event(record, prevent_default=True),
                },
                html.label(
                    "Bank transfer reference",
                    html.input(
                        {
                            "value": reference,
                            "data-testid": "bank-reference",
                            "onChange": lambda e: set_reference(e["target"]["value"][:100]),
                        }
                    ),
                ),
                html.button(
                    {"type": "submit", "disabled": busy, "data-testid": "record-payout"},
                    "Record payout",
                ),
            )
        ]
    return html.tr(
        {"data-testid": test_id, "data-status": item["status"]},
        html.td(item["account"]["name"] if item["account"] else "?"),
        html.td(_money(item["amount"])),
        html.td(_money(item["payout"])),
        html.td(html.code(item["iban"]), html.br(), item["holderName"]),
        html.td(item["createdAt"][:16].replace("T", " ")),
        html.td(
            *actions,
            html.p({"className": "error", "role": "alert"}, problem) if problem else "",
        ),
    )


def _table(title: str, test_id: str, rows: list[Any], more: bool) -> Any:
    headings = ("Shop", "Amount", "Pays", "Bank account", "Asked", "")
    return html.section(
        {"data-testid": test_id},
        html.h3(title),
        html.table(
            {"className": "table"},
            html.thead(html.tr(*[html.th({"key": str(i)}, h) for i, h in enumerate(headings)])),
            html.tbody(*rows),
        )
        if rows
        else html.p({"className": "muted"}, "None."),
        html.p({"className": "muted"}, f"Showing the oldest {SHOWN}.") if more else "",
    )


async def _run(scope: dict[str, Any], operation: str, name: str, input: dict[str, Any]) -> str:
    """Runs a mutation; "" when it worked, else what went wrong, as a sentence."""
    try:
        answer = (await execute(scope, OPERATIONS[operation], {"input": input}))[name]
    except OperationError as failure:
        return str(failure)
    return first_error(answer)


def _field(label: str, value: str, set_value: Any, test_id: str, **extra: Any) -> Any:
    return html.label(
        label,
        html.input(
            {
                "value": value,
                "data-testid": test_id,
                "onChange": lambda e: set_value(e["target"]["value"][:500]),
                **extra,
            }
        ),
    )


@component
def IssueFunds(scope: dict[str, Any], currency: str, reload: Any):  # type: ignore[no-untyped-def]
    """Mints into an account. One submission keeps its idempotency key across retries
    (the same inputs sent again after a failure); changed inputs are a new submission."""
    to, set_to = use_state("")
    amount, set_amount = use_state("")
    reason, set_reason = use_state("")
    attempt, set_attempt = use_state(cast(Any, None))  # {"inputs": ..., "key": ...}
    busy, set_busy = use_state(False)
    failure, set_failure = use_state("")
    done, set_done = use_state("")

    async def submit(_: Any) -> None:
        if busy:
            return
        inputs = (to.strip(), amount.strip(), reason.strip(), currency)
        key = attempt["key"] if attempt and attempt["inputs"] == inputs else uuid.uuid4().hex
        set_attempt({"inputs": inputs, "key": key})
        set_busy(True)
        set_failure("")
        set_done("")
        message = await _run(
            scope,
            "AdminIssueFunds",
            "issueFunds",
            {
                "to": inputs[0],
                "amount": inputs[1],
                "currency": currency,
                "reason": inputs[2],
                "idempotencyKey": key,
            },
        )
        set_busy(False)
        if message:
            set_failure(message)
            return
        set_done(f"Issued {inputs[1]} {currency} to {inputs[0]}.")
        set_to("")
        set_amount("")
        set_reason("")
        set_attempt(None)
        await reload()

    return html.form(
        {
            "className": "admin-filters",
            "data-testid": "issue-funds-form",
            "aria-label": "Issue funds",
            "onSubmit": event(submit, prevent_default=True),
        },
        _field("Recipient (handle)", to, set_to, "issue-to", required=True),
        _field(f"Amount ({currency})", amount, set_amount, "issue-amount", inputMode="decimal"),
        _field("Reason", reason, set_reason, "issue-reason"),
        html.button(
            {"type": "submit", "disabled": busy, "data-testid": "issue-funds"}, "Issue funds"
        ),
        problem(failure, "issue-problem"),
        html.p({"role": "status", "data-testid": "issue-done"}, done) if done else "",
    )


@component
def RecordReserve(scope: dict[str, Any], currency: str, reload: Any):  # type: ignore[no-untyped-def]
    amount, set_amount = use_state("")
    reference, set_reference = use_state("")
    reason, set_reason = use_state("")
    busy, set_busy = use_state(False)
    failure, set_failure = use_state("")

    async def submit(_: Any) -> None:
        if busy:
            return
        set_busy(True)
        set_failure("")
        message = await _run(
            scope,
            "AdminRecordReserve",
            "recordReserve",
            {"currency": currency, "amount": amount, "reference": reference, "reason": reason},
        )
        set_busy(False)
        if message:
            set_failure(message)
            return
        set_amount("")
        set_reference("")
        set_reason("")
        await reload()

    return html.form(
        {
            "className": "admin-filters",
            "data-testid": "record-reserve-form",
            "aria-label": "Record the reserve",
            "onSubmit": event(submit, prevent_default=True),
        },
        _field("Euros in the bank", amount, set_amount, "reserve-amount", inputMode="decimal"),
        _field("Bank reference", reference, set_reference, "reserve-reference"),
        _field("Reason", reason, set_reason, "reserve-reason"),
        html.button(
            {"type": "submit", "disabled": busy, "data-testid": "record-reserve"},
            "Record reserve",
        ),
        problem(failure, "reserve-problem"),
    )


def _figures(found: dict[str, Any]) -> Any:
    coverage = found["coverage"]
    short = coverage is not None and coverage["amount"].startswith("-")
    return html.dl(
        {"className": "admin-facts", "data-testid": "treasury-figures"},
        html.dt("Supply in circulation"),
        html.dd({"data-testid": "supply"}, money(found["supply"])),
        html.dt("Euro reserve"),
        html.dd(
            {"data-testid": "reserve"},
            money(found["reserve"]),
            f" (recorded {when(found['reserveRecordedAt'])} by {found['reserveRecordedBy']})"
            if found["reserve"]
            else " (not recorded yet)",
        ),
        html.dt("Coverage (reserve minus supply)"),
        html.dd(
            {"data-testid": "coverage", "className": "error" if short else ""},
            money(coverage),
            " — the supply is not fully backed" if short else "",
        ),
    )


def _seal(found: dict[str, Any]) -> Any:
    point = found["checkpoint"]
    check = found["lastVerification"]
    return html.dl(
        {"className": "admin-facts", "data-testid": "ledger-seal"},
        html.dt("Latest signed checkpoint"),
        html.dd(
            {"data-testid": "checkpoint"},
            f"sequence {point['sequence']}, signed {when(point['signedAt'])}, hash ",
            html.code(point["hash"][:16] + "…"),
        )
        if point
        else html.dd({"data-testid": "checkpoint"}, "None yet."),
        html.dt("Last verification"),
        html.dd(
            {"data-testid": "verification", "data-ok": str(check["ok"]).lower()},
            html.strong("Holds" if check["ok"] else "FAILED"),
            f" — {when(check['checkedAt'])} by {check['checkedBy']}: {check['message']}",
        )
        if check
        else html.dd({"data-testid": "verification"}, "Never run from the panel."),
    )


def _history(found: dict[str, Any]) -> Any:
    rows = [
        html.tr(
            {"key": str(i)},
            html.td(when(record["recordedAt"])),
            html.td(money(record["amount"])),
            html.td(record["reference"]),
            html.td(record["reason"]),
            html.td(record["recordedBy"]),
        )
        for i, record in enumerate(found["history"])
    ]
    return table(
        "reserve-history", ["Recorded", "Euros", "Reference", "Reason", "By"], rows, "None yet."
    )


@component
def Treasury(scope: dict[str, Any], viewer: dict[str, Any], currency: str, rest: str):  # type: ignore[no-untyped-def]
    roles = viewer["adminRoles"]
    can_decide = "TREASURER" in roles
    can_verify = bool({"TREASURER", "SUPERADMIN"} & set(roles))
    lists, set_lists = use_state(cast(Any, None))
    figures, set_figures = use_state(cast(Any, None))
    version, set_version = use_state(0)
    failure, set_failure = use_state("")
    verifying, set_verifying = use_state(False)

    async def load_figures() -> None:
        try:
            answer = await execute(scope, OPERATIONS["AdminTreasury"], {"currency": currency})
        except OperationError as trouble:
            set_failure(str(trouble))
            return
        set_figures(answer["treasury"])

    async def load() -> None:
        found = {}
        for status in ("REQUESTED", "APPROVED"):
            variables = {"status": status, "first": SHOWN, "currency": currency}
            found[status] = (await execute(scope, OPERATIONS["AdminRedemptions"], variables))[
                "redemptions"
            ]
        await load_figures()
        set_lists(found)
        set_version(version + 1)

    @use_async_effect(dependencies=[])
    async def first_load() -> None:
        await load()

    async def verify(_: Any) -> None:
        if verifying:
            return
        set_verifying(True)
        message = await _run(scope, "AdminVerifyLedger", "verifyLedger", {"currency": currency})
        set_verifying(False)
        set_failure(message)
        await load_figures()

    if lists is None:
        return html.section({"aria-busy": "true"}, problem(failure) or "…")

    def rows(status: str) -> list[Any]:
        return [
            RedemptionRow(
                scope, edge["node"], can_decide, load, key=f"{edge['node']['id']}-{version}"
            )
            for edge in lists[status]["edges"]
        ]

    overview: list[Any] = []
    if figures:
        overview = [
            html.h3("Supply and reserve"),
            _figures(figures),
            RecordReserve(scope, currency, load_figures) if can_decide else "",
            html.h4("Reserve history"),
            _history(figures),
            html.h3("Issue funds"),
            html.p(
                {"className": "muted"},
                "Cash paid in at an exchange office: mints into the account; audited.",
            ),
            IssueFunds(scope, currency, load_figures)
            if can_decide
            else html.p({"className": "muted"}, "Only treasurers issue funds."),
            html.h3("Ledger seal"),
            _seal(figures),
            html.button(
                {
                    "type": "button",
                    "disabled": verifying,
                    "data-testid": "verify-now",
                    "onClick": verify,
                },
                "Verifying…" if verifying else "Verify now",
            )
            if can_verify
            else "",
        ]
    return html.section(
        {"data-testid": "treasury"},
        html.h2(f"Treasury: {currency}"),
        problem(failure),
        *overview,
        html.h3("Cash-outs"),
        html.p(
            {"className": "muted"},
            "Approving burns the held amount: then make the bank transfer and record its "
            "reference. Rejecting gives the amount back to the shop.",
        ),
        _table(
            "Waiting for a decision",
            "redemptions-requested",
            rows("REQUESTED"),
            lists["REQUESTED"]["pageInfo"]["hasNextPage"],
        ),
        _table(
            "Approved: bank transfer owed",
            "redemptions-approved",
            rows("APPROVED"),
            lists["APPROVED"]["pageInfo"]["hasNextPage"],
        ),
    )
