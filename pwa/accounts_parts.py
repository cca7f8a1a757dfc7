"""Parts the accounts screen's sections share (pwa/accounts.py, accounts_team.py,
accounts_keys.py, accounts_webhooks.py): refusals worded in the person's language, the
line that shows one beside its field, the secret shown once, a confirmation step."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from reactpy import html

from pwa.texts import TEXTS, problem_text, text

COPY_SCRIPT = "/static/wallet-copy.js"
# The shared stylesheet styles inputs inside .stack; a select and a list need their own.
SELECT = {
    "font": "inherit",
    "fontWeight": "400",
    "padding": ".5rem .6rem",
    "border": "1px solid #c5cbd3",
    "borderRadius": ".4rem",
    "width": "100%",
}
LIST = {"listStyle": "none", "padding": "0", "margin": "0", "display": "grid", "gap": ".5rem"}
ITEM = {"borderBottom": "1px solid rgba(0, 0, 0, .08)", "paddingBottom": ".5rem"}
FIELDSET = {
    "border": "1px solid #e3e6ea",
    "borderRadius": ".5rem",
    "padding": ".5rem .75rem .75rem",
    "margin": "0",
    "minWidth": "0",
}
CHOICE = {"display": "flex", "gap": ".5rem", "alignItems": "flex-start", "fontWeight": "400"}
BOX = {"width": "1.25rem", "height": "1.25rem", "flex": "none"}
SMALL_BUTTON = {"padding": ".35rem .7rem", "fontSize": ".95rem"}
BREAK = {"overflowWrap": "anywhere", "wordBreak": "break-word"}
UNAVAILABLE = {"field": None, "code": "UNAVAILABLE", "message": ""}


def calling(action: Callable[..., Awaitable[Any]], *args: Any) -> Callable[[Any], Awaitable[None]]:
    """An event handler that awaits `action(*args)`: ReactPy awaits only handlers that are
    coroutine functions themselves, not a coroutine a plain lambda returns."""

    async def handler(_: Any) -> None:
        await action(*args)

    return handler


def problem_of(language: str, form: str, problem: dict[str, Any]) -> str:
    """A refusal in the person's language: this screen's words for the form's field and
    code, or for the field and code, or for the code; else the shared wording."""
    field, code = problem.get("field") or "", problem["code"]
    for key in (f"acc_problem_{form}_{field}_{code}", f"acc_problem_{field}_{code}"):
        if field and key in TEXTS:
            return text(language, key)
    if f"acc_problem_{code}" in TEXTS:
        return text(language, f"acc_problem_{code}")
    return problem_text(language, code, problem.get("message", ""))


def problem_line(test_id: str, message: str) -> Any:
    """The refusal beside what caused it: `<test_id>-problem`, read out as it appears."""
    if not message:
        return ""
    return html.p(
        {
            "id": f"{test_id}-problem",
            "className": "error",
            "role": "alert",
            "style": {"margin": "0"},
            "data-testid": f"{test_id}-problem",
        },
        message,
    )


def tied(test_id: str, message: str) -> dict[str, Any]:
    """A control's attributes that tie it to its refusal, if it has one."""
    if not message:
        return {"aria-invalid": "false"}
    return {"aria-invalid": "true", "aria-describedby": f"{test_id}-problem"}


def field_problems(
    language: str, form: str, problem: dict[str, Any] | None, fields: tuple[str, ...]
) -> dict[str, str]:
    """The refusal's words by the field it goes beside; "" (the form's end) for the rest."""
    if problem is None:
        return {}
    field = problem.get("field") or ""
    return {field if field in fields else "": problem_of(language, form, problem)}


def notice(test_id: str, message: str) -> Any:
    if not message:
        return ""
    return html.p(
        {"role": "status", "aria-live": "polite", "className": "muted", "data-testid": test_id},
        message,
    )


def secret_panel(
    test_id: str, language: str, title: str, secret: str, warning: str, done: Callable[[Any], Any]
) -> Any:
    """A secret the API shows this once: in a read-only field to select or copy, with a
    warning, until the person says it is saved."""
    value_id, status_id = f"{test_id}-value", f"{test_id}-status"
    return html.section(
        {
            "className": "card stack",
            "data-testid": test_id,
            "style": {"border": "2px solid var(--secondary)"},
        },
        html.label(
            title,
            html.input(
                {
                    "id": value_id,
                    "type": "text",
                    "readOnly": True,
                    "value": secret,
                    "autoComplete": "off",
                    "spellCheck": False,
                    "aria-describedby": f"{test_id}-warning",
                    "data-testid": value_id,
                    "style": {"fontFamily": "monospace", "width": "100%", "userSelect": "all"},
                }
            ),
        ),
        html.p(
            {"id": f"{test_id}-warning", "style": {"fontWeight": "600", "margin": "0"}},
            warning,
        ),
        html.div(
            {"className": "actions"},
            html.button(
                {
                    "type": "button",
                    "className": "secondary",
                    "data-copy-from": value_id,
                    "data-copy-status": status_id,
                    "data-text-copied": text(language, "acc_copied"),
                    "data-text-failed": text(language, "acc_copy_failed"),
                    "data-testid": f"{test_id}-copy",
                },
                text(language, "acc_copy"),
            ),
            html.button(
                {"type": "button", "data-testid": f"{test_id}-done", "onClick": done},
                text(language, "acc_secret_done"),
            ),
        ),
        html.p({"id": status_id, "role": "status", "aria-live": "polite", "className": "muted"}),
        html.script({"src": COPY_SCRIPT}),
    )


def confirmation(
    test_id: str, question: str, yes: str, no: str, on_yes: Any, on_no: Any, busy: bool
) -> Any:
    """The step before something that cannot be undone: the question, then yes or no."""
    return html.div(
        {"className": "stack", "role": "group", "data-testid": f"{test_id}-confirmation"},
        html.p({"style": {"margin": "0", "fontWeight": "600"}}, question),
        html.div(
            {"className": "actions"},
            html.button(
                {
                    "type": "button",
                    "disabled": busy,
                    "style": SMALL_BUTTON | {"background": "#a4161a", "color": "#fff"},
                    "data-testid": f"{test_id}-confirm",
                    "onClick": on_yes,
                },
                yes,
            ),
            html.button(
                {
                    "type": "button",
                    "className": "secondary",
                    "style": SMALL_BUTTON,
                    "data-testid": f"{test_id}-cancel",
                    "onClick": on_no,
                },
                no,
            ),
        ),
    )


def checkbox(test_id: str, label: str, checked: bool, change: Callable[[bool], Any]) -> Any:
    return html.label(
        {"style": CHOICE, "key": test_id},
        html.input(
            {
                "type": "checkbox",
                "checked": checked,
                "style": BOX,
                "data-testid": test_id,
                "onChange": lambda e: change(bool(e["target"]["checked"])),
            }
        ),
        html.span({"style": BREAK}, label),
    )


def safe_id(value: str) -> str:
    """payment_orders:read -> payment_orders-read: a test ID without CSS's special signs."""
    return value.replace(":", "-").replace(".", "-")
