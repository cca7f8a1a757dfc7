from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from schema.money import Money, to_money
from schema.permissions import PUBLIC, READ_ONLY_ADMIN_ROLES, Admin, field, policy
from server.currencies.models import Currency as CurrencyRow


@policy(PUBLIC)
@strawberry.type(description="Colours and images of a currency, from its branding folder.")
class Theme:
    primary_color: str
    on_primary_color: str
    secondary_color: str
    background_color: str
    surface_color: str
    text_color: str
    logo_url: str
    icon192_url: str
    icon512_url: str
    maskable_icon_url: str


@policy(PUBLIC)
@strawberry.type(description="A currency run on this platform, e.g. REC.")
class Currency(relay.Node):
    code: str
    name: str
    full_name: str
    symbol: str
    decimals: int = strawberry.field(description="Digits after the decimal point in amounts.")
    tagline: str
    default_language: str
    languages: list[str]
    timezone: str
    theme: Theme
    adjustment_approval_cents: strawberry.Private[int] = 10000

    @classmethod
    def resolve_id(cls, root: Currency, *, info: Any) -> str:
        return root.code

    @strawberry.field(description="The smallest card top-up (one unit is one euro).")
    def top_up_minimum(self, info: Info) -> Money:
        branding = info.context.runtime.brandings.get(self.code)
        units = branding.theme.topup_minimum if branding else 1
        return to_money(units * 10**self.decimals, self.code, self.decimals)

    @field(
        rule=Admin(READ_ONLY_ADMIN_ROLES),
        description="Adjustments above this amount wait for a second administrator.",
    )
    def adjustment_approval_threshold(self) -> Money:
        return to_money(self.adjustment_approval_cents, self.code, self.decimals)

    @classmethod
    def from_row(cls, row: CurrencyRow) -> Currency:
        colours, assets = row.theme["colours"], row.theme["assets"]
        base = f"/branding/{row.code.lower()}/"
        return cls(
            code=row.code,
            name=row.name,
            full_name=row.full_name,
            symbol=row.symbol,
            decimals=row.decimals,
            tagline=row.tagline,
            default_language=row.default_language,
            languages=list(row.languages),
            timezone=row.timezone,
            adjustment_approval_cents=row.adjustment_approval_cents,
            theme=Theme(
                primary_color=colours["primary"],
                on_primary_color=colours["on_primary"],
                secondary_color=colours["secondary"],
                background_color=colours["background"],
                surface_color=colours["surface"],
                text_color=colours["text"],
                logo_url=base + assets["logo"],
                icon192_url=base + assets["icon_192"],
                icon512_url=base + assets["icon_512"],
                maskable_icon_url=base + assets["icon_maskable"],
            ),
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[Currency | None]:
        node_ids = list(node_ids)
        rows = await info.context.loaders.currencies.load_many(node_ids)
        # A Currency's ID holds its code exactly as stored: "rec" is no currency's ID.
        return [
            cls.from_row(row) if row is not None and row.code == code else None
            for code, row in zip(node_ids, rows, strict=True)
        ]
