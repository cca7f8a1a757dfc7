"""Opening hours: weekly ranges and dated exceptions, as wall-clock times in a time zone.

Pure functions, no storage: the directory's listing and the tests call them alike.

How hours are read:

- A range belongs to the day it opens on. A close before the open runs past midnight
  into the next day ("20:00" to "02:00"); a close of 24:00 is the midnight ending the day.
- An exception for a date replaces the weekly ranges that open on that date (none:
  closed all day). A range opened the evening before still runs to its close, as a bar's
  Friday night ends on Saturday whatever Saturday's exception says.
- Times are the clock on the wall in the currency's zone. On the night the clocks go
  forward, a time that does not exist (02:30 in Madrid) is the moment the clocks jump
  (03:00). On the night they go back, a time the clock shows twice is its first showing.
  So a shop open 20:00 to 02:30 closes the first time the clock reads 02:30, and does not
  open again when the clock falls back to 02:00.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60
DAYS_PER_WEEK = 7
# How far ahead next_change looks: long enough for a summer closure.
NEXT_CHANGE_HORIZON_DAYS = 62
_HH_MM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


@dataclass(frozen=True)
class Range:
    """From `opens` to `closes`, minutes after local midnight; see the module's notes."""

    opens: int
    closes: int

    @property
    def end_minute(self) -> int:
        """The close counted from the same midnight as the open (past 1440 overnight)."""
        return self.closes if self.closes > self.opens else self.closes + MINUTES_PER_DAY


@dataclass(frozen=True)
class WeeklyRange(Range):
    day: int  # 0 Monday to 6 Sunday, as date.weekday()


@dataclass(frozen=True)
class DateException:
    on: date
    ranges: tuple[Range, ...] = ()

    @property
    def closed(self) -> bool:
        return not self.ranges


def parse_time(text: str, *, closing: bool = False) -> int | None:
    """Minutes after midnight of "HH:MM" (00:00 to 23:59; closes may also say 24:00), or
    None when the text is not such a time."""
    if closing and text == "24:00":
        return MINUTES_PER_DAY
    found = _HH_MM.fullmatch(text)
    return int(found.group(1)) * 60 + int(found.group(2)) if found else None


def format_time(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def make_range(opens: int, closes: int) -> Range:
    """A range with a close at 00:00 read as the midnight ending the day (24:00)."""
    return Range(opens, MINUTES_PER_DAY if closes == 0 else closes)


def _wall(instant: datetime, tz: ZoneInfo) -> datetime:
    return instant.astimezone(tz).replace(tzinfo=None)


def instant_of(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """The moment (UTC) the clock in `tz` first shows `minute` after `day`'s midnight, or
    the moment it jumps past that time when the time does not exist that day."""
    wall = datetime.combine(day, time()) + timedelta(minutes=minute)
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if _wall(first, tz) == wall:
        return first  # an ordinary time, or the first of a time shown twice
    # In the gap the clocks jump over: the two readings of the offset bracket the jump.
    other = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    low, high = min(first, other), max(first, other)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if _wall(middle, tz) >= wall:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


class _Week:
    """Weekly ranges by day, and exceptions by date: which ranges open on a date."""

    def __init__(self, weekly: Iterable[WeeklyRange], exceptions: Iterable[DateException]):
        self.by_day: dict[int, list[Range]] = {}
        for weekly_range in weekly:
            self.by_day.setdefault(weekly_range.day, []).append(
                Range(weekly_range.opens, weekly_range.closes)
            )
        self.by_date: Mapping[date, tuple[Range, ...]] = {e.on: e.ranges for e in exceptions}

    def ranges_on(self, day: date) -> Sequence[Range]:
        if day in self.by_date:
            return self.by_date[day]
        return self.by_day.get(day.weekday(), ())

    def intervals_on(self, day: date, tz: ZoneInfo) -> Iterator[tuple[datetime, datetime]]:
        """The instants of the openings that start on `day`, empty ones left out (a range
        that lies wholly in the hour the clocks skip never opens)."""
        for opening in self.ranges_on(day):
            start = instant_of(day, opening.opens, tz)
            end = instant_of(day, opening.end_minute, tz)
            if end > start:
                yield start, end

    def has_any(self) -> bool:
        return bool(self.by_day) or any(self.by_date.values())


def _local_day(at: datetime, tz: ZoneInfo) -> date:
    if at.tzinfo is None:
        raise ValueError("give an aware datetime: a naive one names no moment")
    return at.astimezone(tz).date()


def is_open(
    hours: Iterable[WeeklyRange],
    exceptions: Iterable[DateException],
    at: datetime,
    tz: ZoneInfo,
) -> bool:
    """Whether the shop is open at the moment `at` (timezone-aware)."""
    week = _Week(hours, exceptions)
    today = _local_day(at, tz)
    # An opening lasts at most a day: only yesterday's and today's can hold `at`.
    for day in (today - timedelta(days=1), today):
        if any(start <= at < end for start, end in week.intervals_on(day, tz)):
            return True
    return False


def next_change(
    hours: Iterable[WeeklyRange],
    exceptions: Iterable[DateException],
    at: datetime,
    tz: ZoneInfo,
    horizon_days: int = NEXT_CHANGE_HORIZON_DAYS,
) -> datetime | None:
    """The first moment after `at` when the shop opens (if closed at `at`) or closes (if
    open), or None when that does not happen within `horizon_days`. Openings that touch
    (23:00 to 24:00, then 00:00 to 01:00) are one opening: no change at their seam."""
    week = _Week(hours, exceptions)
    today = _local_day(at, tz)
    if not week.has_any():
        return None
    open_until: datetime | None = None  # the end of the opening holding `at`, if one does
    for offset in range(-1, horizon_days + 1):
        day = today + timedelta(days=offset)
        # Openings of later days start at or after this instant.
        frontier = instant_of(day + timedelta(days=1), 0, tz)
        for start, end in sorted(week.intervals_on(day, tz)):
            if open_until is not None and start <= open_until:
                open_until = max(open_until, end)
            elif open_until is None and start <= at < end:
                open_until = end
            elif open_until is None and start > at:
                return start
        if open_until is not None and open_until < frontier:
            return open_until
    return None
