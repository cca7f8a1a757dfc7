"""The admin panel's root component: sign-in for administrators, then their tools."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode

from reactpy import component, html, use_async_effect, use_location, use_scope, use_state

from admin_ui.sections import Section, sections
from admin_ui.ui import OPERATIONS
from schema.context import runtime_from_scope
from schema.operations import OperationError, execute

SIGN_IN_MESSAGES = {
    "INVALID_CREDENTIALS": "Wrong email or password.",
    "TWO_FACTOR_REQUIRED": "Enter the code from your authenticator app.",
    "WRONG_TOTP": "Wrong or already used code.",
    "TOO_MANY_ATTEMPTS": "Too many failed attempts: wait a moment and try again.",
    "INVALID_INPUT": "Fill in your email and password.",
}


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
        except OperationError as problem:
            loaded = {"problem": str(problem)}
        set_state(loaded)

    if state is None:
        return html.main({"className": "admin-shell loading", "aria-busy": "true"}, "…")
    if "problem" in state:
        return html.main({"className": "admin-shell error", "role": "alert"}, state["problem"])
    viewer = state["viewer"]
    query = parse_qs(location.query_string.lstrip("?"))
    error_code = query.get("error", [""])[0]
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
            f" of {', '.join(viewer['adminCurrencies'])} only"
            if viewer["adminRoles"] and viewer.get("adminCurrencies") is not None
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
    # The currencies this administrator may manage (adminCurrencies null: every one).
    allowed = viewer.get("adminCurrencies")
    codes = [
        currency["code"]
        for currency in state["currencies"]
        if allowed is None or currency["code"] in allowed
    ]
    if allowed is not None and not codes:
        return html.main(
            {"className": "admin-shell", "data-testid": "admin-refused"},
            header,
            html.p({"role": "alert"}, "Your roles apply to no currency this platform runs."),
        )
    chosen = query.get("currency", [""])[0].upper()
    # No currency asked for (or one not installed, or not theirs): the deployment's own
    # when they manage it, else the first they do.
    default = runtime_from_scope(scope).settings.default_currency
    fallback = default if default in codes else (codes[0] if codes else "")
    currency = chosen if chosen in codes else fallback
    parts = [part for part in location.path.split("/") if part][1:]  # after "admin"
    visible = [
        s for s in sections() if s.visible_to(viewer["adminRoles"], viewer.get("adminCurrencies"))
    ]
    section = next((s for s in visible if s.path == (parts[0] if parts else "")), None)
    rest = "/".join(parts[1:])
    return html.main(
        {"className": "admin-shell", "data-testid": "admin-home"},
        header,
        _menu(visible, section, currency, codes),
        section.component(scope, viewer, currency, rest, key=f"{section.path}/{rest}/{currency}")
        if section
        else html.p({"role": "alert", "data-testid": "section-unknown"}, "No such page here."),
    )


def _menu(visible: list[Section], current: Section | None, currency: str, codes: list[str]) -> Any:
    """The sections this administrator may open, and the currency they look at."""
    suffix = "?" + urlencode({"currency": currency}) if currency else ""
    links = [
        html.li(
            {"key": s.path},
            html.a(
                {
                    "href": f"/admin/{s.path}{suffix}",
                    "data-testid": f"menu-{s.path or 'dashboard'}",
                    **({"aria-current": "page"} if s is current else {}),
                },
                s.label,
            ),
        )
        for s in visible
    ]
    switcher = html.form(
        {"method": "get", "className": "inline currency-switch"},
        html.label(
            "Currency ",
            html.select(
                {"name": "currency", "data-testid": "currency-switch"},
                # `selected` on the option: the client leaves a select's defaultValue unset,
                # and the first currency showed whatever the panel showed.
                *[
                    html.option({"key": code, "value": code, "selected": code == currency}, code)
                    for code in codes
                ],
            ),
        ),
        html.button({"type": "submit"}, "Show"),
    )
    return html.nav(
        {"className": "admin-menu", "aria-label": "Sections"}, html.ul(*links), switcher
    )
