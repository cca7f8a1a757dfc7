"""KYC review: the documents waiting for a decision, oldest first, each with its file for
KYC officers to see, approved or declined (with a reason) by them; and the currency's tiers
with their limits, which superadmins edit. Other administrators read both, without the
buttons (and without the files, which the server keeps for officers)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

from reactpy import component, event, html, use_async_effect, use_state

from admin_ui.ui import OPERATIONS, problem, when
from schema.operations import OperationError, execute

QUEUE_PAGE = 25
KINDS = {
    "ID_DOCUMENT": "ID document",
    "PROOF_OF_ADDRESS": "Proof of address",
    "COMPANY_REGISTRATION": "Company registration",
}
# The limits a superadmin edits, as updateKycTier names them.
LIMITS = (
    ("perPaymentLimit", "Per payment"),
    ("monthlyLimit", "Per month"),
    ("maxBalance", "Largest balance"),
)
LIMIT_LABELS = dict(LIMITS) | {"reason": "Reason", "level": "Tier"}


def kind_label(kind: str) -> str:
    return KINDS.get(kind, kind.replace("_", " ").capitalize())


def tier_name(tiers: list[dict[str, Any]], level: int | None) -> str:
    if level is None:
        return "—"
    found = next((t for t in tiers if t["level"] == level), None)
    return found["name"] if found else f"level {level}"


def toward_tier(kind: str, current: int | None, tiers: list[dict[str, Any]]) -> dict | None:
    """The tier this document counts toward: the lowest above the account's that asks for
    its kind (or, if none is above, the lowest that asks for it)."""
    asking = [t for t in tiers if kind in t["requiredDocuments"]]
    above = [t for t in asking if current is None or t["level"] > current]
    chosen = above or asking
    return min(chosen, key=lambda t: t["level"]) if chosen else None


def _error_text(answer: dict[str, Any]) -> str:
    errors = answer.get("errors") or []
    if not errors:
        return ""
    label = LIMIT_LABELS.get(errors[0].get("field") or "", "")
    return f"{label}: {errors[0]['message']}" if label else errors[0]["message"]


def _limit(value: dict[str, str] | None) -> str:
    return f"{value['amount']} {value['currency']}" if value else "no limit"


def _preview(document: dict[str, Any], can_open: bool) -> Any:
    """The file itself, for those the server lets read it (KYC officers): an image shown,
    a PDF as a link (the server sends files as attachments: embedded, a PDF would download
    each time the queue is drawn)."""
    if not can_open:
        return html.p(
            {"className": "muted admin-kyc-nofile", "data-testid": "kyc-no-preview"},
            "The file is for KYC officers only.",
        )
    url = document["downloadUrl"]
    kind = kind_label(document["kind"])
    size = f"{max(1, round(document['sizeBytes'] / 1024))} KB"
    if document["contentType"].startswith("image/"):
        return html.figure(
            {"className": "admin-kyc-preview"},
            html.img({"src": url, "alt": f"The {kind.lower()} sent", "data-testid": "kyc-preview"}),
            html.figcaption(
                html.a(
                    {
                        "href": url,
                        "download": "",
                        "aria-label": f"Download the {kind.lower()} ({size})",
                        "data-testid": "kyc-open",
                    },
                    "Download",
                )
            ),
        )
    return html.figure(
        {"className": "admin-kyc-preview admin-kyc-pdf"},
        html.a(
            {"href": url, "download": "", "data-testid": "kyc-open"},
            f"Download the {kind.lower()} (PDF, {size})",
        ),
    )


@component
def QueueItem(  # type: ignore[no-untyped-def]
    scope: dict[str, Any],
    item: dict[str, Any],
    tiers: list[dict[str, Any]],
    currency: str,
    can_decide: bool,
    decided: Callable[[dict[str, Any], str, int | None], Awaitable[None]],
):
    reason, set_reason = use_state("")
    trouble, set_trouble = use_state("")
    busy, set_busy = use_state(False)
    document, account = item["document"], item["account"]

    async def decide(decision: str) -> None:
        if busy:
            return
        if decision == "DECLINE" and not reason.strip():
            set_trouble("Reason: say why it is declined (the person reads it).")
            return
        set_busy(True)
        set_trouble("")
        try:
            answer = (
                await execute(
                    scope,
                    OPERATIONS["AdminReviewKycDocument"],
                    {"input": {"id": document["id"], "decision": decision, "reason": reason}},
                )
            )["reviewKycDocument"]
            if answer["errors"]:
                set_trouble(_error_text(answer))
                set_busy(False)
                return
            node = (
                await execute(
                    scope,
                    OPERATIONS["AdminKycAccountTier"],
                    {"id": account["id"], "currency": currency},
                )
            )["node"]
        except OperationError as failure:
            set_trouble(str(failure))
            set_busy(False)
            return
        await decided(item, answer["document"]["status"], node["kycTier"] if node else None)

    async def approve(_: Any) -> None:
        await decide("APPROVE")

    async def decline(_: Any) -> None:
        await decide("DECLINE")

    toward = toward_tier(document["kind"], account["kycTier"], tiers)
    facts = html.dl(
        {"className": "admin-facts"},
        html.dt("Document"),
        html.dd({"data-testid": "kyc-kind"}, kind_label(document["kind"])),
        html.dt("Sent"),
        html.dd(when(document["submittedAt"])),
        html.dt("Tier now"),
        html.dd({"data-testid": "kyc-tier-now"}, tier_name(tiers, account["kycTier"])),
        html.dt("Counts toward"),
        html.dd({"data-testid": "kyc-toward"}, toward["name"] if toward else "—"),
        html.dt("File"),
        html.dd(f"{document['contentType']}, {max(1, round(document['sizeBytes'] / 1024))} KB"),
    )
    if can_decide:
        actions: Any = html.form(
            {
                "className": "admin-kyc-actions",
                "onSubmit": event(decline, prevent_default=True),
            },
            html.label(
                "Reason (required to decline)",
                html.input(
                    {
                        "value": reason,
                        "maxLength": 500,
                        "data-testid": "kyc-reason",
                        "onChange": lambda e: set_reason(e["target"]["value"][:500]),
                    }
                ),
            ),
            html.button(
                {
                    "type": "button",
                    "disabled": busy,
                    "data-testid": "kyc-approve",
                    "onClick": approve,
                },
                "Approve",
            ),
            html.button(
                {
                    "type": "submit",
                    "className": "secondary",
                    "disabled": busy,
                    "data-testid": "kyc-decline",
                },
                "Decline",
            ),
            problem(trouble, "kyc-problem"),
        )
    else:
        actions = html.p({"className": "muted"}, "KYC officers decide.")
    return html.li(
        {
            "className": "admin-kyc-item",
            "data-testid": f"kyc-item-{account['handle']}",
            "data-document": document["id"],
        },
        html.h4(
            account["name"],
            " ",
            html.span({"className": "muted"}, f"@{account['handle']} · {account['kind'].lower()}"),
        ),
        html.div({"className": "admin-kyc-body"}, facts, _preview(document, can_decide)),
        actions,
    )


@component
def TierRow(  # type: ignore[no-untyped-def]
    scope: dict[str, Any], tier: dict[str, Any], currency: str, can_edit: bool
):
    shown, set_shown = use_state(tier)
    values, set_values = use_state(
        {name: (tier[name] or {}).get("amount", "") for name, _ in LIMITS}
    )
    reason, set_reason = use_state("")
    trouble, set_trouble = use_state("")
    saved, set_saved = use_state(False)
    busy, set_busy = use_state(False)

    async def save(_: Any) -> None:
        if busy:
            return
        changes: dict[str, Any] = {"unlimited": []}
        for name, _label in LIMITS:
            text = values[name].strip()
            if text:
                changes[name] = text
            else:
                changes["unlimited"].append(name)
        set_busy(True)
        set_trouble("")
        set_saved(False)
        try:
            answer = (
                await execute(
                    scope,
                    OPERATIONS["AdminUpdateKycTier"],
                    {
                        "input": {
                            "currency": currency,
                            "level": shown["level"],
                            "reason": reason,
                            **changes,
                        }
                    },
                )
            )["updateKycTier"]
        except OperationError as failure:
            set_trouble(str(failure))
            set_busy(False)
            return
        set_busy(False)
        if answer["errors"]:
            set_trouble(_error_text(answer))
            return
        updated = answer["tier"]
        set_shown(updated)
        set_values({name: (updated[name] or {}).get("amount", "") for name, _ in LIMITS})
        set_reason("")
        set_saved(True)

    def limit_cell(name: str, label: str) -> Any:
        if not can_edit:
            return html.td({"key": name, "data-testid": f"tier-{name}"}, _limit(shown[name]))

        def change(e: dict[str, Any]) -> None:
            set_saved(False)
            set_values(values | {name: str(e["target"]["value"])[:30]})

        return html.td(
            {"key": name},
            html.input(
                {
                    "value": values[name],
                    "inputMode": "decimal",
                    "placeholder": "no limit",
                    "className": "admin-amount",
                    "aria-label": f"{label} in {currency} for {shown['name']} (empty: no limit)",
                    "data-testid": f"tier-{name}",
                    "onChange": change,
                }
            ),
        )

    cells = [
        html.td({"key": "name"}, html.strong(shown["name"]), f" (level {shown['level']})"),
        html.td({"key": "send"}, "yes" if shown["canSend"] else "no"),
        *[limit_cell(name, label) for name, label in LIMITS],
        html.td(
            {"key": "documents"},
            ", ".join(kind_label(k) for k in shown["requiredDocuments"]) or "none",
        ),
        html.td({"key": "map"}, "yes" if shown["onMap"] else "no"),
    ]
    if can_edit:
        cells.append(
            html.td(
                {"key": "edit"},
                html.input(
                    {
                        "value": reason,
                        "maxLength": 500,
                        "placeholder": "reason",
                        "aria-label": f"Reason for changing {shown['name']} (for the audit log)",
                        "data-testid": "tier-reason",
                        "onChange": lambda e: set_reason(str(e["target"]["value"])[:500]),
                    }
                ),
                html.button(
                    {
                        "type": "button",
                        "disabled": busy,
                        "data-testid": "tier-save",
                        "onClick": save,
                    },
                    "Save",
                ),
                html.span(
                    {"className": "admin-saved", "role": "status"}, "Saved." if saved else ""
                ),
                problem(trouble, "tier-problem"),
            )
        )
    return html.tr({"data-testid": f"tier-{shown['level']}"}, *cells)


@component
def TierLimits(scope: dict[str, Any], viewer: dict[str, Any], currency: str):  # type: ignore[no-untyped-def]
    """The currency's tiers and their limits: superadmins edit them, others read."""
    can_edit = "SUPERADMIN" in viewer["adminRoles"]
    tiers, set_tiers = use_state(cast(Any, None))
    failure, set_failure = use_state("")

    @use_async_effect(dependencies=[currency])
    async def load() -> None:
        try:
            answer = await execute(scope, OPERATIONS["AdminKycTiers"], {"currency": currency})
            set_tiers(answer["kycTiers"])
        except OperationError as trouble:
            set_failure(str(trouble))

    headings = ["Tier", "Sends", *[label for _, label in LIMITS], "Documents", "On the map"]
    if can_edit:
        headings.append("Change (reason for the audit log)")
    if failure:
        body: Any = problem(failure)
    elif tiers is None:
        body = html.p({"aria-busy": "true"}, "…")
    elif not tiers:
        body = html.p({"className": "muted"}, f"{currency} has no tiers.")
    else:
        body = html.table(
            {"className": "table admin-tiers", "data-testid": "kyc-tiers"},
            html.thead(html.tr(*[html.th({"key": str(i)}, h) for i, h in enumerate(headings)])),
            html.tbody(
                *[
                    TierRow(scope, tier, currency, can_edit, key=f"{currency}-{tier['level']}")
                    for tier in tiers
                ]
            ),
        )
    return html.section(
        {"id": "tiers", "data-testid": "tier-limits", "aria-labelledby": "tiers-heading"},
        html.h3({"id": "tiers-heading"}, f"Tier limits in {currency}"),
        html.p(
            {"className": "muted"},
            "An empty limit means no limit. Superadmins change them; every change is audited."
            if can_edit
            else "Superadmins change these.",
        ),
        body,
    )


