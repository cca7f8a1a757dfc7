"""Small drawing helpers every admin section uses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reactpy import html

from schema.operations import load_operations

# Every admin operation, by name, from admin_ui/operations/*.graphql (the persisted list).
OPERATIONS = load_operations(Path(__file__).parent / "operations")


def money(value: dict[str, str] | None) -> str:
    """`{amount, currency}` as the API gives it: "12.50 REC"."""
    return f"{value['amount']} {value['currency']}" if value else "—"


def when(iso: str | None) -> str:
    """An API timestamp to the minute, as "2026-11-28 09:15" (UTC as given)."""
    return iso[:16].replace("T", " ") if iso else "—"


def table(test_id: str, headings: list[str], rows: list[Any], empty: str = "None.") -> Any:
    if not rows:
        return html.p({"className": "muted", "data-testid": f"{test_id}-empty"}, empty)
    return html.table(
        {"className": "table", "data-testid": test_id},
        html.thead(html.tr(*[html.th({"key": str(i)}, h) for i, h in enumerate(headings)])),
        html.tbody(*rows),
    )


def problem(message: str, test_id: str = "problem") -> Any:
    """An error line, read out when it appears; nothing when there is no message."""
    if not message:
        return ""
    return html.p({"className": "error", "role": "alert", "data-testid": test_id}, message)


def first_error(answer: dict[str, Any]) -> str:
    """The first `errors` entry of a mutation payload as a sentence, or ""."""
    errors = answer.get("errors") or []
    return errors[0]["message"] if errors else ""
