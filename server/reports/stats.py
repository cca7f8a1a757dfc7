"""The administrators' live figures of one currency, fast on millions of journal entries.

The journal is summed ahead of time into small buckets: payments per minute
(`stats_minutes`, kept two days), payments per day of the currency's time zone in all and
per shop received (`stats_days`; a day's total also counts the wallets whose latest entry
falls on it), the latest entry of each wallet (`stats_wallets`). The sealer moves them
forward after it seals (`advance`, in its own transaction, never in a payment's): the
`stats_heads` document says up to which sequence number of the chain they count, and it
moves in the same transaction as the buckets, so each sealed entry is counted once.

`figures` reads the buckets, then adds what they do not count yet (entries not sealed, or
sealed after the head) straight from the journal, so a payment shows as soon as it is
committed. `recompute` sums the journal afresh into the same shape; `rebuild` stores that
(after a change of the currency's time zone, say: days are counted in it).

What `figures` reads does not grow with the journal: 60 minute buckets, 30 day totals,
what shops received on today's date, and the entries not counted yet. What shops received
on the window's earlier days is kept in memory until a late entry changes it (the head's
`late`) or the day turns; the count of all wallets is made at most once a minute.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo

from beanie import Document
from pymongo import ASCENDING, IndexModel, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession

from server import clock
from server.accounts.models import AccountKind
from server.accounts.services import accounts_by_ids
from server.currencies.models import Currency
from server.directory.models import MerchantProfile
from server.ledger.models import EntryKind, JournalEntry, LedgerHead, Wallet
from server.ledger.operations import in_transaction

MINUTES = 60  # the per-minute series: the last hour
DAYS = 30  # the per-day series, active wallets, shops and neighbourhoods: the last 30 days
MINUTES_KEPT = timedelta(days=2)  # older minute buckets expire (TTL index)
TOP_SHOPS = 10
ADVANCE_BATCH = 1000  # entries summed per transaction of `advance`
ADVANCE_BATCHES_MAX = 10  # per call: one round of the sealer
READ_BATCH = 5000  # entries per round trip when recomputing
CONSISTENT_READ_ATTEMPTS = 5


class StatsMinute(Document):
    """Payments of a currency in one UTC minute."""

    currency: str
    start: datetime
    payments: int = 0
    volume_cents: int = 0

    class Settings:
        name = "stats_minutes"
        indexes = [
            IndexModel([("currency", ASCENDING), ("start", ASCENDING)], unique=True),
            IndexModel(
                [("start", ASCENDING)], expireAfterSeconds=int(MINUTES_KEPT.total_seconds())
            ),
        ]


class StatsDay(Document):
    """Payments of a currency on one day of its time zone: in all (`account_id` 0) or
    received by one business account. The day's total also counts the wallets whose
    latest entry falls on that day, so active wallets are a sum over 30 documents."""

    currency: str
    day: str  # "2026-11-28", in the currency's time zone
    account_id: int
    payments: int = 0
    volume_cents: int = 0
    wallets: int = 0  # on the day's total only

    class Settings:
        name = "stats_days"
        indexes = [
            IndexModel(
                [("currency", ASCENDING), ("day", ASCENDING), ("account_id", ASCENDING)],
                unique=True,
            ),
            IndexModel([("currency", ASCENDING), ("account_id", ASCENDING), ("day", ASCENDING)]),
        ]


class StatsWallet(Document):
    """When a (non-issuer) wallet last had a journal entry."""

    currency: str
    account_id: int
    last_entry_at: datetime

    class Settings:
        name = "stats_wallets"
        indexes = [IndexModel([("currency", ASCENDING), ("account_id", ASCENDING)], unique=True)]


class StatsB2b(Document):
    """Payments and refunds between business accounts on one day of the currency's time
    zone, by pair: `pairs["<payer>-<payee>"]` holds `n` payments of `c` cents and `rn`
    refunds (payee to payer) of `rc` cents. A day's pairs are split over `B2B_PARTS`
    documents by payer, so that a month is a few hundred documents however many pairs
    trade (one document per pair and day made a month of the B2B report one read per
    payment on the embedded server), and a day stays far below a document's size limit."""

    currency: str
    day: str
    part: int
    pairs: dict[str, dict[str, int]] = {}

    class Settings:
        name = "stats_b2b"
        indexes = [
            IndexModel(
                [("currency", ASCENDING), ("day", ASCENDING), ("part", ASCENDING)], unique=True
            )
        ]


