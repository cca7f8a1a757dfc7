"""Reports on a currency's journal over a period: payments between businesses (B2B), every
transaction, and issuance and redemption per day.

A period is whole calendar days in the currency's time zone, the first and the last both
included: `period_bounds` turns them into the instants the journal is matched on
(`created_at >= since` and `< until`). The figures are summed by the document store
(aggregation pipelines, or buckets summed ahead of time), never by loading the entries;
the shops' categories are read from the relational store (reports only read).

B2B: payments (kind PAYMENT) whose payer and payee are both business accounts, gross, by
the day they were paid; refunds (kind REFUND) between business accounts by the day they
were refunded, shown apart, so a refund in a later period changes that period, not this
one. They are read from the per-day pair buckets the sealer keeps (server/reports/stats.py)
plus the entries those do not count yet. `net` is payments minus refunds. A shop's category is its payee profile's category
("" when the business has no shop profile).

Issuance: money minted from the currency's issuer account, and burned into it. Card
top-ups are TOPUP entries minted for a payment provider's confirmation (no person made
them); cash issuance is TOPUP entries a treasurer made (issueFunds); redemptions are
REDEMPTION entries burned into the issuer (an approved cash-out). Anything else that
crosses the issuer (an adjustment, a bonus) is `other`. `net` is minted minus burned: the
change of the money in circulation.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bson import ObjectId
from bson.errors import InvalidId

from server.currencies.models import Currency
from server.directory.models import MerchantProfile
from server.ledger.models import EntryKind, JournalEntry
from server.reports import stats

PERIOD_DAYS_MAX = 366
PAGE_SIZE_MAX = 100


class ReportError(ValueError):
    """A period (or cursor) a report cannot cover; the message says why."""


def check_period(first_day: date, last_day: date) -> None:
    if last_day < first_day:
        raise ReportError("to must not be before from")
    if (last_day - first_day).days + 1 > PERIOD_DAYS_MAX:
        raise ReportError(f"a period is at most {PERIOD_DAYS_MAX} days")


def period_bounds(first_day: date, last_day: date, timezone: str) -> tuple[datetime, datetime]:
    """From the start of the first day (inclusive) to the start of the day after the last
    (exclusive), in the time zone; refused (ReportError) when the period cannot be one."""
    check_period(first_day, last_day)
    zone = ZoneInfo(timezone)
    start = datetime.combine(first_day, time(), tzinfo=zone)
    end = datetime.combine(last_day + timedelta(days=1), time(), tzinfo=zone)
    return start, end


@dataclass
class Pair:
    payer_id: int
    payee_id: int
    payments: int = 0
    amount_cents: int = 0
    refunds: int = 0
    refunded_cents: int = 0

    @property
    def net_cents(self) -> int:
        return self.amount_cents - self.refunded_cents


@dataclass
class Shop:
    account_id: int
    category: str
    payments_made: int = 0
    paid_cents: int = 0
    payments_received: int = 0
    received_cents: int = 0
    refunds_given_cents: int = 0  # money it returned to the businesses that paid it
    refunds_received_cents: int = 0  # money returned to it by the businesses it paid


@dataclass
class Category:
    category: str
    payments: int = 0
    amount_cents: int = 0
    refunded_cents: int = 0

    @property
    def net_cents(self) -> int:
        return self.amount_cents - self.refunded_cents


@dataclass
class B2bReport:
    pairs: list[Pair] = field(default_factory=list)
    shops: list[Shop] = field(default_factory=list)
    categories: list[Category] = field(default_factory=list)
    payments: int = 0
    amount_cents: int = 0
    refunds: int = 0
    refunded_cents: int = 0

    @property
    def net_cents(self) -> int:
        return self.amount_cents - self.refunded_cents


async def categories_of(account_ids: list[int]) -> dict[int, str]:
    """Each business's shop category; a business without a shop profile is left out."""
    if not account_ids:
        return {}
    rows = await MerchantProfile.filter(account_id__in=account_ids).values("account_id", "category")
    return {row["account_id"]: row["category"] for row in rows}


async def b2b_report(currency: Currency, first_day: date, last_day: date) -> B2bReport:
    """Payments and refunds between business accounts on the days from `first_day` to
    `last_day` (both included, in the currency's time zone). The pairs come summed per
    day by the dashboard's sealer (`stats.b2b_pairs`): a month reads a few hundred
    documents, not the month's journal."""
    check_period(first_day, last_day)
    report = B2bReport()
    pairs = await stats.b2b_pairs(currency, first_day, last_day)
    for (payer_id, payee_id), (count, cents, refunds, refunded_cents) in sorted(pairs.items()):
        report.pairs.append(Pair(payer_id, payee_id, count, cents, refunds, refunded_cents))
    involved = sorted({p.payer_id for p in report.pairs} | {p.payee_id for p in report.pairs})
    category = await categories_of(involved)
    shops = {account_id: Shop(account_id, category.get(account_id, "")) for account_id in involved}
    categories: dict[str, Category] = defaultdict(lambda: Category(""))
    for pair in report.pairs:
        payer, payee = shops[pair.payer_id], shops[pair.payee_id]
        payer.payments_made += pair.payments
        payer.paid_cents += pair.amount_cents
        payer.refunds_received_cents += pair.refunded_cents
        payee.payments_received += pair.payments
        payee.received_cents += pair.amount_cents
        payee.refunds_given_cents += pair.refunded_cents
        group = categories[payee.category]
        group.category = payee.category
        group.payments += pair.payments
        group.amount_cents += pair.amount_cents
        group.refunded_cents += pair.refunded_cents
        report.payments += pair.payments
        report.amount_cents += pair.amount_cents
        report.refunds += pair.refunds
        report.refunded_cents += pair.refunded_cents
    report.shops = list(shops.values())
    report.categories = sorted(categories.values(), key=lambda c: (-c.amount_cents, c.category))
    return report


