"""A shop's opening hours, edited: each weekday's ranges (none: closed), and dates whose
hours differ (closed all day, or other ranges). One save sends it all to
`setOpeningHours`, which replaces everything or changes nothing; its error names the range
or date it is about (`weekly[3].closes`), and the message shows beside that row.

Test IDs: `shop-hours`, `hours-<day>-add`, `hours-<day>-<i>-opens`, `hours-<day>-<i>-closes`,
`hours-<day>-<i>-remove`, `hours-<day>-<i>-problem`; `exception-add`, `exception-<n>-date`,
`exception-<n>-closed`, `exception-<n>-add`, `exception-<n>-<i>-opens`, `…-closes`,
`exception-<n>-<i>-problem`, `exception-<n>-problem`, `exception-<n>-remove`;
`hours-save`, `hours-saved`, `hours-problem`.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from pathlib import Path
from typing import Any, cast

from reactpy import component, event, html, use_state

from pwa.directory import day_names, long_date
from pwa.shop_form import FIELDSET, INPUT, SMALL_BUTTON, invalid, notice, problem_line
from pwa.texts import text
from schema.operations import OperationError, execute, load_operations

OPERATIONS = load_operations(Path(__file__).parent / "operations")
TIME_LENGTH_MAX = 5
RANGES_MAX = 50  # what setOpeningHours takes, the week's and the dates' together
EXCEPTIONS_MAX = 100
_FIELD = re.compile(r"^(weekly|exceptions)\[(\d+)\](?:\.ranges\[(\d+)\])?(?:\.(\w+))?$")
_TIME_INPUT = {"width": "5.5rem", "boxSizing": "border-box", "fontWeight": "400"}
_ROW = {"display": "flex", "flexWrap": "wrap", "gap": ".5rem", "alignItems": "end"}


def _key() -> str:
    return uuid.uuid4().hex[:10]


def week_rows(merchant: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"key": _key(), "day": r["day"], "opens": r["opens"], "closes": r["closes"]}
        for r in merchant["openingHours"]
    ]


def exception_rows(merchant: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "key": _key(),
            "date": e["date"],
            "closed": e["closed"],
            "ranges": [
                {"key": _key(), "opens": r["opens"], "closes": r["closes"]} for r in e["ranges"]
            ],
        }
        for e in merchant["hoursExceptions"]
    ]


def sent_week(week: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The week's rows in the order they are sent: by day, each day's as shown."""
    return sorted(week, key=lambda row: row["day"])


def hours_input(
    account_id: str, week: list[dict[str, Any]], exceptions: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "accountId": account_id,
        "weekly": [
            {"day": r["day"], "opens": r["opens"].strip(), "closes": r["closes"].strip()}
            for r in sent_week(week)
        ],
        "exceptions": [
            {
                "date": e["date"],
                "closed": e["closed"],
                "ranges": []
                if e["closed"]
                else [
                    {"opens": r["opens"].strip(), "closes": r["closes"].strip()}
                    for r in e["ranges"]
                ],
            }
            for e in exceptions
        ],
    }


def hours_problem(language: str, field: str, message: str) -> str:
    """The API's error about hours, in the person's language."""
    part = field.rsplit(".", 1)[-1] if "." in field else ""
    if "overlaps" in message:
        return text(language, "shop_problem_overlap")
    if "closes when it opens" in message:
        return text(language, "shop_problem_same_time")
    if part in ("opens", "closes"):
        return text(language, f"shop_problem_{part}")
    if part == "date":
        return text(
            language, "shop_problem_date_twice" if "twice" in message else "shop_problem_date"
        )
    if part == "ranges":
        return text(language, "shop_problem_exception_ranges")
    if field in ("weekly", "exceptions"):
        return text(language, "shop_problem_too_many")
    return text(language, "shop_problem_general")


def problem_row(
    field: str | None, week: list[dict[str, Any]], exceptions: list[dict[str, Any]]
) -> str:
    """The key of the row (a range, or a date) an error's field names; "" for none."""
    found = _FIELD.match(field or "")
    if not found:
        return ""
    kind, index, range_index = found.group(1), int(found.group(2)), found.group(3)
    if kind == "weekly":
        rows = sent_week(week)
        return rows[index]["key"] if index < len(rows) else ""
    if index >= len(exceptions):
        return ""
    exception = exceptions[index]
    if range_index is not None and int(range_index) < len(exception["ranges"]):
        return exception["ranges"][int(range_index)]["key"]
    return exception["key"]


def _check_dates(exceptions: list[dict[str, Any]], language: str) -> dict[str, str]:
    """Dates the API would refuse before reading them (empty, not a date): beside them."""
    found: dict[str, str] = {}
    for exception in exceptions:
        try:
            date.fromisoformat(exception["date"])
        except ValueError:
            found[exception["key"]] = text(language, "shop_problem_date")
    return found


