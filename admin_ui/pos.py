"""Points of sale: the business accounts that take payments through the gateway (an API
key, a webhook endpoint or payment orders), and for one of them its keys, its webhook
endpoints with how deliveries fare, and the delivery log. Superadmins revoke keys (with a
reason, after a confirmation) and redeliver webhooks; other administrators read only."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import quote, unquote, urlencode

from reactpy import component, event, html, use_async_effect, use_ref, use_state

from admin_ui.ui import OPERATIONS, first_error, problem, table, when
from schema.operations import OperationError, execute

SHOWN = 50
DELIVERIES_SHOWN = 20


def _rate(health: dict[str, Any]) -> str:
    rate = health["successRate"]
    return "—" if rate is None else f"{round(rate * 100)} %"


def _link(account_id: str, currency: str) -> str:
    return f"/admin/pos/{quote(account_id, safe='')}?{urlencode({'currency': currency})}"


@component
def PointsOfSale(scope: dict[str, Any], viewer: dict[str, Any], currency: str, rest: str):  # type: ignore[no-untyped-def]
    if rest:  # the account's ID, percent-encoded in the address
        return PointOfSaleDetail(scope, viewer, currency, unquote(rest))
    return PointOfSaleList(scope, currency)


@component
def PointOfSaleList(scope: dict[str, Any], currency: str):  # type: ignore[no-untyped-def]
    search, set_search = use_state("")
    found, set_found = use_state(cast(Any, None))
    failure, set_failure = use_state("")

    latest = use_ref(0)  # a slower earlier answer must not replace a later one

    async def load(words: str) -> None:
        latest.current += 1
        mine = latest.current
        variables = {"currency": currency, "first": SHOWN, "search": words or None}
        try:
            answer = await execute(scope, OPERATIONS["AdminPointsOfSale"], variables)
        except OperationError as trouble:
            set_failure(str(trouble))
            return
        if mine != latest.current:
            return
        set_failure("")
        set_found({**answer["pointsOfSale"], "search": words})

    @use_async_effect(dependencies=[])
    async def first_load() -> None:
        await load("")

    async def submit(_: Any) -> None:
        await load(search.strip())

    rows = []
    for edge in (found or {"edges": []})["edges"]:
        node = edge["node"]
        account = node["account"]
        endpoints = node["webhookEndpoints"]
        health = ", ".join(
            f"{_rate(e['health'])}"
            + (f" (last error: {e['health']['lastError']})" if e["health"]["lastError"] else "")
            for e in endpoints
        )
        rows.append(
            html.tr(
                {"key": account["id"], "data-testid": f"pos-{account['handle']}"},
                html.td(html.a({"href": _link(account["id"], currency)}, account["name"])),
                html.td(f"@{account['handle']}"),
                html.td(str(node["ordersCount"])),
                html.td(str(node["activeApiKeys"])),
                html.td(str(len(endpoints))),
                html.td(health or "—"),
            )
        )
    return html.section(
        {"data-testid": "section-pos", "data-search": found["search"] if found else ""},
        html.h2(f"Points of sale: {currency}"),
        html.p(
            {"className": "muted"},
            "Business accounts taking payments through the gateway: with an API key not "
            "revoked, a webhook endpoint, or payment orders in this currency.",
        ),
        html.form(
            {
                "className": "admin-filters",
                "role": "search",
                "onSubmit": event(submit, prevent_default=True),
            },
            html.label(
                "Name or handle",
                html.input(
                    {
                        "type": "search",
                        "value": search,
                        "data-testid": "pos-search",
                        "onChange": lambda e: set_search(e["target"]["value"][:80]),
                    }
                ),
            ),
            html.button({"type": "submit", "data-testid": "pos-search-go"}, "Search"),
        ),
        problem(failure),
        html.p({"aria-busy": "true"}, "…")
        if found is None
        else table(
            "pos-list",
            ["Shop", "Handle", "Orders", "Active keys", "Endpoints", "Delivery success"],
            rows,
            "No points of sale.",
        ),
        html.p({"className": "muted"}, f"Showing the first {SHOWN}.")
        if found and found["pageInfo"]["hasNextPage"]
        else "",
    )


@component
def KeyRow(scope: dict[str, Any], item: dict[str, Any], can_act: bool, reload: Any):  # type: ignore[no-untyped-def]
    confirming, set_confirming = use_state(False)
    reason, set_reason = use_state("")
    failure, set_failure = use_state("")
    busy, set_busy = use_state(False)

    async def revoke(_: Any) -> None:
        if busy:
            return
        set_busy(True)
        try:
            answer = (
                await execute(
                    scope,
                    OPERATIONS["AdminRevokeApiKey"],
                    {"input": {"id": item["id"], "reason": reason}},
                )
            )["revokeApiKey"]
            message = first_error(answer)
        except OperationError as trouble:
            message = str(trouble)
        set_busy(False)
        set_failure(message)
        if not message:
            set_confirming(False)
            await reload()

    action: Any = ""
    if can_act and not item["revokedAt"]:
        if confirming:
            action = html.form(
                {
                    "className": "inline",
                    "aria-label": f"Confirm revoking {item['name']}",
                    "onSubmit": event(revoke, prevent_default=True),
                },
                html.label(
                    "Reason",
                    html.input(
                        {
                            "value": reason,
                            "required": True,
                            "data-testid": "revoke-reason",
                            "onChange": lambda e: set_reason(e["target"]["value"][:500]),
                        }
                    ),
                ),
                html.button(
                    {"type": "submit", "disabled": busy, "data-testid": "confirm-revoke"},
                    "Revoke now",
                ),
                html.button(
                    {"type": "button", "onClick": lambda _: set_confirming(False)}, "Cancel"
                ),
            )
        else:
            action = html.button(
                {
                    "type": "button",
                    "data-testid": "revoke-key",
                    "onClick": lambda _: set_confirming(True),
                },
                "Revoke…",
            )
    return html.tr(
        {
            "data-testid": f"key-{item['prefix']}",
            "data-revoked": str(bool(item["revokedAt"])).lower(),
        },
        html.td(item["name"]),
        html.td(html.code(item["prefix"])),
        html.td(", ".join(item["scopes"])),
        html.td(when(item["createdAt"])),
        html.td(when(item["lastUsedAt"])),
        html.td(f"revoked {when(item['revokedAt'])}" if item["revokedAt"] else "active"),
        html.td(action, problem(failure, "revoke-problem")),
    )


@component
def DeliveryRow(scope: dict[str, Any], item: dict[str, Any], can_act: bool, reload: Any):  # type: ignore[no-untyped-def]
    failure, set_failure = use_state("")
    busy, set_busy = use_state(False)
    # The status the redelivery answered, shown until a reload brings a newer one.
    answered, set_answered = use_state(cast(Any, None))

    async def redeliver(_: Any) -> None:
        if busy:
            return
        set_busy(True)
        try:
            answer = (
                await execute(
                    scope, OPERATIONS["AdminRedeliverWebhook"], {"input": {"id": item["id"]}}
                )
            )["redeliverWebhook"]
            message = first_error(answer)
        except OperationError as trouble:
            message = str(trouble)
        set_busy(False)
        set_failure(message)
        if not message:
            set_answered({"was": item["status"], "now": answer["delivery"]["status"]})
            await reload()

    status = answered["now"] if answered and answered["was"] == item["status"] else item["status"]
    last = item["attempts"][-1] if item["attempts"] else None
    outcome = "—"
    if last:
        outcome = last["error"] or f"HTTP {last['statusCode']}"
    return html.tr(
        {"data-testid": "delivery", "data-status": status},
        html.td(item["eventType"]),
        html.td(status),
        html.td(str(len(item["attempts"]))),
        html.td(when(last["at"]) if last else "—"),
        html.td(outcome),
        html.td(
            html.button(
                {
                    "type": "button",
                    "disabled": busy,
                    "data-testid": "redeliver",
                    "onClick": redeliver,
                },
                "Redeliver",
            )
            if can_act
            else "",
            problem(failure, "redeliver-problem"),
        ),
    )


@component
def DeliveryLog(scope: dict[str, Any], endpoint: dict[str, Any], can_act: bool, reload: Any):  # type: ignore[no-untyped-def]
    """The endpoint's latest deliveries, and older ones a page at a time on request."""
    older, set_older = use_state(cast(Any, None))  # {"edges": [...], "pageInfo": {...}}
    failure, set_failure = use_state("")
    shown = endpoint["deliveries"]
    edges = shown["edges"] + (older["edges"] if older else [])
    info = older["pageInfo"] if older else shown["pageInfo"]

    async def more(_: Any) -> None:
        variables = {"id": endpoint["id"], "first": DELIVERIES_SHOWN, "after": info["endCursor"]}
        try:
            answer = await execute(scope, OPERATIONS["AdminEndpointDeliveries"], variables)
        except OperationError as trouble:
            set_failure(str(trouble))
            return
        page = answer["node"]["deliveries"]
        set_older(
            {"edges": edges[len(shown["edges"]) :] + page["edges"], "pageInfo": page["pageInfo"]}
        )

    rows = [
        DeliveryRow(scope, edge["node"], can_act, reload, key=edge["node"]["id"]) for edge in edges
    ]
    return html.div(
        table(
            "deliveries",
            ["Event", "Status", "Attempts", "Last attempt", "Last outcome", ""],
            rows,
            "No deliveries yet.",
        ),
        html.button({"type": "button", "data-testid": "older-deliveries", "onClick": more}, "More")
        if info["hasNextPage"]
        else "",
        problem(failure),
    )


