"""The map and directory of shops (/wallet/<code>/map): public, signed in or not.

A search box, a category and two toggles (open now, with offers) filter the public
`merchants` query; the shops found show as a list, a page at a time ("show more" asks for
the next page with the last cursor), and as markers on a Leaflet map. A shop's list item
is a button: it opens the shop's details under it (its photo, the week's hours, the dates
with other hours, the address, the description, the offers with their dates). Tapping a
marker does the same, through the list item.

The map is server/static/wallet-map.js: a plain script that reads what to draw from the
data attributes of the container marked `data-wallet-map` (`data-shops`, a JSON list of
`{id name lat lng}`; `data-selected`; `data-tiles` and `data-attribution` from the
server's settings, no tile layer at all when the URL is empty; `data-area`; the texts),
and follows their changes with a MutationObserver, as this component re-renders them.
A marker's click clicks the list item (`data-shop-id`). With "only the area the map
shows" on, the script writes the map's visible area into the hidden input
`data-map-bbox` ("south,west,north,east") after each move, and the list follows it (the
`bbox` argument); off, the map fits itself to the shops found.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_time, get_day_names
from babel.numbers import format_percent
from reactpy import component, html, use_async_effect, use_ref, use_state

from pwa.forms import chosen_value
from pwa.i18n import locale_of
from pwa.paths import wallet_path
from pwa.texts import TEXTS, speak, text
from schema.context import runtime_from_scope
from schema.operations import OperationError, execute, load_operations

OPERATIONS = load_operations(Path(__file__).parent / "operations")
MAP_SCRIPT = "/static/wallet-map.js"
PAGE_SIZE = 20
SEARCH_LENGTH_MAX = 100  # what `merchants(search:)` takes
SEARCH_PAUSE_S = 0.25  # typing: the list follows once the person pauses
DEFAULT_TIMEZONE = "Europe/Madrid"
NO_FILTERS = {
    "search": "",
    "category": "",
    "open_now": False,
    "with_offers": False,
    "in_area": False,
    "bbox": "",  # the map's visible area, "south,west,north,east", used with in_area
}
_NOT_ID = re.compile(r"[^A-Za-z0-9_-]")
_CLOCK = re.compile(r"^([01][0-9]|2[0-4]):([0-5][0-9])$")
# A list item's parts: a button holds phrasing content only, so spans shown as lines.
_LINE = {"display": "block"}
_ITEM_BUTTON = {
    "display": "block",
    "width": "100%",
    "textAlign": "left",
    "background": "var(--surface)",
    "color": "var(--text)",
    "border": "1px solid #c5cbd3",
    "borderRadius": ".75rem",
    "padding": ".75rem 1rem",
}
_PHOTO = {
    "display": "block",
    "width": "100%",
    "maxHeight": "14rem",
    "objectFit": "cover",
    "borderRadius": ".5rem",
    "background": "#dde3e8",
}
_MAP_BOX = {
    "width": "100%",
    "height": "45vh",
    "minHeight": "14rem",
    "maxHeight": "26rem",
    "borderRadius": "1rem",
    "background": "#dde3e8",
}


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def category_name(language: str, category: str) -> str:
    """ "bakery" -> "Forn" in Catalan; a category we have no word for, as the API says it."""
    key = f"map_category_{category}"
    return text(language, key) if key in TEXTS else category


def day_names(language: str) -> list[str]:
    """Monday to Sunday (the API's days 0 to 6), capitalised, in the person's language."""
    names = get_day_names("wide", locale=locale_of(language))
    return [names[day][:1].upper() + names[day][1:] for day in range(7)]


def clock(hh_mm: str, language: str) -> str:
    """ "07:00" -> "7:00" in Catalan, "07:00" in English; "24:00" (a day's end) as it is."""
    found = _CLOCK.match(hh_mm)
    if not found or found.group(1) == "24":
        return hh_mm
    moment = time(int(found.group(1)), int(found.group(2)))
    return format_time(moment, format="short", locale=locale_of(language))


def ranges_text(ranges: list[dict[str, Any]], language: str) -> str:
    """ "7:00–14:00, 17:00–20:30"; a range closing before it opens runs past midnight."""
    return ", ".join(
        f"{clock(r['opens'], language)}\u2013{clock(r['closes'], language)}" for r in ranges
    )


def next_change_text(
    moment: str, timezone: str | None, language: str, now: datetime | None = None
) -> str:
    """When the shop next opens or closes, on its clock: "14:00" today, "demà, 7:00",
    "dilluns, 7:00" within the week, "25 de des. 2026, 7:00" further on."""
    zone = _zone(timezone)
    local = datetime.fromisoformat(moment).astimezone(zone)
    today = (now or datetime.now(zone)).astimezone(zone).date()
    locale = locale_of(language)
    shown = format_time(local.time(), format="short", locale=locale)
    ahead = (local.date() - today).days
    if ahead <= 0:
        return shown
    if ahead == 1:
        return f"{text(language, 'map_tomorrow')}, {shown}"
    if ahead < 7:
        return f"{day_names(language)[local.weekday()]}, {shown}"
    return f"{format_date(local.date(), format='medium', locale=locale)}, {shown}"


def status_text(shop: dict[str, Any], language: str, now: datetime | None = None) -> str:
    """Open now or not, and the next opening or closing."""
    changes = shop.get("nextChange")
    if shop["openNow"]:
        if not changes:
            return text(language, "map_open")
        when = next_change_text(changes, shop.get("timezone"), language, now)
        return text(language, "map_open_until").format(when=when)
    if not changes:
        return text(language, "map_closed")
    when = next_change_text(changes, shop.get("timezone"), language, now)
    return text(language, "map_closed_until").format(when=when)


def long_date(day: str, language: str, form: str = "long") -> str:
    try:
        return format_date(date.fromisoformat(day), format=form, locale=locale_of(language))
    except ValueError:
        return day


def offer_kind_text(offer: dict[str, Any], language: str) -> str:
    if offer["kind"] == "PERCENTAGE" and offer.get("percentOff"):
        percent = format_percent(offer["percentOff"] / 100, locale=locale_of(language))
        return text(language, "map_offer_PERCENTAGE").format(percent=percent)
    if offer["kind"] in ("CLASSIC", "FREE"):
        return text(language, f"map_offer_{offer['kind']}")
    return str(offer["kind"])


def offer_dates_text(offer: dict[str, Any], language: str) -> str:
    starts = text(language, "map_offer_starts").format(date=long_date(offer["startsOn"], language))
    if offer.get("endsOn"):
        ends = text(language, "map_offer_ends").format(date=long_date(offer["endsOn"], language))
    else:
        ends = text(language, "map_offer_no_end")
    return f"{starts} · {ends}"


def bbox_of(value: str) -> dict[str, float] | None:
    """ "south,west,north,east" (what wallet-map.js writes) -> the `bbox` argument; None
    when it is not a box, or when the map shows the whole world round."""
    parts = value.split(",")
    if len(parts) != 4:
        return None
    try:
        south, west, north, east = (float(part) for part in parts)
    except ValueError:
        return None
    if not all(math.isfinite(v) for v in (south, west, north, east)):
        return None
    if east - west >= 360 or west > east:
        return None

    def longitude(degrees: float) -> float:
        return round((degrees + 180) % 360 - 180, 6)

    south, north = max(-90.0, min(90.0, south)), max(-90.0, min(90.0, north))
    if south > north:
        return None
    return {
        "south": round(south, 6),
        "west": longitude(west),
        "north": round(north, 6),
        "east": longitude(east),
    }


def _html_id(shop_id: str) -> str:
    return "shop-" + _NOT_ID.sub("", shop_id)


def _variables(code: str, filters: dict[str, Any], after: str | None) -> dict[str, Any]:
    return {
        "currency": code,
        "first": PAGE_SIZE,
        "after": after,
        "search": filters["search"].strip()[:SEARCH_LENGTH_MAX] or None,
        "category": filters["category"] or None,
        "openNow": True if filters["open_now"] else None,
        "withOffers": True if filters["with_offers"] else None,
        "bbox": bbox_of(filters["bbox"]) if filters["in_area"] else None,
    }


def _hours(shop: dict[str, Any], language: str) -> Any:
    names = day_names(language)
    today = datetime.now(_zone(shop.get("timezone"))).weekday()
    week = shop["openingHours"]
    exceptions = shop["hoursExceptions"]
    if not week and not exceptions:
        return html.p({"className": "muted"}, text(language, "map_no_hours"))
    rows = []
    for day in range(7):
        ranges = [r for r in week if r["day"] == day]
        rows.append(
            html.tr(
                {"key": str(day), "aria-current": "date"} if day == today else {"key": str(day)},
                html.th(
                    {"scope": "row", "style": {"fontWeight": "700" if day == today else "400"}},
                    names[day],
                ),
                html.td(
                    ranges_text(ranges, language) if ranges else text(language, "map_day_closed")
                ),
            )
        )
    return html.div(
        {"className": "stack", "style": {"gap": ".25rem"}},
        html.table(
            {"className": "table", "data-testid": "shop-hours"},
            html.caption(
                {"style": {"textAlign": "left", "fontWeight": "600"}}, text(language, "map_hours")
            ),
            html.tbody(*rows),
        ),
        html.div(
            {"data-testid": "shop-exceptions"},
            html.h4({"style": {"margin": ".5rem 0 .25rem"}}, text(language, "map_exceptions")),
            html.ul(
                *[
                    html.li(
                        {"key": exception["date"]},
                        long_date(exception["date"], language, "full"),
                        ": ",
                        text(language, "map_day_closed")
                        if exception["closed"] or not exception["ranges"]
                        else ranges_text(exception["ranges"], language),
                    )
                    for exception in exceptions
                ]
            ),
        )
        if exceptions
        else "",
    )


def _offers(shop: dict[str, Any], language: str) -> Any:
    if not shop["offers"]:
        return html.p({"className": "muted"}, text(language, "map_no_offers"))
    return html.ul(
        {"data-testid": "shop-offers", "style": {"paddingLeft": "1.25rem", "margin": "0"}},
        *[
            html.li(
                {"key": offer["id"], "data-testid": "shop-offer", "data-kind": offer["kind"]},
                html.strong(offer["title"]),
                " · ",
                offer_kind_text(offer, language),
                html.span({"style": _LINE}, offer["description"]) if offer["description"] else "",
                html.span(
                    {"className": "muted", "style": _LINE}, offer_dates_text(offer, language)
                ),
            )
            for offer in shop["offers"]
        ],
    )


def _details(shop: dict[str, Any], code: str, language: str) -> Any:
    neighbourhood = f" ({shop['neighbourhood']})" if shop["neighbourhood"] else ""
    return html.section(
        {
            "id": _html_id(shop["id"]) + "-details",
            "className": "card stack",
            "data-testid": "shop-details",
            "data-shop-id": shop["id"],
            "aria-label": shop["name"],
            "style": {"marginTop": ".5rem"},
        },
        html.img(
            {
                "src": shop["photoUrl"],
                "alt": shop["name"],
                "loading": "lazy",
                "style": _PHOTO,
                "data-testid": "shop-details-photo",
            }
        )
        if shop.get("photoUrl")
        else "",
        html.p({"style": {"margin": "0"}}, shop["description"]) if shop["description"] else "",
        html.p(
            {"style": {"margin": "0"}, "data-testid": "shop-address"},
            html.strong(text(language, "map_address")),
            ": ",
            shop["address"],
            neighbourhood,
        ),
        _hours(shop, language),
        html.h4({"style": {"margin": "0"}}, text(language, "map_offers")),
        _offers(shop, language),
        html.a(
            {"href": wallet_path(code, "pay", {"to": shop["handle"]}), "className": "button"},
            text(language, "map_pay_here").format(name=shop["name"]),
        ),
    )


def _item(shop: dict[str, Any], code: str, language: str, selected: bool, choose: Any) -> Any:
    offers = shop["offers"]
    return html.li(
        {"key": shop["id"], "data-testid": "shop", "style": {"listStyle": "none"}},
        html.button(
            {
                "type": "button",
                "id": _html_id(shop["id"]),
                "aria-expanded": "true" if selected else "false",
                "aria-controls": _html_id(shop["id"]) + "-details",
                "data-shop-id": shop["id"],
                "data-testid": "shop-item",
                "style": _ITEM_BUTTON
                | ({"borderColor": "var(--primary)", "borderWidth": "2px"} if selected else {}),
                "onClick": lambda _: choose(shop["id"]),
            },
            html.strong({"style": _LINE, "data-testid": "shop-name"}, shop["name"]),
            html.span(
                {"className": "muted", "style": _LINE, "data-testid": "shop-category"},
                category_name(language, shop["category"]),
                f" · {shop['neighbourhood']}" if shop["neighbourhood"] else "",
            ),
            html.span({"style": _LINE}, shop["address"]),
            html.span(
                {
                    "style": _LINE | {"color": "var(--primary)" if shop["openNow"] else "inherit"},
                    "data-testid": "shop-status",
                    "data-open": "true" if shop["openNow"] else "false",
                },
                status_text(shop, language),
            ),
            *[
                html.span(
                    {"key": offer["id"], "style": _LINE, "data-testid": "shop-item-offer"},
                    "\u2605 ",
                    offer["title"],
                )
                for offer in offers
            ],
        ),
        _details(shop, code, language) if selected else "",
    )


def _map_shops(shops: list[dict[str, Any]]) -> str:
    return json.dumps(
        [
            {
                "id": shop["id"],
                "name": shop["name"],
                "lat": shop["location"]["lat"],
                "lng": shop["location"]["lng"],
            }
            for shop in shops
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _toggle(name: str, label: str, checked: bool, change: Any) -> Any:
    return html.label(
        {"style": {"display": "flex", "gap": ".5rem", "alignItems": "center", "fontWeight": "400"}},
        html.input(
            {
                "type": "checkbox",
                "name": name,
                "checked": checked,
                "data-testid": f"map-{name}",
                "style": {"width": "1.25rem", "height": "1.25rem"},
                "onChange": lambda e: change(bool(e["target"]["checked"])),
            }
        ),
        label,
    )


@component
def Directory(scope: dict[str, Any], currency_code: str, language: str):  # type: ignore[no-untyped-def]
    settings = runtime_from_scope(scope).settings
    filters, set_filters = use_state(cast(dict[str, Any], NO_FILTERS))
    shops, set_shops = use_state(cast(list[dict[str, Any]], []))
    cursor, set_cursor = use_state(cast(Any, None))  # the next page's `after`, if any
    loaded, set_loaded = use_state(False)
    problem, set_problem = use_state(False)
    busy, set_busy = use_state(False)
    attempt, set_attempt = use_state(0)
    selected, set_selected = use_state("")
    person_language, set_person_language = use_state("")
    categories, set_categories = use_state(cast(list[str], []))  # from the API
    current = use_ref(filters)  # what the list shows: a late page of older filters is dropped
    first_load = use_ref(True)
    language = speak(person_language, language)
    area_key = filters["bbox"] if filters["in_area"] else ""

    asked = (
        filters["search"],
        filters["category"],
        filters["open_now"],
        filters["with_offers"],
        filters["in_area"],
        area_key,
        attempt,
    )
    # What the list shows answers `shown`; until it answers `asked`, it is being refreshed.
    shown, set_shown = use_state(cast(Any, None))
    refreshing = shown != asked

    @use_async_effect(dependencies=list(asked))
    async def load() -> None:
        if not first_load.current:
            await asyncio.sleep(SEARCH_PAUSE_S)  # cancelled when the filters change again
        first_load.current = False
        current.current = filters
        try:
            data = await execute(
                scope, OPERATIONS["WalletDirectory"], _variables(currency_code, filters, None)
            )
        except OperationError:
            set_problem(True)
            set_loaded(True)
            set_shown(asked)
            return
        user = (data.get("viewer") or {}).get("user") or {}
        if user.get("language"):
            set_person_language(user["language"])
        set_categories(data["merchantCategories"])
        found = data["merchants"]
        set_shops([edge["node"] for edge in found["edges"]])
        info = found["pageInfo"]
        set_cursor(info["endCursor"] if info["hasNextPage"] else None)
        set_problem(False)
        set_loaded(True)
        set_shown(asked)

    async def more(_: Any) -> None:
        if busy or refreshing or cursor is None:
            return
        asked_for = current.current
        set_busy(True)
        try:
            data = await execute(
                scope, OPERATIONS["WalletDirectory"], _variables(currency_code, asked_for, cursor)
            )
        except OperationError:
            set_busy(False)
            set_problem(True)
            return
        set_busy(False)
        if current.current is not asked_for:
            return  # the filters changed meanwhile: that list is gone
        found = data["merchants"]
        known = {shop["id"] for shop in shops}
        added = [edge["node"] for edge in found["edges"] if edge["node"]["id"] not in known]
        set_shops(shops + added)
        info = found["pageInfo"]
        set_cursor(info["endCursor"] if info["hasNextPage"] else None)

    def change(name: str, value: Any) -> None:
        set_filters(lambda old: old | {name: value})

    def choose(shop_id: str) -> None:
        set_selected(lambda old: "" if old == shop_id else shop_id)

    search_box = html.label(
        text(language, "map_search"),
        html.input(
            {
                "type": "search",
                "name": "search",
                "autoComplete": "off",
                "maxLength": SEARCH_LENGTH_MAX,
                "placeholder": text(language, "map_search_hint"),
                "style": {"fontWeight": "400"},
                "value": filters["search"],
                "data-testid": "map-search",
                "onChange": lambda e: change("search", e["target"]["value"][:SEARCH_LENGTH_MAX]),
            }
        ),
    )
    category_box = html.label(
        text(language, "map_category"),
        html.select(
            {
                "name": "category",
                "value": filters["category"],
                "data-testid": "map-category",
                "style": {"font": "inherit", "fontWeight": "400", "padding": ".5rem .6rem"},
                "onChange": lambda e: change("category", chosen_value(e)),
            },
            html.option({"value": "", "key": "all"}, text(language, "map_all_categories")),
            *[
                html.option({"value": name, "key": name}, category_name(language, name))
                for name in categories
            ],
        ),
    )
    count = len(shops)
    if not loaded:
        listing: Any = html.p({"aria-busy": "true"}, "…")
    elif problem:
        listing = html.div(
            {"role": "alert", "data-testid": "map-problem"},
            html.p({"className": "error"}, text(language, "map_unavailable")),
            html.button(
                {"type": "button", "onClick": lambda _: set_attempt(attempt + 1)},
                text(language, "map_retry"),
            ),
        )
    elif not shops:
        listing = html.p(
            {"className": "muted", "data-testid": "map-none"}, text(language, "map_none")
        )
    else:
        listing = html.ul(
            {
                "id": "map-shops",
                "className": "stack",
                "data-testid": "map-shops",
                "style": {"padding": "0", "margin": "0"},
            },
            *[
                _item(shop, currency_code, language, shop["id"] == selected, choose)
                for shop in shops
            ],
        )
    return html.section(
        {"className": "stack", "data-testid": "wallet-map", "lang": language},
        html.a(
            {"href": wallet_path(currency_code), "key": "back"},
            "\u2190 ",
            text(language, "back_to_wallet"),
        ),
        html.h2({"key": "title", "style": {"margin": "0"}}, text(language, "map_title")),
        html.p(
            {"key": "intro", "className": "muted"},
            text(language, "map_intro").format(currency=currency_code),
        ),
        # Not a form: nothing to submit (the list follows as the person types), and a
        # control's event would carry the whole form with it.
        html.div(
            {
                "key": "filters",
                "role": "search",
                "className": "card stack",
                "data-testid": "map-filters",
            },
            search_box,
            category_box,
            _toggle(
                "open-now",
                text(language, "map_open_now"),
                filters["open_now"],
                lambda on: change("open_now", on),
            ),
            _toggle(
                "with-offers",
                text(language, "map_with_offers"),
                filters["with_offers"],
                lambda on: change("with_offers", on),
            ),
            _toggle(
                "in-area",
                text(language, "map_in_area"),
                filters["in_area"],
                lambda on: change("in_area", on),
            ),
        ),
        # Leaflet owns what is inside: this element has no children of its own.
        html.div(
            {
                "key": "map",
                "id": "wallet-map",
                "role": "region",
                "aria-label": text(language, "map_region"),
                "data-testid": "map",
                "data-wallet-map": "",
                "data-shops": _map_shops(shops),
                "data-selected": selected,
                "data-tiles": settings.map_tile_url,
                "data-attribution": settings.map_attribution,
                "data-area": "on" if filters["in_area"] else "off",
                "data-bbox-input": "map-bbox",
                "data-list": "map-shops",
                "data-text-zoom-in": text(language, "map_zoom_in"),
                "data-text-zoom-out": text(language, "map_zoom_out"),
                "style": _MAP_BOX,
            }
        ),
        html.input(
            {
                "key": "bbox",
                "type": "hidden",
                "id": "map-bbox",
                "data-map-bbox": "",
                "onChange": lambda e: change("bbox", str(e["target"]["value"])[:200]),
            }
        ),
        html.p(
            {
                "key": "count",
                "role": "status",
                "aria-live": "polite",
                "className": "muted",
                "data-testid": "map-count",
                "data-count": str(count),
            },
            (
                text(language, "map_count_one")
                if count == 1
                else text(language, "map_count").format(count=count)
            )
            if loaded and not problem
            else "",
        ),
        html.div({"key": "listing", "aria-busy": "true" if refreshing else "false"}, listing),
        html.button(
            {
                "key": "more",
                "type": "button",
                "className": "secondary",
                "disabled": busy or refreshing,
                "aria-controls": "map-shops",
                "data-testid": "map-more",
                "onClick": more,
            },
            text(language, "map_more"),
        )
        if cursor is not None and not problem
        else "",
        html.script({"key": "script", "src": MAP_SCRIPT}),
    )
