"""The admin panel's root component: sign-in for administrators, then their tools."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from reactpy import component, html, use_async_effect, use_location, use_scope, use_state

from admin_ui.treasury import Treasury
from schema.operations import OperationError, execute, load_operations

OPERATIONS = load_operations(Path(__file__).parent / "operations")
SIGN_IN_MESSAGES = {
    "INVALID_CREDENTIALS": "Wrong email or password.",
    "TWO_FACTOR_REQUIRED": "Enter the code from your authenticator app.",
    "WRONG_TOTP": "Wrong or already used code.",
    "TOO_MANY_ATTEMPTS": "Too many failed attempts: wait a moment and try again.",
    "INVALID_INPUT": "Fill in your email and password.",
}


def _currency_row(currency: dict[str, Any]) -> Any:
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


def _currencies(currencies: list[dict[str, Any]]) -> Any:
    headings = (
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
    return html.section(
        html.h2("Currencies"),
        html.table(
            {"className": "table", "data-testid": "currencies"},
            html.thead(html.tr(*[html.th({"key": str(i)}, h) for i, h in enumerate(headings)])),
            html.tbody(*[_currency_row(currency) for currency in currencies]),
        ),
    )


def _sign_in_form(error_code: str) -> Any:
    message = SIGN_IN_MESSAGES.get(error_code, "") if error_code else ""
    return html.section(
        {"className": "card sign-in", "data-testid": "sign-in"},
        html.h2("Sign in"),
        html.p({"className": "error", "role": "alert", "data-testid": "sign-in-error"}, message)
        if message
        else "",
        html.form(
            {"method": "post", "action": "/admin/sign-in"},
            html.label(
                "Email",
                html.input(
                    {"name": "email", "type": "email", "autoComplete": "username", "required": True}
                ),
            ),
            html.label(
                "Password",
                html.input(
                    {
                        "name": "password",
                        "type": "password",
                        "autoComplete": "current-password",
                        "required": True,
                    }
                ),
            ),
            html.label(
                "Two-factor code",
                html.input(
                    {
                        "name": "totp",
                        "inputMode": "numeric",
                        "autoComplete": "one-time-code",
                        "pattern": "[0-9 ]{6,7}",
                    }
                ),
            ),
            html.button({"type": "submit"}, "Sign in"),
        ),
    )


def _outbox(mails: list[dict[str, Any]]) -> Any:
    return html.section(
        {"data-testid": "outbox"},
        html.h2("Mail sandbox"),
        html.p({"className": "muted"}, "In development, mail is kept here instead of being sent."),
        html.ul(
            {"className": "outbox"},
            *[
                html.li(
                    {"key": str(index)},
                    html.strong(mail["subject"]),
                    f" → {mail['to']} · {mail['createdAt'][:19]}",
                    html.pre(mail["body"]),
                )
                for index, mail in enumerate(mails)
            ],
        )
        if mails
        else html.p("No mail yet."),
    )


@component
def AdminPanel():  # type: ignore[no-untyped-def]
    scope = use_scope()
    location = use_location()
    state, set_state = use_state(None)

    @use_async_effect(dependencies=[])
    async def load() -> None:
        try:
            viewer = (await execute(scope, OPERATIONS["AdminViewer"]))["viewer"]
            loaded: dict[str, Any] = {"viewer": viewer}
            if viewer and viewer["adminRoles"]:
                loaded |= await execute(scope, OPERATIONS["AdminCurrencies"])
            if viewer and "SUPERADMIN" in viewer["adminRoles"]:  # the outbox holds reset links
                loaded |= await execute(scope, OPERATIONS["AdminOutbox"], {"first": 20})
        except OperationError as problem:
            loaded = {"problem": str(problem)}
        set_state(loaded)

    if state is None:
        return html.main({"className": "admin-shell loading", "aria-busy": "true"}, "…")
    if "problem" in state:
        return html.main({"className": "admin-shell error", "role": "alert"}, state["problem"])
    viewer = state["viewer"]
    error_code = parse_qs(location.query_string.lstrip("?")).get("error", [""])[0]
    if not viewer or not viewer["user"]:
        return html.main(
            {"className": "admin-shell"}, html.h1("Administration"), _sign_in_form(error_code)
        )
    sign_out = html.form(
        {"method": "post", "action": "/admin/sign-out", "className": "inline"},
        html.button({"type": "submit"}, "Sign out"),
    )
    header = html.header(
        {"className": "admin-header"},
        html.h1("Administration"),
        html.span(
            {"data-testid": "admin-user"},
            viewer["user"]["email"],
            f" · {', '.join(r.lower() for r in viewer['adminRoles'])}"
            if viewer["adminRoles"]
            else "",
        ),
        sign_out,
    )
    if not viewer["adminRoles"]:
        why = (
            "Your administrator role needs two-factor: turn it on in the wallet's profile, "
            "then sign in again with a code."
            if viewer["twoFactorRequired"]
            else "This account has no administrator role."
        )
        return html.main(
            {"className": "admin-shell", "data-testid": "admin-refused"},
            header,
            html.p({"role": "alert"}, why),
        )
    return html.main(
        {"className": "admin-shell", "data-testid": "admin-home"},
        header,
        _currencies(state["currencies"]),
        Treasury(scope, "TREASURER" in viewer["adminRoles"]),
        _outbox([e["node"] for e in state["sandboxOutbox"]["edges"]])
        if "sandboxOutbox" in state
        else "",
    )