def _endpoint(scope: dict[str, Any], entry: dict[str, Any], can_act: bool, reload: Any) -> Any:
    endpoint, health = entry["endpoint"], entry["health"]
    return html.article(
        {"key": endpoint["id"], "className": "card", "data-testid": "endpoint"},
        html.h4(html.code(endpoint["url"])),
        html.dl(
            {"className": "admin-facts", "data-testid": "endpoint-health"},
            html.dt("Events"),
            html.dd(", ".join(endpoint["events"])),
            html.dt("Success rate"),
            html.dd(
                {"data-testid": "success-rate"},
                f"{_rate(health)} of the last {health['window']} deliveries "
                f"({health['succeeded']} succeeded, {health['failed']} failed, "
                f"{health['pending']} pending)",
            ),
            html.dt("Last error"),
            html.dd(
                {"data-testid": "last-error"},
                f"{health['lastError']} ({when(health['lastErrorAt'])})"
                if health["lastError"]
                else "none",
            ),
            html.dt("Last success"),
            html.dd(when(health["lastSuccessAt"])),
            html.dt("Circuit"),
            html.dd(
                f"{endpoint['health']['state'].lower()}, "
                f"{endpoint['health']['consecutiveFailures']} failures in a row"
            ),
        ),
        html.h5("Delivery log, newest first"),
        DeliveryLog(scope, endpoint, can_act, reload, key=endpoint["id"]),
    )


