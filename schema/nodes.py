"""Resolving relay nodes from relational rows, showing each only to who may see it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
_ID_DIGITS_MAX = 18  # larger numbers are no row's id: refuse them before the database


def _number(node_id: str) -> int | None:
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
    digits = node_id.isascii() and node_id.isdigit()
    return int(node_id) if digits and len(node_id) <= _ID_DIGITS_MAX else None


class RowNode:
    """For node types that wrap a row: the global ID carries the row's id."""

    row: Any

    @classmethod
    def resolve_id(cls, root: Any, *, info: Any) -> str:
        return str(root.row.id)


RowsByIds = Callable[[list[int]], Awaitable[Sequence[Any]]]


def rows_by_ids(model: Any) -> RowsByIds:
    """Loads a model's rows by id in one query, None where there is none: for node types
    without a DataLoader (schema/loaders.py)."""

    async def load(ids: list[int]) -> list[Any]:
        rows = {row.id: row for row in await model.filter(id__in=ids)} if ids else {}
        return [rows.get(number) for number in ids]

    return load


async def visible_nodes(
    load: RowsByIds,
    node_ids: Iterable[str],
    may_see: Callable[[Any], bool],
    wrap: Callable[[Any], T],
) -> list[T | None]:
    """The nodes in the order asked, None where missing or not the viewer's to see.
    `load` answers rows for ids in their order: a DataLoader's load_many, or rows_by_ids."""
    numbers = [_number(node_id) for node_id in node_ids]
    rows = iter(await load([number for number in numbers if number is not None]))
    result: list[T | None] = []
    for number in numbers:
        row = next(rows) if number is not None else None
        result.append(wrap(row) if row is not None and may_see(row) else None)
    return result
