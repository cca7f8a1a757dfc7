"""What every resolver receives as `info.context`, over HTTP, WebSocket or in-process."""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from server.runtime import Runtime


@dataclass
class Context:
    runtime: Runtime
    # The ASGI scope of the HTTP request or WebSocket the operation came through.
    scope: dict[str, Any]
    request: Any = None
    response: Any = None


def runtime_from_scope(scope: MutableMapping[str, Any]) -> Runtime:
    runtime = scope.get("rec.runtime")
    if runtime is None:  # the composition root always sets it; reaching here is a wiring bug
        raise RuntimeError("no runtime on the ASGI scope")
    return runtime
