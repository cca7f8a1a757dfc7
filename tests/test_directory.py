"""The shop directory on both relational engines: hours at their edges, offers that end by
themselves, and the map's listing (KYC gating, filters, pages)."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from server.accounts import services as accounts
from server.accounts.errors import AccountsError
from server.accounts.models import Account, AuditEntry, User
from server.currencies.models import Currency
from server.directory import offers, services
from server.directory.hours import (
    DateException,
    WeeklyRange,
    instant_of,
    is_open,
    make_range,
    next_change,
    parse_time,
)
from server.directory.listing import (
    BoundingBox,
    MerchantEntry,
    MerchantFilter,
    list_merchants,
    merchant_entry,
)
from server.directory.models import HoursException, MerchantProfile, Offer, OpeningRange
from server.directory.services import ExceptionInput, WeeklyInput
from server.kyc import services as kyc
from server.settings import Settings

MADRID = ZoneInfo("Europe/Madrid")
# A Monday at noon in Barcelona (10:00 UTC, summer time).
NOW = datetime(2030, 6, 3, 10, 0, tzinfo=UTC)
TODAY = date(2030, 6, 3)
MONDAY, TUESDAY, FRIDAY, SATURDAY, SUNDAY = 0, 1, 4, 5, 6


def weekly(day: int, opens: str, closes: str) -> WeeklyRange:
    opening = make_range(parse_time(opens) or 0, parse_time(closes, closing=True) or 0)
    return WeeklyRange(opening.opens, opening.closes, day)


def closed_on(day: date) -> DateException:
    return DateException(day)


def special(day: date, *ranges: tuple[str, str]) -> DateException:
    return DateException(
        day,
        tuple(make_range(parse_time(o) or 0, parse_time(c, closing=True) or 0) for o, c in ranges),
    )


def local(day: date, hh: int, mm: int = 0, fold: int = 0) -> datetime:
    """A wall-clock time in Madrid as a moment (UTC)."""
    return datetime(day.year, day.month, day.day, hh, mm, fold=fold, tzinfo=MADRID).astimezone(UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


# -- hours: the pure functions ------------------------------------------------------------


def test_a_range_is_open_from_its_opening_and_closed_at_its_close() -> None:
    hours = [weekly(MONDAY, "09:00", "14:00")]
    assert not is_open(hours, [], local(TODAY, 8, 59), MADRID)
    assert is_open(hours, [], local(TODAY, 9, 0), MADRID)
    assert is_open(hours, [], local(TODAY, 13, 59), MADRID)
    assert not is_open(hours, [], local(TODAY, 14, 0), MADRID)
    assert not is_open(hours, [], local(TODAY + timedelta(days=1), 10), MADRID)  # Tuesday


def test_several_ranges_a_day_leave_the_gap_between_them_closed() -> None:
    hours = [weekly(MONDAY, "09:00", "14:00"), weekly(MONDAY, "17:00", "20:30")]
    assert not is_open(hours, [], local(TODAY, 15), MADRID)
    assert is_open(hours, [], local(TODAY, 20, 29), MADRID)
    assert next_change(hours, [], local(TODAY, 15), MADRID) == local(TODAY, 17)
    assert next_change(hours, [], local(TODAY, 10), MADRID) == local(TODAY, 14)


def test_a_close_before_the_open_runs_past_midnight_into_the_next_day() -> None:
    friday = date(2030, 6, 7)
    hours = [weekly(FRIDAY, "20:00", "02:00")]
    assert not is_open(hours, [], local(friday, 19, 59), MADRID)
    assert is_open(hours, [], local(friday, 23, 59), MADRID)
    assert is_open(hours, [], local(friday + timedelta(days=1), 1, 59), MADRID)
    assert not is_open(hours, [], local(friday + timedelta(days=1), 2, 0), MADRID)
    assert next_change(hours, [], local(friday, 21), MADRID) == local(friday + timedelta(days=1), 2)


def test_closing_at_midnight_ends_the_day_and_touching_ranges_are_one_opening() -> None:
    monday_only = [weekly(MONDAY, "18:00", "00:00")]
    assert is_open(monday_only, [], local(TODAY, 23, 59), MADRID)
    assert not is_open(monday_only, [], local(TODAY + timedelta(days=1), 0, 0), MADRID)
    through = [weekly(MONDAY, "18:00", "24:00"), weekly(TUESDAY, "00:00", "01:00")]
    tuesday = TODAY + timedelta(days=1)
    assert is_open(through, [], local(tuesday, 0, 0), MADRID)
    # No change at the seam: the shop closes at 01:00.
    assert next_change(through, [], local(TODAY, 23, 30), MADRID) == local(tuesday, 1)


def test_sunday_night_runs_into_monday_morning() -> None:
    sunday = date(2030, 6, 9)
    hours = [weekly(SUNDAY, "22:00", "03:00")]
    assert is_open(hours, [], local(sunday + timedelta(days=1), 2, 30), MADRID)
    assert not is_open(hours, [], local(sunday + timedelta(days=1), 3, 0), MADRID)
    assert not is_open(hours, [], local(sunday, 21, 59), MADRID)


def test_open_all_week_never_changes_within_the_horizon() -> None:
    hours = [weekly(day, "00:00", "24:00") for day in range(7)]
    assert is_open(hours, [], NOW, MADRID)
    assert next_change(hours, [], NOW, MADRID) is None
    assert next_change([], [], NOW, MADRID) is None
    assert not is_open([], [], NOW, MADRID)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError):
        is_open([], [], datetime(2030, 6, 3, 12), MADRID)


# Madrid: on 2025-03-30 the clocks jump from 02:00 to 03:00 (01:00 UTC), and on 2025-10-26
# they fall back from 03:00 to 02:00 (01:00 UTC).
SPRING = date(2025, 3, 30)
AUTUMN = date(2025, 10, 26)


def test_on_the_spring_night_a_range_over_the_jump_lasts_an_hour_less() -> None:
    hours = [weekly(SUNDAY, "01:00", "04:00")]
    assert not is_open(hours, [], utc(2025, 3, 29, 23, 59), MADRID)  # 00:59 CET
    assert is_open(hours, [], utc(2025, 3, 30, 0, 0), MADRID)  # 01:00 CET
    assert is_open(hours, [], utc(2025, 3, 30, 1, 0), MADRID)  # 03:00 CEST
    assert not is_open(hours, [], utc(2025, 3, 30, 2, 0), MADRID)  # 04:00 CEST
    assert next_change(hours, [], utc(2025, 3, 30, 0, 30), MADRID) == utc(2025, 3, 30, 2, 0)


def test_a_time_the_spring_jump_skips_is_the_moment_of_the_jump() -> None:
    assert instant_of(SPRING, 2 * 60 + 30, MADRID) == utc(2025, 3, 30, 1, 0)
    opening_in_gap = [weekly(SUNDAY, "02:30", "06:00")]
    assert not is_open(opening_in_gap, [], utc(2025, 3, 30, 0, 59, 59), MADRID)
    assert is_open(opening_in_gap, [], utc(2025, 3, 30, 1, 0), MADRID)
    assert next_change(opening_in_gap, [], utc(2025, 3, 30, 0, 0), MADRID) == utc(2025, 3, 30, 1, 0)
    # Wholly inside the skipped hour: it never opens that night, and next_change skips it.
    skipped = [weekly(SUNDAY, "02:10", "02:50")]
    assert not is_open(skipped, [], utc(2025, 3, 30, 1, 0), MADRID)
    assert next_change(skipped, [], utc(2025, 3, 30, 0, 0), MADRID) == local(
        SPRING + timedelta(days=7), 2, 10
    )


def test_on_the_autumn_night_a_close_the_clock_shows_twice_is_its_first_showing() -> None:
    saturday = AUTUMN - timedelta(days=1)
    bar = [weekly(SATURDAY, "20:00", "02:30")]
    assert is_open(bar, [], utc(2025, 10, 26, 0, 29), MADRID)  # 02:29 CEST
    assert not is_open(bar, [], utc(2025, 10, 26, 0, 30), MADRID)  # 02:30 CEST
    assert not is_open(bar, [], utc(2025, 10, 26, 1, 15), MADRID)  # 02:15 CET, again
    assert next_change(bar, [], local(saturday, 21), MADRID) == utc(2025, 10, 26, 0, 30)


def test_on_the_autumn_night_a_whole_day_lasts_twenty_five_hours() -> None:
    sunday_only = [weekly(SUNDAY, "00:00", "24:00")]
    opens = next_change(sunday_only, [], utc(2025, 10, 25, 12), MADRID)
    assert opens == utc(2025, 10, 25, 22, 0)  # midnight CEST
    closes = next_change(sunday_only, [], utc(2025, 10, 26, 12), MADRID)
    assert closes == utc(2025, 10, 26, 23, 0)  # midnight CET
    assert closes - opens == timedelta(hours=25)


def test_an_exception_closes_a_day_but_not_the_night_begun_before_it() -> None:
    friday, saturday = date(2030, 6, 7), date(2030, 6, 8)
    hours = [weekly(FRIDAY, "20:00", "02:00"), weekly(SATURDAY, "10:00", "14:00")]
    holiday = [closed_on(saturday)]
    assert is_open(hours, holiday, local(saturday, 1), MADRID)  # Friday's night
    assert not is_open(hours, holiday, local(saturday, 11), MADRID)
    assert is_open(hours, [], local(saturday, 11), MADRID)
    # Closed from Friday night's end until the next Friday evening.
    assert next_change(hours, holiday, local(saturday, 3), MADRID) == local(
        friday + timedelta(days=7), 20
    )


def test_an_exception_with_special_ranges_replaces_the_days_weekly_ranges() -> None:
    hours = [weekly(MONDAY, "09:00", "14:00")]
    late = [special(TODAY, ("16:00", "01:00"))]
    assert not is_open(hours, late, local(TODAY, 10), MADRID)
    assert is_open(hours, late, local(TODAY, 16), MADRID)
    assert is_open(hours, late, local(TODAY + timedelta(days=1), 0, 30), MADRID)
    assert next_change(hours, late, local(TODAY, 10), MADRID) == local(TODAY, 16)
    # An exception also opens a day the week leaves closed.
    tuesday = TODAY + timedelta(days=1)
    assert is_open(hours, [special(tuesday, ("10:00", "11:00"))], local(tuesday, 10), MADRID)


def test_next_change_looks_past_a_long_closure_up_to_its_horizon() -> None:
    hours = [weekly(day, "09:00", "14:00") for day in range(7)]
    closure = [closed_on(TODAY + timedelta(days=n)) for n in range(30)]
    assert next_change(hours, closure, local(TODAY, 15), MADRID) == local(
        TODAY + timedelta(days=30), 9
    )
    assert next_change(hours, closure, local(TODAY, 15), MADRID, horizon_days=20) is None


# -- hours: what owners may give ----------------------------------------------------------


@pytest.mark.parametrize(
    ("weekly_given", "field", "message"),
    [
        ([WeeklyInput(7, "09:00", "14:00")], "weekly[0].day", "0 (Monday) to 6 (Sunday)"),
        ([WeeklyInput(0, "9:00", "14:00")], "weekly[0].opens", "a time as HH:MM, 00:00 to 23:59"),
        ([WeeklyInput(0, "24:00", "14:00")], "weekly[0].opens", "a time as HH:MM, 00:00 to 23:59"),
        ([WeeklyInput(0, "09:00", "24:01")], "weekly[0].closes", "a time as HH:MM, 00:00 to 24:00"),
        (
            [WeeklyInput(0, "09:00", "09:00")],
            "weekly[0].closes",
            "closes when it opens: for all day, open at 00:00 and close at 24:00",
        ),
        (
            [WeeklyInput(0, "09:00", "14:00"), WeeklyInput(0, "13:00", "20:00")],
            "weekly[1]",
            "overlaps another range",
        ),
        (
            [WeeklyInput(0, "20:00", "03:00"), WeeklyInput(1, "02:00", "10:00")],
            "weekly[1]",
            "overlaps another range",
        ),
        (
            [WeeklyInput(6, "22:00", "03:00"), WeeklyInput(0, "01:00", "10:00")],
            "weekly[1]",
            "overlaps another range",
        ),
        ([WeeklyInput(0, "09:00", "10:00")] * 51, "weekly", "at most 50 ranges in all"),
    ],
)
def test_bad_weekly_hours_are_refused_with_the_field(
    weekly_given: list[WeeklyInput], field: str, message: str
) -> None:
    with pytest.raises(AccountsError) as refused:
        services.check_hours(weekly_given, [], TODAY)
    assert (refused.value.code, refused.value.field, refused.value.message) == (
        "INVALID_INPUT",
        field,
        message,
    )


@pytest.mark.parametrize(
    ("exceptions", "field"),
    [
        ([ExceptionInput(TODAY, closed=True, ranges=[("09:00", "10:00")])], "exceptions[0].ranges"),
        ([ExceptionInput(TODAY)], "exceptions[0].ranges"),
        ([ExceptionInput(TODAY, True), ExceptionInput(TODAY, True)], "exceptions[1].date"),
        ([ExceptionInput(TODAY - timedelta(days=2), True)], "exceptions[0].date"),
        ([ExceptionInput(TODAY + timedelta(days=800), True)], "exceptions[0].date"),
        (
            [ExceptionInput(TODAY, ranges=[("09:00", "12:00"), ("11:00", "13:00")])],
            "exceptions[0].ranges[1]",
        ),
        ([ExceptionInput(TODAY, ranges=[("09:00", "25:00")])], "exceptions[0].ranges[0].closes"),
    ],
)
def test_bad_exceptions_are_refused_with_the_field(
    exceptions: list[ExceptionInput], field: str
) -> None:
    with pytest.raises(AccountsError) as refused:
        services.check_hours([], exceptions, TODAY)
    assert (refused.value.code, refused.value.field) == ("INVALID_INPUT", field)


def test_a_range_may_end_where_the_next_begins_and_close_at_00_00() -> None:
    week, dated = services.check_hours(
        [
            WeeklyInput(0, "09:00", "14:00"),
            WeeklyInput(0, "14:00", "00:00"),
            WeeklyInput(1, "00:00", "24:00"),
            WeeklyInput(2, "00:00", "00:00"),
        ],
        [ExceptionInput(TODAY - timedelta(days=1), closed=True)],
        TODAY,
    )
    assert [(r.day, r.opens, r.closes) for r in week] == [
        (0, 540, 840),
        (0, 840, 1440),
        (1, 0, 1440),  # all day
        (2, 0, 1440),
    ]
    assert dated == [DateException(TODAY - timedelta(days=1))]


# -- the stores ---------------------------------------------------------------------------


async def _rec() -> Currency:
    return await Currency.get(code="REC")


async def _owner(email: str = "owner@example.org") -> User:
    found = await accounts.find_user_by_email(email)
    return found or await accounts.create_user(email, "a long enough passphrase", "Owner")


async def _officer() -> User:
    email = "officer@example.org"
    found = await accounts.find_user_by_email(email)
    return found or await accounts.create_user(email, "a long enough passphrase", "Officer")


async def _shop(
    name: str,
    *,
    tier: int | None = 2,
    category: str = "shop",
    address: str = "Carrer de Verdi, 30",
    neighbourhood: str = "Gràcia",
    latitude: str = "41.403600",
    longitude: str = "2.157000",
) -> Account:
    """A business on the map (KYC2 by an officer), or off it with tier None."""
    account = await services.register_business(
        await _owner(),
        name=name,
        category=category,
        address=address,
        neighbourhood=neighbourhood,
        latitude=latitude,
        longitude=longitude,
    )
    if tier is not None:
        currency = await _rec()
        await kyc.set_account_level(account, currency.id, tier, await _officer(), "test")
    return account


async def _profile(account: Account) -> MerchantProfile:
    profile = await services.profile_of(account.id)
    assert profile is not None
    return profile


async def _names(
    filters: MerchantFilter | None = None, now: datetime = NOW, first: int = 100
) -> list[str]:
    entries, _ = await list_merchants(await _rec(), first, None, filters, now)
    return [entry.account.name for entry in entries]


async def _all_pages(first: int, filters: MerchantFilter | None = None) -> list[list[str]]:
    pages: list[list[str]] = []
    after: str | None = None
    while True:
        entries, more = await list_merchants(await _rec(), first, after, filters, NOW)
        pages.append([entry.account.name for entry in entries])
        if not more:
            return pages
        assert entries and len(pages) < 100
        after = entries[-1].cursor


async def test_only_shops_whose_tier_allows_the_map_are_listed(stores: Settings) -> None:
    await _shop("Listed Bakery")
    await _shop("Unchecked Bakery", tier=None)
    await _shop("Checked Once Bakery", tier=1)
    assert await _names() == ["Listed Bakery"]
    # A tier whose rules change to allow the map brings its shops with it.
    currency = await _rec()
    tier_one = next(t for t in await kyc.tiers_of(currency.id) if t.level == 1)
    await kyc.update_tier(tier_one, await _officer(), "test", {"on_map": True})
    assert await _names() == ["Checked Once Bakery", "Listed Bakery"]


async def test_pages_follow_folded_names_without_duplicates_or_gaps(stores: Settings) -> None:
    names = ["Bar Pinotxo", "àvila", "Avila", "Zeta", "cafè Central", "Cafe Blau", "Ölm"]
    for number, name in enumerate(names):
        await _shop(name)
        await _shop(f"Hidden {number}", tier=None)  # read and skipped while pages fill
    pages = await _all_pages(2)
    assert [len(p) for p in pages] == [2, 2, 2, 1]
    flat = [name for page in pages for name in page]
    assert sorted(flat) == sorted(names) and len(set(flat)) == len(names)
    assert flat[:2] in (["àvila", "Avila"], ["Avila", "àvila"])  # same folded name: by id
    assert flat[2:] == ["Bar Pinotxo", "Cafe Blau", "cafè Central", "Ölm", "Zeta"]
    assert await _all_pages(100) == [flat]


async def test_a_cursor_that_is_not_one_is_refused(stores: Settings) -> None:
    huge = base64.urlsafe_b64encode(b'["a", 100000000000000000000]').decode()
    for cursor in ("nope", "W10=", "x" * 700, "WyJhIiwgImIiXQ==", huge):
        with pytest.raises(AccountsError) as refused:
            await list_merchants(await _rec(), 10, cursor)
        assert (refused.value.code, refused.value.field) == ("INVALID_INPUT", "after")


async def test_search_ignores_case_and_accents_across_name_address_and_more(
    stores: Settings,
) -> None:
    await _shop("Forn de Pa", category="bakery", address="Carrer del Comte Borrell, 52")
    await _shop("Llibreria 100% Raval", category="bookshop", neighbourhood="El Raval")
    await _shop("CAFÈ DEL MAR", category="cafe", neighbourhood="Poblenou")

    async def found(text: str) -> list[str]:
        return await _names(MerchantFilter(search=text))

    assert await found("cafe del") == ["CAFÈ DEL MAR"]
    assert await found("  Café   DEL ") == ["CAFÈ DEL MAR"]
    assert await found("BORRELL") == ["Forn de Pa"]  # address
    assert await found("raval") == ["Llibreria 100% Raval"]  # name and neighbourhood
    assert await found("poblenou") == ["CAFÈ DEL MAR"]  # neighbourhood
    assert await found("bakery") == ["Forn de Pa"]  # category
    assert await found("100%") == ["Llibreria 100% Raval"]
    assert await found("%") == ["Llibreria 100% Raval"]  # a literal percent sign
    assert await found("_") == []
    assert await found("mar gràcia") == []  # no match across two fields
    assert len(await found("   ")) == 3
    with pytest.raises(AccountsError):
        await found("x" * 101)


async def test_category_filter_takes_only_known_categories(stores: Settings) -> None:
    await _shop("Forn", category="bakery")
    await _shop("Llibres", category="bookshop")
    assert await _names(MerchantFilter(category="bakery")) == ["Forn"]
    with pytest.raises(AccountsError) as refused:
        await _names(MerchantFilter(category="casino"))
    assert refused.value.field == "category"


async def test_a_bounding_box_keeps_the_shops_inside_it(stores: Settings) -> None:
    await _shop("Gràcia", latitude="41.403600", longitude="2.157000")
    await _shop("Sant Andreu", latitude="41.435270", longitude="2.189590")
    await _shop("Fiji", latitude="-17.713400", longitude="178.065000")
    await _shop("Samoa", latitude="-13.759000", longitude="-172.104600")

    async def inside(*edges: str) -> list[str]:
        return await _names(MerchantFilter(bbox=BoundingBox.from_degrees(*edges)))

    assert await inside("41.39", "2.15", "41.41", "2.16") == ["Gràcia"]
    assert await inside("41.4036", "2.157", "41.4036", "2.157") == ["Gràcia"]  # edges count
    assert await inside("41", "2", "42", "3") == ["Gràcia", "Sant Andreu"]
    # West beyond east: the box crosses the 180th meridian.
    assert await inside("-20", "170", "-10", "-170") == ["Fiji", "Samoa"]
    for edges in [("42", "2", "41", "3"), ("-91", "0", "0", "1"), ("0", "0", "1", "180.5")]:
        with pytest.raises(AccountsError) as refused:
            BoundingBox.from_degrees(*edges)
        assert refused.value.field == "bbox"


async def test_open_now_uses_the_hours_and_exceptions_at_that_moment(stores: Settings) -> None:
    mornings = await _shop("Mornings")
    evenings = await _shop("Evenings")
    await _shop("No Hours")
    every_day = [WeeklyInput(day, "09:00", "14:00") for day in range(7)]
    await services.set_opening_hours(await _profile(mornings), every_day, [], TODAY)
    await services.set_opening_hours(
        await _profile(evenings),
        [WeeklyInput(day, "18:00", "02:00") for day in range(7)],
        [ExceptionInput(TODAY, ranges=[("11:00", "13:00")])],
        TODAY,
    )
    open_now = MerchantFilter(open_now=True)
    assert await _names(open_now) == ["Evenings", "Mornings"]  # noon, and Monday's exception
    assert await _names(open_now, local(TODAY, 13, 30)) == ["Mornings"]
    assert await _names(open_now, local(TODAY, 23)) == []  # the exception replaced 18:00
    assert await _names(open_now, local(TODAY + timedelta(days=1), 19)) == ["Evenings"]
    assert await _names(MerchantFilter(open_now=False)) == ["Evenings", "Mornings", "No Hours"]


async def test_setting_hours_replaces_them_all_or_changes_nothing(stores: Settings) -> None:
    profile = await _profile(await _shop("Forn"))
    await services.set_opening_hours(
        profile,
        [WeeklyInput(0, "09:00", "14:00"), WeeklyInput(1, "09:00", "14:00")],
        [ExceptionInput(TODAY, closed=True)],
        TODAY,
    )
    with pytest.raises(AccountsError):
        await services.set_opening_hours(
            profile, [WeeklyInput(2, "10:00", "11:00"), WeeklyInput(9, "x", "y")], [], TODAY
        )
    assert await OpeningRange.filter(profile_id=profile.id).count() == 2
    assert await HoursException.filter(profile_id=profile.id).count() == 1
    await services.set_opening_hours(profile, [WeeklyInput(4, "20:00", "02:00")], [], TODAY)
    entry = await merchant_entry(profile.account.id, await _rec(), NOW)
    assert entry is not None
    assert [(r.day, r.opens, r.closes) for r in entry.hours.weekly] == [(4, 1200, 120)]
    assert entry.hours.exceptions == ()


def _offer(kind: str = "classic", **changes: object) -> offers.OfferInput:
    values: dict[str, object] = {"kind": kind, "title": "Coffee and croissant", "starts_on": TODAY}
    values.update(changes)
    return offers.OfferInput(**values)  # type: ignore[arg-type]


async def test_offers_are_live_from_their_first_to_their_last_day_by_themselves(
    stores: Settings,
) -> None:
    profile = await _profile(await _shop("Forn"))
    await _shop("No Offers")
    week = await offers.add_offer(
        profile, _offer(title="A week", ends_on=TODAY + timedelta(days=6)), TODAY
    )
    later = await offers.add_offer(
        profile,
        _offer("percentage", title="Later", percent_off=15, starts_on=TODAY + timedelta(days=3)),
        TODAY,
    )

    async def live_at(moment: datetime) -> list[str]:
        entry = await merchant_entry(profile.account.id, await _rec(), moment)
        assert entry is not None
        return [offer.title for offer in entry.offers]

    assert await live_at(NOW) == [week.title]
    assert await live_at(NOW + timedelta(days=3)) == [week.title, later.title]
    assert await live_at(NOW + timedelta(days=6)) == [week.title, later.title]  # last day
    assert await live_at(NOW + timedelta(days=7)) == [later.title]  # ended, untouched
    # The last day ends at midnight in Madrid (22:00 UTC in summer), not in UTC.
    last_evening = local(TODAY + timedelta(days=6), 23, 30)
    assert last_evening.date() == TODAY + timedelta(days=6)
    assert await live_at(last_evening + timedelta(hours=1)) == [later.title]
    with_offers = MerchantFilter(with_offers=True)
    assert await _names(with_offers) == ["Forn"]
    assert await _names(with_offers, NOW - timedelta(days=1)) == []
    assert await _names(MerchantFilter(with_offers=False)) == ["Forn", "No Offers"]


@pytest.mark.parametrize(
    ("given", "field"),
    [
        (_offer("lottery"), "kind"),
        (_offer(title="   "), "title"),
        (_offer(title="x" * 81), "title"),
        (_offer(description="x" * 501), "description"),
        (_offer("percentage"), "percentOff"),
        (_offer("percentage", percent_off=0), "percentOff"),
        (_offer("percentage", percent_off=101), "percentOff"),
        (_offer("free", percent_off=10), "percentOff"),
        (_offer(ends_on=TODAY - timedelta(days=1), starts_on=TODAY - timedelta(days=5)), "endsOn"),
        (_offer(ends_on=TODAY + timedelta(days=1), starts_on=TODAY + timedelta(days=2)), "endsOn"),
        (_offer(starts_on=TODAY + timedelta(days=400)), "startsOn"),
    ],
)
async def test_bad_offers_are_refused_and_not_kept(
    stores: Settings, given: offers.OfferInput, field: str
) -> None:
    profile = await _profile(await _shop("Forn"))
    with pytest.raises(AccountsError) as refused:
        await offers.add_offer(profile, given, TODAY)
    assert (refused.value.code, refused.value.field) == ("INVALID_INPUT", field)
    assert await Offer.all().count() == 0


async def test_a_shop_keeps_at_most_twenty_offers_to_come(stores: Settings) -> None:
    profile = await _profile(await _shop("Forn"))
    await offers.add_offer(profile, _offer(ends_on=TODAY), TODAY)
    for _ in range(19):
        await offers.add_offer(profile, _offer(), TODAY)
    with pytest.raises(AccountsError) as refused:
        await offers.add_offer(profile, _offer(), TODAY)
    assert refused.value.code == "LIMIT_EXCEEDED"
    # Tomorrow the first has ended and no longer counts.
    tomorrow = TODAY + timedelta(days=1)
    await offers.add_offer(profile, _offer(starts_on=tomorrow), tomorrow)


async def test_an_owner_edits_the_profile_and_an_administrator_can_see_what_changed(
    stores: Settings,
) -> None:
    account = await _shop("Forn Vell", category="bakery")
    profile = await _profile(account)
    owner = await _owner()
    changes = services.ProfileChanges(
        name="  Forn   Nou ",
        address="Carrer de Sants, 1",
        latitude=Decimal("41.375"),
        longitude=Decimal("2.1345678"),
        description="Pa de pagès",
    )
    await services.update_profile(profile, changes, owner)
    await account.refresh_from_db()
    await profile.refresh_from_db()
    assert account.name == "Forn Nou" and account.handle == "forn-vell"
    assert (profile.latitude_e6, profile.longitude_e6) == (41_375_000, 2_134_568)
    assert await _names(MerchantFilter(search="sants")) == ["Forn Nou"]
    assert await _names(MerchantFilter(search="vell")) == []
    entry = (await AuditEntry.filter(action="merchant_profile.update"))[0]
    assert (entry.actor_label, entry.target_type, entry.target_id) == (
        "owner@example.org",
        "account",
        str(account.id),
    )
    assert entry.before == {
        "name": "Forn Vell",
        "address": "Carrer de Verdi, 30",
        "description": "",
        "location": ["41.4036", "2.157"],
    }
    assert entry.after is not None and entry.after["location"] == ["41.375", "2.134568"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (services.ProfileChanges(name=" "), "name"),
        (services.ProfileChanges(category="casino"), "category"),
        (services.ProfileChanges(address="x"), "address"),
        (services.ProfileChanges(neighbourhood="x" * 81), "neighbourhood"),
        (services.ProfileChanges(latitude=Decimal("91"), longitude=Decimal("0")), "location"),
        (services.ProfileChanges(latitude=Decimal("41")), "location"),
        (services.ProfileChanges(description="x" * 1001), "description"),
        (services.ProfileChanges(name="Nou", category="casino"), "category"),
    ],
)
async def test_a_refused_profile_change_changes_nothing(
    stores: Settings, changes: services.ProfileChanges, field: str
) -> None:
    account = await _shop("Forn Vell")
    profile = await _profile(account)
    with pytest.raises(AccountsError) as refused:
        await services.update_profile(profile, changes, await _owner())
    assert (refused.value.code, refused.value.field) == ("INVALID_INPUT", field)
    await account.refresh_from_db()
    assert account.name == "Forn Vell"
    assert await AuditEntry.filter(action="merchant_profile.update").count() == 0


async def test_an_entry_tells_whether_it_is_listed_and_when_it_next_changes(
    stores: Settings,
) -> None:
    account = await _shop("Off The Map", tier=None)
    await services.set_opening_hours(
        await _profile(account), [WeeklyInput(MONDAY, "09:00", "14:00")], [], TODAY
    )
    entry = await merchant_entry(account.id, await _rec(), NOW)
    assert isinstance(entry, MerchantEntry)
    assert not entry.listed and entry.open_now
    assert entry.next_change() == local(TODAY, 14)
    assert await merchant_entry(account.id + 1000, await _rec(), NOW) is None


async def test_the_demo_shops_are_on_the_map_with_their_hours_and_offers(
    stores: Settings,
) -> None:
    from server.demo import SHOPS, load_demo

    await load_demo(stores.data_dir)
    entries, more = await list_merchants(await _rec(), 10)
    assert sorted(e.account.name for e in entries) == sorted(shop.name for shop in SHOPS)
    assert not more and all(e.hours.weekly and e.hours.exceptions for e in entries)
    assert sum(bool(e.offers) for e in entries) == 3


async def test_profiles_made_before_the_directory_migration_are_indexed_by_it(
    relational_url: str,
) -> None:
    """0007 adds the folded name and search text, and fills them in for existing shops."""
    from tortoise import Tortoise, connections
    from tortoise.context import TortoiseContext
    from tortoise.migrations.api import migrate

    from server.stores.relational import apply_migrations, tortoise_config

    async with TortoiseContext():
        await migrate(config=tortoise_config(relational_url), target="rec.0006_webhook_endpoints")
    async with TortoiseContext():
        await Tortoise.init(config=tortoise_config(relational_url))
        client = connections.get("default")
        await client.execute_script(
            "INSERT INTO accounts (kind, name, handle, created_at) "
            "VALUES ('business', 'Cafè  Àvila', 'cafe-avila', CURRENT_TIMESTAMP)"
        )
        await client.execute_script(
            "INSERT INTO merchant_profiles (account_id, category, address, neighbourhood, "
            "latitude_e6, longitude_e6, description, created_at) SELECT id, 'cafe', "
            "'Plaça del Sol, 1', 'Gràcia', 41400000, 2150000, '', CURRENT_TIMESTAMP "
            "FROM accounts WHERE handle = 'cafe-avila'"
        )
        await Tortoise.close_connections()
    await apply_migrations(relational_url)
    async with TortoiseContext():
        await Tortoise.init(config=tortoise_config(relational_url))
        profile = await MerchantProfile.get(address="Plaça del Sol, 1")
        assert profile.sort_name == "cafe avila"
        assert profile.search_text == "cafe avila\nplaca del sol, 1\ngracia\ncafe"
        await Tortoise.close_connections()
