"""The root schema: it only assembles what each domain package declares."""

from __future__ import annotations

import strawberry
from strawberry import relay

from schema.currencies.schema import CurrencyQueries


@strawberry.type
class Query(CurrencyQueries):
    node: relay.Node | None = relay.node(description="Any object the viewer may see, by its ID.")


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(query=Query)


def schema_sdl() -> str:
    return build_schema().as_str() + "\n"
