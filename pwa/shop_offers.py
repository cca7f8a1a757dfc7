"""A shop's offers: those live today and those to come (ended ones leave the list: offers
end by themselves), each removable after a confirmation; and a form for a new one,
classic, percentage (with its value) or free, with its first and last days.

Test IDs: `shop-offers`, `shop-offer-item` (`data-offer-id`, `data-live`),
`offer-remove`, `offer-confirm`, `offer-confirm-yes`, `offer-confirm-no`, `offer-form`,
`offer-kind-<KIND>`, `offer-title`, `offer-description`, `offer-percent`, `offer-starts`,
`offer-ends`, `offer-submit`, `offer-<field>-problem`, `offer-notice`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, cast

from reactpy import component, event, html, use_state

from pwa.directory import offer_dates_text, offer_kind_text
from pwa.shop_form import FIELDSET, INPUT, SMALL_BUTTON, TEXTAREA, invalid, notice, problem_line
from pwa.texts import text
from schema.operations import OperationError, execute, load_operations

OPERATIONS = load_operations(Path(__file__).parent / "operations")
KINDS = ("CLASSIC", "PERCENTAGE", "FREE")
TITLE_LENGTH_MAX = 80
DESCRIPTION_LENGTH_MAX = 500
PERCENT_LENGTH_MAX = 3
# The API's fields, and the form's names for them.
FIELDS = {
    "kind": "kind",
    "title": "title",
    "description": "description",
    "percentOff": "percent",
    "startsOn": "starts",
    "endsOn": "ends",
}


def _blank(today: str) -> dict[str, str]:
    return {
        "kind": "CLASSIC",
        "title": "",
        "description": "",
        "percent": "",
        "starts": today,
        "ends": "",
    }


def _day(typed: str) -> date | None:
    try:
        return date.fromisoformat(typed)
    except ValueError:
        return None


def offer_problem(language: str, field: str, message: str) -> str:
    """The API's error about an offer (by the form's name of its field), in words."""
    if field == "ends":
        over = "already be over" in message
        return text(language, "shop_problem_ends_past" if over else "shop_problem_ends_before")
    keys = {
        "title": "shop_problem_title",
        "percent": "shop_problem_percent",
        "starts": "shop_problem_starts",
    }
    if field == "description":
        return text(language, "shop_problem_description").format(count=DESCRIPTION_LENGTH_MAX)
    return text(language, keys.get(field, "shop_problem_general"))


def check_offer(values: dict[str, str], language: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The addOffer input, or what is wrong with the form before asking (beside its field)."""
    found: dict[str, str] = {}
    title = values["title"].strip()
    if not title:
        found["title"] = offer_problem(language, "title", "")
    percent: int | None = None
    if values["kind"] == "PERCENTAGE":
        typed = values["percent"].strip().rstrip("%").strip()
        percent = int(typed) if typed.isdigit() else None
        if percent is None or not 1 <= percent <= 100:
            found["percent"] = offer_problem(language, "percent", "")
    starts = _day(values["starts"])
    if starts is None:
        found["starts"] = offer_problem(language, "starts", "")
    ends = _day(values["ends"]) if values["ends"] else None
    if values["ends"] and ends is None:
        found["ends"] = offer_problem(language, "ends", "")
    elif starts and ends and ends < starts:
        found["ends"] = offer_problem(language, "ends", "")
    given = {
        "kind": values["kind"],
        "title": title,
        "description": values["description"].strip(),
        "percentOff": percent,
        "startsOn": values["starts"],
        "endsOn": values["ends"] or None,
    }
    return given, found


