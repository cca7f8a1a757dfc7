"""Resolving relay nodes from relational rows, showing each only to who may see it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")
_ID_DIGITS_MAX = 18  # larger numbers are no row's id: refuse them before the database


def _number(node_id: str) -> int | None:
    return int(node_id) if node_id.isdigit() and len(node_id) <= _ID_DIGITS_MAX else None


class RowNode:
    """For node types that wrap a row: the global ID carries the row's id."""

    row: Any

    @classmethod
    def resolve_id(cls, root: Any, *, info: Any) -> str:
        return str(root.row.id)


async def visible_nodes(
    model: Any,
    node_ids: Iterable[str],
    may_see: Callable[[Any], bool],
    wrap: Callable[[Any], T],
) -> list[T | None]:
    """The nodes in the order asked, None where missing or not the viewer's to see."""
    node_ids = list(node_ids)
    numbers = [n for n in map(_number, node_ids) if n is not None]
    rows = {row.id: row for row in await model.filter(id__in=numbers)}
    result: list[T | None] = []
    for node_id in node_ids:
        number = _number(node_id)
        row = rows.get(number) if number is not None else None
        result.append(wrap(row) if row is not None and may_see(row) else None)
    return result
