"""Waiting for something another process does (a job that runs every second, a server
noticing a disconnect), without sleeping longer than needed."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def until(check: Callable[[], Any], what: str, timeout_s: float = 20) -> Any:
    """Calls `check` every 50 ms until it returns something true, and returns that."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"waited {timeout_s} s for {what}")
