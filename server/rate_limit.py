"""Requests per caller, one limit shared by every app process.

A caller (a person, an API key, or an address when signed out) may make `per_minute`
requests a minute and `burst` of them at once. The allowance is held in the document
store, one document per caller in `rate_limits`, so that the app processes behind a load
balancer hold one limit between them rather than one each.

The algorithm is GCRA, the generic cell rate algorithm: a token bucket written as one
number, the caller's theoretical arrival time `tat`. Each allowed request moves it on by
the emission interval T = 60 s / per_minute, from now if it lies in the past, and a request
is allowed when that leaves `tat` at most `burst` × T ahead of now. That is a bucket of
`burst` tokens refilled at `per_minute` a minute: `burst` requests at once, then one every
T, and a refused caller waits until one more would be allowed.

One take is one read and, when the request is allowed, one conditional write:

- no document for the caller: insert one (a duplicate key means another process inserted
  it first: read again);
- `tat` in the past: set it to now + T, on condition that it still is in the past;
- `tat` ahead of now by at most (`burst` − 1) × T: add T (`$inc`), on condition that it
  still is within that.

Each condition is the case of the algorithm the write computes, so takes racing in several
processes never allow more than the allowance: the server applies the writes one after
the other, a write whose condition no longer holds changes nothing, and its taker reads
again (a few times, after a short random wait). Takes by one busy caller within its burst
`$inc` one after the other and lose no race. A refusal writes nothing: a flood costs one
read per request.

Times are integer microseconds since the epoch from `server.clock`, so that the sums are
exact. The processes' clocks must agree (NTP does): a process whose clock runs ahead by d
allows d / T requests more. `expires_at` is no earlier than the moment the allowance is
whole again, which is what no document means, so a TTL index removes idle callers.

When the document store cannot be reached, each process limits its callers alone, in
memory (`LocalRateLimiter`, the buckets this module held before), and logs a warning at
most once a minute: refusing every payment because the limiter's store hiccups would be
worse than a limit N times too generous for a while, and the operations that move money
need that store anyway, so they fail on their own."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from beanie import Document
from beanie.exceptions import CollectionWasNotInitialized
from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError, PyMongoError

from server import clock

log = logging.getLogger("rec.rate_limit")

BUCKETS_MAX = 100_000  # in memory, beyond this the longest-idle buckets are forgotten
ATTEMPTS = 6  # reads and conditional writes before a take that keeps losing races gives up
BACKOFF_S = 0.002  # the first wait after a lost race, at most; doubles with each attempt
WARN_EVERY_S = 60.0  # at most one warning a minute while the store cannot be reached
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


class RateLimit(Document):
    """A caller's allowance: when it would be whole again."""

    id: str  # type: ignore[assignment]  # the caller: "user:12", "key:3", "address:…"
    tat: int  # theoretical arrival time, microseconds since the epoch
    expires_at: datetime  # no earlier than `tat`: removed by the TTL monitor after it

    class Settings:
        name = "rate_limits"
        indexes = [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0)]


DOCUMENT_MODELS: list[type[Document]] = [RateLimit]


def _micros(moment: datetime) -> int:
    return (moment - EPOCH) // MICROSECOND


def _moment(micros: int) -> datetime:
    """The moment, rounded up to the millisecond: BSON dates hold no finer."""
    return EPOCH + timedelta(milliseconds=-(-micros // 1000))


@dataclass
class _Bucket:
    tokens: float
    at: float


@dataclass
class LocalRateLimiter:
    """A token bucket per caller in this process's memory: the fallback while the document
    store cannot be reached."""

    per_minute: int
    burst: int
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    def take(self, caller: str, now: float | None = None) -> float:
        """Takes one request from the caller's bucket: 0 when allowed, else the seconds
        to wait before the next one would be."""
        now = time.monotonic() if now is None else now
        rate = self.per_minute / 60.0
        bucket = self._buckets.get(caller)
        if bucket is None:
            if len(self._buckets) >= BUCKETS_MAX:
                self._forget_idle()
            bucket = self._buckets[caller] = _Bucket(tokens=float(self.burst), at=now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * rate)
        bucket.at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / rate

    def _forget_idle(self) -> None:
        oldest = sorted(self._buckets.items(), key=lambda item: item[1].at)
        for caller, _ in oldest[: len(oldest) // 2]:
            del self._buckets[caller]


@dataclass
class RateLimiter:
    """The limit every process shares, held in `rate_limits`."""

    per_minute: int
    burst: int
    timeout_s: float = 2.0  # a take that waits longer on the store falls back to memory
    local: LocalRateLimiter = field(init=False)
    _warned_at: float | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.per_minute <= 0 or self.burst <= 0:
            raise ValueError("a rate limit needs a positive rate and burst")
        self.local = LocalRateLimiter(per_minute=self.per_minute, burst=self.burst)

    @property
    def interval_us(self) -> int:
        """T, the emission interval: one request every T at the steady rate."""
        return max(1, round(60_000_000 / self.per_minute))

    async def take(self, caller: str, now: datetime | None = None) -> float:
        """Takes one request from the caller's allowance: 0 when allowed, else the seconds
        to wait before the next one would be."""
        try:
            async with asyncio.timeout(self.timeout_s):
                return await self._take_shared(caller, now)
        except (PyMongoError, TimeoutError, CollectionWasNotInitialized) as error:
            # Let the request through under this process's own limit: see the docstring.
            self._warn(error)
            return self.local.take(caller)

    async def _take_shared(self, caller: str, now: datetime | None) -> float:
        limits = RateLimit.get_pymongo_collection()
        interval = self.interval_us
        tolerance = (self.burst - 1) * interval  # how far ahead `tat` may be and allow one more
        for attempt in range(ATTEMPTS):
            at = _micros(now or clock.now())
            found = await limits.find_one({"_id": caller}, {"tat": 1})
            tat: int | None = found["tat"] if found else None
            if tat is not None and tat > at + tolerance:
                return (tat - tolerance - at) / 1e6  # refused: nothing written
            expires = _moment(at + self.burst * interval)  # a bound on the new `tat`
            if tat is None:
                try:
                    await limits.insert_one(
                        {"_id": caller, "tat": at + interval, "expires_at": expires}
                    )
                    return 0.0
                except DuplicateKeyError:
                    pass  # another process's first take of this caller came first
            else:
                condition: dict[str, Any] = {"$lte": at}  # idle: from now
                change: dict[str, Any] = {"$set": {"tat": at + interval}}
                if tat > at:  # busy, within the burst: on from where it is
                    condition = {"$gt": at, "$lte": at + tolerance}
                    change = {"$inc": {"tat": interval}}
                done = await limits.update_one(
                    {"_id": caller, "tat": condition},
                    {**change, "$max": {"expires_at": expires}},
                )
                if done.matched_count:
                    return 0.0
            await asyncio.sleep(random.uniform(0, BACKOFF_S * 2**attempt))
        # Every attempt lost a race to other takes of this very caller: it is sending many
        # requests at once, and one interval is the least it would wait for the next.
        return interval / 1e6

    def _warn(self, error: Exception) -> None:
        moment = time.monotonic()
        if self._warned_at is not None and moment - self._warned_at < WARN_EVERY_S:
            return
        self._warned_at = moment
        log.warning(
            "rate limits: the document store did not answer (%s: %s); each process limits "
            "its callers alone until it does",
            type(error).__name__,
            str(error) or f"no answer within {self.timeout_s} s",
        )
