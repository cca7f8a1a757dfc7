"""The audit log: every administrative action, newest first, filtered by action, actor,
target type and target ID (kept in the address, so a filtered view can be linked), a page
at a time, each entry's before and after readable as JSON."""

from __future__ import annotations

import json
from typing import Any, cast
from urllib.parse import parse_qs, urlencode

from reactpy import component, html, use_async_effect, use_location, use_state

from admin_ui.ui import OPERATIONS, problem, when
from schema.operations import OperationError, execute

PAGE = 50
# The filters, as the address and auditLog name them, with their labels.
FILTERS = (
    ("action", "Action"),
    ("actor", "Actor's email"),
    ("targetType", "Target type"),
    ("targetId", "Target ID"),
)


def filters_of(query_string: str) -> dict[str, str]:
    query = parse_qs(query_string.lstrip("?"))
    return {name: value for name, _ in FILTERS if (value := query.get(name, [""])[0].strip()[:200])}


def _address(currency: str, filters: dict[str, str]) -> str:
    return "/admin/audit?" + urlencode({"currency": currency, **filters})


def _details(entry: dict[str, Any]) -> Any:
    if entry["before"] is None and entry["after"] is None:
        return html.span({"className": "muted"}, "—")
    text = json.dumps(
        {"before": entry["before"], "after": entry["after"]},
        indent=2,
        sort_keys=True,
        ensure_ascii=False,
    )
    return html.details(
        {"className": "admin-audit-details"},
        html.summary("Before and after"),
        html.pre({"data-testid": "audit-json"}, text),
    )


def _row(index: int, entry: dict[str, Any], currency: str, filters: dict[str, str]) -> Any:
    def narrowed(**more: str) -> str:
        return _address(currency, filters | more)

    return html.tr(
        {"key": str(index), "data-testid": "audit-entry", "data-action": entry["action"]},
        html.td(when(entry["createdAt"])),
        html.td(
            html.a(
                {"href": narrowed(actor=entry["actor"]), "data-testid": "audit-actor"},
                entry["actor"],
            )
        ),
        html.td(
            html.a(
                {"href": narrowed(action=entry["action"])},
                html.code({"data-testid": "audit-action"}, entry["action"]),
            )
        ),
        html.td(
            html.a(
                {"href": narrowed(targetType=entry["targetType"], targetId=entry["targetId"])},
                f"{entry['targetType']} {entry['targetId']}",
            )
        ),
        html.td(entry["reason"] or html.span({"className": "muted"}, "—")),
        html.td(_details(entry)),
    )


def _filter_form(currency: str, filters: dict[str, str], actions: list[str]) -> Any:
    """A plain GET form: the filters land in the address, so they survive a reload."""
    fields = [
        html.label(
            {"key": name},
            label,
            html.input(
                {
                    "name": name,
                    "defaultValue": filters.get(name, ""),
                    "data-testid": f"audit-filter-{name}",
                    **({"list": "audit-actions"} if name == "action" else {}),
                    **({"inputMode": "email"} if name == "actor" else {}),
                }
            ),
        )
        for name, label in FILTERS
    ]
    return html.form(
        {
            "method": "get",
            "action": "/admin/audit",
            "className": "admin-filters",
            "data-testid": "audit-filters",
        },
        html.input({"type": "hidden", "name": "currency", "value": currency}),
        *fields,
        html.datalist(
            {"id": "audit-actions"},
            *[html.option({"key": action, "value": action}) for action in actions],
        ),
        html.button({"type": "submit", "data-testid": "audit-filter"}, "Filter"),
        html.a({"href": _address(currency, {}), "data-testid": "audit-clear"}, "Clear")
        if filters
        else "",
        html.p(
            {"className": "muted"},
            "Each filter matches exactly (e.g. kyc_document.approved, or an email).",
        ),
    )


@component
def AuditLog(scope: dict[str, Any], viewer: dict[str, Any], currency: str, rest: str):  # type: ignore[no-untyped-def]
    location = use_location()
    filters = filters_of(location.query_string)
    entries, set_entries = use_state(cast(Any, None))
    cursor, set_cursor = use_state(cast(Any, None))
    failure, set_failure = use_state("")
    busy, set_busy = use_state(False)

    async def fetch(after: str | None) -> tuple[list[dict[str, Any]], str | None]:
        answer = (
            await execute(
                scope, OPERATIONS["AdminAuditLog"], {"first": PAGE, "after": after, **filters}
            )
        )["auditLog"]
        more = answer["pageInfo"]["endCursor"] if answer["pageInfo"]["hasNextPage"] else None
        return [edge["node"] for edge in answer["edges"]], more

    @use_async_effect(dependencies=[])
    async def load() -> None:
        try:
            found, more = await fetch(None)
        except OperationError as trouble:
            set_failure(str(trouble))
            return
        set_entries(found)
        set_cursor(more)

    async def load_more(_: Any) -> None:
        if not cursor or busy:
            return
        set_busy(True)
        try:
            found, more = await fetch(cursor)
        except OperationError as trouble:
            set_failure(str(trouble))
            set_busy(False)
            return
        set_entries(lambda old: (old or []) + found)
        set_cursor(more)
        set_busy(False)

    actions = sorted({entry["action"] for entry in entries or []} | {filters.get("action", "")})
    if entries is None and not failure:
        body: Any = html.p({"aria-busy": "true"}, "…")
    elif entries is None:
        body = ""
    elif not entries:
        body = html.p({"className": "muted", "data-testid": "audit-empty"}, "No entries.")
    else:
        headings = ("When (UTC)", "Actor", "Action", "Target", "Reason", "Details")
        body = html.table(
            {"className": "table admin-audit", "data-testid": "audit-log"},
            html.thead(html.tr(*[html.th({"key": str(i)}, h) for i, h in enumerate(headings)])),
            html.tbody(*[_row(i, e, currency, filters) for i, e in enumerate(entries)]),
        )
    return html.section(
        {"data-testid": "section-audit"},
        html.h2("Audit log"),
        html.p({"className": "muted"}, "Every administrative action, newest first."),
        _filter_form(currency, filters, [a for a in actions if a]),
        problem(failure),
        body,
        html.button(
            {"type": "button", "disabled": busy, "data-testid": "audit-more", "onClick": load_more},
            "More",
        )
        if cursor
        else "",
    )
