"""Form parts more than one wallet screen uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reactpy import html

from pwa.paths import wallet_path
from pwa.texts import text

# name, input type, autocomplete, required
_SIGN_IN_FIELDS = (
    ("email", "email", "username", True),
    ("password", "password", "current-password", True),
    ("totp", "text", "one-time-code", False),
)


def sign_in_fields(language: str, attributes_of: Callable[[str], dict[str, Any]]) -> list[Any]:
    """Email, password and two-factor code, labelled in the person's language; each input
    gets what `attributes_of(name)` adds (a value and its handler, a test ID)."""
    return [
        html.label(
            {"key": name},
            text(language, name),
            html.input(
                {
                    "type": kind,
                    "name": name,
                    "autoComplete": autocomplete,
                    "required": required,
                    **attributes_of(name),
                }
            ),
        )
        for name, kind, autocomplete, required in _SIGN_IN_FIELDS
    ]


def forgot_password_link(code: str, language: str) -> Any:
    """The way to a new password, under a sign-in form (in this currency's wallet)."""
    return html.p(
        html.a(
            {"href": wallet_path(code, "forgot-password"), "data-testid": "forgot-password-link"},
            text(language, "forgot_password_link"),
        )
    )


def legal_links(code: str, language: str, test_id: str, intro: bool = True) -> Any:
    """The currency's terms of use and privacy notice (branding/<code>/legal/), in the
    person's language when the currency has them in it (server/app.py serves them)."""

    def link(name: str, key: str) -> Any:
        href = wallet_path(code, name, {"lang": str(language)})
        return html.a({"href": href, "data-testid": f"{test_id}-{name}"}, text(language, key))

    return html.p(
        {"className": "muted legal", "data-testid": test_id},
        *([text(language, "legal_accept"), " "] if intro else []),
        link("terms", "legal_terms"),
        " · ",
        link("privacy", "legal_privacy"),
    )


def chosen_value(event: dict[str, Any]) -> str:
    """The value an input or a select holds after a change event. ReactPy sends a
    select's target as the list of its options: the chosen one is the selected one."""
    target = event.get("target")
    if isinstance(target, list):
        return next((str(o.get("value", "")) for o in target if o.get("selected")), "")
    if isinstance(target, dict):
        return str(target.get("value") or "")
    return ""
