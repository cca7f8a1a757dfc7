"""The treasury: shops' cash-out requests, approved (burned), rejected (released) or
recorded as paid with the bank transfer's reference. Treasurers act; other
administrators see the same lists, without the buttons."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from reactpy import component, event, html, use_async_effect, use_state

from schema.operations import OperationError, execute, load_operations

OPERATIONS = load_operations(Path(__file__).parent / "operations")
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


@component
def Treasury(scope: dict[str, Any], can_decide: bool):  # type: ignore[no-untyped-def]
    lists, set_lists = use_state(cast(Any, None))
    version, set_version = use_state(0)

    async def load() -> None:
        found = {}
        for status in ("REQUESTED", "APPROVED"):
            variables = {"status": status, "first": SHOWN}
            found[status] = (await execute(scope, OPERATIONS["AdminRedemptions"], variables))[
                "redemptions"
            ]
        set_lists(found)
        set_version(version + 1)

    @use_async_effect(dependencies=[])
    async def first_load() -> None:
        await load()

    if lists is None:
        return html.section({"aria-busy": "true"}, "…")

    def rows(status: str) -> list[Any]:
        return [
            RedemptionRow(
                scope, edge["node"], can_decide, load, key=f"{edge['node']['id']}-{version}"
            )
            for edge in lists[status]["edges"]
        ]

    return html.section(
        {"data-testid": "treasury"},
        html.h2("Treasury: cash-outs"),
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