@component
def ShopOffers(  # type: ignore[no-untyped-def]
    scope: dict[str, Any], account_id: str, merchant: dict[str, Any], language: str, today: str
):
    offers, set_offers = use_state(cast(list[dict[str, Any]], merchant["allOffers"]))
    values, set_values = use_state(lambda: _blank(today))
    problems, set_problems = use_state(cast(dict[str, str], {}))
    busy, set_busy = use_state(False)
    confirming, set_confirming = use_state("")  # the offer whose removal is being confirmed
    said, set_said = use_state("")  # the last thing done: added or removed

    def edit(name: str, limit: int) -> Any:
        def change(e: Any) -> None:
            typed = str(e["target"]["value"])[:limit]
            set_values(lambda old: old | {name: typed})
            set_problems(lambda old: {k: v for k, v in old.items() if k not in (name, "")})
            set_said("")

        return change

    async def add(_: Any) -> None:
        if busy:
            return
        given, found = check_offer(values, language)
        set_problems(found)
        set_said("")
        if found:
            return
        set_busy(True)
        variables = {"input": {"accountId": account_id, **given}}
        try:
            result = (await execute(scope, OPERATIONS["WalletShopAddOffer"], variables))["addOffer"]
        except OperationError:
            set_busy(False)
            set_problems({"": text(language, "shop_problem_general")})
            return
        set_busy(False)
        if result["errors"]:
            errors: dict[str, str] = {}
            for error in result["errors"]:
                field = FIELDS.get(error["field"] or "", "")
                if error["code"] == "LIMIT_EXCEEDED":
                    errors.setdefault("", text(language, "shop_problem_offers_limit"))
                else:
                    errors.setdefault(field, offer_problem(language, field, error["message"]))
            set_problems(errors)
            return
        set_offers(result["merchant"]["allOffers"])
        set_values(_blank(today))
        set_said("added")

    async def remove(offer_id: str) -> None:
        if busy:
            return
        set_busy(True)
        try:
            result = (
                await execute(
                    scope, OPERATIONS["WalletShopRemoveOffer"], {"input": {"id": offer_id}}
                )
            )["removeOffer"]
        except OperationError:
            result = {"errors": [{"code": "UNAVAILABLE"}]}
        set_busy(False)
        set_confirming("")
        if result["errors"] and result["errors"][0]["code"] != "NOT_FOUND":
            set_problems({"list": text(language, "shop_problem_general")})
            return
        # Removed now, or already gone: either way it is not there any more.
        set_offers(lambda old: [o for o in old if o["id"] != offer_id])
        set_problems({})
        set_said("removed")

    def removing(offer_id: str) -> Any:
        # An async handler of its own: ReactPy awaits handlers, not what a lambda returns.
        async def confirmed(_: Any) -> None:
            await remove(offer_id)

        return confirmed

    def offer_item(offer: dict[str, Any]) -> Any:
        asking = confirming == offer["id"]
        return html.li(
            {
                "key": offer["id"],
                "className": "card stack",
                "style": {"gap": ".35rem", "listStyle": "none", "padding": ".75rem"},
                "data-testid": "shop-offer-item",
                "data-offer-id": offer["id"],
                "data-live": "true" if offer["live"] else "false",
            },
            html.strong(offer["title"]),
            html.span(
                offer_kind_text(offer, language),
                " · ",
                text(language, "shop_offer_live" if offer["live"] else "shop_offer_to_come"),
            ),
            html.span(offer["description"]) if offer["description"] else "",
            html.span({"className": "muted"}, offer_dates_text(offer, language)),
            html.div(
                {"role": "group", "className": "stack", "data-testid": "offer-confirm"},
                html.p(
                    {"role": "alert", "style": {"margin": "0"}},
                    text(language, "shop_offer_confirm").format(title=offer["title"]),
                ),
                html.div(
                    {"className": "actions"},
                    html.button(
                        {
                            "type": "button",
                            "autoFocus": True,
                            "disabled": busy,
                            "data-testid": "offer-confirm-yes",
                            "onClick": removing(offer["id"]),
                        },
                        text(language, "shop_offer_confirm_yes"),
                    ),
                    html.button(
                        {
                            "type": "button",
                            "className": "secondary",
                            "data-testid": "offer-confirm-no",
                            "onClick": lambda _: set_confirming(""),
                        },
                        text(language, "shop_offer_confirm_no"),
                    ),
                ),
            )
            if asking
            else html.button(
                {
                    "type": "button",
                    "className": "secondary",
                    "style": SMALL_BUTTON | {"justifySelf": "start"},
                    "aria-label": f"{text(language, 'shop_offer_remove')}: {offer['title']}",
                    "data-testid": "offer-remove",
                    "onClick": lambda _: set_confirming(offer["id"]),
                },
                text(language, "shop_offer_remove"),
            ),
        )

    def field(name: str, label_key: str, control: Any) -> Any:
        return html.div(
            {"key": name, "className": "stack", "style": {"gap": ".25rem"}},
            html.label(text(language, label_key), control),
            problem_line(f"offer-{name}", problems.get(name)),
        )

    def line_input(name: str, limit: int, **extra: Any) -> Any:
        return html.input(
            {
                "id": f"offer-{name}",
                "name": name,
                "maxLength": limit,
                "value": values[name],
                "style": INPUT,
                "data-testid": f"offer-{name}",
                "onChange": edit(name, limit),
                **invalid(f"offer-{name}", problems.get(name)),
                **extra,
            }
        )

    def choose_kind(kind: str) -> None:
        set_values(lambda old: old | {"kind": kind})
        set_problems(lambda old: {k: v for k, v in old.items() if k not in ("kind", "percent")})

    kind_box = html.fieldset(
        {"key": "kind", "style": FIELDSET},
        html.legend({"style": {"fontWeight": "600"}}, text(language, "shop_offer_kind")),
        *[
            html.label(
                {
                    "key": kind,
                    "style": {
                        "display": "flex",
                        "gap": ".5rem",
                        "alignItems": "center",
                        "fontWeight": "400",
                    },
                },
                html.input(
                    {
                        "type": "radio",
                        "name": "offer-kind",
                        "value": kind,
                        "checked": values["kind"] == kind,
                        "style": {"width": "1.25rem", "height": "1.25rem", "flex": "none"},
                        "data-testid": f"offer-kind-{kind}",
                        "onChange": lambda _, kind=kind: choose_kind(kind),
                    }
                ),
                text(language, f"shop_kind_{kind}"),
            )
            for kind in KINDS
        ],
        problem_line("offer-kind", problems.get("kind")),
    )
    said_text = {"added": "shop_offer_added", "removed": "shop_offer_removed"}.get(said)
    return html.section(
        {
            "className": "card stack",
            "data-testid": "shop-offers",
            "aria-labelledby": "shop-offers-title",
        },
        html.h3(
            {"id": "shop-offers-title", "style": {"margin": "0"}}, text(language, "shop_offers")
        ),
        html.p({"className": "muted"}, text(language, "shop_offers_hint")),
        html.ul(
            {
                "className": "stack",
                "style": {"padding": "0", "margin": "0"},
                "data-testid": "shop-offer-list",
            },
            *[offer_item(offer) for offer in offers],
        )
        if offers
        else html.p(
            {"className": "muted", "data-testid": "shop-offers-none"},
            text(language, "shop_offers_none"),
        ),
        problem_line("offer-list", problems.get("list")),
        notice("offer-notice", text(language, said_text) if said_text else ""),
        html.form(
            {
                "className": "stack",
                "data-testid": "offer-form",
                "aria-labelledby": "shop-new-offer-title",
                "noValidate": True,
                "onSubmit": event(add, prevent_default=True),
            },
            html.h4(
                {"id": "shop-new-offer-title", "style": {"margin": ".5rem 0 0"}},
                text(language, "shop_new_offer"),
            ),
            kind_box,
            field("title", "shop_offer_title", line_input("title", TITLE_LENGTH_MAX, type="text")),
            field(
                "percent",
                "shop_offer_percent",
                line_input("percent", PERCENT_LENGTH_MAX, type="text", inputMode="numeric"),
            )
            if values["kind"] == "PERCENTAGE"
            else "",
            field(
                "description",
                "shop_offer_description",
                html.textarea(
                    {
                        "id": "offer-description",
                        "name": "description",
                        "maxLength": DESCRIPTION_LENGTH_MAX,
                        "rows": 3,
                        "value": values["description"],
                        "style": TEXTAREA,
                        "data-testid": "offer-description",
                        "onChange": edit("description", DESCRIPTION_LENGTH_MAX),
                        **invalid("offer-description", problems.get("description")),
                    }
                ),
            ),
            html.div(
                {
                    "style": {
                        "display": "grid",
                        "gridTemplateColumns": "repeat(auto-fit, minmax(9rem, 1fr))",
                        "gap": ".5rem",
                    }
                },
                field(
                    "starts",
                    "shop_offer_starts",
                    line_input("starts", 10, type="date", required=True),
                ),
                field("ends", "shop_offer_ends", line_input("ends", 10, type="date")),
            ),
            problem_line("offer", problems.get("")),
            html.button(
                {"type": "submit", "disabled": busy, "data-testid": "offer-submit"},
                text(language, "shop_saving") if busy else text(language, "shop_add_offer"),
            ),
        ),
    )
