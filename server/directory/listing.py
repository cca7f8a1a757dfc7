"""The public map: shops whose KYC tier lets them appear, filtered, a page at a time.

Ordered by name (folded: case and accents aside), then account, with keyset cursors. The
filters the database can apply (search, category, bounding box, live offers) go into the
query; the tier and "open now" are decided here on each batch, so a page is filled by
reading on until it holds `first` shops or the shops run out.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from server import clock
from server.accounts.errors import AccountsError
from server.accounts.models import Account
from server.currencies.models import Currency
from server.directory import hours as opening
from server.directory.models import MerchantProfile, Offer
from server.directory.offers import live_on, offers_of_profiles
from server.directory.services import (
    CATEGORIES,
    Hours,
    fold,
    hours_of_profiles,
    local_today,
    profile_of,
    time_zone,
    to_micro_degrees,
)
from server.kyc import services as kyc

SEARCH_LENGTH_MAX = 100
CURSOR_LENGTH_MAX = 600
SCAN_BATCH_MIN = 50  # rows read at once while filling a page
ACCOUNT_ID_LIMIT = 2**31  # Account.id is a 32-bit integer column


@dataclass(frozen=True)
class BoundingBox:
    """A map's visible area in micro-degrees; `west` above `east` crosses the 180th
    meridian."""

    south_e6: int
    west_e6: int
    north_e6: int
    east_e6: int

    @classmethod
    def from_degrees(
        cls,
        south: Decimal | str,
        west: Decimal | str,
        north: Decimal | str,
        east: Decimal | str,
    ) -> BoundingBox:
        try:
            values = [to_micro_degrees(v) for v in (south, west, north, east)]
        except (ArithmeticError, InvalidOperation):
            raise AccountsError("INVALID_INPUT", "bbox", "not a valid area") from None
        south_e6, west_e6, north_e6, east_e6 = values
        latitudes_ok = all(-90_000_000 <= v <= 90_000_000 for v in (south_e6, north_e6))
        longitudes_ok = all(-180_000_000 <= v <= 180_000_000 for v in (west_e6, east_e6))
        if not (latitudes_ok and longitudes_ok):
            raise AccountsError(
                "INVALID_INPUT", "bbox", "latitudes -90 to 90, longitudes -180 to 180"
            )
        if south_e6 > north_e6:
            raise AccountsError("INVALID_INPUT", "bbox", "south must not be north of north")
        return cls(south_e6, west_e6, north_e6, east_e6)

    def query(self) -> Q:
        inside = Q(latitude_e6__gte=self.south_e6, latitude_e6__lte=self.north_e6)
        if self.west_e6 <= self.east_e6:
            return inside & Q(longitude_e6__gte=self.west_e6, longitude_e6__lte=self.east_e6)
        return inside & (Q(longitude_e6__gte=self.west_e6) | Q(longitude_e6__lte=self.east_e6))


@dataclass(frozen=True)
class MerchantFilter:
    """What the map asks for; a false `open_now` or `with_offers` filters nothing."""

    search: str | None = None
    category: str | None = None
    open_now: bool | None = None
    with_offers: bool | None = None
    bbox: BoundingBox | None = None


@dataclass
class MerchantEntry:
    """A shop as the directory shows it in one currency at one moment."""

    account: Account
    profile: MerchantProfile
    hours: Hours
    offers: list[Offer]  # live ones
    tz: ZoneInfo
    today: date
    now: datetime
    listed: bool  # whether the currency's map shows it
    _open: bool | None = field(default=None, repr=False)

    @property
    def open_now(self) -> bool:
        if self._open is None:
            self._open = opening.is_open(
                self.hours.weekly, self.hours.exceptions, self.now, self.tz
            )
        return self._open

    def next_change(self) -> datetime | None:
        return opening.next_change(self.hours.weekly, self.hours.exceptions, self.now, self.tz)

    @property
    def cursor(self) -> str:
        raw = json.dumps([self.profile.sort_name, self.account.id], ensure_ascii=False)
        return base64.urlsafe_b64encode(raw.encode()).decode()


def _after(cursor: str | None) -> tuple[str, int] | None:
    if cursor is None:
        return None
    try:
        if len(cursor) > CURSOR_LENGTH_MAX:
            raise ValueError
        name, account_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not (isinstance(name, str) and type(account_id) is int):
            raise ValueError
        if not 0 < account_id < ACCOUNT_ID_LIMIT:
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise AccountsError("INVALID_INPUT", "after", "not a cursor of this list") from None
    return name, account_id


def _query(filters: MerchantFilter, today: date) -> QuerySet[MerchantProfile]:
    query = MerchantProfile.all()
    if filters.category is not None:
        if filters.category not in CATEGORIES:
            raise AccountsError(
                "INVALID_INPUT", "category", f"choose one of {', '.join(CATEGORIES)}"
            )
        query = query.filter(category=filters.category)
    if filters.search is not None:
        if len(filters.search) > SEARCH_LENGTH_MAX:
            raise AccountsError(
                "INVALID_INPUT", "search", f"at most {SEARCH_LENGTH_MAX} characters"
            )
        words = fold(filters.search)
        if words:
            query = query.filter(search_text__contains=words)
    if filters.bbox is not None:
        query = query.filter(filters.bbox.query())
    if filters.with_offers:
        live = Offer.filter(live_on(today)).values("profile_id")
        query = query.filter(id__in=Subquery(live))
    return query


async def entries_of(
    profiles: list[MerchantProfile],
    currency: Currency,
    now: datetime,
    *,
    listed_only: bool = False,
) -> list[MerchantEntry]:
    """The profiles (with their accounts) as entries, with tier, hours and live offers
    read in a few queries for all of them; with `listed_only`, the map's ones only."""
    tz = time_zone(currency.timezone)
    today = local_today(tz, now)
    on_map = {tier.level for tier in await kyc.tiers_of(currency.id) if tier.on_map}
    keys = {profile.id: (profile.account_id, currency.id) for profile in profiles}  # type: ignore[attr-defined]
    levels = await kyc.effective_levels(keys.values())
    listed = {profile_id for profile_id, key in keys.items() if levels[key] in on_map}
    if listed_only:
        profiles = [profile for profile in profiles if profile.id in listed]
    ids = [profile.id for profile in profiles]
    # From yesterday: its overnight openings may still run.
    hours = await hours_of_profiles(ids, today - timedelta(days=1))
    offers = await offers_of_profiles(ids, live_on(today))
    return [
        MerchantEntry(
            account=profile.account,
            profile=profile,
            hours=hours[profile.id],
            offers=offers[profile.id],
            tz=tz,
            today=today,
            now=now,
            listed=profile.id in listed,
        )
        for profile in profiles
    ]


