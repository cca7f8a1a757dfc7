"""Administrators' reports over a period: b2bReport, issuanceReport and adminTransactions.

Every administrator may read them (support included). A period is `from` and `to`,
calendar days in the currency's time zone, both included, at most 366 days; a period that
cannot be one (to before from, too long) or an unknown currency is a top-level error with
`extensions.code` INVALID_INPUT. What each figure means: server/reports/b2b.py.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from schema.connections import Connection, Edge, PageInfo, invalid_input, page_size
from schema.ledger.types import Party, Transaction
from schema.money import Money, to_money
from schema.permissions import READ_ONLY_ADMIN_ROLES, THROUGH_PARENT, Admin, field, policy
from server.currencies.models import Currency
from server.currencies.services import get_currency
from server.reports import b2b

ALL_ADMINS = Admin(READ_ONLY_ADMIN_ROLES)  # support reads reports too
PERIOD = (
    "`from` and `to` are days in the currency's time zone, both included, at most "
    f"{b2b.PERIOD_DAYS_MAX} days apart."
)


async def _period(
    code: str, first_day: date, last_day: date
) -> tuple[Currency, datetime, datetime]:
    currency = await get_currency(code.upper()[:10])
    if currency is None:
        raise invalid_input(f"no currency {code[:10]!r}")
    try:
        since, until = b2b.period_bounds(first_day, last_day, currency.timezone)
    except b2b.ReportError as problem:
        raise invalid_input(str(problem)) from None
    return currency, since, until


async def _party(info: Info, account_id: int) -> Party:
    account = await info.context.loaders.accounts.load(account_id)
    return Party(name=account.name, handle=account.handle) if account else Party(name="", handle="")


@policy(THROUGH_PARENT)
@strawberry.type(description="Payments from one business to another in the period.")
class B2bPair:
    payer: Party
    payee: Party
    payments: int
    amount: Money = strawberry.field(description="Paid, gross.")
    refunds: int
    refunded: Money = strawberry.field(description="Refunded in the period (payee to payer).")
    net: Money


@policy(THROUGH_PARENT)
@strawberry.type(description="One business's payments to and from other businesses.")
class B2bShop:
    account: Party
    category: str = strawberry.field(description='Its shop category; "" without a shop.')
    payments_made: int
    paid: Money
    payments_received: int
    received: Money
    refunds_given: Money = strawberry.field(description="What it returned to businesses.")
    refunds_received: Money = strawberry.field(description="What businesses returned to it.")


@policy(THROUGH_PARENT)
@strawberry.type(description="Payments between businesses by the payee's shop category.")
class B2bCategory:
    category: str
    payments: int
    amount: Money
    refunded: Money
    net: Money


@policy(THROUGH_PARENT)
@strawberry.type(
    description="Payments between business accounts in a period: gross payments by the "
    "day paid, refunds by the day refunded, and net (payments minus refunds)."
)
class B2bReport:
    currency: str
    from_: date = strawberry.field(name="from")
    to: date
    pairs: list[B2bPair]
    shops: list[B2bShop]
    categories: list[B2bCategory]
    payments: int
    total: Money
    refunds: int
    refunded: Money
    net: Money


@policy(THROUGH_PARENT)
@strawberry.type(description="Money minted and burned on one day (or the whole period).")
class IssuanceFigures:
    day: date | None = strawberry.field(description="Null on the period's totals.")
    card_top_ups: int
    card_top_up_amount: Money
    cash_issues: int = strawberry.field(description="issueFunds by treasurers.")
    cash_issue_amount: Money
    redemptions: int = strawberry.field(description="Cash-outs approved (burned).")
    redeemed_amount: Money
    other_minted: Money = strawberry.field(description="Adjustments, bonuses from the issuer.")
    other_burned: Money
    minted: Money
    burned: Money
    net: Money = strawberry.field(description="Minted minus burned: the change in circulation.")


@policy(THROUGH_PARENT)
@strawberry.type(description="Issuance and redemption per day in a period.")
class IssuanceReport:
    currency: str
    from_: date = strawberry.field(name="from")
    to: date
    days: list[IssuanceFigures] = strawberry.field(description="Days with movements only.")
    total: IssuanceFigures


def _figures(row: b2b.IssuanceDay, code: str, decimals: int) -> IssuanceFigures:
    def money(cents: int) -> Money:
        return to_money(cents, code, decimals)

    return IssuanceFigures(
        day=row.day,
        card_top_ups=row.card_top_ups,
        card_top_up_amount=money(row.card_cents),
        cash_issues=row.cash_issues,
        cash_issue_amount=money(row.cash_cents),
        redemptions=row.redemptions,
        redeemed_amount=money(row.redeemed_cents),
        other_minted=money(row.other_minted_cents),
        other_burned=money(row.other_burned_cents),
        minted=money(row.minted_cents),
        burned=money(row.burned_cents),
        net=money(row.net_cents),
    )


@strawberry.type
class AdminReportQueries:
    @field(rule=ALL_ADMINS, description="Payments between business accounts. " + PERIOD)
    async def b2b_report(
        self,
        info: Info,
        currency: str,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
    ) -> B2bReport:
        row, _, _ = await _period(currency, from_, to)
        found = await b2b.b2b_report(row, from_, to)
        # The names of every shop in one query; each _party below is then a cache hit.
        await info.context.loaders.accounts.load_many([shop.account_id for shop in found.shops])

        def money(cents: int) -> Money:
            return to_money(cents, row.code, row.decimals)

        pairs = [
            B2bPair(
                payer=await _party(info, pair.payer_id),
                payee=await _party(info, pair.payee_id),
                payments=pair.payments,
                amount=money(pair.amount_cents),
                refunds=pair.refunds,
                refunded=money(pair.refunded_cents),
                net=money(pair.net_cents),
            )
            for pair in found.pairs
        ]
        pairs.sort(key=lambda p: (p.payer.name.lower(), p.payee.name.lower()))
        shops = [
            B2bShop(
                account=await _party(info, shop.account_id),
                category=shop.category,
                payments_made=shop.payments_made,
                paid=money(shop.paid_cents),
                payments_received=shop.payments_received,
                received=money(shop.received_cents),
                refunds_given=money(shop.refunds_given_cents),
                refunds_received=money(shop.refunds_received_cents),
            )
            for shop in found.shops
        ]
        shops.sort(key=lambda s: s.account.name.lower())
        return B2bReport(
            currency=row.code,
            from_=from_,
            to=to,
            pairs=pairs,
            shops=shops,
            categories=[
                B2bCategory(
                    category=group.category,
                    payments=group.payments,
                    amount=money(group.amount_cents),
                    refunded=money(group.refunded_cents),
                    net=money(group.net_cents),
                )
                for group in found.categories
            ],
            payments=found.payments,
            total=money(found.amount_cents),
            refunds=found.refunds,
            refunded=money(found.refunded_cents),
            net=money(found.net_cents),
        )

    @field(
        rule=ALL_ADMINS,
        description="Card top-ups, cash issuance and redemptions per day. " + PERIOD,
    )
    async def issuance_report(
        self,
        currency: str,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
    ) -> IssuanceReport:
        row, since, until = await _period(currency, from_, to)
        found = await b2b.issuance_report(
            row.code,
            row.issuer_account_id,  # type: ignore[attr-defined]
            since,
            until,
            row.timezone,
        )
        return IssuanceReport(
            currency=row.code,
            from_=from_,
            to=to,
            days=[_figures(day, row.code, row.decimals) for day in found.days],
            total=_figures(found.total, row.code, row.decimals),
        )

    @field(
        rule=ALL_ADMINS,
        description="Every transaction of the currency in the period, oldest first; "
        "`first` is 1 to 100. " + PERIOD,
    )
    async def admin_transactions(
        self,
        currency: str,
        first: int,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
        after: str | None = None,
    ) -> Connection[Transaction]:
        size = page_size(first)
        row, since, until = await _period(currency, from_, to)
        if after is not None and len(after) > 100:
            raise invalid_input("after is not a cursor of this list")
        try:
            rows, more = await b2b.entries_in(row.code, since, until, size, after)
        except b2b.ReportError as problem:
            raise invalid_input(str(problem)) from None
        edges = [
            Edge(cursor=cursor, node=Transaction(row=entry, decimals=row.decimals))
            for entry, cursor in rows
        ]
        return Connection(
            edges=edges,
            page_info=PageInfo(has_next_page=more, end_cursor=edges[-1].cursor if edges else None),
        )
