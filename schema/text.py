"""Text the platform cannot keep: the NUL character (U+0000), which PostgreSQL's text types
refuse, and lone surrogates (U+D800 to U+DFFF, which JSON's `\\ud800` escapes can carry),
which no store can encode as UTF-8. A request holding either in any string (a variable, or
a literal) is refused before anything runs: a top-level error, code INVALID_INPUT, naming
where the text is. (The GraphQL parser already refuses lone surrogates in literals.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, Node, StringValueNode
from strawberry.extensions import SchemaExtension

NUL = "\x00"


def storable(text: str) -> bool:
    if NUL in text:
        return False
    try:
        text.encode()
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def _in_value(value: Any, path: str) -> Iterator[str]:
    """Where a variable's value holds text that cannot be kept: `input.name`, `ids[2]`."""
    if isinstance(value, str):
        if not storable(value):
            yield path
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _in_value(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _in_value(item, f"{path}.{key}")


def _in_literals(node: Any) -> Iterator[str]:
    """The document's string literals that cannot be kept (NUL written as `\\u0000`)."""
    if isinstance(node, StringValueNode):
        if not storable(node.value):
            yield "a string in the query"
    elif isinstance(node, Node):
        for key in node.keys:
            yield from _in_literals(getattr(node, key, None))
    elif isinstance(node, tuple | list):
        for item in node:
            yield from _in_literals(item)


class RefuseUnstorableText(SchemaExtension):
    """Refuses a request whose strings hold U+0000 or a lone surrogate, before it runs."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        variables = context.variables or {}
        found = [path for name, value in variables.items() for path in _in_value(value, name)]
        if context.graphql_document is not None:
            found.extend(_in_literals(context.graphql_document))
        if found:
            raise GraphQLError(
                "text must be Unicode without the NUL character (U+0000) or lone "
                f"surrogates: {found[0]}",
                extensions={"code": "INVALID_INPUT"},
            )
        yield