@component
def ShopHours(scope: dict[str, Any], account_id: str, merchant: dict[str, Any], language: str):  # type: ignore[no-untyped-def]
    week, set_week = use_state(lambda: week_rows(merchant))
    exceptions, set_exceptions = use_state(lambda: exception_rows(merchant))
    problems, set_problems = use_state(cast(dict[str, str], {}))  # row key -> message
    busy, set_busy = use_state(False)
    saved, set_saved = use_state(False)
    names = day_names(language)

    def touched(key: str) -> None:
        set_problems(lambda old: {k: v for k, v in old.items() if k not in (key, "")})
        set_saved(False)

    def set_range(key: str, part: str) -> Any:
        def change(e: Any) -> None:
            typed = str(e["target"]["value"])[:TIME_LENGTH_MAX]
            set_week(lambda old: [r | {part: typed} if r["key"] == key else r for r in old])
            set_exceptions(
                lambda old: [
                    x
                    | {"ranges": [r | {part: typed} if r["key"] == key else r for r in x["ranges"]]}
                    for x in old
                ]
            )
            touched(key)

        return change

    def add_range(day: int) -> None:
        if len(week) + sum(len(x["ranges"]) for x in exceptions) >= RANGES_MAX:
            set_problems({"": text(language, "shop_problem_too_many")})
            return
        set_week(lambda old: [*old, {"key": _key(), "day": day, "opens": "", "closes": ""}])
        set_saved(False)

    def remove_range(key: str) -> None:
        set_week(lambda old: [r for r in old if r["key"] != key])
        set_exceptions(
            lambda old: [x | {"ranges": [r for r in x["ranges"] if r["key"] != key]} for x in old]
        )
        touched(key)

    def add_exception(_: Any) -> None:
        if len(exceptions) >= EXCEPTIONS_MAX:
            set_problems({"": text(language, "shop_problem_too_many")})
            return
        row = {"key": _key(), "date": "", "closed": True, "ranges": []}
        set_exceptions(lambda old: [*old, row])
        set_saved(False)

    def change_exception(key: str, values: dict[str, Any]) -> None:
        set_exceptions(lambda old: [x | values if x["key"] == key else x for x in old])
        touched(key)

    def remove_exception(key: str) -> None:
        set_exceptions(lambda old: [x for x in old if x["key"] != key])
        touched(key)

    def add_exception_range(key: str) -> None:
        added = {"key": _key(), "opens": "", "closes": ""}
        change_exception(key, {"closed": False})
        set_exceptions(
            lambda old: [
                x | {"ranges": [*x["ranges"], added]} if x["key"] == key else x for x in old
            ]
        )

    async def save(_: Any) -> None:
        if busy:
            return
        early = _check_dates(exceptions, language)
        if early:
            set_problems(early)
            return
        set_busy(True)
        set_saved(False)
        variables = {"input": hours_input(account_id, week, exceptions)}
        try:
            result = (await execute(scope, OPERATIONS["WalletShopSetHours"], variables))[
                "setOpeningHours"
            ]
        except OperationError:
            set_busy(False)
            set_problems({"": text(language, "shop_problem_general")})
            return
        set_busy(False)
        if result["errors"]:
            found: dict[str, str] = {}
            for error in result["errors"]:
                row = problem_row(error["field"], week, exceptions)
                found.setdefault(
                    row, hours_problem(language, error["field"] or "", error["message"])
                )
            set_problems(found)
            return
        set_problems({})
        set_week(week_rows(result["merchant"]))
        set_exceptions(exception_rows(result["merchant"]))
        set_saved(True)

    def time_input(test_id: str, row: dict[str, Any], part: str, label: str) -> Any:
        return html.label(
            {"key": part, "style": {"display": "grid", "gap": ".15rem", "fontWeight": "400"}},
            label,
            html.input(
                {
                    "id": test_id,
                    "type": "text",
                    "inputMode": "numeric",
                    "placeholder": "HH:MM",
                    "autoComplete": "off",
                    "maxLength": TIME_LENGTH_MAX,
                    "value": row[part],
                    "style": _TIME_INPUT,
                    "data-testid": test_id,
                    "onChange": set_range(row["key"], part),
                    **invalid(test_id.rsplit("-", 1)[0], problems.get(row["key"])),
                }
            ),
        )

    def range_row(prefix: str, row: dict[str, Any]) -> Any:
        remove_label = text(language, "shop_remove_range").format(
            opens=row["opens"] or "…", closes=row["closes"] or "…"
        )
        return html.div(
            {"key": row["key"], "className": "stack", "style": {"gap": ".25rem"}},
            html.div(
                {"style": _ROW},
                time_input(f"{prefix}-opens", row, "opens", text(language, "shop_opens")),
                time_input(f"{prefix}-closes", row, "closes", text(language, "shop_closes")),
                html.button(
                    {
                        "type": "button",
                        "className": "secondary",
                        "style": SMALL_BUTTON,
                        "aria-label": remove_label,
                        "data-testid": f"{prefix}-remove",
                        "onClick": lambda _: remove_range(row["key"]),
                    },
                    text(language, "shop_remove"),
                ),
            ),
            problem_line(prefix, problems.get(row["key"])),
        )

    def day_box(day: int) -> Any:
        rows = [r for r in week if r["day"] == day]
        return html.fieldset(
            {"key": str(day), "style": FIELDSET, "data-testid": f"hours-{day}"},
            html.legend({"style": {"fontWeight": "600"}}, names[day]),
            html.div(
                {"className": "stack", "style": {"gap": ".5rem"}},
                *[range_row(f"hours-{day}-{i}", row) for i, row in enumerate(rows)],
                ""
                if rows
                else html.p(
                    {"className": "muted", "style": {"margin": "0"}},
                    text(language, "shop_closed_day"),
                ),
                html.button(
                    {
                        "type": "button",
                        "className": "secondary",
                        "style": SMALL_BUTTON | {"justifySelf": "start"},
                        "aria-label": f"{text(language, 'shop_add_range')}: {names[day]}",
                        "data-testid": f"hours-{day}-add",
                        "onClick": lambda _: add_range(day),
                    },
                    text(language, "shop_add_range"),
                ),
            ),
        )

    def exception_box(index: int, exception: dict[str, Any]) -> Any:
        prefix = f"exception-{index}"
        key = exception["key"]
        return html.fieldset(
            {"key": key, "style": FIELDSET, "data-testid": prefix},
            html.legend(
                {"style": {"fontWeight": "600"}},
                long_date(exception["date"], language, "full")
                if exception["date"]
                else text(language, "shop_exception_date"),
            ),
            html.div(
                {"className": "stack", "style": {"gap": ".5rem"}},
                html.label(
                    text(language, "shop_exception_date"),
                    html.input(
                        {
                            "id": f"{prefix}-date",
                            "type": "date",
                            "value": exception["date"],
                            "style": INPUT,
                            "data-testid": f"{prefix}-date",
                            "onChange": lambda e: change_exception(
                                key, {"date": str(e["target"]["value"])[:10]}
                            ),
                            **invalid(prefix, problems.get(key)),
                        }
                    ),
                ),
                html.label(
                    {
                        "style": {
                            "display": "flex",
                            "gap": ".5rem",
                            "alignItems": "center",
                            "fontWeight": "400",
                        }
                    },
                    html.input(
                        {
                            "type": "checkbox",
                            "checked": exception["closed"],
                            "style": {"width": "1.25rem", "height": "1.25rem"},
                            "data-testid": f"{prefix}-closed",
                            "onChange": lambda e: change_exception(
                                key, {"closed": bool(e["target"]["checked"])}
                            ),
                        }
                    ),
                    text(language, "shop_exception_closed"),
                ),
                *(
                    []
                    if exception["closed"]
                    else [
                        range_row(f"{prefix}-{i}", row) for i, row in enumerate(exception["ranges"])
                    ]
                ),
                problem_line(prefix, problems.get(key)),
                html.div(
                    {"className": "actions"},
                    ""
                    if exception["closed"]
                    else html.button(
                        {
                            "type": "button",
                            "className": "secondary",
                            "style": SMALL_BUTTON,
                            "data-testid": f"{prefix}-add",
                            "onClick": lambda _: add_exception_range(key),
                        },
                        text(language, "shop_add_range"),
                    ),
                    html.button(
                        {
                            "type": "button",
                            "className": "secondary",
                            "style": SMALL_BUTTON,
                            "data-testid": f"{prefix}-remove",
                            "onClick": lambda _: remove_exception(key),
                        },
                        text(language, "shop_remove_exception"),
                    ),
                ),
            ),
        )

    return html.form(
        {
            "className": "card stack",
            "data-testid": "shop-hours",
            "aria-labelledby": "shop-hours-title",
            "noValidate": True,
            "onSubmit": event(save, prevent_default=True),
        },
        html.h3({"id": "shop-hours-title", "style": {"margin": "0"}}, text(language, "shop_hours")),
        html.p({"className": "muted"}, text(language, "shop_hours_hint")),
        *[day_box(day) for day in range(7)],
        html.h4({"style": {"margin": ".5rem 0 0"}}, text(language, "shop_exceptions")),
        *[exception_box(i, x) for i, x in enumerate(exceptions)],
        ""
        if exceptions
        else html.p({"className": "muted"}, text(language, "shop_exceptions_none")),
        html.button(
            {
                "type": "button",
                "className": "secondary",
                "style": {"justifySelf": "start"},
                "data-testid": "exception-add",
                "onClick": add_exception,
            },
            text(language, "shop_add_exception"),
        ),
        problem_line("hours", problems.get("")),
        html.button(
            {"type": "submit", "disabled": busy, "data-testid": "hours-save"},
            text(language, "shop_saving") if busy else text(language, "shop_save_hours"),
        ),
        notice("hours-saved", text(language, "shop_saved") if saved else ""),
    )
