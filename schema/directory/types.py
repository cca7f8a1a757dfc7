"""The shop directory's types: a merchant as the map shows it, its hours and its offers."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

import strawberry
from strawberry import relay

from schema.accounts.types import ALL_ADMINS
from schema.permissions import PUBLIC, AccountRole, AnyOf, field, policy
from server.accounts.models import MemberRole
from server.directory.hours import format_time
from server.directory.listing import MerchantEntry
from server.directory.models import Offer as OfferRow
from server.directory.offers import offers_of_profiles, to_come
from server.directory.photos import photo_url
from server.directory.services import from_micro_degrees

# Who runs a shop's page on the map: its owners and managers, not its cashiers.
SHOP_MANAGERS = [MemberRole.OWNER, MemberRole.MANAGER]


@strawberry.enum(description="CLASSIC: a text. PERCENTAGE: percentOff off. FREE: an item free.")
class OfferKind(Enum):
    CLASSIC = "classic"
    PERCENTAGE = "percentage"
    FREE = "free"


@policy(PUBLIC)
@strawberry.type(description="A point on the map, in degrees (WGS 84).")
class Location:
    lat: float
    lng: float


@policy(PUBLIC)
@strawberry.type(description="A weekly opening. Times are HH:MM on the currency's clock.")
class OpeningRange:
    day: int = strawberry.field(description="0 Monday to 6 Sunday.")
    opens: str
    closes: str = strawberry.field(
        description="Before `opens`: runs past midnight into the next day. 24:00: midnight "
        "at the day's end."
    )


@policy(PUBLIC)
@strawberry.type(description="An opening on one date, read as OpeningRange's times are.")
class TimeRange:
    opens: str
    closes: str


@policy(PUBLIC)
@strawberry.type(description="A date whose openings replace the weekly ones.")
class HoursException:
    date: date
    closed: bool = strawberry.field(description="Closed all day: `ranges` is empty.")
    ranges: list[TimeRange]


@policy(PUBLIC)
@strawberry.type(description="A shop's offer: live from startsOn to endsOn, both included.")
class Offer:
    row: strawberry.Private[OfferRow]
    today: strawberry.Private[date]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(relay.to_base64("Offer", self.row.id))

    @strawberry.field
    def kind(self) -> OfferKind:
        return OfferKind(self.row.kind)

    @strawberry.field
    def title(self) -> str:
        return self.row.title

    @strawberry.field
    def description(self) -> str:
        return self.row.description

    @strawberry.field(description="For PERCENTAGE offers: 1 to 100; null otherwise.")
    def percent_off(self) -> int | None:
        return self.row.percent_off

    @strawberry.field
    def starts_on(self) -> date:
        return self.row.starts_on

    @strawberry.field(description="The last day; null: no end.")
    def ends_on(self) -> date | None:
        return self.row.ends_on

    @strawberry.field(description="Live today, in the currency's time zone.")
    def live(self) -> bool:
        ends_on = self.row.ends_on
        return self.row.starts_on <= self.today and (ends_on is None or self.today <= ends_on)


@policy(PUBLIC)
@strawberry.type(description="A shop on the map of one currency, as of this request.")
class Merchant:
    entry: strawberry.Private[MerchantEntry]

    @property
    def account_id(self) -> int:  # what source-based rules read
        return self.entry.account.id

    @strawberry.field(description="The business account's ID.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(relay.to_base64("Account", self.entry.account.id))

    @strawberry.field
    def name(self) -> str:
        return self.entry.account.name

    @strawberry.field(description="The short payment address people type or scan.")
    def handle(self) -> str:
        return self.entry.account.handle

    @strawberry.field
    def category(self) -> str:
        return self.entry.profile.category

    @strawberry.field
    def address(self) -> str:
        return self.entry.profile.address

    @strawberry.field
    def neighbourhood(self) -> str:
        return self.entry.profile.neighbourhood

    @strawberry.field
    def location(self) -> Location:
        profile = self.entry.profile
        # Coordinates are not money: micro-degrees become floats only at the edge.
        return Location(
            lat=float(from_micro_degrees(profile.latitude_e6)),
            lng=float(from_micro_degrees(profile.longitude_e6)),
        )

    @strawberry.field
    def description(self) -> str:
        return self.entry.profile.description

    @strawberry.field(
        description="Its photo (JPEG, PNG or WebP), a path on this server that never changes "
        "content: a new photo has a new address. Null: none."
    )
    def photo_url(self) -> str | None:
        return photo_url(self.entry.profile.photo)

    @strawberry.field(description="The time zone its hours are read in: the currency's.")
    def timezone(self) -> str:
        return self.entry.tz.key

    @strawberry.field(description="Whether its map of this currency shows it (KYC tier).")
    def listed(self) -> bool:
        return self.entry.listed

    @strawberry.field(description="Open at this moment, by its hours and exceptions.")
    def open_now(self) -> bool:
        return self.entry.open_now

    @strawberry.field(
        description="When openNow next changes, within the next two months; null when it "
        "does not within them."
    )
    def next_change(self) -> datetime | None:
        return self.entry.next_change()

    @strawberry.field(description="By day, then by opening time.")
    def opening_hours(self) -> list[OpeningRange]:
        return [
            OpeningRange(day=r.day, opens=format_time(r.opens), closes=format_time(r.closes))
            for r in self.entry.hours.weekly
        ]

    @strawberry.field(description="Exceptions from today on, by date.")
    def hours_exceptions(self) -> list[HoursException]:
        return [
            HoursException(
                date=e.on,
                closed=e.closed,
                ranges=[
                    TimeRange(opens=format_time(r.opens), closes=format_time(r.closes))
                    for r in e.ranges
                ],
            )
            for e in self.entry.hours.exceptions
            if e.on >= self.entry.today
        ]

    @strawberry.field(description="Offers live today, soonest started first.")
    def offers(self) -> list[Offer]:
        return [Offer(row=row, today=self.entry.today) for row in self.entry.offers]

    @field(
        rule=AnyOf(AccountRole(SHOP_MANAGERS, None), ALL_ADMINS),
        description="Offers live today or still to come, for the shop's owners and managers.",
    )
    async def all_offers(self) -> list[Offer]:
        profile_id = self.entry.profile.id
        rows = (await offers_of_profiles([profile_id], to_come(self.entry.today)))[profile_id]
        return [Offer(row=row, today=self.entry.today) for row in rows]