@component
def PointOfSaleDetail(
    scope: dict[str, Any], viewer: dict[str, Any], currency: str, account_id: str
):  # type: ignore[no-untyped-def]
    can_act = "SUPERADMIN" in viewer["adminRoles"]
    found, set_found = use_state(cast(Any, None))
    failure, set_failure = use_state("")

    async def load() -> None:
        variables = {"accountId": account_id, "currency": currency, "deliveries": DELIVERIES_SHOWN}
        try:
            answer = await execute(scope, OPERATIONS["AdminPointOfSale"], variables)
        except OperationError as trouble:
            set_failure(str(trouble))
            return
        set_found({"pos": answer["pointOfSale"]})

    @use_async_effect(dependencies=[])
    async def first_load() -> None:
        await load()

    everything = f"/admin/pos?{urlencode({'currency': currency})}"
    back = html.p(html.a({"href": everything, "data-testid": "pos-back"}, "All points of sale"))
    if failure:
        return html.section({"data-testid": "section-pos"}, back, problem(failure))
    if found is None:
        return html.section({"aria-busy": "true"}, "…")
    pos = found["pos"]
    if pos is None:
        return html.section(
            {"data-testid": "section-pos"},
            back,
            html.p({"role": "alert", "data-testid": "pos-missing"}, "No such point of sale."),
        )
    account = pos["account"]
    keys = [KeyRow(scope, item, can_act, load, key=item["id"]) for item in account["apiKeys"]]
    return html.section(
        {"data-testid": "pos-detail"},
        back,
        html.h2(f"{account['name']} (@{account['handle']})"),
        html.p(
            {"data-testid": "orders-count"}, f"{pos['ordersCount']} payment orders in {currency}."
        ),
        html.h3("API keys"),
        table(
            "api-keys",
            ["Name", "Key", "Scopes", "Created", "Last used", "State", ""],
            keys,
            "No API keys.",
        ),
        html.h3("Webhook endpoints"),
        *[_endpoint(scope, entry, can_act, load) for entry in pos["webhookEndpoints"]],
        "" if pos["webhookEndpoints"] else html.p({"className": "muted"}, "No webhook endpoints."),
    )