@component
def KycReview(scope: dict[str, Any], viewer: dict[str, Any], currency: str, rest: str):  # type: ignore[no-untyped-def]
    can_decide = "KYC_OFFICER" in viewer["adminRoles"]
    tiers, set_tiers = use_state(cast(Any, None))
    items, set_items = use_state(cast(Any, None))
    cursor, set_cursor = use_state(cast(Any, None))
    refused, set_refused = use_state("")
    decided, set_decided = use_state(cast(list, []))
    loading_more, set_loading_more = use_state(False)

    async def fetch(after: str | None) -> tuple[list[dict[str, Any]], str | None]:
        answer = await execute(
            scope,
            OPERATIONS["AdminKycQueue"],
            {"first": QUEUE_PAGE, "after": after, "currency": currency},
        )
        queue = answer["kycReviewQueue"]
        more = queue["pageInfo"]["endCursor"] if queue["pageInfo"]["hasNextPage"] else None
        return [edge["node"] for edge in queue["edges"]], more

    @use_async_effect(dependencies=[])
    async def load() -> None:
        try:
            set_tiers(
                (await execute(scope, OPERATIONS["AdminKycTiers"], {"currency": currency}))[
                    "kycTiers"
                ]
            )
            found, more = await fetch(None)
        except OperationError as trouble:
            set_tiers(lambda old: old or [])
            set_refused(str(trouble))
            return
        set_items(found)
        set_cursor(more)

    async def load_more(_: Any) -> None:
        if not cursor or loading_more:
            return
        set_loading_more(True)
        try:
            found, more = await fetch(cursor)
        except OperationError as trouble:
            set_refused(str(trouble))
            set_loading_more(False)
            return
        known = {item["document"]["id"] for item in items or []}
        set_items(lambda old: (old or []) + [i for i in found if i["document"]["id"] not in known])
        set_cursor(more)
        set_loading_more(False)

    async def on_decided(item: dict[str, Any], status: str, level: int | None) -> None:
        gone = item["document"]["id"]
        set_items(lambda old: [i for i in (old or []) if i["document"]["id"] != gone])
        set_decided(lambda old: [{"item": item, "status": status, "level": level}, *old])

    if refused and items is None:
        queue: Any = html.p(
            {"role": "alert", "data-testid": "kyc-queue-refused"},
            f"The review queue is not open to you: {refused}",
        )
    elif items is None or tiers is None:
        queue = html.p({"aria-busy": "true"}, "…")
    elif not items:
        queue = html.p({"className": "muted", "data-testid": "kyc-queue-empty"}, "Nothing waits.")
    else:
        queue = html.ol(
            {"className": "admin-kyc-queue", "data-testid": "kyc-queue"},
            *[
                QueueItem(
                    scope,
                    item,
                    tiers,
                    currency,
                    can_decide,
                    on_decided,
                    key=item["document"]["id"],
                )
                for item in items
            ],
        )
    more = (
        html.button(
            {
                "type": "button",
                "disabled": loading_more,
                "data-testid": "kyc-more",
                "onClick": load_more,
            },
            "More",
        )
        if cursor
        else ""
    )
    done = (
        html.section(
            {"data-testid": "kyc-decided", "aria-live": "polite"},
            html.h3("Decided just now"),
            html.ul(
                {"className": "admin-kyc-decided"},
                *[
                    html.li(
                        {
                            "key": entry["item"]["document"]["id"],
                            "data-testid": f"kyc-decided-{entry['item']['account']['handle']}",
                            "data-status": entry["status"],
                        },
                        html.strong(entry["status"].capitalize()),
                        f": {kind_label(entry['item']['document']['kind'])} of "
                        f"{entry['item']['account']['name']} "
                        f"(@{entry['item']['account']['handle']}). Tier in {currency} now ",
                        html.strong(
                            {"data-testid": "kyc-decided-tier"},
                            tier_name(tiers or [], entry["level"]),
                        ),
                        ".",
                    )
                    for entry in decided
                ],
            ),
        )
        if decided
        else ""
    )
    return html.section(
        {"data-testid": "section-kyc"},
        html.h2("KYC review"),
        html.p(
            {"className": "muted"},
            "Documents waiting for a decision, oldest first."
            + ("" if can_decide else " Only KYC officers decide and open the files."),
        ),
        done,
        queue,
        more,
        TierLimits(scope, viewer, currency),
    )
