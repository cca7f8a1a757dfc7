"""The person's accounts (issue 8; being built)."""

from __future__ import annotations

from typing import Any

from reactpy import component, html


@component
def Accounts(scope: dict[str, Any], currency_code: str, language: str, query: str):  # type: ignore[no-untyped-def]
    return html.p({"aria-busy": "true"}, "…")
