"""Adjustments: superadmins and treasurers correct an account's balance with an entry to or
from the issuer. Up to the currency's threshold it is applied at once; above it, it waits
for ANOTHER superadmin or treasurer to approve or reject it here. Other administrators see
the same lists, without the form or the buttons."""

from __future__ import annotations

import uuid
from typing import Any, cast

from reactpy import component, event, html, use_async_effect, use_state

from admin_ui.ui import OPERATIONS, first_error, money, problem, table, when
from pwa.forms import chosen_value
from schema.operations import OperationError, execute

DECIDERS = {"SUPERADMIN", "TREASURER"}
PENDING_SHOWN = 50
RECENT_SHOWN = 20
REASON_MAX = 500


def _new_key() -> str:
    return uuid.uuid4().hex


def _field(
    label: str, name: str, value: str, on_change: Any, test_id: str = "", **extra: Any
) -> Any:
    return html.label(
        label,
        html.input(
            {
                "name": name,
                "value": value,
                "data-testid": test_id or f"adjustment-{name}",
                "onChange": lambda e: on_change(e["target"]["value"]),
                **extra,
            }
        ),
    )


@component
def ThresholdForm(scope: dict[str, Any], currency: str, threshold: dict[str, str], reload: Any):  # type: ignore[no-untyped-def]
    """Superadmins: the amount above which an adjustment waits for a second administrator."""
    amount, set_amount = use_state(threshold["amount"])
    reason, set_reason = use_state("")
    busy, set_busy = use_state(False)
    failure, set_failure = use_state("")
    done, set_done = use_state("")

    async def submit(_: Any) -> None:
        if busy:
            return
        set_busy(True)
        set_failure("")
        set_done("")
        variables = {"input": {"currency": currency, "amount": amount, "reason": reason}}
        try:
            answer = (await execute(scope, OPERATIONS["AdminSetAdjustmentThreshold"], variables))[
                "setAdjustmentApprovalThreshold"
            ]
        except OperationError as error:
            answer = {"errors": [{"message": str(error)}]}
        set_busy(False)
        if answer["errors"]:
            set_failure(first_error(answer))  # what was typed stays, to be corrected
            return
        saved = answer["currency"]["adjustmentApprovalThreshold"]
        set_reason("")
        set_done(f"Saved: adjustments above {money(saved)} wait for a second administrator.")
        await reload()

    return html.form(
        {
            "data-testid": "threshold-form",
            "onSubmit": event(submit, prevent_default=True),
        },
        _field(
            f"Approval threshold ({currency})",
            "threshold",
            amount,
            lambda typed: set_amount(typed[:20]),
            test_id="threshold-amount",
            inputMode="decimal",
        ),
        _field(
            "Why the change",
            "threshold-reason",
            reason,
            lambda typed: set_reason(typed[:REASON_MAX]),
            test_id="threshold-reason",
        ),
        html.button(
            {"type": "submit", "disabled": busy, "data-testid": "threshold-save"},
            "Change the threshold",
        ),
        problem(failure, "threshold-problem"),
        html.p({"role": "status", "data-testid": "threshold-done"}, done) if done else "",
    )