class StatsHead(Document):
    """Up to which sequence number of the currency's chain the buckets count; `late`
    grows whenever shops' buckets of a day already past change (a cache key). `shape`
    says which buckets exist: buckets of an older shape are rebuilt by `advance`."""

    id: str  # type: ignore[assignment]  # the currency code
    sequence: int = 0
    late: int = 0
    shape: int = 1

    class Settings:
        name = "stats_heads"


DOCUMENT_MODELS: list[type[Document]] = [StatsMinute, StatsDay, StatsWallet, StatsB2b, StatsHead]
# 1: minutes, days, wallets; 2: and the B2B pairs.
SHAPE = 2
B2B_PARTS = 8


# -- summing entries ---------------------------------------------------------------------


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _aware(moment: datetime) -> datetime:
    """Times read back from the store come naive (UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class Tally:
    """What some entries add to the buckets: (payments, volume) per key, last entries."""

    tz: ZoneInfo
    minutes: dict[datetime, list[int]] = field(default_factory=dict)
    days: dict[tuple[str, int], list[int]] = field(default_factory=dict)
    wallets: dict[int, datetime] = field(default_factory=dict)
    # How many wallets' latest entry moved to (+) or away from (-) each day.
    wallet_days: dict[str, int] = field(default_factory=dict)
    kinds: dict[int, str] = field(default_factory=dict)  # account id -> AccountKind value
    # (day, payer, payee) between businesses -> [payments, cents, refunds, refunded cents]
    pairs: dict[tuple[str, int, int], list[int]] = field(default_factory=dict)

    async def learn_kinds(self, entries: Iterable[dict[str, Any]]) -> None:
        """The kinds of the accounts in these entries (business, issuer), one query."""
        wanted: set[int] = set()
        for entry in entries:
            wanted.update(leg["account_id"] for leg in entry["legs"])
        wanted -= self.kinds.keys()
        if wanted:
            found = await accounts_by_ids(wanted)
            for account_id in wanted:
                row = found.get(account_id)
                self.kinds[account_id] = row.kind.value if row else ""

    def add(self, entry: dict[str, Any], since: datetime | None = None) -> None:
        """Adds one entry (kinds learnt first). Minute buckets only from `since` on."""
        at = _aware(entry["created_at"])
        for leg in entry["legs"]:
            account_id = leg["account_id"]
            if self.kinds.get(account_id) == AccountKind.ISSUER.value:
                continue
            if account_id not in self.wallets or self.wallets[account_id] < at:
                self.wallets[account_id] = at
        kind = entry["kind"]
        if kind not in (EntryKind.PAYMENT.value, EntryKind.REFUND.value):
            return
        cents = int(entry["amount_cents"])
        day = at.astimezone(self.tz).date().isoformat()
        payer, payee = entry["from_account_id"], entry["to_account_id"]
        between_businesses = (
            self.kinds.get(payer) == self.kinds.get(payee) == AccountKind.BUSINESS.value
        )
        if kind == EntryKind.REFUND.value:
            # A refund goes from the payee back to the payer: turned round, it lands on
            # the pair of the payment it returns.
            if between_businesses:
                refunded = self.pairs.setdefault((day, payee, payer), [0, 0, 0, 0])
                refunded[2] += 1
                refunded[3] += cents
            return
        if since is None or at >= since:
            _bump(self.minutes.setdefault(_minute(at), [0, 0]), cents)
        _bump(self.days.setdefault((day, 0), [0, 0]), cents)
        if self.kinds.get(payee) == AccountKind.BUSINESS.value:
            _bump(self.days.setdefault((day, payee), [0, 0]), cents)
        if between_businesses:
            _bump(self.pairs.setdefault((day, payer, payee), [0, 0, 0, 0]), cents)

    def day_of(self, moment: datetime) -> str:
        return moment.astimezone(self.tz).date().isoformat()

    def count_wallets_afresh(self) -> None:
        """Each wallet on the day of its latest entry (summing the whole journal)."""
        self.wallet_days = {}
        for at in self.wallets.values():
            day = self.day_of(at)
            self.wallet_days[day] = self.wallet_days.get(day, 0) + 1

    async def move_wallets(self, currency: str, session: AsyncClientSession | None) -> None:
        """The wallets of these entries leave the day of their previous latest entry
        (as stored) for the day of their new one."""
        before = {
            row["account_id"]: _aware(row["last_entry_at"])
            async for row in StatsWallet.get_pymongo_collection().find(
                {"currency": currency, "account_id": {"$in": sorted(self.wallets)}},
                session=session,
            )
        }
        for account_id, at in self.wallets.items():
            old = before.get(account_id)
            if old is not None and old >= at:
                continue
            day = self.day_of(at)
            if old is not None:
                gone = self.day_of(old)
                if gone == day:
                    continue
                self.wallet_days[gone] = self.wallet_days.get(gone, 0) - 1
            self.wallet_days[day] = self.wallet_days.get(day, 0) + 1

    def writes(self, currency: str) -> dict[str, list[UpdateOne]]:
        """The bucket updates adding this tally, by collection."""
        return {
            "minutes": [
                UpdateOne(
                    {"currency": currency, "start": start},
                    {"$inc": {"payments": n, "volume_cents": cents}},
                    upsert=True,
                )
                for start, (n, cents) in self.minutes.items()
            ],
            "days": [
                UpdateOne(
                    {"currency": currency, "day": day, "account_id": account_id},
                    {"$inc": {"payments": n, "volume_cents": cents}},
                    upsert=True,
                )
                for (day, account_id), (n, cents) in self.days.items()
            ]
            + [
                UpdateOne(
                    {"currency": currency, "day": day, "account_id": 0},
                    {"$inc": {"wallets": moved}},
                    upsert=True,
                )
                for day, moved in self.wallet_days.items()
                if moved
            ],
            "wallets": [
                UpdateOne(
                    {"currency": currency, "account_id": account_id},
                    {"$max": {"last_entry_at": at}},
                    upsert=True,
                )
                for account_id, at in self.wallets.items()
            ],
            "b2b": [
                UpdateOne(
                    {"currency": currency, "day": day, "part": part},
                    {"$inc": increments},
                    upsert=True,
                )
                for (day, part), increments in self._b2b_increments().items()
            ],
        }

    def _b2b_increments(self) -> dict[tuple[str, int], dict[str, int]]:
        """One update per day and part, of every pair of it that changed."""
        found: dict[tuple[str, int], dict[str, int]] = {}
        for (day, payer, payee), figures in self.pairs.items():
            increments = found.setdefault((day, payer % B2B_PARTS), {})
            for name, value in zip(PAIR_FIELDS, figures, strict=True):
                if value:
                    increments[f"pairs.{payer}-{payee}.{name}"] = value
        return found


PAIR_FIELDS = ("n", "c", "rn", "rc")  # payments, cents, refunds, refunded cents


def _bump(counter: list[int], cents: int) -> None:
    counter[0] += 1
    counter[1] += cents


def _collections() -> dict[str, Any]:
    return {
        "minutes": StatsMinute.get_pymongo_collection(),
        "days": StatsDay.get_pymongo_collection(),
        "wallets": StatsWallet.get_pymongo_collection(),
        "b2b": StatsB2b.get_pymongo_collection(),
    }


async def _apply(tally: Tally, currency: str, session: AsyncClientSession | None) -> None:
    collections = _collections()
    for name, writes in tally.writes(currency).items():
        if writes:
            await collections[name].bulk_write(writes, ordered=False, session=session)


class _HeadMoved(Exception):
    """Another process moved the buckets forward meanwhile: this round gives way."""


async def stats_sequence(currency: str, session: AsyncClientSession | None = None) -> int:
    head = await StatsHead.get_pymongo_collection().find_one({"_id": currency}, session=session)
    return int(head["sequence"]) if head else 0


async def _outdated(currency: str) -> bool:
    """The currency's buckets were made before some of today's buckets existed."""
    head = await StatsHead.get_pymongo_collection().find_one({"_id": currency})
    return head is not None and int(head.get("shape", 1)) != SHAPE


async def advance(
    currency: Currency, batch: int = ADVANCE_BATCH, batches_max: int = ADVANCE_BATCHES_MAX
) -> int:
    """Adds to the buckets the entries sealed since their head; returns how many. Each
    batch is one transaction with the head's move, conditional on where it started. At
    most `batches_max` batches a call, so that the sealer's round stays short while a
    long backlog (a journal older than these buckets) is caught up over several rounds."""
    journal = JournalEntry.get_pymongo_collection()
    heads = StatsHead.get_pymongo_collection()
    tz = ZoneInfo(currency.timezone)
    since = clock.now() - MINUTES_KEPT
    kinds: dict[int, str] = {}

    async def body(session: AsyncClientSession) -> int:
        head = await heads.find_one({"_id": currency.code}, session=session)
        start = int(head["sequence"]) if head else 0
        rows = (
            await journal.find(
                {"currency": currency.code, "sequence": {"$gt": start}}, session=session
            )
            .sort("sequence", 1)
            .limit(batch)
            .to_list()
        )
        if not rows:
            return 0
        tally = Tally(tz, kinds=kinds)
        await tally.learn_kinds(rows)
        for row in rows:
            tally.add(row, since)
        await tally.move_wallets(currency.code, session)
        await _apply(tally, currency.code, session)
        end = int(rows[-1]["sequence"])
        today = tally.day_of(clock.now())
        late = int(any(account_id and day < today for day, account_id in tally.days))
        if head is None:
            await heads.insert_one(
                {"_id": currency.code, "sequence": end, "late": late, "shape": SHAPE},
                session=session,
            )
        else:
            moved = await heads.update_one(
                {"_id": currency.code, "sequence": start},
                {"$set": {"sequence": end}, "$inc": {"late": late}},
                session=session,
            )
            if moved.matched_count != 1:
                raise _HeadMoved
        return len(rows)

    if await _outdated(currency.code):
        # Buckets counted before the B2B pairs were kept: summed afresh, once.
        before = await stats_sequence(currency.code)
        return max(0, await rebuild(currency) - before)
    # Most rounds find nothing new: that is asked outside any transaction.
    start = await stats_sequence(currency.code)
    if not await journal.find_one(
        {"currency": currency.code, "sequence": {"$gt": start}}, {"_id": 1}
    ):
        return 0
    total = 0
    for _ in range(batches_max):
        try:
            done = int(await in_transaction(body))
        except _HeadMoved:
            return total
        total += done
        if done < batch:
            return total
    return total


async def _count(tally: Tally, rows: list[dict[str, Any]], since: datetime) -> None:
    """Adds these entries to the tally, their accounts' kinds learnt first (one query)."""
    if rows:
        await tally.learn_kinds(rows)
        for row in rows:
            tally.add(row, since)


