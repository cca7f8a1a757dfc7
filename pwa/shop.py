"""A business's page on the map, edited from the wallet (/wallet/<code>/shop).

The active account must be a business, and the person one of its owners or managers
(`merchantProfile` answers them alone). The screen says whether the shop is on the map now
and, when it is not, why: its KYC tier against the lowest tier whose shops the map shows.
Then three parts, each its own component with its own state and its own save:

- the profile (this module): name, kind, address, neighbourhood, description and the place,
  picked on a Leaflet map (server/static/wallet-shop-map.js writes it into the latitude and
  longitude fields) or typed; owners only, as `updateMerchantProfile` is: managers see it;
- the opening hours and their dated exceptions (pwa/shop_hours.py, `setOpeningHours`);
- the offers (pwa/shop_offers.py, `addOffer`, `removeOffer`).

Whatever goes wrong shows beside the field that caused it, in the person's language, and
the form keeps what was typed. The shop's photo has its own part, after the profile
(pwa/shop_photo.py: owners change it, managers see it).

Test IDs: `shop-editor`, `shop-listed` (`data-listed`), `shop-profile`, `shop-name`,
`shop-category`, `shop-address`, `shop-neighbourhood`, `shop-description`, `shop-lat`,
`shop-lng`, `shop-map-picker`, `shop-profile-save`, `shop-<field>-problem`,
`shop-profile-saved`, `shop-denied`; the hours' and offers' in their modules.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reactpy import component, html, use_async_effect, use_state

from pwa.directory import category_name
from pwa.forms import chosen_value
from pwa.paths import wallet_path
from pwa.pay import sign_in_card, summary
from pwa.shop_form import CONTROL, INPUT, TEXTAREA, invalid, notice, problem_line
from pwa.shop_hours import ShopHours
from pwa.shop_offers import ShopOffers
from pwa.shop_photo import ShopPhoto
from pwa.texts import speak, text
from schema.context import runtime_from_scope
from schema.operations import OperationError, execute, load_operations

OPERATIONS = load_operations(Path(__file__).parent / "operations")
PICKER_SCRIPT = "/static/wallet-shop-map.js"
EDITORS = ("OWNER", "MANAGER")
NAME_LENGTH_MAX = 120
ADDRESS_LENGTH_MAX = 200
NEIGHBOURHOOD_LENGTH_MAX = 80
DESCRIPTION_LENGTH_MAX = 1000
DEGREES_LENGTH_MAX = 20
PROFILE_FIELDS = ("name", "category", "address", "neighbourhood", "description", "location")
_PICKER_BOX = {
    "width": "100%",
    "height": "16rem",
    "borderRadius": ".75rem",
    "background": "#dde3e8",
}


def degrees_text(value: float) -> str:
    """41.4036 -> "41.4036": at most the 6 decimals the directory keeps."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def degrees_value(typed: str, limit: float) -> float | None:
    """ "41,4036" or "41.4036" -> 41.4036; None unless a number within ±limit."""
    try:
        value = float(typed.strip().replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) and abs(value) <= limit else None


def local_today(timezone: str | None) -> str:
    try:
        zone = ZoneInfo(timezone or "Europe/Madrid")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("Europe/Madrid")
    return datetime.now(zone).date().isoformat()


def listing_text(language: str, listed: bool, tier: int | None, tiers: list[dict]) -> str:
    """On the map, or why not: the account's tier against the lowest that is shown."""
    if listed:
        return text(language, "shop_listed")
    shown = sorted((t for t in tiers if t["onMap"]), key=lambda t: t["level"])
    if not shown:
        return text(language, "shop_map_closed")
    return text(language, "shop_not_listed").format(
        tier=tier if tier is not None else 0, needed=shown[0]["level"], name=shown[0]["name"]
    )


def _profile_values(merchant: dict[str, Any]) -> dict[str, str]:
    return {
        "name": merchant["name"],
        "category": merchant["category"],
        "address": merchant["address"],
        "neighbourhood": merchant["neighbourhood"],
        "description": merchant["description"],
        "lat": degrees_text(merchant["location"]["lat"]),
        "lng": degrees_text(merchant["location"]["lng"]),
    }


