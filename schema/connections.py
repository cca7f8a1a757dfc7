"""Relay connections: every list in the API is a page of `first` (1 to 100) after a cursor.

`Connection[Transaction]` is named `TransactionConnection` in the schema, its edges
`TransactionEdge`. Resolvers check `first` with `page_size`, ask the domain for a page
(the domain's page functions return the rows and whether more follow) and answer with
`page(...)`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import strawberry
from graphql import GraphQLError

from schema.permissions import THROUGH_PARENT, policy

N = TypeVar("N")
R = TypeVar("R")
PAGE_SIZE_MAX = 100


@policy(THROUGH_PARENT)
@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@policy(THROUGH_PARENT)
@strawberry.type
class Edge(Generic[N]):
    cursor: str
    node: N


@policy(THROUGH_PARENT)
@strawberry.type
class Connection(Generic[N]):
    edges: list[Edge[N]]
    page_info: PageInfo


def invalid_input(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "INVALID_INPUT"})


def page_size(first: int) -> int:
    """`first`, refused with INVALID_INPUT outside 1 to 100."""
    if not 1 <= first <= PAGE_SIZE_MAX:
        raise invalid_input(f"first must be 1 to {PAGE_SIZE_MAX}")
    return first


def int_cursor(after: str | None) -> int | None:
    """A cursor that is a row's integer key; refused with INVALID_INPUT when it is not one."""
    if after is None:
        return None
    if not after.isdigit() or len(after) > 18:
        raise invalid_input("after is not a cursor of this list")
    return int(after)


def empty() -> Connection:  # type: ignore[type-arg]
    return Connection(edges=[], page_info=PageInfo(has_next_page=False, end_cursor=None))


def page(
    rows: Sequence[R],
    more: bool,
    node: Callable[[R], N],
    cursor: Callable[[R], str] = lambda row: str(row.id),  # type: ignore[attr-defined]
) -> Connection[N]:
    """One page of rows as a connection; `more` tells whether rows follow it."""
    edges = [Edge(cursor=cursor(row), node=node(row)) for row in rows]
    end = edges[-1].cursor if edges else None
    return Connection(edges=edges, page_info=PageInfo(has_next_page=more, end_cursor=end))
