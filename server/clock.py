"""The one clock: timezone-aware UTC, so every stored time compares with every other."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