def profile_problem(language: str, field: str) -> str:
    if field == "description":
        return text(language, "shop_problem_description").format(count=DESCRIPTION_LENGTH_MAX)
    if field in PROFILE_FIELDS:
        return text(language, f"shop_problem_{field}")
    return text(language, "shop_problem_general")


def _read_only_profile(merchant: dict[str, Any], language: str) -> Any:
    location = f"{degrees_text(merchant['location']['lat'])}, " + degrees_text(
        merchant["location"]["lng"]
    )
    return html.section(
        {"className": "card stack", "data-testid": "shop-profile", "data-editable": "false"},
        html.h3({"style": {"margin": "0"}}, text(language, "shop_profile")),
        html.p({"className": "muted"}, text(language, "shop_owners_only")),
        summary(
            (text(language, "shop_name"), merchant["name"], "shop-name", {}),
            (
                text(language, "shop_category"),
                category_name(language, merchant["category"]),
                "shop-category",
                {},
            ),
            (text(language, "shop_address"), merchant["address"], "shop-address", {}),
            (text(language, "shop_neighbourhood"), merchant["neighbourhood"], "shop-hood", {})
            if merchant["neighbourhood"]
            else None,
            (text(language, "shop_location"), location, "shop-location", {}),
        ),
        html.p(merchant["description"]) if merchant["description"] else "",
    )


