"""What one request may ask: depth, aliases, tokens, list lengths, mutations, cost, and how
often. Each refusal is a top-level error with a code, and nothing runs.

Cost: every field costs 1, and a field with `first: N` costs 1 plus N times its selection
(a page of 100 transactions with ten fields each costs about 1,200). The cost of what ran
is reported in `extensions.cost`.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
)
from graphql.language import Lexer, Source, TokenKind
from strawberry.extensions import SchemaExtension

from server.rate_limit import RateLimiter

DEPTH_MAX = 12
ALIASES_MAX = 30
TOKENS_MAX = 5000
LIST_LENGTH_MAX = 100
MUTATIONS_MAX = 4
COST_MAX = 10_000


@dataclass
class _Measure:
    depth: int = 0
    aliases: int = 0
    cost: int = 0


def refusal(code: str, message: str, **extra: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **extra})


def _operation(document: Any, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name:
        return next((o for o in operations if o.name and o.name.value == name), None)
    return operations[0] if len(operations) == 1 else None


def _first(field: FieldNode, variables: dict[str, Any]) -> int:
    for argument in field.arguments or ():
        if argument.name.value != "first":
            continue
        value = argument.value
        if isinstance(value, IntValueNode):
            return max(1, int(value.value))
        if isinstance(value, VariableNode):
            given = variables.get(value.name.value)
            return max(1, given) if isinstance(given, int) else 1
    return 1


def _measure(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
    depth: int,
    measure: _Measure,
    seen: frozenset[str] = frozenset(),
) -> int:
    """The cost of a selection; records depth and aliases on the way."""
    if selection_set is None:
        return 0
    cost = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value.startswith("__"):
                continue  # introspection is neither deep nor costly
            if selection.alias is not None:
                measure.aliases += 1
            measure.depth = max(measure.depth, depth + 1)
            inner = _measure(
                selection.selection_set, fragments, variables, depth + 1, measure, seen
            )
            cost += 1 + _first(selection, variables) * inner
        elif isinstance(selection, InlineFragmentNode):
            cost += _measure(selection.selection_set, fragments, variables, depth, measure, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in seen or name not in fragments:
                continue  # a cycle or an unknown fragment: validation reports it
            fragment = fragments[name]
            cost += _measure(
                fragment.selection_set, fragments, variables, depth, measure, seen | {name}
            )
    return cost


def _lists(value: Any) -> Iterator[int]:
    """The lengths of every list in a variable's value, nested ones included."""
    if isinstance(value, list):
        yield len(value)
        for item in value:
            yield from _lists(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _lists(item)


def _literal_lists(node: Any) -> Iterator[int]:
    if isinstance(node, ListValueNode):
        yield len(node.values)
        for value in node.values:
            yield from _literal_lists(value)
    elif isinstance(node, ObjectValueNode):
        for object_field in node.fields:
            yield from _literal_lists(object_field.value)


def _argument_lists(selection_set: SelectionSetNode | None) -> Iterator[int]:
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            for argument in selection.arguments or ():
                yield from _literal_lists(argument.value)
        yield from _argument_lists(getattr(selection, "selection_set", None))


def _tokens(query: str) -> int:
    """How many tokens the query has, counting no further than one past the limit."""
    lexer, count = Lexer(Source(query)), 0
    try:
        while lexer.advance().kind != TokenKind.EOF and count <= TOKENS_MAX:
            count += 1
    except GraphQLError:
        pass  # a syntax error: the parser reports it
    return count


def _caller(context: Any) -> str:
    principal = context.principal
    if principal.api_key is not None:
        return f"key:{principal.api_key.id}"
    if principal.user is not None:
        return f"user:{principal.user.id}"
    client = context.scope.get("client") or ("unknown", 0)
    return f"address:{client[0]}"


class RequestLimits(SchemaExtension):
    """Refuses what is too big or too frequent before anything runs."""

    def __init__(self, *, execution_context: Any = None) -> None:
        self.cost = 0

    def on_parse(self) -> Iterator[None]:
        query = self.execution_context.query or ""
        if (
            len(query) > TOKENS_MAX and _tokens(query) > TOKENS_MAX
        ):  # a token is a character or more
            raise refusal("QUERY_TOO_COMPLEX", f"more than {TOKENS_MAX} tokens")
        self.execution_context.parse_options["max_tokens"] = TOKENS_MAX
        yield

    async def on_execute(self) -> AsyncIterator[None]:
        # Every way a request runs enters this hook asynchronously (HTTP, WebSocket and SSE
        # subscriptions, the UIs' in-process operations): the rate limit asks the store.
        if self._check():
            await self._take_turn()
        yield

    def _check(self) -> bool:
        """Refuses what is too big; True when the request is one operation to count."""
        context = self.execution_context
        document = context.graphql_document
        if document is None:
            return False
        operation = _operation(document, context.operation_name)
        if operation is None:
            return False
        variables = context.variables or {}
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        measure = _Measure()
        cost = _measure(operation.selection_set, fragments, variables, 0, measure)
        if measure.depth > DEPTH_MAX:
            raise refusal(
                "QUERY_TOO_COMPLEX",
                f"the query is {measure.depth} levels deep; at most {DEPTH_MAX}",
            )
        if measure.aliases > ALIASES_MAX:
            raise refusal("QUERY_TOO_COMPLEX", f"{measure.aliases} aliases; at most {ALIASES_MAX}")
        if cost > COST_MAX:
            raise refusal(
                "QUERY_TOO_COMPLEX",
                f"the query costs {cost}; at most {COST_MAX} (ask for smaller pages)",
                cost=cost,
                costMax=COST_MAX,
            )
        longest = max([0, *_lists(variables), *_argument_lists(operation.selection_set)], default=0)
        if longest > LIST_LENGTH_MAX:
            raise refusal("INPUT_TOO_LONG", f"a list of {longest} items; at most {LIST_LENGTH_MAX}")
        if operation.operation == OperationType.MUTATION:
            fields = len(operation.selection_set.selections)
            if fields > MUTATIONS_MAX:
                raise refusal(
                    "TOO_MANY_MUTATIONS",
                    f"{fields} mutations in one request; at most {MUTATIONS_MAX}",
                )
        self.cost = cost
        return True

    async def _take_turn(self) -> None:
        context = self.execution_context.context
        limiter: RateLimiter | None = getattr(
            getattr(context, "runtime", None), "rate_limiter", None
        )
        if limiter is None:
            return
        wait_s = await limiter.take(_caller(context))  # shared by every app process
        if wait_s > 0:
            raise refusal(
                "RATE_LIMITED",
                f"too many requests: try again in {math.ceil(wait_s)} s",
                retryAfter=math.ceil(wait_s),
            )

    def get_results(self) -> dict[str, Any]:
        return {"cost": self.cost} if self.cost else {}