@component
def AdjustmentForm(scope: dict[str, Any], currency: str, threshold: str, reload: Any):  # type: ignore[no-untyped-def]
    account, set_account = use_state("")
    direction, set_direction = use_state("CREDIT")
    amount, set_amount = use_state("")
    reason, set_reason = use_state("")
    corrects, set_corrects = use_state("")
    key, set_key = use_state(_new_key)
    busy, set_busy = use_state(False)
    failure, set_failure = use_state("")
    outcome, set_outcome = use_state(cast(Any, None))

    async def submit(_: Any) -> None:
        if busy:
            return
        set_busy(True)
        set_failure("")
        set_outcome(None)
        variables = {
            "input": {
                "accountId": account,
                "currency": currency,
                "direction": direction,
                "amount": amount,
                "reason": reason,
                "corrects": corrects.strip() or None,
                "idempotencyKey": key,
            }
        }
        try:
            answer = (await execute(scope, OPERATIONS["AdminRequestAdjustment"], variables))[
                "requestAdjustment"
            ]
        except OperationError as error:
            set_failure(str(error))
            set_busy(False)
            return
        set_busy(False)
        if answer["errors"]:
            set_failure(first_error(answer))
            return
        set_outcome(answer["adjustment"])
        set_key(_new_key())  # the next adjustment is another request
        set_amount("")
        set_reason("")
        set_corrects("")
        await reload()

    said = ""
    if outcome is not None:
        said = (
            f"Applied: {money(outcome['amount'])} moved now."
            if outcome["status"] == "APPLIED"
            else f"Waiting for approval: {money(outcome['amount'])} is above {threshold}, "
            "so another administrator must approve it."
        )
    return html.form(
        {
            "className": "card stack",
            "data-testid": "adjustment-form",
            "onSubmit": event(submit, prevent_default=True),
        },
        html.h3("New adjustment"),
        html.p(
            {"className": "muted"},
            f"Up to {threshold} it is applied at once; above, another administrator approves it.",
        ),
        _field("Account (handle or ID)", "account", account, set_account, required=True),
        html.label(
            "Direction",
            html.select(
                {
                    "name": "direction",
                    "value": direction,
                    "data-testid": "adjustment-direction",
                    "onChange": lambda e: set_direction(chosen_value(e) or "CREDIT"),
                },
                html.option({"value": "CREDIT"}, "Credit: from the issuer to the account"),
                html.option({"value": "DEBIT"}, "Debit: from the account to the issuer"),
            ),
        ),
        _field(f"Amount ({currency})", "amount", amount, set_amount, inputMode="decimal"),
        _field("Reason", "reason", reason, lambda v: set_reason(v[:REASON_MAX]), required=True),
        _field("Corrects transaction (ID, optional)", "corrects", corrects, set_corrects),
        html.button(
            {"type": "submit", "disabled": busy, "data-testid": "adjustment-submit"},
            "Request adjustment",
        ),
        problem(failure, "adjustment-error"),
        html.p({"role": "status", "data-testid": "adjustment-result"}, said) if said else "",
    )


@component
def PendingRow(  # type: ignore[no-untyped-def]
    scope: dict[str, Any], item: dict[str, Any], viewer: dict[str, Any], reload: Any
):
    reason, set_reason = use_state("")
    failure, set_failure = use_state("")
    busy, set_busy = use_state(False)

    async def act(operation: str, name: str, extra: dict[str, str]) -> None:
        if busy:
            return
        set_busy(True)
        set_failure("")
        try:
            answer = (
                await execute(scope, OPERATIONS[operation], {"input": {"id": item["id"], **extra}})
            )[name]
        except OperationError as error:
            set_failure(str(error))
            set_busy(False)
            return
        set_busy(False)
        if answer["errors"]:
            set_failure(first_error(answer))
            return
        await reload()

    async def approve(_: Any) -> None:
        await act("AdminApproveAdjustment", "approveAdjustment", {})

    async def reject(_: Any) -> None:
        await act("AdminRejectAdjustment", "rejectAdjustment", {"reason": reason})

    requester = (item["requestedBy"] or {}).get("email", "")
    own = requester == (viewer.get("user") or {}).get("email")
    may_decide = bool(DECIDERS & set(viewer["adminRoles"]))
    if own:
        actions: list[Any] = [
            html.span({"className": "muted"}, "Yours: another administrator decides.")
        ]
    elif may_decide:
        actions = [
            html.button(
                {"type": "button", "disabled": busy, "data-testid": "approve", "onClick": approve},
                "Approve",
            ),
            html.form(
                {"className": "inline", "onSubmit": event(reject, prevent_default=True)},
                html.label(
                    "Reason",
                    html.input(
                        {
                            "value": reason,
                            "data-testid": "reject-reason",
                            "onChange": lambda e: set_reason(e["target"]["value"][:REASON_MAX]),
                        }
                    ),
                ),
                html.button(
                    {"type": "submit", "disabled": busy, "data-testid": "reject"}, "Reject"
                ),
            ),
        ]
    else:
        actions = []
    return html.tr(
        {"data-testid": "pending-adjustment", "data-id": item["id"]},
        *_cells(item),
        html.td(requester),
        html.td(*actions, problem(failure, "pending-error")),
    )