@component
def ShopProfile(  # type: ignore[no-untyped-def]
    scope: dict[str, Any],
    account_id: str,
    merchant: dict[str, Any],
    categories: list[str],
    language: str,
):
    values, set_values = use_state(lambda: _profile_values(merchant))
    problems, set_problems = use_state(cast(dict[str, str], {}))
    busy, set_busy = use_state(False)
    saved, set_saved = use_state(False)
    settings = runtime_from_scope(scope).settings

    def edit(name: str, limit: int) -> Any:
        problem_field = "location" if name in ("lat", "lng") else name

        def change(e: Any) -> None:
            typed = chosen_value(e)[:limit] if name == "category" else e["target"]["value"][:limit]
            set_values(lambda old: old | {name: typed})
            set_problems(lambda old: {k: v for k, v in old.items() if k != problem_field})
            set_saved(False)

        return change

    async def save(_: Any) -> None:
        if busy:
            return
        lat, lng = degrees_value(values["lat"], 90), degrees_value(values["lng"], 180)
        if lat is None or lng is None:
            set_problems({"location": profile_problem(language, "location")})
            return
        set_busy(True)
        set_saved(False)
        variables = {
            "input": {
                "accountId": account_id,
                "name": values["name"],
                "category": values["category"],
                "address": values["address"],
                "neighbourhood": values["neighbourhood"],
                "description": values["description"],
                "location": {"lat": lat, "lng": lng},
            }
        }
        try:
            result = (await execute(scope, OPERATIONS["WalletShopUpdateProfile"], variables))[
                "updateMerchantProfile"
            ]
        except OperationError:
            set_busy(False)
            set_problems({"": text(language, "shop_problem_general")})
            return
        set_busy(False)
        if result["errors"]:
            found: dict[str, str] = {}
            for error in result["errors"]:
                field = error["field"] if error["field"] in PROFILE_FIELDS else ""
                found.setdefault(field, profile_problem(language, field))
            set_problems(found)
            return
        set_problems({})
        set_values(_profile_values(result["merchant"]))
        set_saved(True)

    def line(name: str, label_key: str, limit: int, **extra: Any) -> Any:
        test_id = f"shop-{name}"
        return html.div(
            {"key": name, "className": "stack", "style": {"gap": ".25rem"}},
            html.label(
                text(language, label_key),
                html.input(
                    {
                        "id": test_id,
                        "name": name,
                        "type": "text",
                        "maxLength": limit,
                        "value": values[name],
                        "style": INPUT,
                        "data-testid": test_id,
                        "onChange": edit(name, limit),
                        **invalid(test_id, problems.get(name)),
                        **extra,
                    }
                ),
            ),
            problem_line(test_id, problems.get(name)),
        )

    picker: Any = html.p(
        {"className": "muted", "id": "shop-location-hint"}, text(language, "shop_location_type")
    )
    if settings.map_tile_url:
        picker = html.div(
            {"className": "stack", "style": {"gap": ".25rem"}},
            html.p(
                {"className": "muted", "id": "shop-location-hint"},
                text(language, "shop_location_hint"),
            ),
            # Leaflet owns what is inside: this element has no children of its own.
            html.div(
                {
                    "id": "shop-map-picker",
                    "role": "region",
                    "aria-label": text(language, "shop_map_region"),
                    "data-testid": "shop-map-picker",
                    "data-shop-map": "",
                    "data-lat-input": "shop-lat",
                    "data-lng-input": "shop-lng",
                    "data-tiles": settings.map_tile_url,
                    "data-attribution": settings.map_attribution,
                    "data-text-marker": text(language, "shop_marker"),
                    "data-text-zoom-in": text(language, "map_zoom_in"),
                    "data-text-zoom-out": text(language, "map_zoom_out"),
                    "style": _PICKER_BOX,
                }
            ),
            html.script({"src": PICKER_SCRIPT}),
        )
    degrees = {
        "inputMode": "decimal",
        "autoComplete": "off",
        "aria-describedby": "shop-location-hint",
    }
    # Not a form: a <select> inside a form sends the whole form with each change.
    return html.section(
        {
            "className": "card stack",
            "data-testid": "shop-profile",
            "data-editable": "true",
            "aria-labelledby": "shop-profile-title",
        },
        html.h3(
            {"id": "shop-profile-title", "style": {"margin": "0"}}, text(language, "shop_profile")
        ),
        line("name", "shop_name", NAME_LENGTH_MAX, autoComplete="organization"),
        html.div(
            {"className": "stack", "style": {"gap": ".25rem"}},
            html.label(
                text(language, "shop_category"),
                html.select(
                    {
                        "id": "shop-category",
                        "name": "category",
                        "value": values["category"],
                        "style": CONTROL,
                        "data-testid": "shop-category",
                        "onChange": edit("category", 40),
                        **invalid("shop-category", problems.get("category")),
                    },
                    *[
                        html.option({"value": name, "key": name}, category_name(language, name))
                        for name in categories
                    ],
                ),
            ),
            problem_line("shop-category", problems.get("category")),
        ),
        line("address", "shop_address", ADDRESS_LENGTH_MAX, autoComplete="street-address"),
        line("neighbourhood", "shop_neighbourhood", NEIGHBOURHOOD_LENGTH_MAX),
        html.div(
            {"className": "stack", "style": {"gap": ".25rem"}},
            html.label(
                text(language, "shop_description"),
                html.textarea(
                    {
                        "id": "shop-description",
                        "name": "description",
                        "maxLength": DESCRIPTION_LENGTH_MAX,
                        "rows": 4,
                        "value": values["description"],
                        "style": TEXTAREA,
                        "data-testid": "shop-description",
                        "onChange": edit("description", DESCRIPTION_LENGTH_MAX),
                        **invalid("shop-description", problems.get("description")),
                    }
                ),
            ),
            problem_line("shop-description", problems.get("description")),
        ),
        html.fieldset(
            {"style": {"border": "0", "padding": "0", "margin": "0", "minWidth": "0"}},
            html.legend(
                {"style": {"fontWeight": "600", "padding": "0"}}, text(language, "shop_location")
            ),
            html.div(
                {"className": "stack", "style": {"gap": ".5rem"}},
                picker,
                html.div(
                    {
                        "style": {
                            "display": "grid",
                            "gridTemplateColumns": "1fr 1fr",
                            "gap": ".5rem",
                        }
                    },
                    *[
                        html.label(
                            {"key": name, "className": "stack", "style": {"gap": ".25rem"}},
                            text(language, label),
                            html.input(
                                {
                                    "id": f"shop-{name}",
                                    "name": name,
                                    "type": "text",
                                    "maxLength": DEGREES_LENGTH_MAX,
                                    "value": values[name],
                                    "style": INPUT,
                                    "data-testid": f"shop-{name}",
                                    "onChange": edit(name, DEGREES_LENGTH_MAX),
                                    **degrees,
                                    **invalid("shop-location", problems.get("location")),
                                }
                            ),
                        )
                        for name, label in (("lat", "shop_latitude"), ("lng", "shop_longitude"))
                    ],
                ),
                problem_line("shop-location", problems.get("location")),
            ),
        ),
        problem_line("shop-profile", problems.get("")),
        html.button(
            {
                "type": "button",
                "disabled": busy,
                "data-testid": "shop-profile-save",
                "onClick": save,
            },
            text(language, "shop_saving") if busy else text(language, "shop_save_profile"),
        ),
        notice("shop-profile-saved", text(language, "shop_saved") if saved else ""),
    )


