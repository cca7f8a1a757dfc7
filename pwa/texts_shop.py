"""The shop screen's words (merged into pwa.texts, where a key may appear only once)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {}

PROBLEMS: dict[str, dict[str, str]] = {}
