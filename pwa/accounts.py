"""The person's accounts (/wallet/<code>/accounts): which one is active, switching, a new business
account, and for the active business account its team and integrations.

- The list: every account the person belongs to (`viewer.accounts`), personal and business,
  with the person's role and the balance; the active one is marked, each other one has a
  button that makes it active (`switchAccount`): from then on the whole wallet (the home's
  balance, paying, charging) acts as it.
- A new business account (`createBusinessAccount`): name, kind (from `merchantCategories`),
  address, neighbourhood, and the place on the map. The place is optional here though the
  API needs one: left empty, the shop starts at the middle of the shops the currency's map
  lists, and its owners move it from the shop page (pwa/shop.py).
- For an active business account, what the person's role lets them see, and only the
  buttons that role may use: owners and managers see the members (pwa/accounts_team.py),
  owners invite and remove them; owners alone see the API keys (pwa/accounts_keys.py) and
  the webhook endpoints (pwa/accounts_webhooks.py). Cashiers get a word about it.

The create form and the list live in this one component: both change the list, and a
component's state is set by that component alone. The sections below keep their own.

Test IDs: `accounts`, `accounts-list`, `account-item` (`data-name`, `data-kind`,
`data-role`, `data-active`), `account-switch`, `accounts-switch-problem`, `accounts-notice`,
`accounts-home`, `business-open`, `business-form`, `business-<field>` (name, category,
address, neighbourhood, lat, lng), `business-<field>-problem`, `business-create`,
`business-cancel`, `cashier-note`, `manager-note`; the sections' in their modules.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, cast

from reactpy import component, html, use_async_effect, use_state

from pwa.accounts_keys import ApiKeys
from pwa.accounts_parts import (
    BREAK,
    FIELDSET,
    ITEM,
    LIST,
    SELECT,
    SMALL_BUTTON,
    UNAVAILABLE,
    calling,
    field_problems,
    notice,
    problem_line,
    tied,
)
from pwa.accounts_team import Team
from pwa.accounts_webhooks import Webhooks
from pwa.directory import category_name
from pwa.forms import chosen_value
from pwa.i18n import money
from pwa.paths import wallet_path
from pwa.pay import sign_in_card
from pwa.texts import speak, text
from schema.operations import OperationError, execute, load_operations

OPERATIONS = load_operations(Path(__file__).parent / "operations")
BUSINESS_FIELDS = ("name", "category", "address", "neighbourhood", "lat", "lng")
API_FIELDS = ("name", "category", "address", "neighbourhood", "location")
LENGTH_MAX = {"name": 120, "address": 200, "neighbourhood": 80, "lat": 20, "lng": 20}
EMPTY_FORM = dict.fromkeys(BUSINESS_FIELDS, "")


def _degrees(typed: str, limit: float) -> float | None:
    """ "41,4036" or "41.4036" -> 41.4036; None unless a number within ±limit."""
    try:
        value = float(typed.strip().replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) and abs(value) <= limit else None


async def _place(scope: dict[str, Any], fields: dict[str, str], currency: str) -> Any:
    """The location to send: the one typed, or the middle of the map's shops; else the
    refusal to show beside the place."""
    lat, lng = fields["lat"].strip(), fields["lng"].strip()
    if lat or lng:
        lat_value, lng_value = _degrees(lat, 90), _degrees(lng, 180)
        if lat_value is None or lng_value is None:
            return {"field": "location", "code": "INVALID_INPUT", "message": ""}
        return {"lat": lat_value, "lng": lng_value}
    shops = await execute(scope, OPERATIONS["WalletShopPlaces"], {"currency": currency})
    places = [edge["node"]["location"] for edge in shops["merchants"]["edges"]]
    if not places:
        return {"field": "location", "code": "NOT_FOUND", "message": ""}
    return {
        "lat": round(sum(p["lat"] for p in places) / len(places), 6),
        "lng": round(sum(p["lng"] for p in places) / len(places), 6),
    }


def _account_item(
    membership: dict[str, Any], active_id: str, language: str, busy: bool, switch: Any
) -> Any:
    account, role = membership["account"], membership["role"]
    active = account["id"] == active_id
    balance = (account.get("wallet") or {}).get("balance")
    return html.li(
        {
            "key": account["id"],
            "data-testid": "account-item",
            "data-name": account["name"],
            "data-kind": account["kind"],
            "data-role": role,
            "data-active": "true" if active else "false",
            "aria-current": "true" if active else "false",
            "style": ITEM | {"display": "grid", "gap": ".15rem"},
        },
        html.strong({"style": BREAK}, account["name"]),
        html.span(
            {"className": "muted"},
            text(language, f"acc_kind_{account['kind']}"),
            " · ",
            text(language, f"acc_role_{role}"),
            " · @",
            account["handle"],
        ),
        html.span(money(balance["amount"], balance["currency"], language)) if balance else "",
        html.span(
            {"style": {"fontWeight": "700", "color": "var(--primary)"}},
            "✓ ",
            text(language, "acc_active"),
        )
        if active
        else html.button(
            {
                "type": "button",
                "className": "secondary",
                "disabled": busy,
                "style": SMALL_BUTTON | {"justifySelf": "start"},
                "aria-label": text(language, "acc_switch_label").format(name=account["name"]),
                "data-testid": "account-switch",
                "onClick": calling(switch, account),
            },
            text(language, "acc_switch"),
        ),
    )


def _text_field(
    name: str, label: str, fields: dict[str, str], problems: dict[str, str], change: Any
) -> Any:
    test_id = f"business-{name}"
    problem_key = "location" if name in ("lat", "lng") else name
    return html.label(
        {"key": name},
        label,
        html.input(
            {
                "type": "text",
                "value": fields[name],
                "maxLength": LENGTH_MAX[name],
                "inputMode": "decimal" if name in ("lat", "lng") else "text",
                "autoComplete": "off",
                "data-testid": test_id,
                "onChange": change(name),
                **tied(f"business-{problem_key}", problems.get(problem_key, "")),
            }
        ),
    )


def _business_form(
    language: str,
    categories: list[str],
    fields: dict[str, str],
    problems: dict[str, str],
    busy: bool,
    handlers: dict[str, Any],
) -> Any:
    """No <form>: a select inside one sends its every option with each event."""
    change = handlers["change"]
    location_problem = problems.get("location", "")
    return html.section(
        {
            "className": "card stack",
            "role": "group",
            "aria-labelledby": "business-title",
            "data-testid": "business-form",
        },
        html.h3(
            {"id": "business-title", "style": {"margin": "0"}}, text(language, "acc_new_business")
        ),
        html.p({"className": "muted"}, text(language, "acc_new_business_intro")),
        _text_field("name", text(language, "acc_business_name"), fields, problems, change),
        problem_line("business-name", problems.get("name", "")),
        html.label(
            text(language, "acc_category"),
            html.select(
                {
                    "value": fields["category"],
                    "style": SELECT,
                    "data-testid": "business-category",
                    "onChange": change("category"),
                    **tied("business-category", problems.get("category", "")),
                },
                html.option({"value": "", "key": ""}, "—"),
                *[
                    html.option({"value": c, "key": c}, category_name(language, c))
                    for c in categories
                ],
            ),
        ),
        problem_line("business-category", problems.get("category", "")),
        _text_field("address", text(language, "acc_address"), fields, problems, change),
        problem_line("business-address", problems.get("address", "")),
        _text_field("neighbourhood", text(language, "acc_neighbourhood"), fields, problems, change),
        problem_line("business-neighbourhood", problems.get("neighbourhood", "")),
        html.fieldset(
            {"style": FIELDSET, "className": "stack"},
            html.legend(text(language, "acc_location")),
            html.p(
                {"className": "muted", "id": "business-location-hint"},
                text(language, "acc_location_hint"),
            ),
            _text_field("lat", text(language, "acc_latitude"), fields, problems, change),
            _text_field("lng", text(language, "acc_longitude"), fields, problems, change),
            problem_line("business-location", location_problem),
        ),
        problem_line("business-form", problems.get("", "")),
        html.div(
            {"className": "actions"},
            html.button(
                {
                    "type": "button",
                    "disabled": busy,
                    "data-testid": "business-create",
                    "onClick": handlers["create"],
                },
                text(language, "acc_create"),
            ),
            html.button(
                {
                    "type": "button",
                    "className": "secondary",
                    "data-testid": "business-cancel",
                    "onClick": handlers["cancel"],
                },
                text(language, "acc_cancel"),
            ),
        ),
    )


def _role_section(
    scope: dict[str, Any], code: str, data: dict[str, Any], active: dict[str, Any], language: str
) -> Any:
    """The active business account's team and integrations, as far as the role goes."""
    account, role = active["account"], active["role"]
    timezone = (data.get("currency") or {}).get("timezone") or "Europe/Madrid"
    me = data["viewer"]["user"]["id"]
    heading = account["name"]
    if role in ("OWNER", "MANAGER"):
        heading = text(language, "acc_business_of").format(name=heading)
    parts: list[Any] = [html.h2({"style": BREAK | {"margin": ".5rem 0 0"}}, heading)]
    if role == "CASHIER":
        parts.append(
            html.p(
                {"className": "card", "data-testid": "cashier-note"},
                text(language, "acc_cashier_note"),
            )
        )
    if role in ("OWNER", "MANAGER"):
        parts.append(
            Team(
                scope,
                account["id"],
                role == "OWNER",
                me,
                code,
                language,
                key=f"team-{account['id']}",
            )
        )
    if role == "MANAGER":
        parts.append(
            html.p(
                {"className": "muted", "data-testid": "manager-note"},
                text(language, "acc_manager_note"),
            )
        )
    if role == "OWNER":
        parts.append(
            ApiKeys(
                scope,
                account["id"],
                data["apiKeyScopes"],
                language,
                timezone,
                key=f"keys-{account['id']}",
            )
        )
        parts.append(
            Webhooks(
                scope,
                account["id"],
                data["webhookEventTypes"],
                language,
                timezone,
                key=f"hooks-{account['id']}",
            )
        )
    return html.div({"className": "stack", "key": f"role-{account['id']}"}, *parts)