async def recompute(currency: Currency, upto: int | None = None) -> Tally:
    """The buckets summed afresh from the sealed journal, up to sequence `upto` (the
    buckets' head when not given); minute buckets of the last two days only."""
    if upto is None:
        upto = await stats_sequence(currency.code)
    tally = Tally(ZoneInfo(currency.timezone))
    since = clock.now() - MINUTES_KEPT
    journal = JournalEntry.get_pymongo_collection()
    # One cursor over the range, in no particular order (the sums do not depend on it),
    # taken in chunks: a page per query, sorted and skipped to, would make the embedded
    # document server sort what remains of the range for every page, a quadratic rebuild.
    cursor = journal.find(
        {"currency": currency.code, "sequence": {"$gt": 0, "$lte": upto}},
        {
            "legs": 1,
            "kind": 1,
            "amount_cents": 1,
            "from_account_id": 1,
            "to_account_id": 1,
            "created_at": 1,
            "sequence": 1,
        },
        batch_size=READ_BATCH,
    )
    chunk: list[dict[str, Any]] = []
    async for row in cursor:
        chunk.append(row)
        if len(chunk) == READ_BATCH:
            await _count(tally, chunk, since)
            chunk = []
    await _count(tally, chunk, since)
    tally.count_wallets_afresh()
    return tally