# Transactions: every entry of the period, oldest first, page by page.


def _cursor(entry: JournalEntry) -> str:
    return f"{entry.created_at.isoformat()}|{entry.id}"


def _after(cursor: str) -> dict[str, Any]:
    moment_text, _, entry_id = cursor.partition("|")
    try:
        moment, object_id = datetime.fromisoformat(moment_text), ObjectId(entry_id)
    except (ValueError, InvalidId, TypeError):
        raise ReportError("after is not a cursor of this list") from None
    if moment.tzinfo is None:
        raise ReportError("after is not a cursor of this list")
    return {
        "$or": [
            {"created_at": {"$gt": moment}},
            {"created_at": moment, "_id": {"$gt": object_id}},
        ]
    }


async def entries_in(
    currency: str, since: datetime, until: datetime, first: int, after: str | None = None
) -> tuple[list[tuple[JournalEntry, str]], bool]:
    """A page of the currency's entries of the period, oldest first, each with its cursor,
    and whether more follow. Pages go by (created_at, _id), which the journal's
    (currency, created_at) index serves."""
    query: dict[str, Any] = {"currency": currency, "created_at": {"$gte": since, "$lt": until}}
    if after:
        query = {"$and": [query, _after(after)]}
    limit = max(1, min(first, PAGE_SIZE_MAX))
    rows = await JournalEntry.find(query).sort("+created_at", "+_id").limit(limit + 1).to_list()
    return [(row, _cursor(row)) for row in rows[:limit]], len(rows) > limit


# Issuance and redemption per day.


@dataclass
class IssuanceDay:
    day: date | None  # None: the period's totals
    card_top_ups: int = 0
    card_cents: int = 0
    cash_issues: int = 0
    cash_cents: int = 0
    redemptions: int = 0
    redeemed_cents: int = 0
    other_minted_cents: int = 0
    other_burned_cents: int = 0

    @property
    def minted_cents(self) -> int:
        return self.card_cents + self.cash_cents + self.other_minted_cents

    @property
    def burned_cents(self) -> int:
        return self.redeemed_cents + self.other_burned_cents

    @property
    def net_cents(self) -> int:
        return self.minted_cents - self.burned_cents

    def add(self, other: IssuanceDay) -> None:
        for name in (
            "card_top_ups",
            "card_cents",
            "cash_issues",
            "cash_cents",
            "redemptions",
            "redeemed_cents",
            "other_minted_cents",
            "other_burned_cents",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class IssuanceReport:
    days: list[IssuanceDay]
    total: IssuanceDay


async def issuance_report(
    currency: str, issuer_account_id: int, since: datetime, until: datetime, timezone: str
) -> IssuanceReport:
    """What was minted and burned each day of the period (days with neither are left out)."""
    pipeline: list[dict[str, Any]] = [
        {
            "$match": {
                "currency": currency,
                "created_at": {"$gte": since, "$lt": until},
                "$or": [
                    {"from_account_id": issuer_account_id},
                    {"to_account_id": issuer_account_id},
                ],
            }
        },
        {
            "$group": {
                "_id": {
                    "day": {
                        "$dateToString": {
                            "format": "%Y-%m-%d",
                            "date": "$created_at",
                            "timezone": timezone,
                        }
                    },
                    "kind": "$kind",
                    "minted": {"$eq": ["$from_account_id", issuer_account_id]},
                    "by_person": {"$gt": [{"$ifNull": ["$created_by_user_id", 0]}, 0]},
                },
                "count": {"$sum": 1},
                "cents": {"$sum": "$amount_cents"},
            }
        },
    ]
    days: dict[date, IssuanceDay] = {}
    found = await JournalEntry.get_pymongo_collection().aggregate(pipeline)
    async for row in found:
        key = row["_id"]
        day = date.fromisoformat(key["day"])
        figures = days.setdefault(day, IssuanceDay(day))
        count, cents = row["count"], row["cents"]
        if key["minted"] and key["kind"] == EntryKind.TOPUP.value:
            if key["by_person"]:
                figures.cash_issues += count
                figures.cash_cents += cents
            else:
                figures.card_top_ups += count
                figures.card_cents += cents
        elif key["minted"]:
            figures.other_minted_cents += cents
        elif key["kind"] == EntryKind.REDEMPTION.value:
            figures.redemptions += count
            figures.redeemed_cents += cents
        else:
            figures.other_burned_cents += cents
    total = IssuanceDay(None)
    ordered = [days[day] for day in sorted(days)]
    for figures in ordered:
        total.add(figures)
    return IssuanceReport(days=ordered, total=total)