@component
def Accounts(scope: dict[str, Any], currency_code: str, language: str, query: str):  # type: ignore[no-untyped-def]
    data, set_data = use_state(cast(Any, None))
    loaded, set_loaded = use_state(False)
    failed, set_failed = use_state(False)
    message, set_message = use_state("")
    switch_problem, set_switch_problem = use_state(cast(Any, None))
    busy, set_busy = use_state(False)
    opened, set_opened = use_state(False)
    fields, set_fields = use_state(EMPTY_FORM)
    problem, set_problem = use_state(cast(Any, None))

    async def reload() -> None:
        try:
            answer = await execute(scope, OPERATIONS["WalletAccounts"], {"currency": currency_code})
        except OperationError:
            set_failed(True)
            return
        set_failed(False)
        set_data(answer)

    @use_async_effect(dependencies=[])
    async def load() -> None:
        await reload()
        set_loaded(True)

    if not loaded:
        return html.p({"aria-busy": "true"}, "…")
    viewer = (data or {}).get("viewer")
    if failed and data is None:
        return html.p({"role": "alert", "className": "error"}, text(language, "acc_unavailable"))
    if not viewer or not viewer["user"]:
        return sign_in_card(
            language,
            wallet_path(currency_code, "accounts"),
            "acc_sign_in",
            "",
            "accounts-sign-in",
        )
    language = speak(viewer["user"]["language"], language)
    active_id = (viewer["activeAccount"] or {}).get("id", "")
    memberships = viewer["accounts"]
    active = next((m for m in memberships if m["account"]["id"] == active_id), None)

    async def switch(account: dict[str, Any]) -> None:
        if busy:
            return
        set_busy(True)
        set_switch_problem(None)
        try:
            answer = (
                await execute(
                    scope,
                    OPERATIONS["WalletSwitchAccount"],
                    {"input": {"accountId": account["id"]}},
                )
            )["switchAccount"]
        except OperationError:
            answer = {"errors": [UNAVAILABLE]}
        if answer["errors"]:
            set_switch_problem(answer["errors"][0])
        else:
            set_message(text(language, "acc_switched").format(name=account["name"]))
            await reload()
        set_busy(False)

    def change(name: str) -> Any:
        limit = LENGTH_MAX.get(name, 40)
        return lambda e: set_fields(fields | {name: chosen_value(e)[:limit]})

    async def create(_: Any) -> None:
        if busy:
            return
        set_busy(True)
        set_problem(None)
        try:
            place = await _place(scope, fields, currency_code)
            answer: dict[str, Any]
            if "code" in place:
                answer = {"errors": [place]}
            else:
                values = {name: fields[name].strip() for name in API_FIELDS if name != "location"}
                answer = (
                    await execute(
                        scope,
                        OPERATIONS["WalletCreateBusinessAccount"],
                        {"input": values | {"location": place}},
                    )
                )["createBusinessAccount"]
        except OperationError:
            answer = {"errors": [UNAVAILABLE]}
        if answer["errors"]:
            set_problem(answer["errors"][0])
        else:
            set_message(text(language, "acc_created").format(name=answer["account"]["name"]))
            set_fields(EMPTY_FORM)
            set_opened(False)
            await reload()
        set_busy(False)

    def cancel(_: Any) -> None:
        set_opened(False)
        set_problem(None)

    problems = field_problems(language, "business", problem, API_FIELDS)
    switch_words = (
        field_problems(language, "switch", switch_problem, ()).get("", "") if switch_problem else ""
    )
    return html.div(
        {"className": "stack", "data-testid": "accounts", "lang": language},
        html.section(
            {"className": "card stack"},
            html.h2({"style": {"margin": "0"}}, text(language, "acc_title")),
            html.p({"className": "muted"}, text(language, "acc_intro")),
            notice("accounts-notice", message),
            html.ul(
                {"style": LIST, "data-testid": "accounts-list"},
                *[_account_item(m, active_id, language, busy, switch) for m in memberships],
            ),
            problem_line("accounts-switch", switch_words),
            html.p(
                html.a(
                    {"href": wallet_path(currency_code), "data-testid": "accounts-home"},
                    text(language, "acc_back_home"),
                )
            ),
        ),
        _business_form(
            language,
            data["merchantCategories"],
            fields,
            problems,
            busy,
            {"change": change, "create": create, "cancel": cancel},
        )
        if opened
        else html.p(
            html.button(
                {
                    "type": "button",
                    "className": "secondary",
                    "data-testid": "business-open",
                    "onClick": lambda _: set_opened(True),
                },
                text(language, "acc_new_business"),
            )
        ),
        _role_section(scope, currency_code, data, active, language)
        if active is not None and active["account"]["kind"] == "BUSINESS"
        else "",
    )
