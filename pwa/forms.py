"""Form parts more than one wallet screen uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reactpy import html

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


def forgot_password_link(language: str) -> Any:
    """The way to a new password, under a sign-in form."""
    return html.p(
        html.a(
            {"href": "/wallet/forgot-password", "data-testid": "forgot-password-link"},
            text(language, "forgot_password_link"),
        )
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
