"""Parts the shop page's three forms share (pwa/shop.py, shop_hours.py, shop_offers.py)."""

from __future__ import annotations

from typing import Any

from reactpy import html

# The shared stylesheet styles inputs inside .stack; these are the other controls' looks.
CONTROL = {
    "font": "inherit",
    "fontWeight": "400",
    "padding": ".5rem .6rem",
    "border": "1px solid #c5cbd3",
    "borderRadius": ".4rem",
    "width": "100%",
    "boxSizing": "border-box",
}
# Inputs read as typed text, not as their bold labels; none wider than its column.
INPUT = {"fontWeight": "400", "width": "100%", "minWidth": "0", "boxSizing": "border-box"}
TEXTAREA = CONTROL | {"minHeight": "5rem", "resize": "vertical"}
SMALL_BUTTON = {"padding": ".35rem .6rem", "fontSize": ".9rem"}
FIELDSET = {
    "border": "1px solid #e3e6ea",
    "borderRadius": ".5rem",
    "padding": ".5rem .75rem .75rem",
    "margin": "0",
    "minWidth": "0",
}


def problem_id(test_id: str) -> str:
    return f"{test_id}-problem"


def problem_line(test_id: str, message: str | None) -> Any:
    """The error beside a field: `<test_id>-problem`, read out as it appears."""
    if not message:
        return ""
    return html.p(
        {
            "key": problem_id(test_id),
            "id": problem_id(test_id),
            "className": "error",
            "role": "alert",
            "style": {"margin": "0"},
            "data-testid": problem_id(test_id),
        },
        message,
    )


def invalid(test_id: str, message: str | None) -> dict[str, Any]:
    """A control's attributes that tie it to its error, if it has one."""
    if not message:
        return {"aria-invalid": "false"}
    return {"aria-invalid": "true", "aria-describedby": problem_id(test_id)}


def notice(test_id: str, message: str) -> Any:
    """A short "saved" line, announced politely."""
    return html.p(
        {"role": "status", "aria-live": "polite", "className": "muted", "data-testid": test_id},
        message,
    )
