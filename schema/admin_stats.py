"""The administrators' dashboard: `adminDashboard` once, `adminStats` live.

The subscription answers at once, then again whenever the currency's journal changes
(a payment committed, sealed or counted) or the minute turns, and the figures differ from
the last answer; it looks at most every 500 ms, so a burst of payments makes one answer.
Before each new answer it asks again who the subscriber is: the stream ends once their
session has ended, their roles are gone, or their roles no longer apply to the currency.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from schema.accounts.types import Account
from schema.events import recheck
from schema.money import Money, to_money
from schema.permissions import THROUGH_PARENT, Admin, field, policy, subscription
from server import clock
from server.accounts.models import AdminRole
from server.accounts.services import accounts_by_ids
from server.currencies.models import Currency
from server.currencies.services import get_currency
from server.reports import stats

LOOK_EVERY_S = 0.5  # at most two answers a second per subscriber; bursts coalesce
READERS = list(AdminRole)  # support included: the figures change nothing


@policy(THROUGH_PARENT)
@strawberry.type(description="Payments in one minute or one day.")
class StatPoint:
    start: datetime = strawberry.field(description="The minute (UTC) or local midnight.")
    payments: int
    volume: Money


@policy(THROUGH_PARENT)
@strawberry.type(description="A shop among those that received the most.")
class ShopStat:
    account: Account
    payments: int
    volume: Money


@policy(THROUGH_PARENT)
@strawberry.type(description="Payments to shops of one neighbourhood.")
class NeighbourhoodStat:
    name: str = strawberry.field(description="As the shops' directory profiles say; empty: none.")
    payments: int
    volume: Money


@policy(THROUGH_PARENT)
@strawberry.type(description="A currency's figures for administrators, as of `generatedAt`.")
class AdminStats:
    currency: str
    generated_at: datetime
    per_minute: list[StatPoint] = strawberry.field(
        description="Payments in each of the last 60 minutes, oldest first."
    )
    per_day: list[StatPoint] = strawberry.field(
        description="Payments on each of the last 30 days (the currency's time zone), today last."
    )
    active_wallets: int = strawberry.field(
        description="Wallets with an entry in those 30 days (the issuer's not counted)."
    )
    total_wallets: int = strawberry.field(description="All wallets but the issuer's.")
    supply: Money = strawberry.field(
        description="In circulation: the sum of all non-issuer balances (minted less burned)."
    )
    top_shops: list[ShopStat] = strawberry.field(
        description="The 10 business accounts that received the most in those 30 days."
    )
    neighbourhoods: list[NeighbourhoodStat] = strawberry.field(
        description="Payments to shops in those 30 days, by the shop's neighbourhood."
    )


async def _currency(code: str) -> Currency:
    row = await get_currency(code.upper()[:10])
    if row is None:
        raise GraphQLError("no such currency", extensions={"code": "INVALID_INPUT"})
    return row


async def _public(figures: stats.Figures, currency: Currency) -> AdminStats:
    def money(cents: int) -> Money:
        return to_money(cents, currency.code, currency.decimals)

    def points(rows: list[stats.Point]) -> list[StatPoint]:
        return [
            StatPoint(start=p.start, payments=p.payments, volume=money(p.volume_cents))
            for p in rows
        ]

    accounts = await accounts_by_ids(shop.account_id for shop in figures.top_shops)
    return AdminStats(
        currency=figures.currency,
        generated_at=figures.generated_at,
        per_minute=points(figures.per_minute),
        per_day=points(figures.per_day),
        active_wallets=figures.active_wallets,
        total_wallets=figures.total_wallets,
        supply=money(figures.supply_cents),
        top_shops=[
            ShopStat(
                account=Account(row=accounts[shop.account_id]),
                payments=shop.payments,
                volume=money(shop.volume_cents),
            )
            for shop in figures.top_shops
            if shop.account_id in accounts
        ],
        neighbourhoods=[
            NeighbourhoodStat(
                name=area.name, payments=area.payments, volume=money(area.volume_cents)
            )
            for area in figures.neighbourhoods
        ],
    )


@strawberry.type
class AdminStatsQueries:
    @field(
        rule=Admin(READERS),
        description="A currency's figures now: payments per minute and per day, wallets, "
        "supply, top shops, neighbourhoods. `adminStats` sends the same, live.",
    )
    async def admin_dashboard(self, currency: str) -> AdminStats:
        row = await _currency(currency)
        return await _public(await stats.figures(row), row)


@strawberry.type
class AdminStatsSubscriptions:
    @subscription(
        rule=Admin(READERS),
        description="A currency's figures (as `adminDashboard`): at once, then whenever "
        "they change, at most every 500 ms.",
    )
    async def admin_stats(self, info: Info, currency: str) -> AsyncGenerator[AdminStats, None]:
        context = info.context
        row = await _currency(currency)
        if context.on_listening is not None:
            await context.on_listening()
        last: stats.Figures | None = None
        seen: tuple[object, ...] | None = None
        while True:
            now = clock.now()
            # The journal's state and the minute: the figures can only change with them.
            looked = (*await stats.version(row.code), now.replace(second=0, microsecond=0))
            if looked != seen:
                seen = looked
                figures = await stats.figures(row, now)
                if not figures.same_as(last):
                    if last is not None:  # the session may have ended, or the role gone
                        principal = await recheck(context)
                        if not (principal.admin_roles and principal.manages_currency(row.code)):
                            return
                    last = figures
                    yield await _public(figures, row)
            await asyncio.sleep(LOOK_EVERY_S)