def _cells(item: dict[str, Any]) -> list[Any]:
    account = item["account"]
    return [
        html.td(f"{account['name']} (@{account['handle']})" if account else "?"),
        html.td(item["direction"].capitalize()),
        html.td(money(item["amount"])),
        html.td(
            item["reason"],
            html.br(),
            html.small({"className": "muted"}, f"corrects {item['corrects']}"),
        )
        if item["corrects"]
        else html.td(item["reason"]),
        html.td(when(item["createdAt"])),
    ]


def _decided_row(item: dict[str, Any]) -> Any:
    decided_by = (item["decidedBy"] or {}).get("email") or "at once (within the threshold)"
    return html.tr(
        {"key": item["id"], "data-testid": "decided-adjustment", "data-status": item["status"]},
        *_cells(item),
        html.td(item["status"].capitalize()),
        html.td(decided_by, html.br(), item["decisionReason"])
        if item["decisionReason"]
        else html.td(decided_by),
    )


@component
def Adjustments(scope: dict[str, Any], viewer: dict[str, Any], currency: str, rest: str):  # type: ignore[no-untyped-def]
    lists, set_lists = use_state(cast(Any, None))
    failure, set_failure = use_state("")
    version, set_version = use_state(0)

    async def load() -> None:
        try:
            pending = await execute(
                scope,
                OPERATIONS["AdminAdjustments"],
                {"currency": currency, "status": "PENDING", "first": PENDING_SHOWN},
            )
            recent = await execute(
                scope,
                OPERATIONS["AdminAdjustments"],
                {"currency": currency, "first": RECENT_SHOWN},
            )
            threshold = await execute(
                scope, OPERATIONS["AdminAdjustmentThreshold"], {"code": currency}
            )
        except OperationError as error:
            set_failure(str(error))
            return
        found = threshold["currency"]
        set_lists(
            {
                "pending": [edge["node"] for edge in pending["adjustments"]["edges"]],
                "recent": [
                    edge["node"]
                    for edge in recent["adjustments"]["edges"]
                    if edge["node"]["status"] != "PENDING"
                ],
                "threshold": money(found["adjustmentApprovalThreshold"]) if found else "—",
                "threshold_money": found["adjustmentApprovalThreshold"] if found else None,
            }
        )
        set_version(lambda v: v + 1)

    @use_async_effect(dependencies=[currency])
    async def first_load() -> None:
        await load()

    async def refresh(_: Any) -> None:
        await load()

    if failure:
        return html.p({"role": "alert"}, failure)
    if lists is None:
        return html.section({"aria-busy": "true"}, "…")
    may_request = bool(DECIDERS & set(viewer["adminRoles"]))
    headings = ["Account", "Direction", "Amount", "Reason", "Asked"]
    pending = [
        PendingRow(scope, item, viewer, load, key=f"{item['id']}-{version}")
        for item in lists["pending"]
    ]
    return html.section(
        {"data-testid": "section-adjustments"},
        html.h2("Adjustments"),
        html.p(
            {"className": "muted", "data-testid": "adjustment-threshold"},
            f"Approval threshold in {currency}: {lists['threshold']}.",
        ),
        ThresholdForm(scope, currency, lists["threshold_money"], load, key=f"t-{currency}")
        if "SUPERADMIN" in viewer["adminRoles"] and lists["threshold_money"]
        else "",
        AdjustmentForm(scope, currency, lists["threshold"], load, key=currency)
        if may_request
        else "",
        html.h3("Waiting for a second administrator"),
        table("adjustments-pending", [*headings, "Asked by", ""], pending),
        html.button(
            {"type": "button", "data-testid": "adjustments-refresh", "onClick": refresh},
            "Refresh",
        ),
        html.h3("Recently decided"),
        table(
            "adjustments-decided",
            [*headings, "Status", "Decided by"],
            [_decided_row(item) for item in lists["recent"]],
        ),
    )
