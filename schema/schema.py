"""The root schema: it only assembles what each domain package declares."""

from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.types import Info

from schema.currencies.schema import CurrencyQueries


@strawberry.type
class Query(CurrencyQueries):
    @strawberry.field(description="Any object the viewer may see, by its ID; null otherwise.")
    async def node(self, info: Info, id: strawberry.ID) -> relay.Node | None:
        try:
            global_id = relay.GlobalID.from_id(id)
        except (ValueError, TypeError):  # not an ID this API ever gave out
            return None
        origin = getattr(info.schema.get_type_by_name(global_id.type_name), "origin", None)
        if not (isinstance(origin, type) and issubclass(origin, relay.Node)):
            return None
        return await global_id.resolve_node(info)


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(query=Query, types=[*_node_types()])


def _node_types() -> list[type]:
    from schema.currencies.types import Currency

    return [Currency]


def schema_sdl() -> str:
    return build_schema().as_str() + "\n"
