"""A business account's till (issue 8; being built)."""

from __future__ import annotations

from typing import Any

from reactpy import component, html


@component
def Till(scope: dict[str, Any], currency_code: str, language: str, page: str, query: str):  # type: ignore[no-untyped-def]
    return html.p({"aria-busy": "true"}, "…")
