from __future__ import annotations

import strawberry
from strawberry.types import Info

from schema.currencies.types import Currency
from schema.permissions import Anyone, field
from server.currencies import services


@strawberry.type
class CurrencyQueries:
    @field(rule=Anyone(), description="Every currency on this platform; public.")
    async def currencies(self) -> list[Currency]:
        return [Currency.from_row(row) for row in await services.list_currencies()]

    @field(rule=Anyone(), description="One currency by its code (e.g. REC); public.")
    async def currency(self, info: Info, code: str) -> Currency | None:
        row = await info.context.loaders.currencies.load(code)
        return Currency.from_row(row) if row else None