async def stored(currency: Currency) -> Tally:
    """The buckets as stored, in the shape of `recompute` (minutes of the last two days)."""
    tally = Tally(ZoneInfo(currency.timezone))
    collections = _collections()
    since = _minute(clock.now() - MINUTES_KEPT) + timedelta(minutes=1)
    async for row in collections["minutes"].find(
        {"currency": currency.code, "start": {"$gte": since}}
    ):
        tally.minutes[_aware(row["start"])] = [row["payments"], row["volume_cents"]]
    async for row in collections["days"].find({"currency": currency.code}):
        if row.get("payments") or row.get("volume_cents"):
            tally.days[(row["day"], row["account_id"])] = [row["payments"], row["volume_cents"]]
        if row.get("wallets"):
            tally.wallet_days[row["day"]] = row["wallets"]
    async for row in collections["wallets"].find({"currency": currency.code}):
        tally.wallets[row["account_id"]] = _aware(row["last_entry_at"])
    async for row in collections["b2b"].find({"currency": currency.code}):
        for pair, figures in _pairs_of(row).items():
            tally.pairs[(row["day"], *pair)] = figures
    return tally


def _pairs_of(bucket: dict[str, Any]) -> dict[tuple[int, int], list[int]]:
    """(payer, payee) -> [payments, cents, refunds, refunded cents] of one B2B bucket."""
    found = {}
    for key, figures in bucket.get("pairs", {}).items():
        payer, _, payee = key.partition("-")
        found[(int(payer), int(payee))] = [int(figures.get(name, 0)) for name in PAIR_FIELDS]
    return found


