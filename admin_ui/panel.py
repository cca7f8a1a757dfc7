"""The admin panel's root component."""

from __future__ import annotations

from pathlib import Path

from reactpy import component, html, use_async_effect, use_scope, use_state

from schema.operations import OperationError, execute, load_operations

OPERATIONS = load_operations(Path(__file__).parent / "operations")


def _currency_row(currency: dict) -> html:  # type: ignore[valid-type]
    theme = currency["theme"]
    return html.tr(
        {"key": currency["code"], "data-testid": f"currency-{currency['code']}"},
        html.td(html.img({"src": theme["logoUrl"], "alt": "", "className": "logo-small"})),
        html.td(html.strong(currency["code"])),
        html.td(currency["name"]),
        html.td(currency["fullName"]),
        html.td(currency["symbol"]),
        html.td(str(currency["decimals"])),
        html.td(", ".join(currency["languages"])),
        html.td(currency["timezone"]),
        html.td(
            html.span({"className": "swatch", "style": {"background": theme["primaryColor"]}}),
            html.span({"className": "swatch", "style": {"background": theme["secondaryColor"]}}),
        ),
    )


@component
def AdminPanel():  # type: ignore[no-untyped-def]
    scope = use_scope()
    currencies, set_currencies = use_state(None)
    problem, set_problem = use_state("")

    @use_async_effect(dependencies=[])
    async def load() -> None:
        try:
            data = await execute(scope, OPERATIONS["AdminCurrencies"])
        except OperationError as error:
            set_problem(str(error))
            return
        set_currencies(data["currencies"])

    if problem:
        return html.main({"className": "admin-shell error", "role": "alert"}, problem)
    if currencies is None:
        return html.main({"className": "admin-shell loading", "aria-busy": "true"}, "…")
    return html.main(
        {"className": "admin-shell", "data-testid": "admin-home"},
        html.h1("Administration"),
        html.h2("Currencies"),
        html.table(
            {"className": "table", "data-testid": "currencies"},
            html.thead(
                html.tr(
                    *[
                        html.th(label)
                        for label in (
                            "",
                            "Code",
                            "Name",
                            "Full name",
                            "Symbol",
                            "Decimals",
                            "Languages",
                            "Time zone",
                            "Colours",
                        )
                    ]
                )
            ),
            html.tbody(*[_currency_row(currency) for currency in currencies]),
        ),
    )
