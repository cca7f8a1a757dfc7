"""The merchant directory: shops, where they are, what they do, when they open."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tortoise.transactions import in_transaction

from server import clock
from server.accounts import audit
from server.accounts.errors import AccountsError
from server.accounts.models import Account, User
from server.accounts.services import create_business_account
from server.directory.hours import (
    DAYS_PER_WEEK,
    MINUTES_PER_DAY,
    DateException,
    Range,
    WeeklyRange,
    make_range,
    parse_time,
)
from server.directory.models import HoursException, MerchantProfile, OpeningRange

NAME_LENGTH_MAX = 120  # Account.name's
ADDRESS_LENGTH_MAX = 200  # MerchantProfile.address's
NEIGHBOURHOOD_LENGTH_MAX = 80  # MerchantProfile.neighbourhood's
DESCRIPTION_LENGTH_MAX = 1000
SORT_NAME_LENGTH_MAX = 255  # MerchantProfile.sort_name's
RANGES_MAX = 50  # weekly ranges and exceptions' ranges together, per shop
EXCEPTIONS_MAX = 100  # dated exceptions per shop
EXCEPTIONS_DAYS_AHEAD_MAX = 2 * 366
CATEGORIES = (
    "bakery",
    "bookshop",
    "cafe",
    "culture",
    "grocery",
    "health",
    "restaurant",
    "services",
    "shop",
    "other",
)

_MICRO = Decimal(1_000_000)


def to_micro_degrees(value: Decimal | str) -> int:
    return int((Decimal(value) * _MICRO).to_integral_value())


def from_micro_degrees(value: int) -> Decimal:
    return Decimal(value) / _MICRO


def fold(text: str) -> str:
    """Text as search compares it: lower case, accents and extra spaces gone ("Cafè  del
    Mar" -> "cafe del mar"), computed here so both databases compare the same strings."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def _index_fields(name: str, profile: MerchantProfile) -> dict[str, str]:
    """The folded copies of the account's name and the profile's text that the listing
    sorts and searches on; written with every change to any of them."""
    # One field per line: a search never matches across two fields.
    searched = (name, profile.address, profile.neighbourhood, profile.category)
    return {
        "sort_name": fold(name)[:SORT_NAME_LENGTH_MAX],
        "search_text": "\n".join(fold(text) for text in searched),
    }


def time_zone(name: str) -> ZoneInfo:
    """A currency's zone (Currency.timezone); one the system lacks is a setup error."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as problem:
        raise RuntimeError(f"unknown time zone {name!r}: fix the currency's theme") from problem


def local_today(tz: ZoneInfo, now: datetime | None = None) -> date:
    return (now or clock.now()).astimezone(tz).date()


# -- checks shared by creating and editing a profile ---------------------------------------


def _category(category: str) -> str:
    if category not in CATEGORIES:
        raise AccountsError("INVALID_INPUT", "category", f"choose one of {', '.join(CATEGORIES)}")
    return category


def _address(address: str) -> str:
    address = " ".join(address.split())
    if not 3 <= len(address) <= ADDRESS_LENGTH_MAX:
        raise AccountsError("INVALID_INPUT", "address", "use 3 to 200 characters")
    return address


def _neighbourhood(neighbourhood: str) -> str:
    neighbourhood = " ".join(neighbourhood.split())
    if len(neighbourhood) > NEIGHBOURHOOD_LENGTH_MAX:
        raise AccountsError(
            "INVALID_INPUT", "neighbourhood", f"use at most {NEIGHBOURHOOD_LENGTH_MAX} characters"
        )
    return neighbourhood


def _location(latitude: Decimal | str, longitude: Decimal | str) -> tuple[int, int]:
    try:
        latitude_e6, longitude_e6 = to_micro_degrees(latitude), to_micro_degrees(longitude)
    except ArithmeticError:
        raise AccountsError("INVALID_INPUT", "location", "not a valid position") from None
    if not (
        -90_000_000 <= latitude_e6 <= 90_000_000 and -180_000_000 <= longitude_e6 <= 180_000_000
    ):
        raise AccountsError("INVALID_INPUT", "location", "latitude or longitude out of range")
    return latitude_e6, longitude_e6


def _name(name: str) -> str:
    name = " ".join(name.split())
    if not 1 <= len(name) <= NAME_LENGTH_MAX:
        raise AccountsError("INVALID_INPUT", "name", "use 1 to 120 characters")
    return name


def _description(description: str) -> str:
    description = description.strip()
    if len(description) > DESCRIPTION_LENGTH_MAX:
        raise AccountsError(
            "INVALID_INPUT", "description", f"use at most {DESCRIPTION_LENGTH_MAX} characters"
        )
    return description


# -- profiles -------------------------------------------------------------------------------


async def create_merchant_profile(
    account: Account,
    *,
    category: str,
    address: str,
    neighbourhood: str,
    latitude: Decimal | str,
    longitude: Decimal | str,
    description: str = "",
) -> MerchantProfile:
    latitude_e6, longitude_e6 = to_micro_degrees(latitude), to_micro_degrees(longitude)
    if not (
        -90_000_000 <= latitude_e6 <= 90_000_000 and -180_000_000 <= longitude_e6 <= 180_000_000
    ):
        raise ValueError("coordinates out of range")
    profile = MerchantProfile(
        account=account,
        category=category,
        address=address,
        neighbourhood=neighbourhood,
        latitude_e6=latitude_e6,
        longitude_e6=longitude_e6,
        description=description,
    )
    profile.update_from_dict(_index_fields(account.name, profile))
    await profile.save()
    return profile


async def count_merchants() -> int:
    return await MerchantProfile.all().count()


async def register_business(
    owner: User,
    *,
    name: str,
    category: str,
    address: str,
    latitude: Decimal | str,
    longitude: Decimal | str,
    neighbourhood: str = "",
) -> Account:
    """A business account owned by `owner`, with its place on the map, or nothing at all."""
    category = _category(category)
    address = _address(address)
    neighbourhood = _neighbourhood(neighbourhood)
    _location(latitude, longitude)
    async with in_transaction():
        account = await create_business_account(owner, name)
        await create_merchant_profile(
            account,
            category=category,
            address=address,
            neighbourhood=neighbourhood,
            latitude=latitude,
            longitude=longitude,
        )
    return account


async def profile_of(account_id: int) -> MerchantProfile | None:
    """The account's directory profile, with its account, or None (not a shop)."""
    return await MerchantProfile.filter(account_id=account_id).select_related("account").first()


@dataclass(frozen=True)
class ProfileChanges:
    """What an owner asks to change; None leaves a field as it is."""

    name: str | None = None
    category: str | None = None
    address: str | None = None
    neighbourhood: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    description: str | None = None


def _profile_snapshot(account: Account, profile: MerchantProfile) -> dict[str, Any]:
    return {
        "name": account.name,
        "category": profile.category,
        "address": profile.address,
        "neighbourhood": profile.neighbourhood,
        "location": [
            str(from_micro_degrees(profile.latitude_e6)),
            str(from_micro_degrees(profile.longitude_e6)),
        ],
        "description": profile.description,
    }


async def update_profile(
    profile: MerchantProfile, changes: ProfileChanges, by: User
) -> MerchantProfile:
    """Changes what the map shows of a shop; audited, since a shop that moves or renames
    itself after its KYC review is something administrators want to see.

    Everything is checked before anything is written: a refusal changes nothing. The
    account's handle stays as it was, because people have it saved to pay the shop.
    """
    account: Account = profile.account
    values: dict[str, Any] = {}
    if changes.category is not None:
        values["category"] = _category(changes.category)
    if changes.address is not None:
        values["address"] = _address(changes.address)
    if changes.neighbourhood is not None:
        values["neighbourhood"] = _neighbourhood(changes.neighbourhood)
    if (changes.latitude is None) != (changes.longitude is None):
        raise AccountsError("INVALID_INPUT", "location", "give both latitude and longitude")
    if changes.latitude is not None and changes.longitude is not None:
        values["latitude_e6"], values["longitude_e6"] = _location(
            changes.latitude, changes.longitude
        )
    if changes.description is not None:
        values["description"] = _description(changes.description)
    name = _name(changes.name) if changes.name is not None else account.name
    before = _profile_snapshot(account, profile)
    async with in_transaction():
        if name != account.name:
            # The accounts domain has no rename operation yet; the name is the only
            # account field the directory edits.
            account.name = name
            await account.save(update_fields=["name"])
        profile.update_from_dict(values)
        profile.update_from_dict(_index_fields(account.name, profile))
        await profile.save()
        after = _profile_snapshot(account, profile)
        changed = sorted(key for key in after if after[key] != before[key])
        if changed:
            await audit.record(
                by,
                "merchant_profile.update",
                "account",
                account.id,
                before={key: before[key] for key in changed},
                after={key: after[key] for key in changed},
            )
    return profile


# -- opening hours --------------------------------------------------------------------------


@dataclass(frozen=True)
class WeeklyInput:
    day: int
    opens: str
    closes: str


@dataclass(frozen=True)
class ExceptionInput:
    on: date
    closed: bool = False
    ranges: Sequence[tuple[str, str]] = ()


def _range(opens: str, closes: str, field: str) -> Range:
    opens_minute = parse_time(opens)
    if opens_minute is None:
        raise AccountsError("INVALID_INPUT", f"{field}.opens", "a time as HH:MM, 00:00 to 23:59")
    closes_minute = parse_time(closes, closing=True)
    if closes_minute is None:
        raise AccountsError("INVALID_INPUT", f"{field}.closes", "a time as HH:MM, 00:00 to 24:00")
    found = make_range(opens_minute, closes_minute)  # a close at 00:00 is 24:00
    if found.closes == found.opens:
        raise AccountsError(
            "INVALID_INPUT",
            f"{field}.closes",
            "closes when it opens: for all day, open at 00:00 and close at 24:00",
        )
    return found


def _overlap(spans: Iterable[tuple[int, int, str]], cycle: int | None) -> str | None:
    """The field of a span that overlaps the one before it, on a line or on a circle of
    `cycle` minutes (the week: Sunday night runs into Monday)."""
    ordered = sorted(spans)
    for (_, end, _), (start, _, field) in zip(ordered, ordered[1:], strict=False):
        if start < end:
            return field
    if cycle and len(ordered) > 1 and ordered[-1][1] > ordered[0][0] + cycle:
        return ordered[0][2]
    return None


def _check_weekly(weekly: Sequence[WeeklyInput]) -> list[WeeklyRange]:
    week: list[WeeklyRange] = []
    for index, given in enumerate(weekly):
        field = f"weekly[{index}]"
        if not 0 <= given.day < DAYS_PER_WEEK:
            raise AccountsError("INVALID_INPUT", f"{field}.day", "0 (Monday) to 6 (Sunday)")
        found = _range(given.opens, given.closes, field)
        week.append(WeeklyRange(found.opens, found.closes, given.day))
    # On the week's circle of minutes, so that Sunday night may not run into Monday's.
    spans = [
        (r.day * MINUTES_PER_DAY + r.opens, r.day * MINUTES_PER_DAY + r.end_minute, f"weekly[{i}]")
        for i, r in enumerate(week)
    ]
    overlapping = _overlap(spans, DAYS_PER_WEEK * MINUTES_PER_DAY)
    if overlapping:
        raise AccountsError("INVALID_INPUT", overlapping, "overlaps another range")
    return week


def _check_exception(given: ExceptionInput, field: str, today: date) -> DateException:
    # Yesterday still counts: its overnight openings reach into today.
    last_day = today + timedelta(days=EXCEPTIONS_DAYS_AHEAD_MAX)
    if not today - timedelta(days=1) <= given.on <= last_day:
        raise AccountsError("INVALID_INPUT", f"{field}.date", "from yesterday to 2 years on")
    if given.closed == bool(given.ranges):
        raise AccountsError(
            "INVALID_INPUT", f"{field}.ranges", "either closed, or the ranges it opens"
        )
    ranges = [
        _range(opens, closes, f"{field}.ranges[{i}]")
        for i, (opens, closes) in enumerate(given.ranges)
    ]
    spans = [(r.opens, r.end_minute, f"{field}.ranges[{i}]") for i, r in enumerate(ranges)]
    overlapping = _overlap(spans, None)
    if overlapping:
        raise AccountsError("INVALID_INPUT", overlapping, "overlaps another range")
    return DateException(given.on, tuple(sorted(ranges, key=lambda r: r.opens)))


def check_hours(
    weekly: Sequence[WeeklyInput], exceptions: Sequence[ExceptionInput], today: date
) -> tuple[list[WeeklyRange], list[DateException]]:
    """The hours as stored, or the first thing wrong with them (AccountsError); `today` is
    the local date, for the window exceptions may fall in."""
    ranges_count = len(weekly) + sum(len(e.ranges) for e in exceptions)
    if ranges_count > RANGES_MAX:
        raise AccountsError("INVALID_INPUT", "weekly", f"at most {RANGES_MAX} ranges in all")
    if len(exceptions) > EXCEPTIONS_MAX:
        raise AccountsError("INVALID_INPUT", "exceptions", f"at most {EXCEPTIONS_MAX} dates")
    week = _check_weekly(weekly)
    dated: dict[date, DateException] = {}
    for index, given in enumerate(exceptions):
        if given.on in dated:
            raise AccountsError(
                "INVALID_INPUT", f"exceptions[{index}].date", "this date is given twice"
            )
        dated[given.on] = _check_exception(given, f"exceptions[{index}]", today)
    return week, [dated[day] for day in sorted(dated)]


async def set_opening_hours(
    profile: MerchantProfile,
    weekly: Sequence[WeeklyInput],
    exceptions: Sequence[ExceptionInput],
    today: date,
) -> None:
    """Replaces all of the shop's hours, or changes nothing when any part is wrong."""
    week, dated = check_hours(weekly, exceptions, today)
    async with in_transaction():
        await OpeningRange.filter(profile_id=profile.id).delete()
        await HoursException.filter(profile_id=profile.id).delete()
        await OpeningRange.bulk_create(
            [
                OpeningRange(
                    profile_id=profile.id, day=r.day, opens_minute=r.opens, closes_minute=r.closes
                )
                for r in week
            ]
        )
        await HoursException.bulk_create(
            [
                HoursException(
                    profile_id=profile.id,
                    on_date=e.on,
                    ranges=[[r.opens, r.closes] for r in e.ranges],
                )
                for e in dated
            ]
        )


@dataclass(frozen=True)
class Hours:
    weekly: tuple[WeeklyRange, ...] = ()
    exceptions: tuple[DateException, ...] = ()


async def hours_of_profiles(profile_ids: Iterable[int], since: date) -> dict[int, Hours]:
    """Each profile's weekly ranges (by day, then opening) and its exceptions from `since`
    on, in two queries."""
    ids = list(set(profile_ids))
    weekly: dict[int, list[WeeklyRange]] = {profile_id: [] for profile_id in ids}
    dated: dict[int, list[DateException]] = {profile_id: [] for profile_id in ids}
    if ids:
        for row in await OpeningRange.filter(profile_id__in=ids).order_by("day", "opens_minute"):
            weekly[row.profile_id].append(  # type: ignore[attr-defined]
                WeeklyRange(row.opens_minute, row.closes_minute, row.day)
            )
        for exception in await HoursException.filter(
            profile_id__in=ids, on_date__gte=since
        ).order_by("on_date"):
            ranges = tuple(Range(opens, closes) for opens, closes in exception.ranges)
            dated[exception.profile_id].append(  # type: ignore[attr-defined]
                DateException(exception.on_date, ranges)
            )
    return {pid: Hours(tuple(weekly[pid]), tuple(dated[pid])) for pid in ids}