async def rebuild(currency: Currency, transactional: bool = True) -> int:
    """Replaces the currency's buckets by what the journal sealed so far sums to; returns
    the sequence they count up to. In one transaction (a concurrent `advance` conflicts
    and tries again after), unless `transactional` is False: for a store nothing else
    writes to, such as a benchmark's."""
    ledger_head = await LedgerHead.get_pymongo_collection().find_one({"_id": currency.code})
    upto = int(ledger_head["sequence"]) if ledger_head else 0
    tally = await recompute(currency, upto)
    collections = _collections()
    heads = StatsHead.get_pymongo_collection()

    async def body(session: AsyncClientSession | None) -> None:
        for collection in collections.values():
            await collection.delete_many({"currency": currency.code}, session=session)
        await _apply(tally, currency.code, session)
        await heads.update_one(
            {"_id": currency.code},
            {"$set": {"sequence": upto, "shape": SHAPE}, "$inc": {"late": 1}},
            upsert=True,
            session=session,
        )

    if transactional:
        await in_transaction(body)
    else:
        await body(None)
    return upto


# -- the figures ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    start: datetime
    payments: int
    volume_cents: int


@dataclass(frozen=True)
class ShopFigure:
    account_id: int
    name: str
    handle: str
    payments: int
    volume_cents: int


@dataclass(frozen=True)
class AreaFigure:
    name: str  # "" for shops without a neighbourhood
    payments: int
    volume_cents: int