async def list_merchants(
    currency: Currency,
    first: int,
    after: str | None = None,
    filters: MerchantFilter | None = None,
    now: datetime | None = None,
) -> tuple[list[MerchantEntry], bool]:
    """A page of the shops on the currency's map, and whether more follow."""
    filters = filters or MerchantFilter()
    now = now or clock.now()
    key = _after(after)
    query = _query(filters, local_today(time_zone(currency.timezone), now))
    batch_size = max(first + 1, SCAN_BATCH_MIN)
    found: list[MerchantEntry] = []
    while True:
        batch_query = query
        if key is not None:
            name, account_id = key
            batch_query = query.filter(
                Q(sort_name__gt=name) | Q(sort_name=name, account_id__gt=account_id)
            )
        batch = (
            await batch_query.order_by("sort_name", "account_id")
            .limit(batch_size)
            .select_related("account")
        )
        for entry in await entries_of(batch, currency, now, listed_only=True):
            if filters.open_now and not entry.open_now:
                continue
            found.append(entry)
            if len(found) > first:
                return found[:first], True
        if len(batch) < batch_size:
            return found, False
        key = (batch[-1].sort_name, batch[-1].account_id)  # type: ignore[attr-defined]


async def merchant_entry(
    account_id: int, currency: Currency, now: datetime | None = None
) -> MerchantEntry | None:
    """One shop as the directory shows it, listed or not (for its owners' own view)."""
    profile = await profile_of(account_id)
    if profile is None:
        return None
    return (await entries_of([profile], currency, now or clock.now()))[0]
