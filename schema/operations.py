"""Named `.graphql` operations of the official apps, run in-process.

The wallet and the admin panel keep each operation in a `.graphql` file. Each is
registered by the SHA-256 of its text, which doubles as the allow-list of persisted
queries. Running one here goes through the very schema integrators use.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, MutableMapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from schema.context import build_context, runtime_from_scope


class OperationError(RuntimeError):
    """An in-process operation returned GraphQL errors."""


@dataclass(frozen=True)
class Operation:
    name: str
    document: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.document.encode()).hexdigest()


@cache
def load_operations(folder: Path) -> dict[str, Operation]:
    """Every operation in folder/*.graphql, by operation name; names must be unique. A file
    may hold fragments beside its operations: each operation is run with its whole file."""
    found: dict[str, Operation] = {}
    for path in sorted(folder.glob("*.graphql")):
        text = path.read_text(encoding="utf-8")
        for definition in parse(text).definitions:
            if isinstance(definition, FragmentDefinitionNode):
                continue
            if not isinstance(definition, OperationDefinitionNode) or not definition.name:
                raise ValueError(f"{path.name}: every operation must be named")
            name = definition.name.value
            if name in found:
                raise ValueError(f"{path.name}: operation {name} is defined twice")
            found[name] = Operation(name=name, document=text)
    return found


async def execute(
    scope: MutableMapping[str, Any],
    operation: Operation,
    variables: dict[str, Any] | None = None,
    response: Any = None,
    bearer: str | None = None,
) -> dict[str, Any]:
    """Runs a named operation for the connection whose ASGI scope is given.

    `response` (a Starlette Response) receives the cookies a mutation sets, for HTTP
    form handlers such as the admin panel's sign-in. `bearer` runs it as the holder of
    that token instead of the connection's cookie.
    """
    runtime = runtime_from_scope(scope)
    result = await runtime.schema.execute(
        operation.document,
        variable_values=variables or {},
        operation_name=operation.name,
        context_value=await build_context(runtime, scope, response=response, bearer=bearer),
    )
    if result.errors:
        raise OperationError("; ".join(error.message for error in result.errors))
    return result.data or {}


async def subscribe(
    scope: MutableMapping[str, Any],
    operation: Operation,
    variables: dict[str, Any] | None = None,
) -> AsyncIterator[dict[str, Any]]:
    """Each result of a named subscription for this connection, as it comes; the same
    subscription integrators open over WebSocket, permissions re-checked per event."""
    runtime = runtime_from_scope(scope)
    results = await runtime.schema.subscribe(
        operation.document,
        variable_values=variables or {},
        operation_name=operation.name,
        context_value=await build_context(runtime, scope),
    )
    if not hasattr(results, "__aiter__"):  # refused before it started
        raise OperationError("; ".join(e.message for e in results.errors or []))
    try:
        async for result in results:
            if result.errors:
                raise OperationError("; ".join(error.message for error in result.errors))
            yield result.data or {}
    finally:
        await results.aclose()