@dataclass(frozen=True)
class Figures:
    currency: str
    generated_at: datetime
    per_minute: list[Point]
    per_day: list[Point]
    active_wallets: int
    total_wallets: int
    supply_cents: int
    top_shops: list[ShopFigure]
    neighbourhoods: list[AreaFigure]

    def same_as(self, other: Figures | None) -> bool:
        """Equal but for when they were made."""
        return other is not None and {**self.__dict__, "generated_at": None} == {
            **other.__dict__,
            "generated_at": None,
        }


@dataclass
class _Read:
    minutes: dict[datetime, list[int]]
    days: dict[tuple[str, int], list[int]]  # the days' totals, (day, 0)
    shops: dict[int, list[int]]  # received in the window, by business account
    active: int
    tail: Tally


# Per process: what shops received on the window's days before today, as of a head's
# `late` count. Those buckets change only when a late entry is counted.
_past_shops: dict[str, tuple[tuple[str, str, int], dict[int, list[int]]]] = {}
# Per process: wallets per currency, counted at most once a minute (a count of every
# wallet is the one read here that grows with the platform).
_wallet_counts: dict[str, tuple[float, int]] = {}
WALLET_COUNT_MAX_AGE_S = 60.0


async def _head_of(code: str) -> tuple[int, int]:
    head = await StatsHead.get_pymongo_collection().find_one({"_id": code})
    return (int(head["sequence"]), int(head.get("late", 0))) if head else (0, 0)


async def _read(
    currency: Currency, first_minute: datetime, first_day: date, today: date, fresh: bool
) -> _Read:
    """Buckets plus the entries they do not count yet, read consistently: when the
    buckets' head moved during the reads, they are read again."""
    collections = _collections()
    tz = ZoneInfo(currency.timezone)
    code, first, now_day = currency.code, first_day.isoformat(), today.isoformat()
    window = datetime.combine(first_day, time(), tzinfo=tz)
    for attempt in range(CONSISTENT_READ_ATTEMPTS):
        head = await _head_of(code)
        minutes = {
            _aware(row["start"]): [row["payments"], row["volume_cents"]]
            async for row in collections["minutes"].find(
                {"currency": code, "start": {"$gte": first_minute}}
            )
        }
        totals = (
            await collections["days"]
            .find({"currency": code, "account_id": 0, "day": {"$gte": first}})
            .to_list()
        )
        days = {
            (row["day"], 0): [row.get("payments", 0), row.get("volume_cents", 0)] for row in totals
        }
        active = sum(row.get("wallets", 0) for row in totals)
        key = (first, now_day, head[1])
        cached = _past_shops.get(code)
        if fresh or cached is None or cached[0] != key:
            past: dict[int, list[int]] = {}
            async for row in collections["days"].find(
                {"currency": code, "account_id": {"$gt": 0}, "day": {"$gte": first, "$lt": now_day}}
            ):
                _bump_by(
                    past.setdefault(row["account_id"], [0, 0]), row["payments"], row["volume_cents"]
                )
            cached = (key, past)
        shops = {account_id: list(counter) for account_id, counter in cached[1].items()}
        async for row in collections["days"].find(
            {"currency": code, "day": now_day, "account_id": {"$gt": 0}}
        ):
            _bump_by(
                shops.setdefault(row["account_id"], [0, 0]), row["payments"], row["volume_cents"]
            )
        tail = await _uncounted(currency, head[0], first_minute)
        # Wallets the tail makes active that the buckets did not count as active yet.
        recent = {account_id for account_id, at in tail.wallets.items() if at >= window}
        if recent:
            counted = await collections["wallets"].count_documents(
                {
                    "currency": code,
                    "account_id": {"$in": sorted(recent)},
                    "last_entry_at": {"$gte": window},
                }
            )
            active += len(recent) - counted
        if await _head_of(code) == head or attempt == CONSISTENT_READ_ATTEMPTS - 1:
            _past_shops[code] = cached
            return _Read(minutes, days, shops, active, tail)
    raise AssertionError("unreachable")