def _denied(language: str, message: str) -> Any:
    return html.p({"role": "alert", "data-testid": "shop-denied"}, message)


@component
def ShopEditor(scope: dict[str, Any], currency_code: str, language: str, query: str):  # type: ignore[no-untyped-def]
    found, set_found = use_state(cast(Any, None))
    merchant, set_merchant = use_state(cast(Any, None))
    loaded, set_loaded = use_state(False)
    failed, set_failed = use_state(False)

    @use_async_effect(dependencies=[])
    async def load() -> None:
        try:
            data = await execute(scope, OPERATIONS["WalletShop"], {"currency": currency_code})
            account = ((data.get("viewer") or {}).get("activeAccount")) or {}
            if account.get("kind") == "BUSINESS":
                page = await execute(
                    scope,
                    OPERATIONS["WalletShopPage"],
                    {"accountId": account["id"], "currency": currency_code},
                )
                set_merchant(page["merchantProfile"])
        except OperationError:
            set_failed(True)
        else:
            set_found(data)
        set_loaded(True)

    if not loaded:
        return html.p({"aria-busy": "true"}, "…")
    viewer = (found or {}).get("viewer") or {}
    if not failed and not viewer.get("user"):
        return sign_in_card(
            language, wallet_path(currency_code, "shop"), "shop_sign_in", "", "shop-sign-in"
        )
    if viewer.get("user"):
        language = speak(viewer["user"]["language"], language)
    back = html.a(
        {"href": wallet_path(currency_code), "key": "back"},
        "\u2190 ",
        text(language, "back_to_wallet"),
    )
    title = html.h2({"key": "title", "style": {"margin": "0"}}, text(language, "shop_title"))

    def page(*parts: Any) -> Any:
        return html.section(
            {"className": "stack", "data-testid": "shop-editor", "lang": language},
            back,
            title,
            *parts,
        )

    if failed or found is None:
        return page(_denied(language, text(language, "shop_unavailable")))
    account = viewer.get("activeAccount") or {}
    if account.get("kind") != "BUSINESS":
        return page(
            _denied(language, text(language, "shop_not_business")),
            html.a(
                {"href": wallet_path(currency_code, "accounts")}, text(language, "nav_accounts")
            ),
        )
    role = next(
        (m["role"] for m in viewer["accounts"] if m["account"]["id"] == account["id"]), None
    )
    if role not in EDITORS:
        message = text(language, "shop_not_manager").format(account=account["name"])
        return page(_denied(language, message))
    if merchant is None:
        return page(_denied(language, text(language, "shop_no_page")))
    listed = bool(merchant["listed"])
    status = html.div(
        {
            "className": "card",
            "role": "status",
            "data-testid": "shop-listed",
            "data-listed": "true" if listed else "false",
        },
        html.p(
            {"style": {"margin": "0"}},
            listing_text(language, listed, account.get("kycTier"), found["kycTiers"]),
        ),
        html.a({"href": wallet_path(currency_code, "map")}, text(language, "shop_see_map"))
        if listed
        else "",
    )
    key = merchant["id"]
    profile = (
        ShopProfile(
            scope, account["id"], merchant, found["merchantCategories"], language, key=key + "p"
        )
        if role == "OWNER"
        else _read_only_profile(merchant, language)
    )
    return page(
        status,
        profile,
        ShopPhoto(scope, account["id"], merchant, language, role == "OWNER", key=key + "f"),
        ShopHours(scope, account["id"], merchant, language, key=key + "h"),
        ShopOffers(
            scope,
            account["id"],
            merchant,
            language,
            local_today(merchant["timezone"]),
            key=key + "o",
        ),
    )