async def _uncounted(currency: Currency, head: int, minutes_since: datetime) -> Tally:
    """The entries the buckets do not count yet, summed (minute buckets from
    `minutes_since` on): those not sealed, then those sealed after the head `head`; one
    sealed in between is in both reads, and is counted once."""
    journal = JournalEntry.get_pymongo_collection()
    unsealed = await journal.find({"currency": currency.code, "sequence": None}).to_list()
    later = await journal.find({"currency": currency.code, "sequence": {"$gt": head}}).to_list()
    rows = list({row["_id"]: row for row in [*unsealed, *later]}.values())
    tail = Tally(ZoneInfo(currency.timezone))
    await tail.learn_kinds(rows)
    for row in rows:
        tail.add(row, minutes_since)
    return tail


def _merge(into: dict[Any, list[int]], more: dict[Any, list[int]]) -> None:
    for key, (n, cents) in more.items():
        counter = into.setdefault(key, [0, 0])
        counter[0] += n
        counter[1] += cents


async def figures(currency: Currency, now: datetime | None = None, fresh: bool = False) -> Figures:
    """The dashboard's figures of the currency, now. `fresh` reads past every cache."""
    now = now or clock.now()
    tz = ZoneInfo(currency.timezone)
    first_minute = _minute(now) - timedelta(minutes=MINUTES - 1)
    today = now.astimezone(tz).date()
    first_day = today - timedelta(days=DAYS - 1)
    read = await _read(currency, first_minute, first_day, today, fresh)
    _merge(read.minutes, {k: v for k, v in read.tail.minutes.items() if k >= first_minute})
    first = first_day.isoformat()
    shops = read.shops
    for (label, account_id), (n, cents) in read.tail.days.items():
        if label < first:
            continue
        if account_id:
            _bump_by(shops.setdefault(account_id, [0, 0]), n, cents)
        else:
            _bump_by(read.days.setdefault((label, 0), [0, 0]), n, cents)

    per_minute = []
    for step in range(MINUTES):
        start = first_minute + timedelta(minutes=step)
        n, cents = read.minutes.get(start, [0, 0])
        per_minute.append(Point(start, n, cents))
    per_day = []
    for step in range(DAYS):
        day = first_day + timedelta(days=step)
        n, cents = read.days.get((day.isoformat(), 0), [0, 0])
        per_day.append(Point(datetime.combine(day, time(), tzinfo=tz), n, cents))
    return Figures(
        currency=currency.code,
        generated_at=now,
        per_minute=per_minute,
        per_day=per_day,
        active_wallets=read.active,
        total_wallets=await _wallet_count(currency, fresh),
        supply_cents=await supply_cents(currency),
        top_shops=await _top_shops(shops),
        neighbourhoods=await _neighbourhoods(shops),
    )


async def b2b_pairs(
    currency: Currency, first_day: date, last_day: date
) -> dict[tuple[int, int], list[int]]:
    """Payments and refunds between business accounts from `first_day` to `last_day`
    (both included, days of the currency's time zone), by (payer, payee): [payments,
    cents, refunds, refunded cents]. The pairs' buckets of those days plus the entries
    they do not count yet, read consistently like the dashboard's figures; buckets of an
    older shape (no pairs yet) are passed over for the journal itself."""
    code, first, last = currency.code, first_day.isoformat(), last_day.isoformat()
    # Up to the day after, not `$lte` the last day: the embedded server's index scan
    # leaves out the last day's documents when more fields follow `day` in the index.
    after = (last_day + timedelta(days=1)).isoformat()
    heads = StatsHead.get_pymongo_collection()
    for attempt in range(CONSISTENT_READ_ATTEMPTS):
        head = await heads.find_one({"_id": code})
        counted = int(head["sequence"]) if head and head.get("shape", 1) == SHAPE else 0
        pairs: dict[tuple[int, int], list[int]] = {}
        if counted:
            async for bucket in _collections()["b2b"].find(
                {"currency": code, "day": {"$gte": first, "$lt": after}}
            ):
                for pair, figures in _pairs_of(bucket).items():
                    _add_pair(pairs.setdefault(pair, [0, 0, 0, 0]), figures)
        tail = await _uncounted(currency, counted, clock.now())
        for (day, payer, payee), figures in tail.pairs.items():
            if first <= day <= last:
                _add_pair(pairs.setdefault((payer, payee), [0, 0, 0, 0]), figures)
        if await heads.find_one({"_id": code}) == head or attempt == CONSISTENT_READ_ATTEMPTS - 1:
            return pairs
    raise AssertionError("unreachable")


def _add_pair(into: list[int], figures: list[int]) -> None:
    for index, value in enumerate(figures):
        into[index] += value


def _bump_by(counter: list[int], n: int, cents: int) -> None:
    counter[0] += n
    counter[1] += cents


async def _wallet_count(currency: Currency, fresh: bool) -> int:
    """Wallets but the issuer's; counted again when the count is a minute old."""
    counted = _wallet_counts.get(currency.code)
    if counted is not None and not fresh and monotonic() - counted[0] < WALLET_COUNT_MAX_AGE_S:
        return counted[1]
    wallets = Wallet.get_pymongo_collection()
    count = await wallets.count_documents({"currency": currency.code})
    issuer = currency.issuer_account_id  # type: ignore[attr-defined]
    if issuer is not None and await wallets.find_one(
        {"account_id": issuer, "currency": currency.code}, {"_id": 1}
    ):
        count -= 1
    _wallet_counts[currency.code] = (monotonic(), int(count))
    return int(count)


async def supply_cents(currency: Currency) -> int:
    """Money in circulation: the sum of non-issuer balances, which double entry makes
    minus the issuer's balance (minted less burned)."""
    issuer = currency.issuer_account_id  # type: ignore[attr-defined]
    if issuer is None:
        return 0
    wallet = await Wallet.get_pymongo_collection().find_one(
        {"account_id": issuer, "currency": currency.code}, {"balance_cents": 1}
    )
    return -int(wallet["balance_cents"]) if wallet else 0


def _ranked(totals: dict[int, list[int]]) -> list[tuple[int, int, int]]:
    """(account id, payments, cents), the most received first."""
    return sorted(
        ((account_id, n, cents) for account_id, (n, cents) in totals.items()),
        key=lambda row: (-row[2], -row[1], row[0]),
    )


async def _top_shops(shops: dict[int, list[int]]) -> list[ShopFigure]:
    top = _ranked(shops)[:TOP_SHOPS]
    accounts = await accounts_by_ids(account_id for account_id, _, _ in top)
    return [
        ShopFigure(
            account_id=account_id,
            name=accounts[account_id].name if account_id in accounts else "",
            handle=accounts[account_id].handle if account_id in accounts else "",
            payments=n,
            volume_cents=cents,
        )
        for account_id, n, cents in top
    ]


async def _neighbourhoods(shops: dict[int, list[int]]) -> list[AreaFigure]:
    """Payments to shops by the neighbourhood their directory profile names now."""
    if not shops:
        return []
    places = dict(
        await MerchantProfile.filter(account_id__in=list(shops)).values_list(
            "account_id", "neighbourhood"
        )
    )
    areas: dict[str, list[int]] = {}
    for account_id, (n, cents) in shops.items():
        _bump_by(areas.setdefault(str(places.get(account_id) or ""), [0, 0]), n, cents)
    return [
        AreaFigure(name, n, cents)
        for name, (n, cents) in sorted(areas.items(), key=lambda kv: (-kv[1][1], kv[0]))
    ]


async def version(currency: str) -> tuple[int, int, Any]:
    """Changes whenever an entry of the currency is committed, sealed or counted: cheap
    to ask often (two indexed reads)."""
    journal = JournalEntry.get_pymongo_collection()
    unsealed = (
        await journal.find({"currency": currency, "sequence": None}, {"_id": 1})
        .sort("_id", -1)
        .to_list()
    )
    newest = unsealed[0]["_id"] if unsealed else None
    return await stats_sequence(currency), len(unsealed), newest
